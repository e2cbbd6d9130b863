"""End to end in headless Chromium: the brand's CX lead (an account admin, not Django staff)
builds a touchpoint from nothing, tests it over real SMTP, and an interaction posted through
the API is then scheduled exactly as configured. Then every setup page, photographed."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.test import Client

from tests.conftest import interaction
from touchpoint.setup import units as sync
from touchpoint.setup.unitrows import read_unit_csv
from touchpoint.surveys.models import Invitation, Touchpoint

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytest.importorskip("playwright.sync_api")
SHOTS = Path(os.environ.get("SHOTS", "/tmp/shots"))
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(browser, live_server, username: str = "cx-lead"):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    return page


def shot(page, name: str) -> None:
    """The whole page. The viewport is made as tall as the page first: Chromium leaves the
    preview's sandboxed frames (painted in another process) blank in a full-page capture."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(height, 6000)})
    page.screenshot(path=SHOTS / f"setup-{name}.png")
    page.set_viewport_size(size)


def test_the_cx_lead_builds_a_repair_survey_tests_it_and_the_api_follows_it(
    brand, people, live_server, browser, smtp, settings
):
    settings.SITE_URL = live_server.url
    assert not people["brand_admin"].is_staff
    page = sign_in(browser, live_server)
    page.get_by_role("link", name="Setup").click()
    page.get_by_role("link", name="Touchpoints").first.click()
    page.get_by_role("link", name="New touchpoint").click()

    # The survey rule, from plain fields.
    page.get_by_label("Name").fill("Repair completed")
    page.get_by_label("Code").fill("repair-completed")
    page.get_by_label("Kind of moment").select_option("repair")
    page.get_by_label("Channel", exact=True).select_option("email")
    page.get_by_label("Delay", exact=True).fill("48")
    page.get_by_label("Delay unit").select_option("hours")
    page.get_by_label("Reminders", exact=True).fill("1")
    page.get_by_label("Reminder after (days)").fill("3")
    page.get_by_role("button", name="Create the touchpoint").click()
    page.wait_for_url("**/repair-completed/wording")
    page.get_by_text("is created, paused").wait_for()  # visible once the page has loaded

    # German wording, with the preview following the typing.
    page.get_by_role("link", name="Deutsch").click()
    page.wait_for_url("**wording?lang=de")
    question = "Wie zufrieden sind Sie mit der Reparatur bei {unit}?"
    page.get_by_label("The 0 to 10 question").fill(question)
    preview = page.frame_locator("#preview-page")
    preview.get_by_text("Wie zufrieden sind Sie mit der Reparatur bei Nimbus Mobile?").wait_for()
    email = page.frame_locator("#preview-email")
    assert email.get_by_text("Wie zufrieden sind Sie mit der Reparatur bei Nimbus Mobile?").count()
    assert "segment" in page.locator("#preview-sms-count").inner_text()
    shot(page, "wording-preview")
    page.get_by_role("button", name="Save this language").click()
    page.wait_for_url("**wording?lang=de")

    # A multiple-choice follow-up for detractors, in English and German.
    page.get_by_role("link", name="Follow-up questions").click()
    page.get_by_role("link", name="Add a question").click()
    page.get_by_label("Key", exact=True).fill("reasons")
    page.get_by_label("Type").select_option("multiple_choice")
    page.locator("input[name=text_en]").fill("What went wrong?")
    page.locator("input[name=text_de]").fill("Was lief schief?")
    page.get_by_label("Promoters (9 to 10)").uncheck()
    page.get_by_label("Passives (7 to 8)").uncheck()
    page.get_by_label("Option 1 key").fill("slow")
    page.get_by_label("Option 1 in English").fill("It took too long")
    page.get_by_label("Option 1 in Deutsch").fill("Es dauerte zu lange")
    page.get_by_label("Option 2 key").fill("broken")
    page.get_by_label("Option 2 in English").fill("Still broken")
    page.get_by_label("Option 2 in Deutsch").fill("Immer noch kaputt")
    shot(page, "question-builder")
    page.get_by_role("button", name="Save the question").click()
    page.get_by_text("Saved the questions.").wait_for()  # visible once the page has loaded

    # A test survey to oneself arrives over SMTP, in German.
    page.get_by_role("link", name="Send a test").click()
    page.get_by_label("Your email address").fill("chloe@nimbus.example")
    page.get_by_label("Language").select_option("de")
    page.get_by_role("button", name="Send me a test survey").click()
    page.get_by_text("handed to the mail server").wait_for()  # visible once the page has loaded
    shot(page, "test-sent")
    (mail,) = smtp.messages
    assert mail["To"] == "chloe@nimbus.example"
    html = mail.get_body(("html",)).get_content()
    assert "Wie zufrieden sind Sie mit der Reparatur bei Nimbus Mobile?" in html

    # Activate it; an interaction posted through the API is scheduled 48 hours later.
    page.get_by_role("button", name="Activate").click()
    page.locator(".badge.on").first.wait_for()  # visible once the page has loaded
    touchpoint = Touchpoint.objects.get(slug="repair-completed")
    assert touchpoint.is_active and touchpoint.delay == dt.timedelta(hours=48)
    assert (touchpoint.reminder_count, touchpoint.reminder_after_days) == (1, 3)
    assert touchpoint.questions[0]["show_to"] == ["detractor"]
    api = Client(headers={"Authorization": f"Bearer {brand.api_key}"})
    posted = api.post(
        "/api/v1/interactions",
        interaction(
            brand,
            external_id="repair-77",
            touchpoint="repair-completed",
            unit="repair-3",
            occurred_at="2026-11-20T10:00:00+01:00",
            contact={"email": "jo@example.com", "locale": "de"},
        ),
        content_type="application/json",
    )
    assert posted.status_code == 201
    invitation = Invitation.objects.get(interaction__external_id="repair-77")
    assert invitation.state == "scheduled" and invitation.channel == "email"
    assert invitation.send_at == dt.datetime(2026, 11, 22, 9, tzinfo=dt.UTC)  # 48 h later
    page.context.close()


UNIT_FILE = "code,name,kind,parent,time_zone,managers,attribute.format\n" + "".join(
    f"store-{n:03d},Store {n},store,{'north' if n % 2 else 'south'},,"
    f"m{n}@nimbus.example:manager,{('mall', 'street')[n % 2]}\n"
    for n in range(100, 220)
)


def test_every_setup_page_photographed(brand, people, live_server, browser, settings):
    """Not an assertion of looks: the pictures are looked at by a person. It does check that
    each page opens for the CX lead and shows its main heading."""
    settings.SITE_URL = live_server.url
    rows = read_unit_csv(UNIT_FILE)[0]
    sync.do_apply_sync(brand.account, rows, source="fixture")
    page = sign_in(browser, live_server)
    base = live_server.url
    visits = [
        ("overview", "/setup/", "Latest changes"),
        ("touchpoints", "/setup/touchpoints/", "Touchpoints"),
        ("rule", "/setup/touchpoints/repair/", "How and when it asks"),
        ("tickets", "/setup/touchpoints/repair/tickets", "Open a ticket for"),
        ("test", "/setup/touchpoints/repair/test", "Send me a test survey"),
        ("root-causes", "/setup/root-causes/", "Add a root cause"),
        ("units", "/setup/units/", "Sync from a file"),
        ("units-north", f"/setup/units/?unit={brand.north.pk}", "Store 101"),
        ("units-search", "/setup/units/?q=store-11", "Store 110"),
        ("unit", f"/setup/units/{brand.store.pk}/", "Restate history"),
        ("kiosks", "/setup/kiosks/", "Add a kiosk"),
        ("widget-keys", "/setup/widget-keys/", "Add a key"),
        ("api-keys", "/setup/api-keys/", "Mint a key"),
        ("webhooks", "/setup/webhooks/", "Add an endpoint"),
        ("sms", "/setup/sms/", "SMS settings (Twilio)"),
        ("suppressions", "/setup/suppressions/", "Bounce and complaint addresses"),
        ("audit", "/setup/audit/", "Every setup change"),
        ("people", "/people/", "Add people from a file"),
    ]
    for name, path, text in visits:
        page.goto(base + path)
        assert page.get_by_text(text).first.is_visible(), name
        shot(page, name)
    # A plan from a file, before it is applied.
    page.goto(f"{base}/setup/units/")
    changed = UNIT_FILE.replace("Store 150,", "Store 150 (Mall),").replace(
        "store-151,Store 151,store,north", "store-151,Store 151,store,south"
    )
    upload = SHOTS / "units-upload.csv"
    SHOTS.mkdir(parents=True, exist_ok=True)
    upload.write_text(changed)
    page.get_by_label("Unit file (CSV)").set_input_files(str(upload))
    page.get_by_role("button", name="Check the file and show the plan").click()
    page.get_by_role("button", name="Apply this plan").wait_for()  # once the page has loaded
    shot(page, "plan")
    # A kiosk, its link shown once.
    page.goto(f"{base}/setup/kiosks/")
    page.get_by_label("Name").fill("Till 2 tablet")
    page.get_by_label("Store code").fill("store-012")
    page.get_by_role("button", name="Add the kiosk and show its link").click()
    page.locator("#new-secret").wait_for()  # visible once the page has loaded
    shot(page, "kiosk-minted")
    # A form refused: every field at fault is marked.
    page.goto(f"{base}/setup/touchpoints/new")
    page.get_by_label("Code").fill("store-purchase")
    page.get_by_label("Quiet hours from").fill("21:00")
    page.get_by_role("button", name="Create the touchpoint").click()
    page.get_by_text("Nothing was saved").wait_for()  # visible once the page has loaded
    shot(page, "rule-errors")
    page.context.close()
