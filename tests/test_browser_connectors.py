"""The connector pages in headless Chromium, photographed for a person to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fake_vendors import ZENDESK_EMAIL, ZENDESK_TOKEN, ZendeskState, serve, zendesk
from tests.test_browser_setup import shot, sign_in
from tests.test_connectors_setup import SIGNING

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def zendesk_api():
    fake, stop = serve(zendesk(ZendeskState()))
    yield fake
    stop()


def test_the_connector_pages_photographed(
    brand, people, live_server, browser, zendesk_api, settings
):
    settings.SITE_URL = live_server.url
    page = sign_in(browser, live_server)
    page.goto(f"{live_server.url}/setup/connectors/")
    assert page.get_by_text("Segment / RudderStack").is_visible()
    shot(page, "connectors")
    page.goto(f"{live_server.url}/setup/connectors/zendesk/")
    page.get_by_label("Base URL").fill(zendesk_api.url)
    page.get_by_label("Zendesk subdomain").fill("nimbus")
    page.get_by_label("Agent email").fill(ZENDESK_EMAIL)
    page.get_by_label("Units").fill("group:Tier 1 = callco-t1\n* = callco")
    page.get_by_label("API token").fill(ZENDESK_TOKEN)
    page.get_by_label("Webhook signing secret").fill(SIGNING)
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Test the connection").click()
    assert page.get_by_text("Connection works.").is_visible()
    shot(page, "connector-zendesk")
    assert Path(os.environ.get("SHOTS", "/tmp/shots"), "setup-connector-zendesk.png").exists()
