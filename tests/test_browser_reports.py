"""End to end in headless Chromium: a regional manager reads their region's dashboard, drills
into a store, filters by touchpoint and downloads the view as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from tests.test_browser import ARTIFACTS
from touchpoint.reports import folding
from touchpoint.responses.models import Response

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def given(brand, unit, touchpoint, scores: list[int], comment: str = "") -> None:
    made = [
        Response(
            account=brand.account,
            unit=unit,
            unit_path=unit.path,
            touchpoint=touchpoint,
            channel="email",
            score=score,
            comment=comment,
            answered_at=timezone.now() - dt.timedelta(days=2, minutes=n),
        )
        for n, score in enumerate(scores)
    ]
    Response.objects.bulk_create(made)
    folding.add_responses(brand.account, made)


def test_a_regional_manager_drills_into_a_store_filters_and_exports(
    brand,
    people,
    live_server,
    browser,
):
    given(brand, brand.store, brand.purchase, [10, 9, 9, 7, 3], "Helpful staff in Lille")
    given(brand, brand.store, brand.support, [2, 4, 10])
    given(brand, brand.other_store, brand.purchase, [0, 1], "Nice was awful")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("User name").fill("north-manager")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="North · region").is_visible()
    board = page.locator("table.board")
    assert board.get_by_role("link", name="Lille Centre").is_visible()
    assert "Nice Port" not in board.inner_text()
    assert "Nice was awful" not in page.content()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "dashboard-region.png", full_page=True)

    board.get_by_role("link", name="Lille Centre").click()
    page.wait_for_url(f"**/units/{brand.store.pk}/**")
    assert page.get_by_role("heading", name="Lille Centre · store").is_visible()
    crumbs = page.get_by_role("navigation", name="Breadcrumb")
    assert crumbs.get_by_role("link", name="North").is_visible()
    assert "n = 8" in page.locator(".headline-box").inner_text()

    page.get_by_label("Touchpoint", exact=True).select_option("support-call")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**touchpoint=support-call**")
    headline = page.locator(".headline-box").inner_text()
    assert "n = 3" in headline and "\u221233" in headline  # 1 promoter, 2 detractors
    page.screenshot(path=ARTIFACTS / "dashboard-store-support.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    path = download.value.path()
    assert download.value.suggested_filename.startswith("nps-store-012-")
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    current = next(r for r in rows if r["section"] == "headline" and r["group"] == "current")
    assert (current["n"], current["promoters"], current["detractors"]) == ("3", "1", "2")
    assert [(r["label"], r["n"]) for r in rows if r["section"] == "touchpoint"] == [
        ("Support call", "3")
    ]
    context.close()


def test_the_dashboard_fits_a_phone(brand, people, live_server, phone):
    given(brand, brand.store, brand.purchase, [10, 9, 9, 7, 3] * 8, "Helpful staff in Lille")
    given(brand, brand.store, brand.support, [2, 4, 10])
    phone.goto(f"{live_server.url}/login/")
    phone.get_by_label("User name").fill("north-manager")
    phone.get_by_label("Password").fill("pw")
    phone.get_by_role("button", name="Sign in").click()
    phone.wait_for_url(f"{live_server.url}/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scroll
    chart = phone.locator("svg.trend.compact")
    assert chart.is_visible() and not phone.locator("svg.trend.wide").is_visible()
    phone.get_by_text("The trend as a table").click()  # the table fallback opens
    assert phone.get_by_role("table", name="NPS by month").is_visible()  # 43 answers: months
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=ARTIFACTS / "dashboard-phone.png", full_page=True)
