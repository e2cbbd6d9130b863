"""What customers talk about, in Debian's headless Chromium: the dashboard's themes section,
a click through to the explorer with the phrases highlighted, and adopting a suggested
theme."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import answer
from tests.test_analysis import resolved_with_cause
from tests.test_browser import ARTIFACTS
from touchpoint.analysis import sweep
from touchpoint.analysis.models import Theme
from touchpoint.analysis.starter import do_create_starter_taxonomy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, url: str, who: str) -> None:
    page.goto(f"{url}/login/")
    page.get_by_label("User name").fill(who)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Sign in").click()


def analyse_all() -> None:
    while sweep.analyse_pending():
        pass


def test_a_manager_follows_a_theme_from_the_dashboard_to_its_comments(
    brand, people, live_server, browser
):
    do_create_starter_taxonomy(brand.account)
    recent = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    comments = [
        (2, "Waited forty minutes in the queue, nobody came"),
        (3, "The queue was out of the door again"),
        (10, "Lovely staff, really patient"),
        (9, "Friendly staff and quick service"),
        (1, "Charged twice for the same phone"),
    ]
    answers = [
        answer(brand, brand.store, score, text, n=n, at=recent)
        for n, (score, text) in enumerate(comments)
    ]
    resolved_with_cause(brand, answers[0], "Understaffed store")
    answer(brand, brand.other_store, 1, "South: the queue never moves", n=9, at=recent)
    analyse_all()
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    sign_in(page, live_server.url, "north-manager")
    section = page.locator("section#themes")
    section.scroll_into_view_if_needed()
    assert section.get_by_role("heading", name="What customers talk about").is_visible()
    rows = section.locator("tbody tr")
    assert rows.first.locator("th").inner_text() in ("Waiting", "Staff")
    waiting = section.get_by_role("row", name="Waiting")
    assert "2" in waiting.locator("td").first.inner_text()  # this region's two, not the south's
    ARTIFACTS.mkdir(exist_ok=True)
    section.screenshot(path=ARTIFACTS / "dashboard-themes.png")

    section.get_by_role("link", name="Waiting").click()
    page.wait_for_url("**/responses/?theme=waiting**")
    table = page.locator("table.responses tbody tr")
    assert table.count() == 2
    marks = page.locator("table.responses mark")
    assert {m.inner_text().lower() for m in marks.all()} == {"queue", "waited"}
    assert page.get_by_label("Theme").input_value() == "waiting"
    page.screenshot(path=ARTIFACTS / "explorer-theme.png", full_page=True)

    page.goto(f"{live_server.url}/units/{brand.north.pk}/themes/")
    causes = page.get_by_role("table", name="Resolved tickets by root cause")
    assert causes.get_by_role("row", name="Understaffed store").is_visible()
    page.screenshot(path=ARTIFACTS / "unit-themes.png", full_page=True)
    page.close()


def test_an_admin_adopts_a_suggested_theme_in_one_click(brand, people, live_server, browser):
    do_create_starter_taxonomy(brand.account)
    recent = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    topics = (
        "The eSIM activation failed twice",
        "Fingerprint sensor stopped reading my finger",
        "My loyalty points vanished overnight",
    )
    for n in range(36):
        answer(brand, brand.store, 5, f"{topics[n % 3]} ({n})", n=n, at=recent)
    analyse_all()
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    sign_in(page, live_server.url, "cx-lead")
    page.goto(f"{live_server.url}/themes/")
    page.get_by_role("button", name="Find suggestions in untagged comments").click()
    suggestion = page.locator(".suggestion").filter(has_text="loyalty points vanished")
    suggestion.scroll_into_view_if_needed()
    assert suggestion.locator(".examples li").count() == 3
    page.screenshot(path=ARTIFACTS / "suggested-themes.png", full_page=True)
    suggestion.get_by_label("Key").fill("loyalty")
    suggestion.get_by_label("Name").fill("Loyalty points")
    suggestion.get_by_role("button", name="Adopt as a theme").click()
    page.wait_for_url("**/themes/")
    assert "is now a theme" in page.locator(".flash").inner_text()
    assert page.get_by_role("link", name="Loyalty points").is_visible()
    assert page.get_by_role("status").filter(has_text="Re-tagging history").is_visible()
    assert Theme.objects.filter(account=brand.account, key="loyalty").exists()
    analyse_all()
    page.reload()
    assert "History tagged with the current themes" in page.get_by_role("status").inner_text()
    page.close()


def test_an_answers_page_shows_what_its_comment_says(brand, people, live_server, browser):
    do_create_starter_taxonomy(brand.account)
    recent = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    text = "Friendly staff, but the queue took forever."
    mixed = answer(brand, brand.store, 6, text, n=1, at=recent)
    analyse_all()
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    sign_in(page, live_server.url, "north-manager")
    page.goto(f"{live_server.url}/responses/{mixed.pk}/")
    marks = page.locator("blockquote.comment-full mark")
    assert {"staff", "queue"} <= {m.inner_text().lower() for m in marks.all()}
    section = page.locator("section.comment-analysis")
    assert section.get_by_role("heading", name="What the comment says").is_visible()
    staff = section.get_by_role("listitem").filter(has_text="Staff")
    assert staff.locator(".tag").inner_text() == "positive"
    assert (
        section.get_by_role("listitem").filter(has_text="Waiting").locator(".tag").inner_text()
        == "negative"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "answer-analysis.png", full_page=True)
    section.get_by_role("link", name="Waiting").click()
    page.wait_for_url("**/responses/?theme=waiting**")
    assert page.get_by_label("Theme").input_value() == "waiting"
    assert page.locator("table.responses mark").first.inner_text() == "queue"
    page.close()
