"""Dashboards, exports and the reports API: each person and each key sees its part of the
tree only, with the same figures everywhere, and bad requests say which field is wrong."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from tests.conftest import answer
from touchpoint.accounts.actions import do_create_api_key
from touchpoint.accounts.models import ApiKey, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def friday_21_november():
    with time_machine.travel("2026-11-21T00:00:00Z"):
        yield


@pytest.fixture
def answers(brand):
    """North's store: 3 promoters, 1 detractor (one a gold customer); south's store: two
    detractors; the agent: one passive."""
    tiers = {0: {"tier": "gold"}, 3: {"tier": "standard"}}
    made = [
        answer(brand, brand.store, score, comment, n=n, attributes=tiers.get(n))
        for n, (score, comment) in enumerate(
            [(10, "Lille was great"), (9, ""), (10, ""), (2, "Queue too long in Lille")]
        )
    ]
    answer(brand, brand.other_store, 0, "Nice was awful", n=10)
    answer(brand, brand.other_store, 1, n=11)
    answer(brand, brand.agent, 8, "Agent was fine", n=12)
    return made


def csv_rows(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


# Who sees which unit, on the dashboard and in its exports.
VISIBLE = {
    "brand_admin": {"brand", "north", "store", "other_store", "vendor", "agent"},
    "north_manager": {"north", "store"},
    "south_store_manager": {"other_store"},
    "vendor_manager": {"vendor", "agent"},
    "agent": {"agent"},
    "outsider": set(),
}


@pytest.mark.parametrize("persona", list(VISIBLE))
def test_dashboards_and_exports_follow_each_persons_scope(client, brand, people, answers, persona):
    client.force_login(people[persona])
    for name in ("brand", "north", "store", "other_store", "vendor", "agent"):
        unit = getattr(brand, name)
        page = client.get(f"/units/{unit.pk}/")
        exported = client.get(f"/units/{unit.pk}/report.csv")
        workbook = client.get(f"/units/{unit.pk}/report.xlsx")
        expected = 200 if name in VISIBLE[persona] else 404
        assert (page.status_code, exported.status_code, workbook.status_code) == (
            expected,
            expected,
            expected,
        ), name


def test_a_region_manager_sees_the_region_only(client, brand, people, answers):
    client.force_login(people["north_manager"])
    html = client.get("/").content.decode()  # one top unit: its dashboard
    assert "North · region" in html and "n = 4" in html
    assert "Lille was great" in html and "Nice was awful" not in html
    assert "Lille Centre" in html and "Nice Port" not in html
    assert "attribution snapshot" in html


def test_filters_persist_when_drilling_down_and_climbing(client, brand, people, answers):
    client.force_login(people["brand_admin"])
    html = client.get(f"/units/{brand.north.pk}/?period=12m&touchpoint=store-purchase").content
    html = html.decode()
    assert f'href="/units/{brand.store.pk}/?period=12m&amp;touchpoint=store-purchase"' in html
    assert f'href="/units/{brand.brand.pk}/?period=12m&amp;touchpoint=store-purchase"' in html
    assert f"/units/{brand.north.pk}/report.csv?period=12m&amp;touchpoint=store-purchase" in html
    assert "Trend by month" in html


def test_a_bad_filter_shows_the_default_view_and_names_the_filter(client, brand, people, answers):
    client.force_login(people["north_manager"])
    page = client.get(f"/units/{brand.north.pk}/?from=2026-11-01&to=2026-10-01")
    assert page.status_code == 400
    assert "Filter “from”" in page.content.decode() and "reversed" in page.content.decode()
    page = client.get(f"/units/{brand.north.pk}/?period=3m&from=2026-11-01&to=2026-11-07")
    assert "1 Nov 2026\u2009\u2013\u20097 Nov 2026" in page.content.decode()  # dates win
    exported = client.get(f"/units/{brand.north.pk}/report.csv?colour=red")
    assert exported.status_code == 400 and b"colour" in exported.content


def test_the_csv_export_has_the_pages_figures(client, brand, people, answers):
    client.force_login(people["north_manager"])
    response = client.get(f"/units/{brand.north.pk}/report.csv?period=month")
    assert response["Content-Type"].startswith("text/csv")
    assert "nps-north-2026-11-01-2026-11-21.csv" in response["Content-Disposition"]
    rows = csv_rows(response)
    current = next(r for r in rows if r["section"] == "headline" and r["group"] == "current")
    assert (current["n"], current["promoters"], current["detractors"], current["nps"]) == (
        "4",
        "3",
        "1",
        "50.0",
    )
    board = [r for r in rows if r["section"] == "leaderboard"]
    assert [(r["key"], r["n"]) for r in board] == [("store-012", "4")]
    assert {r["section"] for r in rows} == {
        "headline",
        "trend",
        "touchpoint",
        "channel",
        "leaderboard",
    }
    assert sum(int(r["n"]) for r in rows if r["section"] == "trend") == 4


def test_the_xlsx_export_has_a_sheet_per_section(client, brand, people, answers):
    client.force_login(people["brand_admin"])
    response = client.get(f"/units/{brand.brand.pk}/report.xlsx?period=month&contact.tier=gold")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames[:2] == ["Filters", "Headline"]
    filters = {row[0]: row[1] for row in book["Filters"].iter_rows(values_only=True)}
    assert filters["source"] == "responses" and filters["segments"] == "contact.tier = gold"
    headline = list(book["Headline"].iter_rows(values_only=True))
    assert headline[0][:3] == ("section", "group", "key") and headline[1][6] == 1  # n


def api_get(key: str, **params) -> tuple[int, dict]:
    response = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/reports/nps", params)
    return response.status_code, response.json()


def test_the_api_gives_counts_nps_and_interval_grouped(brand, answers):
    status, body = api_get(brand.api_key, period="month")
    assert status == 200 and body["unit"]["code"] == "nimbus" and body["source"] == "rollups"
    total = body["total"]
    assert (total["n"], total["promoters"], total["passives"], total["detractors"]) == (7, 3, 1, 3)
    assert total["low"] < total["nps"] < total["high"]
    status, body = api_get(brand.api_key, unit="north", period="month", group_by="unit")
    assert [(g["key"], g["n"], g["nps"]) for g in body["groups"]] == [("store-012", 4, 50.0)]
    _, body = api_get(brand.api_key, period="month", group_by="touchpoint")
    assert [(g["key"], g["n"]) for g in body["groups"]] == [("store-purchase", 7)]
    _, body = api_get(brand.api_key, period="month", group_by="week", channel="email")
    assert sum(g["n"] for g in body["groups"]) == 7 and body["groups"][-1]["key"] == "2026-11-16"
    _, body = api_get(brand.api_key, period="month", group_by="contact.tier")
    assert body["source"] == "responses"  # attributes are not in the rollups
    assert {g["key"]: g["n"] for g in body["groups"]} == {"gold": 1, "standard": 1, "": 5}
    _, body = api_get(brand.api_key, period="month", **{"contact.tier": "gold"})
    assert body["source"] == "responses" and body["total"]["n"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"from": "2026-11-10", "to": "2026-11-01"}, "from"),
        ({"from": "1900-01-01", "to": "2026-11-01"}, "from"),
        ({"touchpoint": "teleport"}, "touchpoint"),
        ({"channel": "pigeon"}, "channel"),
        ({"group_by": "contact.shoe_size"}, "contact.shoe_size"),
        ({"group_by": "colour"}, "group_by"),
        ({"contact.shoe_size": "42"}, "contact.shoe_size"),
    ],
)
def test_the_api_refuses_bad_requests_naming_the_field(brand, params, field):
    status, body = api_get(brand.api_key, **params)
    assert status == 422 and body["error"] == "invalid_request"
    assert body["detail"][0]["field"] == field and body["detail"][0]["message"]


def test_a_key_scoped_to_a_unit_sees_that_subtree_only(brand, outsider, answers, capsys):
    call_command("create-api-key", "nimbus", "--unit", "north", "--name", "north bi")
    north_key = capsys.readouterr().out.strip()
    assert ApiKey.objects.get(name="north bi").unit == brand.north
    status, body = api_get(north_key)
    assert status == 200 and body["unit"]["code"] == "north" and body["total"]["n"] == 4
    assert api_get(north_key, unit="store-012")[0] == 200
    for outside in ("store-040", "nimbus", "callco", "no-such-unit"):
        status, body = api_get(north_key, unit=outside)
        assert status == 404 and body["detail"][0]["field"] == "unit"
    other = do_create_api_key(account=outsider, name="other").secret
    assert api_get(other, unit="store-012")[0] == 404
    status, body = api_get(other)  # their own brand, with no answers
    assert status == 200 and body["total"]["n"] == 0 and body["total"]["nps"] is None
    assert Client().get("/api/v1/reports/nps").status_code == 401


def test_create_api_key_refuses_an_unknown_unit(brand):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No unit"):
        call_command("create-api-key", "nimbus", "--unit", "nowhere")
    assert not Unit.objects.filter(code="nowhere").exists()


def test_someone_holding_two_units_gets_a_headline_for_each(client, brand, people, answers):
    from touchpoint.accounts.models import Membership

    user = people["north_manager"]
    Membership.objects.create(user=user, unit=brand.agent, role="viewer")
    client.force_login(user)
    html = client.get("/").content.decode()
    assert "North · region" in html and "Agent 431 · agent" in html and "n = 4" in html
    assert "Nice Port" not in html
    assert (
        client.get("/dashboard/?period=12m")["Location"] == f"/units/{brand.north.pk}/?period=12m"
    )


def test_staff_without_memberships_see_each_accounts_brand(client, brand, outsider, answers):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_user("ops", is_staff=True))
    html = client.get("/").content.decode()
    assert "Nimbus Mobile · brand" in html and "Other brand · brand" in html


def test_the_api_applies_the_small_sample_rules(brand, answers):
    """Every API figure says whether it is a tiny sample (read its interval), whether a change
    is real, which grain a trend takes and why, and flags shifts on 10 answers or more only."""
    _, body = api_get(brand.api_key, unit="north", period="month", group_by="week")
    total = body["total"]
    assert total["n"] == 4 and total["tiny_sample"] is True  # 4 answers: read low..high
    assert body["change"] == {
        "verdict": "unknown",  # nothing in October to compare with
        "points": None,
        "p_value": None,
        "significant": False,
    }
    assert body["grain"]["grain"] == "week" and body["grain"]["reason"]
    assert all(g["shift"] is False for g in body["groups"])  # 4 answers: never a shift
    _, body = api_get(brand.api_key, period="3m")
    assert body["grain"]["grain"] == "month" and "fewer than the 30" in body["grain"]["reason"]
    assert body["previous"]["n"] == 0


def test_the_dashboard_shows_a_tiny_sample_as_its_interval_and_no_false_news(client, brand, people):
    """The reported cases: one promoter read "+100"; "down 100 points" from 2 answers
    against 1."""
    answer(brand, brand.other_store, 10, n=1)
    client.force_login(people["south_store_manager"])
    html = client.get(f"/units/{brand.other_store.pk}/?period=month").content.decode()
    box = html.split('class="headline-box"')[1].split("</section>")[0]
    assert "\u221248 to +98" in box and "raw +100, n = 1" in box  # [-48.5, +98.5]
    assert "<strong>+100</strong>" not in box
    answer(brand, brand.other_store, 2, n=2, at=dt.datetime(2026, 10, 20, 10, tzinfo=dt.UTC))
    answer(brand, brand.other_store, 1, n=3, at=dt.datetime(2026, 10, 21, 10, tzinfo=dt.UTC))
    html = client.get(f"/units/{brand.other_store.pk}/?period=month").content.decode()
    assert "No real change" in html and "▼" not in html
