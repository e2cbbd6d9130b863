"""A manager in a store reads the dashboard, the league table and the ticket inbox on a phone,
390 px wide, in headless Chromium: nothing scrolls sideways, the figures come before the
filters, and the screenshots are kept in test-artifacts/ for review."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from tests.test_browser import ARTIFACTS
from touchpoint.accounts.actions import do_create_unit
from touchpoint.accounts.models import Membership
from touchpoint.reports import folding
from touchpoint.responses.models import Response
from touchpoint.targets.actions import do_set_target
from touchpoint.tickets.actions import do_open_ticket, rule_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTH = 390


def given(brand, unit, scores: list[int], comment: str = "", days_ago: int = 2) -> list:
    made = [
        Response(
            account=brand.account,
            unit=unit,
            unit_path=unit.path,
            touchpoint=brand.purchase,
            channel="email",
            score=score,
            comment=comment,
            answered_at=timezone.now() - dt.timedelta(days=days_ago, minutes=n),
        )
        for n, score in enumerate(scores)
    ]
    Response.objects.bulk_create(made)
    folding.add_responses(brand.account, made)
    return made


@pytest.fixture
def region(brand, people):
    """North with four stores of every size; two tickets at Lille, one of them overdue; a
    target of +40 for each store."""
    names = ["Roubaix Grand-Place", "Tourcoing Centre", "Valenciennes Place d'Armes"]
    stores = [brand.store] + [
        do_create_unit(
            account=brand.account, kind="store", code=f"store-1{i}", name=name, parent=brand.north
        )
        for i, name in enumerate(names)
    ]
    manager = get_user_model().objects.create_user("lille-manager", "lille@example.com", "pw")
    Membership.objects.create(user=manager, unit=brand.store, role="manager")
    given(brand, stores[0], [10, 9, 9, 7, 10, 10, 8, 9] * 6, "Helpful staff in Lille")
    given(brand, stores[0], [9, 10, 6, 9] * 3, days_ago=40)
    given(brand, stores[1], [10, 10, 10])
    given(brand, stores[2], [9, 8, 7, 10, 6, 9, 10, 3] * 4, "The queue never moved")
    do_set_target(account=brand.account, kind="store", nps=40)
    detractors = given(brand, stores[0], [2, 1], "The screen was scratched and nobody cared")
    rule = rule_for(brand.purchase)
    with transaction.atomic():  # as the answer's door opens them
        do_open_ticket(detractors[0], rule=rule, reason="detractor", now=timezone.now())
        do_open_ticket(
            detractors[1], rule=rule, reason="detractor", now=timezone.now() - dt.timedelta(days=4)
        )
    return stores


def sign_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/")


@pytest.fixture
def phone390(browser):
    context = browser.new_context(
        viewport={"width": WIDTH, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
    )
    page = context.new_page()
    yield page
    context.close()


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def above(page, first: str, second: str) -> bool:
    top = page.evaluate(
        "([a, b]) => [a, b].map(s => document.querySelector(s).getBoundingClientRect().top)",
        [first, second],
    )
    return top[0] < top[1]


def test_the_dashboard_reads_well_on_a_phone(region, brand, live_server, phone390):
    sign_in(phone390, live_server.url, "lille-manager")
    page = phone390
    assert page.get_by_role("heading", name="Lille Centre · store").is_visible()
    assert fits(page)
    assert above(page, ".headline-box", "form.filters")  # the figure first, then the filters
    assert (
        page.get_by_role("navigation", name="Main")
        .get_by_role("link", name="Dashboard")
        .is_visible()
    )
    assert page.get_by_text("Target +40").is_visible()
    assert page.locator("svg.trend.compact").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "phone-dashboard.png", full_page=True)


def test_the_league_table_reads_well_on_a_phone(region, brand, people, live_server, phone390):
    sign_in(phone390, live_server.url, "north-manager")
    page = phone390
    page.get_by_role("navigation", name="Main").get_by_role("link", name="League tables").click()
    page.wait_for_url(f"**/units/{brand.north.pk}/league/**")
    rows = page.locator("table.league tbody tr")
    assert rows.count() == 4
    first = rows.nth(0)
    assert "Lille Centre" in first.inner_text() and first.locator("td.rank").inner_text() == "1"
    roubaix = rows.nth(1)  # three promoters: second, not first
    assert "Roubaix" in roubaix.inner_text() and roubaix.locator("td.n").inner_text() == "3"
    assert "under 10 answers" in roubaix.inner_text()
    assert "no answers" in rows.nth(3).inner_text()  # Valenciennes, unranked, last
    assert fits(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "phone-league.png", full_page=True)


def test_the_ticket_inbox_reads_well_on_a_phone(region, brand, live_server, phone390):
    sign_in(phone390, live_server.url, "lille-manager")
    page = phone390
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Tickets").click()
    page.wait_for_url("**/tickets/")
    tiles = page.locator(".tiles.now").inner_text()
    assert "Open now\n2" in tiles and "Overdue\n1" in tiles
    rows = page.locator("table.tickets tbody tr")
    assert rows.count() == 2
    assert "Overdue by" in rows.nth(0).inner_text()  # the overdue one first
    assert "due in" in rows.nth(1).inner_text()
    assert fits(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "phone-inbox.png", full_page=True)


def test_the_responses_list_reads_well_on_a_phone(region, brand, live_server, phone390):
    """Six columns did not fit 390 px: the page scrolled sideways. Each answer is a card: its
    score beside its comment, when and where below, in that order."""
    sign_in(phone390, live_server.url, "lille-manager")
    page = phone390
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Responses").click()
    page.wait_for_url("**/responses/**")
    newest = page.locator("table.responses tbody tr").nth(0)
    assert newest.locator("td.comment").inner_text() == "The screen was scratched and nobody cared"
    assert fits(page)
    box = {
        name: newest.locator(f"td.{name}").first.bounding_box()
        for name in ("num", "when", "comment", "where")
    }
    assert box["num"]["x"] < box["comment"]["x"]  # the score beside the comment
    assert box["when"]["y"] < box["comment"]["y"] < box["where"]["y"]
    assert page.locator("table.responses thead").is_hidden()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "phone-responses.png", full_page=True)
