"""The manager interface in the five languages: each person reads their pages, ticket emails
and digests in their own language, with dates in its format and times in the account's zone,
and every manager message ships translated in de, es, fr and hi."""

from __future__ import annotations

import datetime as dt
import gettext
import os
import re
from html import unescape
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client

from tests.conftest import outbound
from tests.manager_messages import ROOT, manager_messages
from tests.test_tickets import respond
from touchpoint.accounts.actions import do_invite_member
from touchpoint.accounts.languages import do_set_language, format_locale, language_of
from touchpoint.accounts.models import Account, MemberInvitation, Unit
from touchpoint.digests import actions as digests
from touchpoint.notifications.people import send_due_member_mails
from touchpoint.tickets.models import Ticket

SHIPPED = ["de", "es", "fr", "hi"]
# Playwright's sync API runs an event loop in this thread; Django ORM calls stay synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+(?:![rs])?\}")
FRIDAY_10_PARIS = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)
MONDAY_9_PARIS = dt.datetime(2026, 11, 23, 8, tzinfo=dt.UTC)


def catalogue(lang: str) -> dict:
    """Our compiled catalogue alone (not Django's own, which translates "Next" and the like)."""
    with (ROOT / f"locale/{lang}/LC_MESSAGES/django.mo").open("rb") as mo:
        return gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]


def untranslated(lang: str, messages) -> tuple[list, list]:
    """The messages missing from a language's catalogue, and those whose translation does not
    keep their placeholders."""
    found = catalogue(lang)
    missing, broken = [], []
    for message in messages:
        if isinstance(message, str):
            sources, translated = [message], [found.get(message)]
        else:
            sources, translated = list(message), [found.get((message[0], i)) for i in (0, 1)]
        if not all(translated):
            missing.append(message)
            continue
        wanted = set().union(*(PLACEHOLDER.findall(s) for s in sources))
        if any(set(PLACEHOLDER.findall(t)) != wanted for t in translated if t):
            broken.append(message)
    return missing, broken


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_manager_message_is_translated_with_its_placeholders(lang):
    missing, broken = untranslated(lang, manager_messages())
    assert missing == []
    assert broken == []


def test_a_london_account_reads_british_dates_and_a_new_york_one_american():
    london = Account(time_zone="Europe/London", default_locale="en")
    assert format_locale("en", london) == "en-gb"
    assert format_locale("en", Account(time_zone="America/New_York")) == "en"
    assert format_locale("en", Account(time_zone="Europe/Paris")) == "en-gb"  # day first
    assert format_locale("de", Account(time_zone="Europe/Zurich")) == "de-ch"
    assert format_locale("de", london) == "de"
    assert format_locale("en", Account(time_zone="UTC", default_locale="en-IE")) == "en-ie"


def visible(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def english_leaks(text: str, account: Account) -> list[str]:
    """Manager messages (two words or more, no placeholder) still in English in `text`;
    names the account gave its own units and touchpoints are its data, not ours."""
    german = catalogue("de")
    names = set(Unit.objects.filter(account=account).values_list("name", flat=True))
    names |= set(account.touchpoints.values_list("name", flat=True))
    leaks = []
    for message in manager_messages():
        english = message if isinstance(message, str) else message[0]
        english = english.replace("%%", "%")
        if len(english.split()) < 2 or PLACEHOLDER.search(english) or "<" in english:
            continue
        if english in names or german.get(message, "").replace("%%", "%") == english:
            continue
        if english in text:
            leaks.append(english)
    return leaks


@pytest.fixture
def german(brand, people):
    """The North manager reads Touchpoint in German; the brand's CX lead keeps English."""
    do_set_language(people["north_manager"], "de")
    return people["north_manager"]


@pytest.mark.django_db(transaction=True)
def test_a_german_managers_pages_ticket_emails_and_digest_render_in_german(
    brand, people, german, smtp
):
    with time_machine.travel(FRIDAY_10_PARIS, tick=False):
        ticket = Ticket.objects.get(response=respond(brand, 2, "Schlange von 40 Minuten"))
        outbound()
    # The ticket email, over SMTP: German words, a German date, Paris time.
    [notice] = [m for m in smtp.messages if m["To"] == "north-manager@example.com"]
    assert (
        notice["Subject"] == f"Neues Ticket #{ticket.pk} bei Lille Centre: Kritiker (Bewertung 2)"
    )
    text = notice.get_body(("plain",)).get_content()
    html = notice.get_body(("html",)).get_content()
    assert "20. November 2026 10:00" in html and "Ticket öffnen" in html
    assert "Status: Neu · Priorität: Normal" in text
    assert 'lang="de"' in html
    assert english_leaks(visible(html) + text, brand.account) == []

    # The pages, through the test client.
    client = Client()
    client.force_login(german)
    with time_machine.travel(FRIDAY_10_PARIS + dt.timedelta(hours=1), tick=False):
        pages = {
            "dashboard": client.get(f"/units/{brand.north.pk}/"),
            "tickets": client.get("/tickets/"),
            "ticket": client.get(f"/tickets/{ticket.pk}/"),
            "people": client.get("/people/"),
            "profile": client.get("/profile/"),
            "digest": client.get("/digest/"),
            "notifications": client.get("/tickets/settings/"),
        }
    for name, page in pages.items():
        assert page.status_code == 200, name
        content = page.content.decode()
        assert '<html lang="de">' in content, name
        assert page["Content-Language"] == "de", name
        assert english_leaks(visible(content), brand.account) == [], name
    dashboard = visible(pages["dashboard"].content.decode())
    assert "Letzte 3 Monate (1. September 2026 \u2013 20. November 2026)" in dashboard
    assert "Verlauf nach Monat" in dashboard and "Nach Monat: Selbst so" in dashboard
    assert "Promotoren (9\u201310)" in dashboard and "Kritiker (0\u20136)" in dashboard
    ticket_page = visible(pages["ticket"].content.decode())
    assert "beantwortet am 20. November 2026 10:00" in ticket_page
    assert "eröffnet wegen: Kritiker (Bewertung 2)" in ticket_page
    assert "Erstreaktion bis 21. November 2026 10:00" in ticket_page
    assert "Abmelden" in visible(pages["tickets"].content.decode())
    assert "Sprache" in visible(pages["profile"].content.decode())
    for page in pages.values():  # no English date anywhere
        english_date = r"\b\d{1,2}/\d{1,2}/\d{4}\b|\bNov\. \d|\d Nov 2026"
        assert not re.search(english_date, visible(page.content.decode()))

    # The weekly digest, composed by the worker and sent through the outbox.
    with time_machine.travel(MONDAY_9_PARIS, tick=False):
        digests.schedule_digests()
        digests.send_due_digests()
        outbound()
    [digest] = [
        m
        for m in smtp.messages
        if m["To"] == "north-manager@example.com" and "Ihre Woche" in m["Subject"]
    ]
    subject = digest["Subject"].strip()  # a long encoded header is folded after "Subject:"
    assert subject.startswith("Ihre Woche bei North: NPS zwischen ")
    assert subject.endswith("über die letzten 90 Tage (16. November 2026 bis 22. November 2026)")
    text = digest.get_body(("plain",)).get_content()
    html = digest.get_body(("html",)).get_content()
    assert "Ihre Woche auf Touchpoint: 16. November 2026 bis 22. November 2026" in text
    assert "die letzten 90 Tage" in text  # one answer: the rolling window, named in German
    assert "Offene Tickets: 1" in text and "Schlange von 40 Minuten" in text
    assert english_leaks(visible(html) + text, brand.account) == []
    # The CX lead, with no language of their own, reads the account's: English.
    [lead] = [m for m in smtp.messages if m["To"] == "cx-lead@example.com"]
    # (A subject with a character outside ASCII, here a minus sign, is folded as encoded
    # words after "Subject:", which the parser reads back with a leading space.)
    assert lead["Subject"].strip().startswith("Your week at Nimbus Mobile: ")


@pytest.mark.django_db
def test_the_language_chosen_on_the_invitation_becomes_the_persons(brand, people, smtp):
    admin = people["brand_admin"]
    with pytest.raises(ValueError, match="languages offered"):
        do_invite_member(
            by=admin, unit=brand.store, email="x@example.com", role="viewer", language="xx"
        )
    assert not MemberInvitation.objects.exists()  # refused whole, nothing saved
    do_invite_member(
        by=admin, unit=brand.store, email="Anne@example.com", role="manager", language="fr"
    )
    assert send_due_member_mails() == 1  # the outbox composes it, in French
    [invitation_mail] = smtp.messages
    body = invitation_mail.get_body(("plain",)).get_content()
    assert invitation_mail["Subject"].strip() == "Vous êtes invité à Nimbus Mobile sur Touchpoint"
    assert "comme responsable de Lille Centre" in body
    token = re.search(r"/join/([\w-]+)", body).group(1)
    client = Client()
    assert "Rejoindre Nimbus Mobile sur Touchpoint" in client.get(f"/join/{token}").content.decode()
    passphrase = "a long passphrase 9"
    client.post(
        f"/join/{token}", {"name": "Anne Martin", "password": passphrase, "password2": passphrase}
    )
    anne = get_user_model().objects.get(email="anne@example.com")
    assert language_of(anne) == "fr"
    assert "Par canal" in visible(client.get(f"/units/{brand.store.pk}/").content.decode())

    # Changed on their own settings page, the next page follows.
    client.post("/profile/", {"language": "hi"})
    assert language_of(anne) == "hi"
    assert "चैनल के अनुसार" in client.get(f"/units/{brand.store.pk}/").content.decode()
    page = client.post("/profile/", {"language": "klingon"}, follow=True).content.decode()
    assert language_of(anne) == "hi" and "दी गई भाषाओं में से एक चुनें" in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_german_dashboard_in_chromium(brand, people, german, live_server, browser):
    from tests.test_browser import ARTIFACTS

    respond(brand, 2, "Schlange von 40 Minuten")
    respond(brand, 10, "Sehr freundlich", n=2)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("User name").fill("north-manager")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_role("link", name="Tickets").is_visible()
    assert page.get_by_role("heading", name="Nach Kanal").is_visible()
    text = page.inner_text("body")
    assert "Letzte 3 Monate" in text and "Angemeldet als north-manager" in text
    assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{4}\b", text)  # the browser says en-US
    ARTIFACTS.mkdir(exist_ok=True)
    Path("/tmp/shots").mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "german-dashboard.png"), full_page=True)
    page.screenshot(path="/tmp/shots/german-dashboard.png", full_page=True)
    page.goto(f"{live_server.url}/tickets/")
    page.screenshot(path="/tmp/shots/german-tickets.png", full_page=True)
    context.close()


def german_page(client: Client, url: str, account: Account) -> str:
    """The page's visible text, after checking it is German through and through."""
    page = client.get(url)
    assert page.status_code == 200, url
    content = page.content.decode()
    assert '<html lang="de">' in content, url
    text = visible(content)
    assert english_leaks(text, account) == [], url
    assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{4}\b|\bNov\. \d|\d Nov\b|\bUTC\b", text), url
    return text


@pytest.mark.django_db(transaction=True)
def test_a_german_manager_reads_the_explorer_league_alerts_targets_themes_and_interviews_in_german(
    brand, people, german, smtp
):
    from tests.conftest import answer, interaction
    from touchpoint.alerts import actions as alerts
    from touchpoint.alerts import rules, themes
    from touchpoint.alerts.models import Alert
    from touchpoint.analysis.models import Theme
    from touchpoint.intake.actions import record_interactions
    from touchpoint.intake.schemas import InteractionIn
    from touchpoint.interviews.actions import do_claim_next_call
    from touchpoint.lib import nps
    from touchpoint.surveys.models import Touchpoint

    admin = people["brand_admin"]
    do_set_language(admin, "de")
    account = brand.account
    queue = Theme.objects.create(
        account=account,
        key="queue",
        names={"en": "Queue", "de": "Warteschlange"},
        examples=["queue"],
    )
    basket = answer(brand, brand.store, 2, "Schlange", properties={"basket": 12.5})
    answer(brand, brand.store, 10, "Super", n=1, properties={"basket": 80})
    answer(brand, brand.other_store, 9, n=2)
    # Two alerts opened as the weekly judgement opens them: a fall, and a theme spike.
    windows = rules.windows(dt.date(2026, 11, 22), week_answers=40)
    fall = rules.fall(windows, nps.Counts(5, 5, 30), nps.Counts(30, 5, 5), nps.Counts(300, 50, 50))
    spike = themes._finding(
        queue, "Warteschlange", rules.spike(12, 40, 5, 400, themes=18), 9, windows, "de"
    )
    with time_machine.travel(MONDAY_9_PARIS, tick=False):
        with transaction.atomic():
            fell = alerts._open(brand.north, windows.current, fall, MONDAY_9_PARIS)
            spiked = alerts._open(brand.north, windows.current, spike, MONDAY_9_PARIS)
        outbound()
    assert Alert.objects.count() == 2
    # A phone interview due at Lille Centre, which the North manager may call.
    Touchpoint.objects.create(
        account=account,
        slug="store-purchase-phone",
        name="Store purchase (phone)",
        kind="store_purchase",
        channel="phone",
    )
    with time_machine.travel(FRIDAY_10_PARIS, tick=False):
        payload = interaction(
            brand,
            external_id="sale-phone-1",
            touchpoint="store-purchase-phone",
            unit="store-012",
            contact={"phone": "+33612345671", "name": "Claire Martin"},
        )
        assert record_interactions(account, [InteractionIn(**payload)]).ok

    manager, lead = Client(), Client()
    manager.force_login(german)
    lead.force_login(admin)
    with time_machine.travel(MONDAY_9_PARIS + dt.timedelta(hours=1), tick=False):
        explorer = german_page(manager, "/responses/?period=12m", account)
        detail = german_page(manager, f"/responses/{basket.pk}/", account)
        league = german_page(manager, f"/units/{brand.north.pk}/league/?period=12m", account)
        german_page(manager, "/alerts/", account)
        fall_page = german_page(manager, f"/alerts/{fell.pk}/", account)
        spike_page = german_page(manager, f"/alerts/{spiked.pk}/", account)
        themes_page = german_page(manager, f"/units/{brand.north.pk}/themes/?period=12m", account)
        german_page(lead, "/targets/", account)
        german_page(lead, "/themes/", account)
        german_page(lead, f"/themes/{queue.pk}/", account)
        interviews = german_page(manager, "/interviews/", account)
        call = do_claim_next_call(german)
        assert call is not None
        german_page(manager, f"/interviews/{call.pk}/", account)
        # A decimal typed with a comma, as a German manager writes it.
        comma = german_page(
            manager, "/responses/?period=12m&attr=interaction.basket%3D12%2C5", account
        )

    assert "Antworten" in explorer and "Alle meine Einheiten" in explorer
    assert "North (Region)" in explorer and "Lille Centre (Filiale)" in explorer  # capitalised
    assert "Kritiker" in detail and "Verantwortliche Einheit" in detail
    assert "20. November 2026" in detail  # the answer's date in the German format
    assert "Jede Filiale von North, nach Rang" in league
    assert "NPS gefallen" in fall_page and "ein Rückgang, der kaum Zufall ist" in fall_page
    assert "p < 0,001" in fall_page  # the German decimal separator
    assert "letzte Woche" in fall_page and "die 12 Wochen davor" in fall_page
    assert "Themenausschlag: Warteschlange" in spike_page
    assert "Worüber Kunden sprechen" in themes_page and "Wirkung" in themes_page
    assert "Anruf ist jetzt fällig" in interviews
    assert "1 Antwort" in comma and "Schlange" in comma and "Super" not in comma

    # The alert emails, composed for each recipient: German for the North manager.
    [mail] = [
        m
        for m in smtp.messages
        if m["To"] == "north-manager@example.com" and "NPS gefallen" in m["Subject"]
    ]
    assert mail["Subject"].strip() == "NPS gefallen bei North"
    text = mail.get_body(("plain",)).get_content()
    assert "Zeitraum: letzte Woche, 16. November 2026" in text
    assert english_leaks(text, account) == []
    # The CX lead, also German now, gets the theme spike in German; nobody reads English here.
    assert all("Theme spike" not in m["Subject"] for m in smtp.messages)


def test_the_figures_use_the_readers_decimal_separator():
    from django.utils import translation

    from touchpoint.front.templatetags.figures import p_value, percent0, signed

    with translation.override("de"):
        assert p_value(0.0342) == "p = 0,034" and p_value(0.0001) == "p < 0,001"
        assert signed(-3.25, 1) == "\u22123,2" and signed(12) == "+12" and percent0(0.5) == "50 %"
    with translation.override("en"):
        assert p_value(0.0342) == "p = 0.034" and signed(4.56, 1) == "+4.6"
