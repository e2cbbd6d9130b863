"""Setup pages: an account admin (a membership role, not Django staff) reaches every one of
them; anyone else finds nothing there."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PAGES = [
    "/setup/",
    "/setup/audit/",
    "/setup/touchpoints/",
    "/setup/touchpoints/new",
    "/setup/touchpoints/repair/",
    "/setup/touchpoints/repair/wording?lang=de",
    "/setup/touchpoints/repair/questions",
    "/setup/touchpoints/repair/questions?edit=new",
    "/setup/touchpoints/repair/tickets",
    "/setup/touchpoints/repair/test",
    "/setup/root-causes/",
    "/setup/units/",
    "/setup/units/export.csv",
    "/setup/kiosks/",
    "/setup/widget-keys/",
    "/setup/api-keys/",
    "/setup/webhooks/",
    "/setup/sms/",
]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_account_admin_reaches_every_setup_page_without_being_staff(people, brand):
    admin = people["brand_admin"]
    assert not admin.is_staff
    client = signed_in(admin)
    for url in PAGES:
        assert client.get(url).status_code == 200, url
    assert client.get(f"/setup/units/{brand.store.pk}/").status_code == 200
    assert b'href="/setup/"' in client.get("/").content  # the Setup link


@pytest.mark.parametrize("who", ["north_manager", "agent"])
def test_setup_does_not_exist_for_managers_and_frontline(people, brand, who):
    client = signed_in(people[who])
    for url in PAGES:
        assert client.get(url).status_code == 404, url
    assert b'href="/setup/"' not in client.get("/").content


def test_another_accounts_admin_sets_up_their_own_account_only(people, brand):
    client = signed_in(people["outsider"])
    page = client.get("/setup/?account=nimbus").content.decode()
    assert "Other Co" in page and "Nimbus" not in page
    for url in PAGES[4:10]:  # the brand's repair touchpoint
        assert client.get(url).status_code == 404, url
    assert client.get(f"/setup/units/{brand.store.pk}/").status_code == 404


def test_the_demo_cx_lead_sets_up_the_demo_brand_and_no_one_else_can():
    from touchpoint.demo.seed import DEMO_PASSWORD, seed_demo

    seed_demo(interactions=200)
    client = Client()
    assert client.login(username="cx-lead", password=DEMO_PASSWORD)
    for url in PAGES:
        assert client.get(url).status_code == 200, url
    manager = Client()
    assert manager.login(username="london-manager", password=DEMO_PASSWORD)
    assert manager.get("/setup/").status_code == 404
