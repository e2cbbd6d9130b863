"""League tables: every unit of a kind below a unit, ranked by the shrunk estimate with raw
NPS, n, interval, change and "few answers"; filterable, exportable, in the API; frontline
people see their own row and rank, never the others."""

from __future__ import annotations

import csv
import io

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import answer
from touchpoint.accounts.actions import do_create_unit
from touchpoint.accounts.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def saturday_21_november():
    with time_machine.travel("2026-11-21T12:00:00Z", tick=False):
        yield


@pytest.fixture
def stores(brand):
    """Four stores: Lille (busy, good), Arras (three promoters), Nice (busy, poor), Douai
    (no answers). Agents 431 (good), 432 and 433 (one answer each)."""
    arras = do_create_unit(
        account=brand.account, kind="store", code="store-020", name="Arras", parent=brand.north
    )
    douai = do_create_unit(
        account=brand.account, kind="store", code="store-021", name="Douai", parent=brand.north
    )
    n = 0
    for unit, scores in (
        (brand.store, [10] * 30 + [9] * 20 + [7] * 20 + [2] * 10),
        (arras, [10, 10, 10]),
        (brand.other_store, [9] * 30 + [8] * 30 + [3] * 20),
    ):
        for score in scores:
            n += 1
            answer(brand, unit, score, n=n)
    for n, score in enumerate([10] * 8 + [8] * 2):
        answer(brand, brand.agent, score, n=500 + n, touchpoint=brand.support)
    agents = [
        do_create_unit(
            account=brand.account,
            kind="agent",
            code=f"agent-43{i}",
            name=f"Agent 43{i}",
            parent=brand.team,
        )
        for i in (2, 3)
    ]
    answer(brand, agents[0], 3, n=600, touchpoint=brand.support)
    answer(brand, agents[1], 10, n=601, touchpoint=brand.support)
    return {"arras": arras, "douai": douai, "agents": agents}


def rows(html: str) -> list[str]:
    """The unit names of the league table, in order."""
    table = html.split('<table class="league">')[1].split("</table>")[0]
    return [
        part.split("</a>")[0].split(">")[-1]
        for part in table.split('<th scope="row" class="unit">')[1:]
    ]


def test_every_store_of_the_brand_ranked_fairly_with_the_silent_last(brand, people, stores):
    client = Client()
    client.force_login(people["brand_admin"])
    page = client.get(f"/units/{brand.brand.pk}/league/?kind=store")
    html = page.content.decode()
    assert page.status_code == 200
    assert rows(html) == ["Lille Centre", "Arras", "Nice Port", "Douai"]  # 3 promoters: not 1st
    assert "no answers" in html and "few answers" in html
    assert "Stores (4)" in html and "Agents (3)" in html  # the kinds one may rank


def test_the_league_filters_by_touchpoint_and_attribute_and_exports_the_same_rows(
    brand, people, stores
):
    client = Client()
    client.force_login(people["brand_admin"])
    page = client.get(f"/units/{brand.brand.pk}/league/?kind=agent&touchpoint=support-call")
    assert rows(page.content.decode()) == ["Agent 431", "Agent 433", "Agent 432"]
    empty = client.get(f"/units/{brand.brand.pk}/league/?kind=agent&touchpoint=store-purchase")
    assert "no answers" in empty.content.decode()
    bad = client.get(f"/units/{brand.brand.pk}/league/?kind=shop")
    assert bad.status_code == 400 and "Filter “kind”" in bad.content.decode()
    exported = client.get(f"/units/{brand.brand.pk}/league.csv?kind=store&period=3m")
    body = b"".join(exported.streaming_content).decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(body)))
    assert [r["unit"] for r in table] == ["Lille Centre", "Arras", "Nice Port", "Douai"]
    lille = table[0]
    assert (lille["rank"], lille["n"], lille["few_answers"]) == ("1", "80", "no")
    assert table[1]["tiny_sample"] == "yes" and table[3]["rank"] == ""
    workbook = client.get(f"/units/{brand.brand.pk}/league.xlsx?kind=store")
    assert workbook.status_code == 200


def test_the_api_gives_the_same_league(api, brand, stores):
    answered = api.get("/api/v1/reports/league?unit=nimbus&kind=store").json()
    assert answered["kind"] == "store" and answered["units"] == 4
    assert [r["unit"]["name"] for r in answered["rows"]] == [
        "Lille Centre",
        "Arras",
        "Nice Port",
        "Douai",
    ]
    arras = answered["rows"][1]
    assert arras["figure"]["tiny_sample"] is True and arras["figure"]["n"] == 3
    assert arras["change"]["verdict"] == "unknown"  # nothing the period before
    refused = api.get("/api/v1/reports/league?unit=nimbus&kind=shop")
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "kind"


def test_frontline_people_see_their_own_row_and_rank_never_the_others(brand, people, stores):
    """Agent 431 (frontline) sees their rank among the brand's agents; no other agent's name
    or customer. A store manager sees their store's rank among the stores the same way."""
    client = Client()
    client.force_login(people["agent"])
    page = client.get("/league/", follow=True)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Agent 431 among its peers" in html
    assert '<span class="rank-big">1</span> of 3 agents' in html
    assert "Agent 432" not in html and "Agent 433" not in html
    assert client.get(f"/units/{brand.team.pk}/league/").status_code == 404
    manager = get_user_model().objects.create_user("arras-manager", "a@example.com", "pw")
    Membership.objects.create(user=manager, unit=stores["arras"], role="manager")
    client.force_login(manager)
    html = client.get(f"/units/{stores['arras'].pk}/league/").content.decode()
    assert "of 3 stores with answers" in html
    assert "Lille Centre" not in html and "Nice Port" not in html
