"""The in-store kiosk: an unattended tablet per store, behind a secret, revocable link."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from tests.conftest import fold_rollups
from touchpoint.kiosks.actions import do_create_kiosk, do_new_kiosk_link, do_revoke_kiosk
from touchpoint.kiosks.models import Kiosk
from touchpoint.reports.models import Rollup
from touchpoint.responses.models import Response

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def kiosk(brand):
    return do_create_kiosk(
        account=brand.account, unit=brand.store, touchpoint=brand.purchase, name="Till 2"
    )


def test_the_kiosk_asks_the_question_without_any_personal_data(brand, kiosk, client):
    page = client.get(kiosk.path, headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Quelle est la probabilité que vous recommandiez Nimbus Mobile" in html
    assert 'lang="fr"' in html
    assert page["Cache-Control"].startswith("max-age=0")
    for n in range(11):
        assert f'id="score-{n}"' in html
    assert "@" not in html.replace("@media", "")  # no email address, no contact of any kind


def test_an_answer_is_attributed_to_the_store_with_channel_kiosk(brand, kiosk, client):
    answer = client.post(kiosk.path, {"score": "10", "comment": "Lovely staff"})
    assert answer.status_code == 302
    assert answer["Location"] == f"{kiosk.path}thanks"
    response = Response.objects.get()
    assert (response.score, response.comment, response.channel) == (10, "Lovely staff", "kiosk")
    assert (response.unit, response.kiosk, response.contact) == (brand.store, kiosk.kiosk, None)
    assert response.attribution["region"]["code"] == "north"
    fold_rollups()  # what the worker does within a second
    assert Rollup.objects.filter(unit=brand.brand, channel="kiosk").exists()


def test_the_thank_you_goes_back_to_the_question_by_itself(kiosk, client):
    client.post(kiosk.path, {"score": "7"})
    thanks = client.get(f"{kiosk.path}thanks").content.decode()
    assert "Thank you for your answer!" in thanks
    assert f'<meta http-equiv="refresh" content="5;url={kiosk.path}">' in thanks


def test_a_tap_without_a_score_stores_nothing(kiosk, client):
    page = client.post(kiosk.path, {"score": "11", "comment": "spam"})
    assert page.status_code == 400
    assert Response.objects.count() == 0


def test_a_flood_is_refused_without_touching_the_data(kiosk, client, settings, clock):
    settings.KIOSK_ANSWERS_PER_MINUTE = 3
    for _ in range(3):
        assert client.post(kiosk.path, {"score": "9"}).status_code == 302
    busy = client.post(kiosk.path, {"score": "0"})
    assert busy.status_code == 429
    assert Response.objects.count() == 3
    # The count lives in the database: another web process (another client) sees it too.
    assert Client().post(kiosk.path, {"score": "0"}).status_code == 429
    clock.shift(dt.timedelta(seconds=61))
    assert client.post(kiosk.path, {"score": "6"}).status_code == 302
    assert Response.objects.count() == 4


def test_each_kiosk_has_its_own_limit(brand, kiosk, client, settings):
    settings.KIOSK_ANSWERS_PER_MINUTE = 1
    other = do_create_kiosk(
        account=brand.account, unit=brand.other_store, touchpoint=brand.purchase, name="Door"
    )
    assert client.post(kiosk.path, {"score": "9"}).status_code == 302
    assert client.post(other.path, {"score": "9"}).status_code == 302
    assert [r.unit for r in Response.objects.order_by("pk")] == [brand.store, brand.other_store]


def test_a_revoked_or_replaced_link_stops_working(kiosk, client):
    new = do_new_kiosk_link(kiosk=kiosk.kiosk)
    assert client.get(kiosk.path).status_code == 404
    assert client.get(new.path).status_code == 200
    do_revoke_kiosk(kiosk=kiosk.kiosk)
    assert client.get(new.path).status_code == 404
    assert client.post(new.path, {"score": "9"}).status_code == 404
    assert client.get("/kiosk/not-a-token/").status_code == 404
    assert Response.objects.count() == 0


def test_only_a_hash_of_the_link_is_stored(kiosk):
    stored = Kiosk.objects.get()
    assert kiosk.token not in stored.token_hash
    assert len(stored.token_hash) == 64


def test_an_admin_mints_a_kiosk_and_sees_its_link_once(brand, admin_client):
    answer = admin_client.post(
        "/admin/kiosks/kiosk/add/",
        {
            "account": brand.account.pk,
            "unit": brand.store.pk,
            "touchpoint": brand.purchase.pk,
            "name": "Entrance tablet",
            "locale": "",
        },
        follow=True,
    )
    shown = [str(m) for m in answer.context["messages"] if "testserver/kiosk/" in str(m)]
    assert len(shown) == 1 and "http://testserver/kiosk/" in shown[0]
    link = shown[0].split("http://testserver")[1].split(" ")[0]
    assert Client().get(link).status_code == 200
    change = admin_client.get(f"/admin/kiosks/kiosk/{Kiosk.objects.get().pk}/change/")
    assert link not in change.content.decode()


def test_a_kiosk_cannot_point_at_another_accounts_store(brand, outsider, admin_client):
    foreign = outsider.units.get()
    answer = admin_client.post(
        "/admin/kiosks/kiosk/add/",
        {
            "account": brand.account.pk,
            "unit": foreign.pk,
            "touchpoint": brand.purchase.pk,
            "name": "Sneaky",
        },
    )
    assert answer.status_code == 200  # the form again, with the error
    assert "must belong to the kiosk" in answer.content.decode()
    assert Kiosk.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_flood_from_many_processes_stays_within_the_limit(brand, settings):
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("real concurrent writers need PostgreSQL")
    settings.KIOSK_ANSWERS_PER_MINUTE = 5
    new = do_create_kiosk(
        account=brand.account, unit=brand.store, touchpoint=brand.purchase, name="Till 9"
    )
    start = threading.Barrier(12)
    codes = []

    def tap():
        start.wait()
        codes.append(Client().post(new.path, {"score": "10"}).status_code)
        connections.close_all()

    threads = [threading.Thread(target=tap) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [302] * 5 + [429] * 7
    assert Response.objects.count() == 5


def test_the_tablet_needs_no_cookie_to_answer(kiosk):
    tablet = Client(enforce_csrf_checks=True)  # a kiosk browser that keeps no cookies
    assert tablet.post(kiosk.path, {"score": "8"}).status_code == 302
    assert not tablet.get(kiosk.path).cookies  # the page sets none either
    assert Response.objects.get().score == 8


def test_a_detractor_at_the_kiosk_opens_a_ticket_for_the_store(brand, kiosk, client):
    from touchpoint.tickets.models import Ticket

    client.post(kiosk.path, {"score": "2", "comment": "Waited 40 minutes"})
    ticket = Ticket.objects.get()
    assert (ticket.unit, ticket.contact) == (brand.store, None)
