"""The website widget in Debian's headless Chromium, embedded by a page of another origin
that sends a strict Content-Security-Policy; and follow-up questions on the survey page.

Time in the page is Playwright's clock: the widget's delays run on it, not on sleeps.
"""

from __future__ import annotations

import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import interaction
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import InteractionIn
from touchpoint.responses.models import Response
from touchpoint.surveys.defaults import CANCELLATION_REASONS, do_create_journey_touchpoints
from touchpoint.surveys.tokens import survey_token
from touchpoint.widget.actions import do_create_publishable_key

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
sync_api = pytest.importorskip("playwright.sync_api")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>A customer's shop</h1><a href="/">Home</a>
<dialog {dialog} aria-labelledby="d"><h2 id="d">Newsletter</h2><form method="dialog">
<button>Close the dialog</button></form></dialog>
<script src="{touchpoint}/static/touchpoint/widget.js" data-key="{key}" {extra} async></script>
</body></html>"""


class Shop:
    """A site on its own origin: serves PAGE with a strict CSP that allows only Touchpoint."""

    def __init__(self, touchpoint: str, key: str, *, dialog: bool = True, extra: str = ""):
        html = PAGE.format(
            touchpoint=touchpoint, key=key, dialog="open" if dialog else "", extra=extra
        )
        csp = (
            f"default-src 'none'; script-src {touchpoint}; style-src {touchpoint}; "
            f"connect-src {touchpoint}; form-action 'self'"
        )

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Security-Policy", csp)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def widget_key(brand, live_server):
    landing = do_create_journey_touchpoints(brand.account)["landing-page"]
    landing.widget_rules = {"delay_seconds": 3, "min_page_views": 1, "url_patterns": ["/"]}
    landing.save()
    return landing


def open_shop(browser, shop: Shop):
    """A visitor's tab with a controllable clock; collects CSP violations and requests."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.clock.install()
    page.violations = []
    page.requests = []
    page.on(
        "console", lambda m: "Content Security Policy" in m.text and page.violations.append(m.text)
    )
    page.on("request", lambda r: page.requests.append(r.url))
    return context, page


def widget_on(page):
    return page.locator("[data-touchpoint-widget]")


def test_the_widget_waits_for_the_dialog_asks_stores_and_never_asks_again(
    brand, widget_key, live_server, browser
):
    key = do_create_publishable_key(
        account=brand.account,
        name="Shop",
        touchpoint=widget_key,
        unit=brand.store,
        origins=["http://127.0.0.1:1"],  # set below once the shop has its port
    )
    shop = Shop(live_server.url, key.key)
    key.allowed_origins = shop.url
    key.save()
    context, page = open_shop(browser, shop)
    try:
        with page.expect_response("**/config**"):
            page.goto(shop.url + "/")
        page.clock.run_for(10_000)  # well past the 3 s delay, with the dialog open
        assert widget_on(page).count() == 0
        assert not any("/impressions" in url for url in page.requests)

        with page.expect_response("**/impressions"):
            page.get_by_role("button", name="Close the dialog").click()
            page.clock.run_for(1_000)
        dialog = page.get_by_role("dialog", name="How likely are you to recommend Nimbus Mobile")
        dialog.wait_for()
        focused = page.evaluate(
            "document.querySelector('[data-touchpoint-widget]').shadowRoot.activeElement.tagName"
        )
        assert focused == "SECTION"  # focus moved into the widget
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "widget-question.png")

        page.get_by_role("button", name="9 out of 10", exact=True).click()
        comment = page.get_by_label("Anything you would like to add?")
        assert comment.evaluate("el => el === el.getRootNode().activeElement")
        comment.fill("Found my phone quickly")
        with page.expect_response("**/responses") as answer:
            page.get_by_role("button", name="Send my answer").click()
        assert answer.value.status == 201
        page.get_by_role("status").filter(has_text="Thank you for your answer!").wait_for()
        page.screenshot(path=ARTIFACTS / "widget-thanks.png")
        response = Response.objects.get()
        assert (response.score, response.comment, response.channel) == (
            9,
            "Found my phone quickly",
            "widget",
        )
        assert response.unit_id == brand.store.pk

        # The next page in the same browser: the widget remembers it asked.
        page.requests.clear()
        with page.expect_response("**/config**"):
            page.goto(shop.url + "/")
        page.clock.run_for(60_000)
        assert widget_on(page).count() == 0
        assert not any("/impressions" in url for url in page.requests)
        assert page.violations == []
        assert context.cookies() == []
    finally:
        context.close()
        shop.close()


def test_the_rules_seconds_page_views_and_url_patterns(brand, widget_key, live_server, browser):
    widget_key.widget_rules = {"delay_seconds": 3, "min_page_views": 2, "url_patterns": ["/shop/*"]}
    widget_key.save()
    key = do_create_publishable_key(
        account=brand.account,
        name="Shop",
        touchpoint=widget_key,
        unit=brand.store,
        origins=["http://127.0.0.1:1"],
    )
    shop = Shop(live_server.url, key.key, dialog=False, extra='data-lang="hi"')
    key.allowed_origins = shop.url
    key.save()
    context, page = open_shop(browser, shop)
    try:
        with page.expect_response("**/config**"):
            page.goto(shop.url + "/shop/phones")  # the first page view: too early
        page.clock.run_for(10_000)
        with page.expect_response("**/config**"):
            page.goto(shop.url + "/about")  # the second, but not a shop page
        page.clock.run_for(10_000)
        assert not any("/impressions" in url for url in page.requests)
        with page.expect_response("**/config**"):
            page.goto(shop.url + "/shop/plans")  # third view, on a shop page
        page.clock.run_for(2_000)
        assert not any("/impressions" in url for url in page.requests)  # 2 s < 3 s
        with page.expect_response("**/impressions"):
            page.clock.run_for(1_500)
        dialog = page.get_by_role("dialog")
        dialog.wait_for()
        assert dialog.get_attribute("lang") == "hi"
        assert "{brand}" not in dialog.inner_text()
        assert "आप अपने किसी मित्र या सहकर्मी को Nimbus Mobile" in dialog.inner_text()
        # The keyboard alone: Tab to a score, Enter, type, Tab to Send, Enter.
        page.keyboard.press("Tab")  # the close button
        page.keyboard.press("Tab")  # score 0
        page.keyboard.press("Tab")  # score 1
        page.keyboard.press("Enter")
        page.keyboard.type("धीमी डिलीवरी")
        page.keyboard.press("Tab")
        with page.expect_response("**/responses"):
            page.keyboard.press("Enter")
        stored = Response.objects.get()
        assert (stored.score, stored.comment, stored.locale) == (1, "धीमी डिलीवरी", "hi")
        assert page.violations == []
    finally:
        context.close()
        shop.close()


def test_an_identified_visitor_is_not_asked_again_in_another_browser(
    brand, widget_key, live_server, browser
):
    key = do_create_publishable_key(
        account=brand.account,
        name="Shop",
        touchpoint=widget_key,
        unit=brand.store,
        origins=["http://127.0.0.1:1"],
    )
    shop = Shop(live_server.url, key.key, dialog=False, extra='data-email="ana@example.com"')
    key.allowed_origins = shop.url
    key.save()
    try:
        context, page = open_shop(browser, shop)
        with page.expect_response("**/config**"):
            page.goto(shop.url + "/")
        page.clock.run_for(4_000)
        page.get_by_role("dialog").wait_for()
        page.keyboard.press("Escape")  # dismissing still counts as asked
        assert widget_on(page).count() == 0
        context.close()

        context, page = open_shop(browser, shop)  # a fresh browser: nothing in localStorage
        with page.expect_response("**/impressions") as decision:
            page.goto(shop.url + "/")
            page.clock.run_for(4_000)
        assert decision.value.json() == {"ask": False, "reason": "quarantine", "token": None}
        assert widget_on(page).count() == 0
        context.close()
    finally:
        shop.close()


def test_follow_up_questions_on_the_survey_page(brand, live_server, browser, settings):
    settings.SITE_URL = live_server.url
    brand.web.questions = [
        {**CANCELLATION_REASONS, "show_to": ["detractor"]},
        {"key": "speed", "type": "scale", "text": "How fast was it?", "show_to": ["detractor"]},
    ]
    brand.web.save()
    result = record_interactions(
        brand.account, [InteractionIn(**interaction(brand, touchpoint="sign-up"))]
    )
    page = browser.new_page(locale="en-GB")
    page.goto(f"{live_server.url}/s/{survey_token(result.items[0].invitation)}")
    page.locator("label[for=score-4]").click()
    page.get_by_role("button", name="Send my answer").click()
    page.wait_for_url("**/more")
    page.get_by_role("button", name="Send").click()  # nothing chosen yet: fine, all optional
    page.wait_for_url("**/thanks")
    page.go_back()
    page.reload()
    page.get_by_label("The price").check()
    page.get_by_label("I am moving or my situation changed").check()
    page.locator("label[for=q-speed-2]").click()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "survey-follow-ups.png", full_page=True)
    page.get_by_role("button", name="Send").click()
    page.wait_for_url("**/thanks")
    assert Response.objects.get().answers == {"reasons": ["price", "moving"], "speed": 2}
    page.close()
