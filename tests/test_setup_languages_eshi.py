"""The setup pages in Spanish and Hindi: every message the setup app marks (its templates,
forms, help texts, errors and notices) ships translated with its placeholders, and an
account admin who reads Spanish or Hindi sees no English message of ours on any setup page."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.manager_messages import ROOT, from_module, from_template, manager_messages
from tests.test_manager_languages import PLACEHOLDER, catalogue, untranslated, visible
from touchpoint.accounts.languages import do_set_language
from touchpoint.accounts.models import Unit
from touchpoint.connectors.vendors import VENDORS
from touchpoint.setup.models import SetupChange

LANGUAGES = ["es", "hi"]
RULE = {
    "name": "Repair",
    "slug": "repair",
    "kind": "repair",
    "channel": "email",
    "fallback_channel": "",
    "delay_amount": "4",
    "delay_unit": "days",
    "quiet_hours_start": "21:00",
    "quiet_hours_end": "08:00",
    "expiry_days": "14",
    "sampling_percent": "100",
    "quarantine_days": "",
    "reminder_count": "1",
    "reminder_after_days": "3",
    "widget_delay_seconds": "",
    "widget_min_page_views": "",
    "widget_url_patterns": "",
}


def unit_file(text: str) -> dict:
    return {"file": SimpleUploadedFile("units.csv", text.encode(), content_type="text/csv")}


def setup_messages() -> set[str | tuple[str, str]]:
    """Every msgid marked in the setup app: its templates and its Python modules."""
    found: set[str | tuple[str, str]] = set()
    for template in sorted((ROOT / "setup/templates").rglob("*.html")):
        found |= from_template(template)
    for module in sorted((ROOT / "setup").rglob("*.py")):
        if "migrations" not in module.parts:
            found |= from_module(module)
    return found


def test_the_setup_app_marks_its_messages():
    """The helpers really read the setup app (an empty set would pass everything below)."""
    messages = setup_messages()
    assert len(messages) > 500
    assert "Ticket rule" in messages  # a template
    assert "Open a ticket for" in messages  # a form label
    assert "another touchpoint already uses %(slug)s" in messages  # a rule's error
    assert ("%(n)s day", "%(n)s days") in messages  # a template filter


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_setup_message_is_translated_with_its_placeholders(lang):
    missing, broken = untranslated(lang, setup_messages())
    assert missing == []
    assert broken == []


def english_pattern(message: str) -> re.Pattern | None:
    """The English text a message renders to, whatever its placeholders stand for; None for
    messages too short to tell English from a name (fewer than two words around them)."""
    text = unescape(re.sub(r"<[^>]+>", " ", message.replace("%%", "%")))
    parts = [re.sub(r"\s+", " ", p) for p in PLACEHOLDER.split(text)]
    if sum(len(p.split()) for p in parts) < 2:
        return None
    # A word before or after a placeholder stays a whole word ("Event %(id)s" is not in
    # "Eventos {}").
    kept = [p for p in parts if p.strip()]
    words = [
        (r"\s" if p.startswith(" ") and n else "")
        + re.escape(p.strip())
        + (r"\s" if p.endswith(" ") and n < len(kept) - 1 else "")
        for n, p in enumerate(kept)
    ]
    body = r".{1,120}?".join(words)
    return re.compile(rf"(?<!\w){body}(?!\w)")  # whole words: "cada detractor" is Spanish


def english_leaks(text: str, lang: str, account) -> list[str]:
    """Setup and manager messages still in English in `text`. A message whose translation is
    the English itself (Webhooks, Account SID) and the account's own names do not count."""
    found = catalogue(lang)
    names = set(Unit.objects.filter(account=account).values_list("name", flat=True))
    names |= set(account.touchpoints.values_list("name", flat=True))
    leaks = []
    for message in setup_messages() | manager_messages():
        english = message if isinstance(message, str) else message[0]
        key = message if isinstance(message, str) else (message[0], 0)
        if english in names or found.get(key) == english:
            continue
        pattern = english_pattern(english)
        if pattern and pattern.search(text):
            leaks.append(english)
    return leaks


def test_the_leak_check_sees_english_with_its_values_filled_in():
    pattern = english_pattern("%(a)s active, %(p)s paused")
    assert pattern.search("Touchpoints: 3 active, 1 paused")
    assert not pattern.search("Touchpoints: 3 activos, 1 en pausa")
    assert english_pattern("%(n)s of %(cap)s") is None  # one word: a name could say it
    assert not english_pattern("a detractor").search("el ticket de cada detractor")
    event = english_pattern("Event %(id)s: %(state)s. %(reason)s")
    assert event.search("Event ticket-42: Recorded. A repeat.")
    assert not event.search('Eventos {} Qué eventos track son interacciones: {"a": 1}.')
    code = english_pattern(
        "Setup needs an account-wide API key; this one is limited to unit %(code)s."
    )
    assert code.search(
        "Setup needs an account-wide API key; this one is limited to unit store-012."
    )


@pytest.mark.django_db
@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_admin_reads_every_setup_page_in_their_language(brand, people, lang):
    admin = people["brand_admin"]
    do_set_language(admin, lang)
    client = Client()
    client.force_login(admin)
    # Changes for the audit and the overview's latest changes, and a suppression listed.
    assert client.post("/setup/touchpoints/repair/", RULE).status_code == 302
    assert client.post("/setup/touchpoints/repair/state", {"active": "0"}).status_code == 302
    added = client.post(
        "/setup/suppressions/",
        {"action": "add", "channel": "email", "address": "ana@example.com", "detail": "phone"},
    )
    assert added.status_code == 302
    assert SetupChange.objects.count() == 3
    pages = {
        "overview": client.get("/setup/"),
        "touchpoints": client.get("/setup/touchpoints/"),
        "new touchpoint": client.get("/setup/touchpoints/new"),
        "rule": client.get("/setup/touchpoints/repair/"),
        "wording": client.get("/setup/touchpoints/repair/wording?lang=es"),
        "questions": client.get("/setup/touchpoints/repair/questions"),
        "new question": client.get("/setup/touchpoints/repair/questions?edit=new"),
        "tickets": client.get("/setup/touchpoints/repair/tickets"),
        "test": client.get("/setup/touchpoints/repair/test"),
        "root causes": client.get("/setup/root-causes/"),
        "segments": client.get("/setup/segments/"),
        "units": client.get("/setup/units/"),
        "unit": client.get(f"/setup/units/{brand.store.pk}/"),
        "suppressions": client.get("/setup/suppressions/"),
        "audit": client.get("/setup/audit/"),
        "api keys": client.get("/setup/api-keys/"),
        "widget keys": client.get("/setup/widget-keys/"),
        "kiosks": client.get("/setup/kiosks/"),
        "webhooks": client.get("/setup/webhooks/"),
        "sms": client.get("/setup/sms/"),
        "connectors": client.get("/setup/connectors/"),
        **{kind: client.get(f"/setup/connectors/{kind}/") for kind in VENDORS},
        "bad connector": client.post(
            "/setup/connectors/zendesk/",
            {"action": "save", "s_units": "group:Tier 1 = nowhere", "s_on_detractor": "note"},
        ),
        "bad question": client.post(
            "/setup/touchpoints/repair/questions?edit=new",
            {"action": "save", "option_count": "0", "key": "Bad Key", "type": "text"},
        ),
        # Refused forms: the errors speak the admin's language too.
        "bad rule": client.post(
            "/setup/touchpoints/new",
            {**RULE, "slug": "store-purchase", "quiet_hours_end": "", "fallback_channel": "email"},
        ),
        "bad suppression": client.post(
            "/setup/suppressions/", {"action": "add", "channel": "sms", "address": "0612"}
        ),
        # A unit file's plan (a store to add, one renamed, a manager invited), and a refused one.
        "plan": client.post(
            "/setup/units/upload",
            unit_file(
                "code,name,kind,parent,managers\n"
                "store-099,Lyon Part-Dieu,store,north,lea@example.com:manager\n"
                "store-012,Lille Flandres,store,north,\n"
            ),
            follow=True,
        ),
        "refused file": client.post(
            "/setup/units/upload", unit_file("code,name,kind,parent\nstore-012,X,store,nowhere\n")
        ),
    }
    for name, page in pages.items():
        assert page.status_code in (200, 400), name
        content = page.content.decode()
        assert f'<html lang="{lang}">' in content, name
        assert english_leaks(visible(content), lang, brand.account) == [], name
    text = {name: visible(page.content.decode()) for name, page in pages.items()}
    found = catalogue(lang)
    for name, english in [
        ("overview", "Latest changes"),
        ("rule", "Survey rule"),
        ("tickets", "Words that open a ticket"),
        ("units", "Sync from a file"),
        ("suppressions", "Suppression list"),
        ("audit", "Setup changes"),
        ("api keys", "API keys"),
        ("bad rule", "Nothing was saved: please correct the fields marked below."),
        ("bad rule", "give both a start and an end, or neither"),
        ("plan", "Apply this plan"),
        ("plan", "to add"),
        ("plan", "to rename"),
        ("plan", "people to invite"),
    ]:
        assert found[english] in text[name], (name, english)
    assert found["%(n)s day", 1] % {"n": 4} in text["touchpoints"]  # the repair's delay
    shown = found["another touchpoint already uses %(slug)s"] % {"slug": "store-purchase"}
    assert shown in unescape(text["bad rule"])
    refused = found["no unit with code %(code)s, in the file or the tree"] % {"code": "nowhere"}
    assert refused in text["refused file"]
