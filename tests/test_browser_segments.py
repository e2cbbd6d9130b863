"""End to end in headless Chromium (issue 19): the CX lead filters the dashboard on a declared
segment and reads it from the segment's rollups, then a combined filter from the segment index,
and finds the same answers in the explorer with two segment conditions at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.conftest import answer, fold_rollups
from tests.test_browser import ARTIFACTS
from touchpoint.reports.dimensions import do_declare_dimension

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_declared_segment_on_the_dashboard_and_a_combined_one_in_the_explorer(
    brand, people, live_server, browser
):
    when = timezone.now() - dt.timedelta(days=2)
    given = [
        ("gold", "home", 10),
        ("gold", "store", 9),
        ("gold", "home", 2),
        ("silver", "home", 0),
        ("silver", "store", 8),
    ]
    for n, (tier, delivery, score) in enumerate(given):
        answer(
            brand,
            brand.store,
            score,
            f"Answer {n} ({tier}, {delivery})",
            n=n,
            at=when - dt.timedelta(minutes=n),
            attributes={"tier": tier},
            properties={"delivery": delivery},
        )
    do_declare_dimension(brand.account, "contact.tier")
    fold_rollups()  # the worker: the log folded, the past answers counted for contact.tier

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("User name").fill("cx-lead")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")

    page.locator("details.segments summary").click()
    page.get_by_label("Tier (contact, reportable)").select_option("gold")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**contact.tier=gold**")
    note = page.locator("p.source")
    assert note.get_attribute("data-path") == "segments"
    assert "Counted from the rollups of contact.tier" in note.inner_text()
    assert "n = 3" in page.locator(".headline-box").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "dashboard-declared-segment.png", full_page=True)

    page.get_by_label("Delivery (interaction)").select_option("home")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**interaction.delivery=home**")
    note = page.locator("p.source")
    assert note.get_attribute("data-path") == "index"
    assert "Counted from the segment index (several segments together)" in note.inner_text()
    assert "n = 2" in page.locator(".headline-box").inner_text()
    page.screenshot(path=ARTIFACTS / "dashboard-combined-segments.png", full_page=True)

    page.goto(f"{live_server.url}/responses/")
    page.get_by_label("Segments (key=value; several with “;”)").fill(
        "contact.tier=gold; interaction.delivery=home"
    )
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**attr=**")
    listed = page.locator("main").inner_text()
    assert "Answer 0 (gold, home)" in listed and "Answer 2 (gold, home)" in listed
    for other in ("Answer 1", "Answer 3", "Answer 4"):
        assert other not in listed
    page.screenshot(path=ARTIFACTS / "explorer-combined-segments.png", full_page=True)
