"""People at scale: the People page searches, sorts and pages; members are added in bulk from
the unit file's format, within one's own part of the tree."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from touchpoint.accounts.models import MemberInvitation, Membership

pytestmark = pytest.mark.django_db
User = get_user_model()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def crowd(brand, people):
    """60 viewers at Lille, from aaron-00 to aaron-59."""
    for n in range(60):
        user = User.objects.create_user(
            f"aaron-{n:02d}", f"aaron-{n:02d}@example.com", "pw", last_name=f"Zed{n:02d}"
        )
        Membership.objects.create(user=user, unit=brand.store, role="viewer")


def listed(html: str) -> list[str]:
    return re.findall(r'<span class="muted">([\w.-]+@example\.com)</span>', html)


def test_the_people_page_pages_fifty_at_a_time(people, crowd):
    client = signed_in(people["brand_admin"])
    first = client.get("/people/").content.decode()
    assert len(listed(first)) == 50
    assert "Page 1 of 2" in first and "65 members" in first
    second = client.get("/people/?page=2").content.decode()
    assert len(listed(second)) == 15
    assert not set(listed(first)) & set(listed(second))


def test_the_people_page_finds_by_name_email_or_unit(people, crowd):
    client = signed_in(people["brand_admin"])
    assert listed(client.get("/people/?q=zed07").content.decode()) == ["aaron-07@example.com"]
    by_unit = listed(client.get("/people/?q=Nice").content.decode())
    assert by_unit == ["nice-manager@example.com"]
    assert listed(client.get("/people/?q=store-040").content.decode()) == by_unit


def test_the_people_page_sorts_by_a_column_both_ways(people, crowd):
    client = signed_in(people["brand_admin"])
    by_person = listed(client.get("/people/?sort=person&q=aaron").content.decode())
    assert by_person[:2] == ["aaron-00@example.com", "aaron-01@example.com"]
    backwards = listed(client.get("/people/?sort=-person&q=aaron").content.decode())
    assert backwards[:2] == ["aaron-59@example.com", "aaron-58@example.com"]
    by_role = listed(client.get("/people/?sort=role").content.decode())
    assert by_role[0] == "cx-lead@example.com"  # the admin first


def upload(client: Client, text: str):
    file = SimpleUploadedFile("people.csv", text.encode(), content_type="text/csv")
    return client.post("/people/upload", {"file": file})


def test_a_manager_adds_people_in_bulk_after_seeing_the_plan(brand, people):
    client = signed_in(people["north_manager"])
    planned = upload(client, "code,managers\nstore-012,ana@example.com:viewer; bo@example.com\n")
    assert planned.status_code == 302
    page = client.get(planned["Location"]).content.decode()
    assert "ana@example.com (viewer)" in page and "bo@example.com (manager)" in page
    assert not MemberInvitation.objects.exists()  # nothing until it is applied
    digest = re.search(r'name="digest" value="(\w+)"', page).group(1)
    done = client.post(planned["Location"], {"digest": digest})
    assert done.status_code == 302
    invited = {(i.email, i.role) for i in MemberInvitation.objects.filter(unit=brand.store)}
    assert invited == {("ana@example.com", "viewer"), ("bo@example.com", "manager")}
    assert all(i.invited_by == people["north_manager"] for i in MemberInvitation.objects.all())


def test_bulk_people_stay_within_ones_scope_and_role(brand, people):
    client = signed_in(people["north_manager"])
    refused = upload(
        client,
        "code,managers\nstore-040,eve@example.com\nstore-012,boss@example.com:admin\n",
    )
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "line 2.code" in page and "no unit with code store-040" in page  # the south
    assert "line 3.managers" in page and "above your own" in page
    assert not MemberInvitation.objects.exists()
