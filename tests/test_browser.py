"""End to end in Debian's headless Chromium: from a received email to a stored answer."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import follow_up_path, interaction, outbound
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import InteractionIn
from touchpoint.responses.models import Response
from touchpoint.surveys import delivery

# Playwright's sync API keeps an event loop in this thread; the ORM calls here are plain
# synchronous test code, so Django's async guard is lifted for this module.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
sync_api = pytest.importorskip("playwright.sync_api")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def received_link(brand, smtp, settings, live_server, score: int, **overrides) -> str:
    settings.SITE_URL = live_server.url
    result = record_interactions(brand.account, [InteractionIn(**interaction(brand, **overrides))])
    assert result.ok
    assert delivery.send_due_invitations() == 1
    html = smtp.messages[-1].get_body(("html",)).get_content()
    links = re.findall(r'href="([^"]+\?score=\d+)"', html)
    assert len(links) == 11
    return links[score]


def test_a_customer_answers_from_the_email_on_a_phone(brand, smtp, settings, live_server, phone):
    link = received_link(brand, smtp, settings, live_server, 9)
    phone.goto(link)
    assert phone.locator("#score-9").is_checked()
    assert phone.get_by_role("radio", checked=True).count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=ARTIFACTS / "survey-phone.png", full_page=True)
    # Every score button is a comfortable touch target on a 375 px screen.
    for n in range(11):
        box = phone.locator(f"label[for=score-{n}]").bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, (n, box)
    phone.get_by_label("What is the main reason for your score?").fill("Quick and friendly staff")
    phone.get_by_role("button", name="Send my answer").click()
    phone.wait_for_url("**/thanks")
    assert phone.get_by_role("heading", name="Thank you for your answer!").is_visible()
    phone.screenshot(path=ARTIFACTS / "survey-thanks.png")
    response = Response.objects.get()
    assert (response.score, response.comment) == (9, "Quick and friendly staff")
    assert response.attribution["store"]["code"] == "store-012"
    assert response.attribution["region"]["code"] == "north"


def test_the_survey_works_with_the_keyboard_alone(brand, smtp, settings, live_server, browser):
    link = received_link(brand, smtp, settings, live_server, 5)
    page = browser.new_page()
    page.goto(link.replace("?score=5", ""))
    page.keyboard.press("Tab")  # into the radio group
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    focused = page.evaluate("document.activeElement.id")
    assert focused == "score-2"
    outline = page.evaluate(
        "getComputedStyle(document.querySelector('label[for=score-2]')).outlineStyle"
    )
    assert outline != "none"  # focus is visible
    page.keyboard.press("Tab")
    page.keyboard.type("Keyboard only")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/thanks")
    assert (Response.objects.get().score, Response.objects.get().comment) == (2, "Keyboard only")
    page.close()


def test_submitting_without_a_score_explains_what_to_do(
    brand, smtp, settings, live_server, browser
):
    link = received_link(brand, smtp, settings, live_server, 0)
    page = browser.new_page()
    page.goto(link.split("?")[0])
    page.get_by_role("button", name="Send my answer").click()
    assert page.get_by_role("alert").inner_text() == "Choose a score from 0 to 10."
    assert Response.objects.count() == 0
    page.close()


def test_a_store_manager_works_a_ticket_from_the_inbox_to_the_follow_up(
    brand, smtp, settings, live_server, browser
):
    from django.contrib.auth import get_user_model

    from tests.test_tickets import respond
    from touchpoint.accounts.models import Membership
    from touchpoint.tickets.models import Ticket

    settings.SITE_URL = live_server.url
    manager = get_user_model().objects.create_user(
        "lille-manager", "lille@example.com", "a-long-password", first_name="Lea"
    )
    Membership.objects.create(user=manager, unit=brand.store, role="manager")
    respond(brand, 3, "The screen protector was applied crooked and they refused to redo it")
    ticket = Ticket.objects.get()

    page = browser.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("User name").fill("lille-manager")
    page.get_by_label("Password").fill("a-long-password")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/tickets/")
    assert page.get_by_role("link", name="Assigned to me 1").is_visible()
    page.get_by_role("link", name=re.compile("screen protector")).click()
    page.wait_for_url(f"**/tickets/{ticket.pk}/")

    page.get_by_label("Internal note").fill("Customer invited back for a free fitting")
    page.get_by_role("button", name="Add note").click()
    assert page.get_by_role("status").inner_text() == "Note added."
    page.get_by_label("Resolved").check()
    page.get_by_role("button", name="Update state").click()
    assert page.get_by_role("status").inner_text() == "Ticket updated."
    assert page.locator(".state").inner_text() == "Resolved"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "ticket-resolved.png", full_page=True)
    page.close()

    outbound()
    [follow_up] = [m for m in smtp.messages if m["To"] == "customer1@example.com"]
    ticket.refresh_from_db()
    assert (
        f"{live_server.url}{follow_up_path(ticket)}" in follow_up.get_body(("plain",)).get_content()
    )
    assert [e.kind for e in ticket.events.all()] == [
        "opened",
        "note",
        "state",
        "follow_up_sent",
    ]
