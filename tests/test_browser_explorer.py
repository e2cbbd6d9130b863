"""The response explorer in Debian's headless Chromium: sign in as a regional manager,
filter, search the comments, open an answer, export what is shown."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from tests.conftest import answer
from tests.test_browser import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_regional_manager_explores_their_regions_answers(brand, people, live_server, browser):
    recent = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    answer(brand, brand.store, 10, "Quick and friendly staff", n=1, at=recent)
    slow = answer(brand, brand.store, 2, "The queue was far too slow", n=2, at=recent)
    answer(brand, brand.store, 4, "Screen protector badly fitted", n=3, at=recent)
    answer(brand, brand.other_store, 1, "South: too slow as well", n=4, at=recent)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("User name").fill("north-manager")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Responses").click()
    rows = page.locator("table.responses tbody tr")
    assert rows.count() == 3  # the south store's answer is not in this region
    assert "South" not in page.content()

    page.get_by_label("Category").select_option("detractor")
    page.get_by_label("Search comments").fill("SLOW")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**category=detractor**")
    assert rows.count() == 1
    assert "The queue was far too slow" in rows.first.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "explorer.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    exported = list(csv.DictReader(io.StringIO(download.value.path().read_text("utf-8-sig"))))
    assert [int(r["response_id"]) for r in exported] == [slow.pk]

    rows.first.get_by_role("link").click()
    page.wait_for_url(f"**/responses/{slow.pk}/")
    assert page.get_by_role("heading", name="Survey invitations to this contact").is_visible()
    assert "The queue was far too slow" in page.locator("blockquote").inner_text()
    page.screenshot(path=ARTIFACTS / "response.png", full_page=True)
    page.close()
