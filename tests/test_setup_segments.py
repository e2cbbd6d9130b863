"""Reportable segments (issue 19, item 1): an account admin declares a contact attribute or
interaction property on Setup or through the API; the worker counts the past answers into
its rollups with progress shown; until then reports read the raw answers and say so; once
ready, a filter or group on it reads its rollups. Bad input names the field and changes
nothing; declaring or dropping a segment changes no figure."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from tests.conftest import answer, fold_rollups
from tests.test_reports import api_get
from touchpoint.accounts.actions import do_create_api_key
from touchpoint.reports.models import Dimension, SegmentTotal
from touchpoint.setup.models import SetupChange

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def friday_21_november():
    with time_machine.travel("2026-11-21T00:00:00Z", tick=False):
        yield


@pytest.fixture
def answers(brand):
    """Six answers in November at two stores: gold, silver and untiered customers."""
    tiers = ["gold", "gold", "silver", None, "gold", "silver"]
    return [
        answer(
            brand,
            [brand.store, brand.other_store][n % 2],
            score,
            n=n,
            attributes={"tier": tiers[n]} if tiers[n] else None,
            properties={"delivery": "home" if n < 3 else "store"},
        )
        for n, score in enumerate([10, 9, 3, 7, 10, 0])
    ]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def figures_now(brand) -> dict:
    """What the API answers for the brand: unfiltered, grouped by tier, filtered on gold."""
    return {
        "all": api_get(brand.api_key, period="month")[1]["total"],
        "grouped": api_get(brand.api_key, period="month", group_by="contact.tier")[1]["groups"],
        "gold": api_get(brand.api_key, period="month", **{"contact.tier": "gold"})[1]["total"],
        "home": api_get(brand.api_key, period="month", **{"interaction.delivery": "home"})[1][
            "total"
        ],
    }


def test_an_admin_declares_a_segment_on_setup_and_sees_its_backfill_finish(brand, people, answers):
    admin = signed_in(people["brand_admin"])
    page = admin.get("/setup/segments/")
    assert page.status_code == 200
    assert "contact.tier" in page.content.decode()  # offered: seen on recent answers

    # When the admin declares contact.tier.
    done = admin.post("/setup/segments/", {"action": "declare", "name": "contact.tier", "cap": ""})
    assert done.status_code == 302
    dimension = Dimension.objects.get(account=brand.account, name="contact.tier")
    assert (dimension.state, dimension.cap, dimension.backfill_total) == ("backfilling", 200, 6)
    change = SetupChange.objects.get(subject="segment")
    assert (change.action, change.subject_key) == ("declared", "contact.tier")
    page = admin.get("/setup/segments/").content.decode()
    assert "Counting past answers: 0 %" in page and '<meta http-equiv="refresh"' in page
    # Meanwhile reports read the raw answers, and say why.
    _, body = api_get(brand.api_key, period="month", **{"contact.tier": "gold"})
    assert body["provenance"]["path"] == "responses" and body["total"]["n"] == 3
    assert "still being counted" in body["provenance"]["why"]

    # Then the worker counts the past answers: the segment is ready, its values listed.
    fold_rollups()
    dimension.refresh_from_db()
    assert dimension.state == "ready" and dimension.backfill_done == 6
    page = admin.get("/setup/segments/").content.decode()
    assert "Ready: reports read its rollups" in page and "2 of 200" in page
    assert '<meta http-equiv="refresh"' not in page
    _, body = api_get(brand.api_key, period="month", **{"contact.tier": "gold"})
    assert body["source"] == "segment rollups" and body["provenance"]["dimension"] == "contact.tier"
    assert body["total"]["n"] == 3 and body["total"]["promoters"] == 3
    _, body = api_get(brand.api_key, period="month", group_by="contact.tier")
    assert body["provenance"]["path"] == "segments"
    assert {g["key"]: g["n"] for g in body["groups"]} == {"gold": 3, "silver": 2, "": 1}

    # The dashboard says which path answered, and how fresh it is.
    dashboard = admin.get(f"/units/{brand.brand.pk}/", {"contact.tier": "gold"}).content.decode()
    assert 'data-path="segments"' in dashboard
    assert "Counted from the rollups of contact.tier, a reportable segment" in dashboard
    assert "live as of" in dashboard
    two = admin.get(
        f"/units/{brand.brand.pk}/", {"contact.tier": "gold", "interaction.delivery": "home"}
    ).content.decode()
    assert 'data-path="index"' in two and "several segments together" in two
    assert "Counted from the segment index" in two
    assert 'href="/setup/segments/"' in two  # an admin is shown where to declare one


def test_bad_declarations_name_the_field_and_change_nothing(brand, people, answers):
    admin = signed_in(people["brand_admin"])
    for given, field in (
        ({"name": "tier"}, "name"),
        ({"name": "customer.tier"}, "name"),
        ({"name": "contact.ti er"}, "name"),
        ({"name": "contact.tier", "cap": "1"}, "cap"),
        ({"name": "contact.tier", "cap": "lots"}, "cap"),
    ):
        page = admin.post("/setup/segments/", {"action": "declare", **given})
        assert page.status_code == 400, given
        assert f"<p>{field}: " in page.content.decode(), given
    assert not Dimension.objects.exists() and not SetupChange.objects.exists()
    # Not an admin of the account: no setup page at all.
    assert signed_in(people["north_manager"]).get("/setup/segments/").status_code in (403, 404)


def test_the_api_declares_lists_and_drops_segments(brand, answers, api, capsys):
    made = api.put("/api/v1/segments/contact.tier", {"cap": 5}, content_type="application/json")
    assert made.status_code == 201
    assert made.json()["state"] == "backfilling" and made.json()["cap"] == 5
    again = api.put("/api/v1/segments/contact.tier", content_type="application/json")
    assert again.status_code == 200 and again.json()["cap"] == 5  # fixed once declared
    fold_rollups()
    listed = api.get("/api/v1/segments").json()
    assert [(s["name"], s["state"], s["progress"], s["values"]) for s in listed] == [
        ("contact.tier", "ready", 100, 2)
    ]
    bad = api.put("/api/v1/segments/tier", content_type="application/json")
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "name"
    bad = api.put("/api/v1/segments/contact.city", {"cap": 0}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "cap"
    assert not Dimension.objects.filter(name="contact.city").exists()
    # A key limited to a unit may not change setup.
    north = do_create_api_key(account=brand.account, name="north", unit=brand.north).secret
    limited = Client(headers={"Authorization": f"Bearer {north}"})
    assert limited.put("/api/v1/segments/contact.city").status_code == 403
    assert limited.delete("/api/v1/segments/contact.tier").status_code == 403
    # Dropped: its rollups go, filters on it read the segment index again.
    assert api.delete("/api/v1/segments/contact.tier").status_code == 204
    assert not SegmentTotal.objects.exists()
    gone = api.delete("/api/v1/segments/contact.tier")
    assert gone.status_code == 404 and gone.json()["detail"][0]["field"] == "name"
    assert [c.action for c in SetupChange.objects.order_by("at", "pk")] == ["declared", "dropped"]


def test_declaring_or_dropping_a_segment_changes_no_figure(brand, people, answers, api):
    before = figures_now(brand)
    api.put("/api/v1/segments/contact.tier", content_type="application/json")
    api.put("/api/v1/segments/interaction.delivery", content_type="application/json")
    assert figures_now(brand) == before  # backfilling: read from the raw answers or the index
    fold_rollups()
    answer(brand, brand.store, 8, n=20, attributes={"tier": "bronze"})  # still in the log
    answer(brand, brand.store, 2, n=21, attributes={"tier": "gold"})
    after = figures_now(brand)
    api.delete("/api/v1/segments/contact.tier")
    assert figures_now(brand) == after
    fold_rollups()
    assert figures_now(brand) == after
    assert after["gold"]["n"] == before["gold"]["n"] + 1
    assert after["all"]["n"] == before["all"]["n"] + 2


def test_the_dashboards_live_as_of_time_is_in_the_accounts_time_zone(brand, people, answers):
    # Given an account in Auckland (UTC+13 in November) and the server's clock at 00:00 UTC.
    brand.account.time_zone = "Pacific/Auckland"
    brand.account.save(update_fields=["time_zone"])
    admin = signed_in(people["brand_admin"])
    # When the admin opens the dashboard, filtered on a segment or not.
    for params in ({}, {"contact.tier": "gold"}):
        page = admin.get(f"/units/{brand.brand.pk}/", params).content.decode()
        # Then the time is the account's, with its zone: 13:00 NZDT, not the server's 00:00.
        assert "live as of 13:00:00 NZDT" in page, params
