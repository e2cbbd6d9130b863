"""The setup pages in the account admin's own language: every page under /setup/, its forms'
labels and help texts, its checks and its notices, with no English left but the account's
own names (units, touchpoints) and codes."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from tests.test_manager_languages import english_leaks, visible
from touchpoint.accounts.languages import do_set_language
from touchpoint.contacts import suppressions
from touchpoint.setup.models import SetupChange

pytestmark = pytest.mark.django_db

PAGES = {
    "overview": "/setup/",
    "touchpoints": "/setup/touchpoints/",
    "new touchpoint": "/setup/touchpoints/new",
    "rule": "/setup/touchpoints/repair/",
    "wording": "/setup/touchpoints/repair/wording?lang=de",
    "questions": "/setup/touchpoints/repair/questions?edit=new",
    "ticket rule": "/setup/touchpoints/repair/tickets",
    "test": "/setup/touchpoints/repair/test",
    "root causes": "/setup/root-causes/",
    "segments": "/setup/segments/",
    "units": "/setup/units/",
    "kiosks": "/setup/kiosks/",
    "widget keys": "/setup/widget-keys/",
    "api keys": "/setup/api-keys/",
    "webhooks": "/setup/webhooks/",
    "sms": "/setup/sms/",
    "suppressions": "/setup/suppressions/",
    "connectors": "/setup/connectors/",
    "zendesk": "/setup/connectors/zendesk/",
    "freshdesk": "/setup/connectors/freshdesk/",
    "hubspot": "/setup/connectors/hubspot/",
    "mailchimp": "/setup/connectors/mailchimp/",
    "salesforce": "/setup/connectors/salesforce/",
    "segment": "/setup/connectors/segment/",
    "audit": "/setup/audit/",
}


def admin_in(lang: str, people, brand) -> Client:
    """The brand's CX lead (an account admin) reading Touchpoint in `lang`, with a setup that
    has something on each page: a root cause, keys, an endpoint, a suppression, changes."""
    admin = people["brand_admin"]
    do_set_language(admin, lang)
    client = Client()
    client.force_login(admin)
    client.post("/setup/root-causes/", {"action": "add", "code": "slow-repair", "name": "Slow"})
    client.post("/setup/api-keys/", {"action": "add", "name": "POS", "unit": "north"})
    client.post(
        "/setup/webhooks/",
        {
            "action": "save",
            "name": "CRM",
            "kind": "json",
            "url": "https://crm.example.com/hooks",
            "events": ["ticket.opened"],
            "is_active": "on",
        },
    )
    suppressions.do_suppress(
        account_id=brand.account.pk, channel="email", address="ana@example.com", reason="complaint"
    )
    assert SetupChange.objects.filter(account=brand.account).count() == 3
    return client


@pytest.mark.parametrize("lang", ["de", "fr"])
def test_every_setup_page_reads_in_the_admins_language(lang, people, brand):
    client = admin_in(lang, people, brand)
    pages = {name: client.get(url) for name, url in PAGES.items()}
    pages["unit"] = client.get(f"/setup/units/{brand.store.pk}/")
    leaks = {}
    for name, page in pages.items():
        assert page.status_code == 200, name
        content = page.content.decode()
        assert f'<html lang="{lang}">' in content, name
        assert page["Content-Language"] == lang, name
        leaks[name] = english_leaks(visible(content), brand.account)
        if os.environ.get("SHOW_SETUP_PAGES"):
            print(f"\n===== {lang} {name} {leaks.get(name)}\n{visible(content)}")
    assert {name: found for name, found in leaks.items() if found} == {}
    text = {name: visible(page.content.decode()) for name, page in pages.items()}
    if lang == "de":
        assert "Umfrageregel" in text["rule"] and "Ruhezeiten von" in text["rule"]
        assert "Karenzzeit (Tage)" in text["rule"]
        assert "Ursache Slow" in text["overview"] and "Letzte Änderungen" in text["overview"]
        assert "Beschwerde (als Spam markiert)" in text["suppressions"]
        assert "Ein Ticket wird eröffnet" in text["webhooks"]
        assert "JSON-Webhook (signiert)" in text["webhooks"]
        assert "Gesamtes Konto" in text["api keys"]
        assert "Jede Änderung an der Einrichtung" in text["audit"]
        assert "Einheit nach Name oder Code suchen" in text["units"]
    else:
        assert "Règle d\u2019enquête" in text["rule"] and "Heures calmes de" in text["rule"]
        assert "Plainte (signalé comme spam)" in text["suppressions"]
        assert "Tout le compte" in text["api keys"]
        assert "Rechercher une unité par nom ou par code" in text["units"]


def test_a_german_admins_form_errors_read_in_german(people, brand):
    client = admin_in("de", people, brand)
    bad = {
        "name": "Reparatur",
        "slug": "store-purchase",  # taken
        "kind": "repair",
        "channel": "email",
        "fallback_channel": "email",  # the same as the channel
        "delay_amount": "100",
        "delay_unit": "days",  # over 90 days
        "quiet_hours_start": "21:00",
        "quiet_hours_end": "",  # half of the quiet hours
        "expiry_days": "30",
        "sampling_percent": "120",
        "reminder_count": "0",
    }
    response = client.post("/setup/touchpoints/new", bad)
    assert response.status_code == 400
    page = visible(response.content.decode())
    assert "Nichts wurde gespeichert: Bitte korrigieren Sie die unten markierten Felder." in page
    assert "ein anderer Touchpoint verwendet bereits store-purchase" in page
    assert "Geben Sie Beginn und Ende an, oder keines von beiden" in page
    assert "Wählen Sie einen anderen Kanal als den der Umfrage" in page
    assert "höchstens 90 Tage" in page
    assert "kleiner oder gleich 100" in page  # Django's own check, in Django's German
    assert english_leaks(page, brand.account) == []
    # A notice after a change, and a refusal on another page.
    done = client.post("/setup/root-causes/", {"action": "add", "code": "late", "name": "Spät"})
    assert "Hinzugefügt." in visible(client.get(done["Location"]).content.decode())
    taken = client.post("/setup/root-causes/", {"action": "add", "code": "late", "name": "X"})
    assert "eine andere Ursache verwendet bereits late" in visible(taken.content.decode())


def test_a_german_admin_reads_a_connectors_settings_and_its_errors_in_german(people, brand):
    """The vendors' settings (labels, help, choices) and the checks of a connector and of a
    follow-up question, which the API shares, speak the admin's language on the page."""
    client = admin_in("de", people, brand)
    page = visible(client.get("/setup/connectors/zendesk/").content.decode())
    assert "Zendesk-Subdomain" in page and "E-Mail des Agenten" in page
    assert "Private Notiz hinzufügen" in page and "Bei einem Kritiker-Ticket" in page
    refused = client.post(
        "/setup/connectors/zendesk/",
        {"action": "save", "s_units": "group:Tier 1 = nowhere", "s_on_detractor": "reopen"},
    )
    assert refused.status_code == 400
    page = visible(refused.content.decode())
    assert "keine Einheit mit dem Code 'nowhere'" in page
    assert "ist erforderlich" in page  # the agent's email, the token, the signing secret
    assert english_leaks(page, brand.account) == []
    question = client.post(
        "/setup/touchpoints/repair/questions?edit=new",
        {"action": "save", "option_count": "0", "key": "Bad Key", "type": "text"},
    )
    assert question.status_code == 400
    page = visible(question.content.decode())
    assert "der Schlüssel darf nur Kleinbuchstaben, Ziffern oder _ enthalten" in page
    assert english_leaks(page, brand.account) == []
