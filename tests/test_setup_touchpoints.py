"""Touchpoints set up by the CX team, on the pages and through the API: every field checked,
nothing saved half-way, questions whose answers exist kept for good, every change recorded."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from tests.conftest import answer
from touchpoint.accounts.actions import do_create_api_key
from touchpoint.setup.models import SetupChange
from touchpoint.surveys.models import Invitation, Touchpoint
from touchpoint.tickets.actions import on_response_saved, sweep_tickets
from touchpoint.tickets.models import TicketRule

pytestmark = pytest.mark.django_db

RULE = {
    "name": "Repair completed",
    "slug": "repair-completed",
    "kind": "repair",
    "channel": "email",
    "fallback_channel": "",
    "delay_amount": "48",
    "delay_unit": "hours",
    "quiet_hours_start": "21:00",
    "quiet_hours_end": "08:00",
    "expiry_days": "30",
    "sampling_percent": "100",
    "quarantine_days": "",
    "reminder_count": "1",
    "reminder_after_days": "3",
    "widget_delay_seconds": "",
    "widget_min_page_views": "",
    "widget_url_patterns": "",
}
REASONS = {
    "key": "reasons",
    "type": "multiple_choice",
    "text": {"en": "What went wrong?", "de": "Was lief schief?"},
    "options": [
        {"key": "slow", "label": {"en": "It took too long", "de": "Es dauerte zu lange"}},
        {"key": "broken", "label": {"en": "Still broken", "de": "Immer noch kaputt"}},
    ],
    "show_to": ["detractor"],
}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin(people) -> Client:
    return signed_in(people["brand_admin"])


# --- the rule on its page -----------------------------------------------------------------


def test_a_new_touchpoint_is_saved_from_plain_fields_and_starts_paused(admin, brand, people):
    response = admin.post("/setup/touchpoints/new", RULE)
    assert response.status_code == 302
    touchpoint = Touchpoint.objects.get(slug="repair-completed")
    assert touchpoint.delay == dt.timedelta(hours=48)
    assert (touchpoint.quiet_hours_start, touchpoint.quiet_hours_end) == (dt.time(21), dt.time(8))
    assert (touchpoint.reminder_count, touchpoint.reminder_after_days) == (1, 3)
    assert not touchpoint.is_active
    change = SetupChange.objects.get(subject="touchpoint", action="created")
    assert change.user == people["brand_admin"]
    assert change.after["delay_minutes"] == 48 * 60


def test_bad_fields_are_named_and_nothing_is_saved(admin, brand):
    bad = {
        **RULE,
        "slug": "store-purchase",  # taken
        "quiet_hours_end": "",  # half of the quiet hours
        "fallback_channel": "email",  # the same as the channel
        "delay_amount": "100",
        "delay_unit": "days",  # over 90 days
        "sampling_percent": "120",
    }
    response = admin.post("/setup/touchpoints/new", bad)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page
    # The form's own checks and the rule's, all at once.
    assert "Ensure this value is less than or equal to 100." in page  # sampling
    assert "another touchpoint already uses store-purchase" in page
    assert "give both a start and an end, or neither" in page
    assert "choose a channel other than the survey&#x27;s own" in page
    assert "at most 90 days" in page
    assert not Touchpoint.objects.filter(name="Repair completed").exists()
    assert not SetupChange.objects.exists()


def test_the_audit_shows_who_changed_what_from_what(admin, brand, people):
    admin.post("/setup/touchpoints/repair/", {**RULE, "slug": "repair", "expiry_days": "14"})
    change = SetupChange.objects.get(action="changed")
    assert change.before["expiry_days"] == 30 and change.after["expiry_days"] == 14
    page = admin.get("/setup/audit/").content.decode()
    assert "Chloe" in page or "cx-lead" in page
    assert "expiry_days" in page and "<code>30</code>" in page and "<code>14</code>" in page


def test_activate_and_pause(admin, brand):
    admin.post("/setup/touchpoints/repair/state", {"active": "0"})
    brand.repair.refresh_from_db()
    assert not brand.repair.is_active
    admin.post("/setup/touchpoints/repair/state", {"active": "1"})
    brand.repair.refresh_from_db()
    assert brand.repair.is_active
    assert [c.action for c in SetupChange.objects.order_by("at")] == ["paused", "activated"]


# --- wording and preview ------------------------------------------------------------------


def test_wording_is_saved_per_language_and_checked_for_placeholders(admin, brand):
    url = "/setup/touchpoints/repair/wording?lang=de"
    bad = admin.post(url, {"lang": "de", "question": "Würden Sie {brnd} empfehlen?"})
    assert bad.status_code == 400
    assert "{brnd} is not a placeholder" in bad.content.decode()
    brand.repair.refresh_from_db()
    assert brand.repair.wording == {}
    ok = admin.post(url, {"lang": "de", "question": "Würden Sie {brand} empfehlen?", "why": ""})
    assert ok.status_code == 302
    brand.repair.refresh_from_db()
    assert brand.repair.wording == {"de": {"question": "Würden Sie {brand} empfehlen?"}}


def test_the_live_preview_shows_the_email_sms_and_page_unsaved(admin, brand):
    response = admin.post(
        "/setup/touchpoints/repair/preview",
        {"lang": "de", "question": "Wie war die Reparatur bei {unit}?", "category": "detractor"},
    )
    data = response.json()
    assert data["email"]["subject"]  # the German catalogue's subject
    assert "Wie war die Reparatur bei Nimbus Mobile?" in data["email"]["html"]
    assert "Wie war die Reparatur bei Nimbus Mobile?" in data["survey_page_html"]
    assert data["sms"]["segments"] in (1, 2) and data["sms"]["encoding"] in ("GSM-7", "UCS-2")
    assert "Wie war die Reparatur" in data["sms"]["text"]
    brand.repair.refresh_from_db()
    assert brand.repair.wording == {}  # a preview saves nothing
    polish = admin.post(
        "/setup/touchpoints/repair/preview", {"lang": "en", "question": "Czy naprawa była udana?"}
    ).json()
    assert polish["sms"]["encoding"] == "UCS-2"  # "ł" is not GSM-7
    too_long = admin.post(
        "/setup/touchpoints/repair/preview", {"lang": "en", "question": "Tell us more. " * 30}
    ).json()
    assert too_long["sms"]["segments"] <= 2
    assert "Tell us more" not in too_long["sms"]["text"]  # the short variant is sent instead
    assert too_long["sms"]["context_dropped"] is True


# --- questions ----------------------------------------------------------------------------


def test_the_question_builder_adds_a_translated_multiple_choice_for_detractors(admin, brand):
    response = admin.post(
        "/setup/touchpoints/repair/questions?edit=new",
        {
            "action": "save",
            "original_key": "",
            "option_count": "3",
            "key": "reasons",
            "type": "multiple_choice",
            "text_en": "What went wrong?",
            "text_de": "Was lief schief?",
            "show_to": ["detractor"],
            "option_0_key": "slow",
            "option_0_en": "It took too long",
            "option_0_de": "Es dauerte zu lange",
            "option_1_key": "",
            "option_1_en": "Still broken",
            "option_1_de": "Immer noch kaputt",
        },
    )
    assert response.status_code == 302
    brand.repair.refresh_from_db()
    assert brand.repair.questions == [
        {
            "key": "reasons",
            "type": "multiple_choice",
            "text": {"en": "What went wrong?", "de": "Was lief schief?"},
            "show_to": ["detractor"],
            "required": False,
            "options": [
                {"key": "slow", "label": {"en": "It took too long", "de": "Es dauerte zu lange"}},
                {"key": "still_broken", "label": {"en": "Still broken", "de": "Immer noch kaputt"}},
            ],
        }
    ]


def test_a_bad_question_is_refused_on_its_field(admin, brand):
    response = admin.post(
        "/setup/touchpoints/repair/questions?edit=new",
        {"action": "save", "option_count": "0", "key": "Bad Key", "type": "text", "text_en": "?"},
    )
    assert response.status_code == 400
    assert "key must be lower-case letters" in response.content.decode()
    brand.repair.refresh_from_db()
    assert brand.repair.questions == []


def test_an_answered_question_can_be_retired_but_not_deleted(admin, brand, client):
    brand.repair.questions = [REASONS]
    brand.repair.save()
    response = answer(brand, brand.store, 3, touchpoint=brand.repair)
    response.answers = {"reasons": ["slow"]}
    response.save()
    page = admin.get("/setup/touchpoints/repair/questions").content.decode()
    assert 'value="delete"' not in page  # no delete button
    refused = admin.post(
        "/setup/touchpoints/repair/questions", {"action": "delete", "original_key": "reasons"}
    )
    assert refused.status_code == 302
    brand.repair.refresh_from_db()
    assert brand.repair.questions == [REASONS]
    admin.post(
        "/setup/touchpoints/repair/questions", {"action": "retire", "original_key": "reasons"}
    )
    brand.repair.refresh_from_db()
    assert brand.repair.questions[0]["retired"] is True
    from touchpoint.surveys.questions import questions_for

    assert questions_for(brand.repair.questions, 3, "de") == []  # no longer asked


def test_an_answered_questions_key_type_and_chosen_options_stay(api, brand):
    brand.repair.questions = [REASONS]
    brand.repair.save()
    response = answer(brand, brand.store, 3, touchpoint=brand.repair)
    response.answers = {"reasons": ["slow"]}
    response.save()
    url = "/api/v1/touchpoints/repair"

    def patch(questions):
        return api.patch(url, {"questions": questions}, content_type="application/json")

    deleted = patch([])
    assert deleted.status_code == 422
    assert deleted.json()["detail"] == [
        {
            "field": "questions",
            "message": "question reasons has answers: retire it instead of deleting it",
        }
    ]
    retyped = patch([{**REASONS, "type": "text", "options": None}])
    assert retyped.json()["detail"][0]["field"] == "questions[0].type"
    dropped = patch([{**REASONS, "options": REASONS["options"][1:]}])
    assert dropped.json()["detail"][0]["message"].startswith("option slow has answers")
    reworded = patch([{**REASONS, "text": "What was wrong?", "retired": True}])
    assert reworded.status_code == 200
    assert reworded.json()["questions"][0]["retired"] is True


# --- the API ------------------------------------------------------------------------------


def test_a_programme_is_kept_in_code_with_put(api, brand):
    body = {
        "name": "Repair completed",
        "kind": "repair",
        "delay_minutes": 48 * 60,
        "quiet_hours_start": "21:00",
        "quiet_hours_end": "08:00",
        "wording": {"de": {"question": "Würden Sie {brand} empfehlen?"}},
        "questions": [REASONS],
        "reminder_count": 1,
    }
    created = api.put("/api/v1/touchpoints/repair-completed", body, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["questions"][0]["options"][0]["key"] == "slow"
    again = api.put("/api/v1/touchpoints/repair-completed", body, content_type="application/json")
    assert again.status_code == 200
    changes = SetupChange.objects.filter(subject="touchpoint")
    assert [c.action for c in changes] == ["created"]  # the repeat changed nothing
    assert changes[0].actor.startswith("API key “tests”")
    listed = api.get("/api/v1/touchpoints").json()
    assert "repair-completed" in {t["slug"] for t in listed}


def test_the_api_names_each_field_at_fault(api, brand):
    response = api.put(
        "/api/v1/touchpoints/x",
        {
            "name": "X",
            "delay_minutes": -5,
            "quiet_hours_start": "25:00",
            "wording": {"de": {"subject": "{nope}"}, "xx": {}},
            "surprise": 1,
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["detail"]}
    assert fields == {"delay_minutes", "quiet_hours_start", "surprise"}
    response = api.put(
        "/api/v1/touchpoints/x",
        {
            "name": "X",
            "wording": {"de": {"subject": "{nope}"}, "xx": {}},
            "fallback_channel": "email",
        },
        content_type="application/json",
    )
    assert {e["field"] for e in response.json()["detail"]} == {
        "wording.de.subject",
        "wording.xx",
        "fallback_channel",
    }
    assert not Touchpoint.objects.filter(slug="x").exists()


def test_setup_needs_an_account_wide_key(brand):
    limited = do_create_api_key(account=brand.account, name="north", unit=brand.north).secret
    client = Client(headers={"Authorization": f"Bearer {limited}"})
    assert client.get("/api/v1/touchpoints").status_code == 403
    put = client.patch(
        "/api/v1/touchpoints/repair", {"expiry_days": 5}, content_type="application/json"
    )
    assert put.status_code == 403
    brand.repair.refresh_from_db()
    assert brand.repair.expiry_days == 30


def test_the_openapi_schema_lists_the_setup_endpoints(api):
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/touchpoints/{slug}",
        "/api/v1/touchpoints/{slug}/ticket-rule",
        "/api/v1/touchpoints/{slug}/test",
        "/api/v1/units",
        "/api/v1/kiosks",
        "/api/v1/widget-keys",
        "/api/v1/api-keys",
        "/api/v1/webhooks",
        "/api/v1/sms-settings",
        "/api/v1/root-causes/{code}",
        "/api/v1/setup/changes",
    ):
        assert path in paths, path


# --- tickets ------------------------------------------------------------------------------


def test_the_ticket_rule_is_set_on_its_page_and_checked(admin, brand):
    url = "/setup/touchpoints/repair/tickets"
    form = {
        "open_on": "not_promoters",
        "keywords": "",
        "priority": "high",
        "first_response_hours": "48",
        "resolution_hours": "24",
        "follow_up": "solved",
    }
    refused = admin.post(url, form)
    assert "cannot be shorter than the first-response time" in refused.content.decode()
    assert not TicketRule.objects.exists()
    assert admin.post(url, {**form, "resolution_hours": "96"}).status_code == 302
    rule = TicketRule.objects.get(touchpoint=brand.repair)
    assert (rule.open_on, rule.priority, rule.escalate) == ("not_promoters", "high", False)


def test_with_escalation_off_an_overdue_ticket_stays_with_its_holders(api, brand, people):
    api.put(
        "/api/v1/touchpoints/store-purchase/ticket-rule",
        {"escalate": False, "first_response_hours": 2, "resolution_hours": 4},
        content_type="application/json",
    )
    with time_machine.travel("2026-11-20T10:00:00Z"):
        ticket = on_response_saved(answer(brand, brand.store, 2), created=True)
    with time_machine.travel("2026-11-21T10:00:00Z"):
        assert sweep_tickets() == {"warned": 0, "escalated": 0}
    ticket.refresh_from_db()
    assert ticket.escalation_level == 0 and ticket.holder == brand.north
    assert ticket.is_overdue


def test_root_causes_are_added_renamed_and_switched_off(admin, api, brand):
    admin.post("/setup/root-causes/", {"action": "add", "code": "slow-repair", "name": "Slow"})
    dup = admin.post("/setup/root-causes/", {"action": "add", "code": "slow-repair", "name": "X"})
    assert "another root cause already uses slow-repair" in dup.content.decode()
    renamed = api.put(
        "/api/v1/root-causes/slow-repair",
        {"name": "Repair took too long", "is_active": False},
        content_type="application/json",
    )
    assert renamed.json() == {
        "code": "slow-repair",
        "name": "Repair took too long",
        "is_active": False,
    }


# --- a test survey ------------------------------------------------------------------------


def test_a_test_survey_arrives_over_smtp_even_from_a_paused_touchpoint(admin, brand, smtp, people):
    brand.repair.is_active = False
    brand.repair.save()
    page = admin.post(
        "/setup/touchpoints/repair/test",
        {"email": "chloe@nimbus.example", "locale": "de", "unit": "repair-3"},
    )
    assert page.status_code == 200
    assert "handed to the mail server" in page.content.decode()
    (mail,) = smtp.messages
    assert mail["To"] == "chloe@nimbus.example"
    assert mail["Content-Language"] == "de"
    invitation = Invitation.objects.get()
    assert invitation.interaction.properties["test_survey"] is True
    assert invitation.state == "sent" and invitation.unit == brand.repair_centre
    # A second test the same minute is not held back by the quarantine.
    admin.post(
        "/setup/touchpoints/repair/test", {"email": "chloe@nimbus.example", "unit": "nimbus"}
    )
    assert len(smtp.messages) == 2


def test_a_test_survey_needs_an_address(admin, brand):
    page = admin.post("/setup/touchpoints/repair/test", {"email": "", "unit": "nimbus"})
    assert page.status_code == 400
    assert "give the address to send the test to" in page.content.decode()
    assert not Invitation.objects.exists()


def test_the_rule_page_says_when_interactions_would_be_surveyed(admin, brand):
    page = admin.get("/setup/touchpoints/repair/").content.decode()
    assert 'name="sampling_percent" value="100"' in page
    assert "times in Europe/Paris" in page
    # 48 hours after Monday 23:00 is Wednesday 23:00, in quiet hours until 08:00.
    assert "an interaction on Mon 23:00 is surveyed on Thu 08:00" in page
    assert "an interaction on Mon 10:00 is surveyed on Wed 10:00" in page
