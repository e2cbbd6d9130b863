"""The kiosk and the interviewer page in Debian's headless Chromium."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.conftest import interaction
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import InteractionIn
from touchpoint.kiosks.actions import do_create_kiosk
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Touchpoint

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
sync_api = pytest.importorskip("playwright.sync_api")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tablet(browser):
    context = browser.new_context(
        viewport={"width": 1024, "height": 768}, has_touch=True, locale="en-GB"
    )
    page = context.new_page()
    yield page
    context.close()


def test_a_customer_answers_on_the_kiosk_and_it_resets_for_the_next(
    brand, live_server, tablet, settings
):
    settings.KIOSK_THANKS_SECONDS = 2
    kiosk = do_create_kiosk(
        account=brand.account, unit=brand.store, touchpoint=brand.purchase, name="Till 2"
    )
    tablet.goto(live_server.url + kiosk.path)
    heading = "How likely are you to recommend Nimbus Mobile to a friend or colleague?"
    assert tablet.get_by_role("heading", name=heading).is_visible()
    # Big touch targets: every score at least 64 px square on a tablet.
    for n in range(11):
        box = tablet.locator(f"label[for=score-{n}]").bounding_box()
        assert box["width"] >= 64 and box["height"] >= 64, (n, box)
    send = tablet.get_by_role("button", name="Send my answer")
    assert not send.is_visible()  # the comment and the button come with a score
    tablet.locator("label[for=score-9]").tap()
    assert send.is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    tablet.screenshot(path=ARTIFACTS / "kiosk.png")
    tablet.get_by_label("What is the main reason for your score?").fill("Quick checkout")
    send.tap()
    tablet.wait_for_url("**/thanks")
    assert tablet.get_by_role("heading", name="Thank you for your answer!").is_visible()
    response = Response.objects.get()
    assert (response.score, response.comment, response.channel) == (9, "Quick checkout", "kiosk")
    # A few seconds later the question is back, blank, for the next customer.
    tablet.wait_for_url(live_server.url + kiosk.path, timeout=10_000)
    assert tablet.get_by_role("heading", name=heading).is_visible()
    assert tablet.locator("input[name=score]:checked").count() == 0
    assert tablet.get_by_label("What is the main reason for your score?").count() == 1


def test_an_interviewer_works_the_queue_with_the_keyboard(brand, people, live_server, browser):
    Touchpoint.objects.create(
        account=brand.account,
        slug="store-purchase-phone",
        name="Store purchase (phone)",
        kind="store_purchase",
        channel="phone",
    )
    payload = interaction(
        brand,
        touchpoint="store-purchase-phone",
        contact={"phone": "+33612345678", "name": "Ana Lopez"},
    )
    assert record_interactions(brand.account, [InteractionIn(**payload)]).ok
    client = Client()
    client.force_login(people["north_manager"])
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto(live_server.url + "/interviews/")
    assert page.locator("#due-count").inner_text() == "1"
    page.keyboard.press("Enter")  # "Start the next call" has the focus
    page.wait_for_url("**/interviews/*/")
    assert page.locator("#contact-name").inner_text() == "Ana Lopez"
    assert page.locator("#contact-phone").get_attribute("href") == "tel:+33612345678"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "interview-call.png", full_page=True)
    page.keyboard.press("1")
    page.keyboard.press("0")  # "1" then "0": ten
    assert page.locator("#score-10").is_checked()
    page.keyboard.press("Tab")
    page.keyboard.type("Best shop in town")
    page.keyboard.press("Tab")  # to "Save the answer"
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + "/interviews/")
    assert "Answer recorded for Ana Lopez." in page.get_by_role("status").inner_text()
    assert page.locator("#due-count").inner_text() == "0"
    response = Response.objects.get()
    assert (response.score, response.comment) == (10, "Best shop in town")
    assert (response.channel, response.interviewer) == ("phone", people["north_manager"])
    context.close()
