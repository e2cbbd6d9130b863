"""Replies by SMS through Twilio's webhook: signed, idempotent, "9 great service" → an answer."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
import time_machine
from twilio.request_validator import RequestValidator

from tests.conftest import interaction
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, SENDER, sms_settings
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import InteractionIn
from touchpoint.responses.models import Response
from touchpoint.sms.actions import parse_reply
from touchpoint.sms.models import InboundSms
from touchpoint.surveys import delivery
from touchpoint.surveys.models import Invitation

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 9, 5, tzinfo=dt.UTC)
PHONE = "+33612345678"
HOOK = "http://testserver/hooks/twilio/sms"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def texted(brand, twilio):
    """Ana was texted a survey after her purchase at Lille Centre."""
    brand.purchase.channel = "sms"
    brand.purchase.save()
    sms_settings(brand.account)
    result = record_interactions(
        brand.account,
        [InteractionIn(**interaction(brand, contact={"phone": PHONE, "name": "Ana"}))],
    )
    assert delivery.send_due_invitations() == 1
    invitation = result.items[0].invitation
    invitation.refresh_from_db()
    return invitation


def reply(client, body: str, *, sid: str | None = None, token: str = AUTH_TOKEN, **extra):
    """Post as Twilio does: form-encoded, signed with the account's auth token."""
    params = {
        "MessageSid": sid or "SM" + secrets.token_hex(16),
        "AccountSid": ACCOUNT_SID,
        "From": PHONE,
        "To": SENDER,
        "Body": body,
        "NumMedia": "0",
        **extra,
    }
    signature = RequestValidator(token).compute_signature(HOOK, params)
    return client.post("/hooks/twilio/sms", params, headers={"X-Twilio-Signature": signature})


def test_a_score_with_words_becomes_an_answer_with_its_comment(client, texted):
    answer = reply(client, "9 great service")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/xml")
    assert b"<Message>Thank you for your answer!</Message>" in answer.content
    response = Response.objects.get()
    assert (response.score, response.comment, response.channel) == (9, "great service", "sms")
    assert response.invitation == texted
    assert response.attribution["store"]["code"] == "store-012"
    texted.refresh_from_db()
    assert texted.state == "answered"


def test_words_after_a_bare_score_become_its_comment(client, texted):
    assert b"reply with the main reason" in reply(client, "7").content
    reply(client, "The queue was long")
    reply(client, "but the staff were kind")
    response = Response.objects.get()
    assert response.score == 7
    assert response.comment == "The queue was long\nbut the staff were kind"


def test_a_new_score_changes_the_answer(client, texted):
    reply(client, "6")
    reply(client, "8, thinking about it")
    assert [(r.score, r.comment) for r in Response.objects.all()] == [(8, "thinking about it")]


@pytest.mark.parametrize("body", ["maybe", "11", "7.5", "", "-1"])
def test_anything_else_gets_a_polite_request_for_a_number(client, texted, body):
    answer = reply(client, body)
    assert answer.status_code == 200
    assert b"Please reply with a number from 0 (not likely) to 10 (very likely)." in answer.content
    assert Response.objects.count() == 0


def test_a_forged_request_is_refused_and_nothing_is_stored(client, texted):
    assert reply(client, "0 terrible", token="0" * 32).status_code == 403
    forged = client.post("/hooks/twilio/sms", {"AccountSid": ACCOUNT_SID, "Body": "0"})
    assert forged.status_code == 403
    assert Response.objects.count() == 0
    assert InboundSms.objects.count() == 0


def test_a_signature_for_other_parameters_is_refused(client, texted):
    params = {"MessageSid": "SM1", "AccountSid": ACCOUNT_SID, "From": PHONE, "To": SENDER}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(HOOK, {**params, "Body": "10"})
    answer = client.post(
        "/hooks/twilio/sms", {**params, "Body": "0"}, headers={"X-Twilio-Signature": signature}
    )
    assert answer.status_code == 403
    assert Response.objects.count() == 0


def test_a_message_for_an_unknown_twilio_account_is_refused(client, texted):
    assert reply(client, "9", AccountSid="AC" + "f" * 32).status_code == 403


def test_twilio_retrying_a_message_changes_nothing(client, texted):
    first = reply(client, "9 great service", sid="SM" + "1" * 32)
    reply(client, "and fast", sid="SM" + "2" * 32)
    again = reply(client, "9 great service", sid="SM" + "1" * 32)
    assert again.content == first.content
    assert InboundSms.objects.count() == 2
    assert Response.objects.get().comment == "great service\nand fast"


def test_stop_opts_out_of_sms_and_start_opts_back_in(client, texted, brand):
    pending = (
        record_interactions(
            brand.account,
            [
                InteractionIn(
                    **interaction(
                        brand,
                        external_id="sale-2",
                        touchpoint="repair",  # email, not touched by an SMS opt-out
                        unit="repair-3",
                        contact={"phone": PHONE, "email": "ana@example.com"},
                    )
                )
            ],
        )
        .items[0]
        .invitation
    )
    state_before = (pending.state, pending.reason)
    answer = reply(client, "STOP")
    assert answer.status_code == 200
    assert b"<Message>" not in answer.content  # Twilio confirms STOP itself
    contact = texted.contact
    contact.refresh_from_db()
    assert contact.sms_opted_out_at is not None
    assert contact.opted_out_at is None
    # A score sent after STOP is not taken: the survey is closed for this number.
    assert b"no survey open" in reply(client, "10").content
    assert Response.objects.count() == 0
    pending.refresh_from_db()
    assert (pending.state, pending.reason) == state_before  # email is another channel
    reply(client, "Start")
    contact.refresh_from_db()
    assert contact.sms_opted_out_at is None
    assert reply(client, "10").status_code == 200
    assert Response.objects.get().score == 10


@pytest.mark.parametrize("word", ["unsubscribe", "Cancel", "QUIT", "stop."])
def test_every_carrier_keyword_unsubscribes(client, texted, word):
    reply(client, word)
    texted.contact.refresh_from_db()
    assert texted.contact.sms_opted_out_at is not None


def test_the_latest_open_invitation_gets_the_answer(client, texted, brand, clock):
    brand.purchase.quarantine_days = 0
    brand.purchase.save()
    clock.shift(dt.timedelta(days=1))
    record_interactions(
        brand.account,
        [
            InteractionIn(
                **interaction(
                    brand,
                    external_id="sale-2",
                    occurred_at="2026-11-21T09:00:00+01:00",
                    contact={"phone": PHONE},
                )
            )
        ],
    )
    delivery.send_due_invitations()
    reply(client, "4 second visit was worse")
    latest = Invitation.objects.get(interaction__external_id="sale-2")
    assert Response.objects.get().invitation == latest


def test_an_expired_survey_is_not_answered_by_sms(client, texted, clock):
    clock.shift(dt.timedelta(days=31))
    assert b"no survey open" in reply(client, "9").content
    assert Response.objects.count() == 0


def test_a_stranger_is_told_there_is_no_survey(client, texted):
    answer = reply(client, "10", From="+447700900999")
    assert b"no survey open" in answer.content
    assert InboundSms.objects.get().outcome == "no_survey"


@pytest.mark.parametrize(
    ("body", "kind", "score", "comment"),
    [
        ("9 great service", "score", 9, "great service"),
        ("10", "score", 10, ""),
        ("10/10 brilliant", "score", 10, "brilliant"),
        ("0!", "score", 0, ""),
        ("8, friendly", "score", 8, "friendly"),
        ("9am was too early", "comment", None, "9am was too early"),
        ("100", "unclear", None, ""),
        ("7.5", "unclear", None, ""),
        ("10/10", "score", 10, ""),
        ("Stop", "stop", None, ""),
        ("great service", "comment", None, "great service"),
    ],
)
def test_replies_are_read_as_people_write_them(body, kind, score, comment):
    parsed = parse_reply(body)
    assert (parsed.kind, parsed.score, parsed.comment) == (kind, score, comment)


def test_the_webhook_is_published_at_site_url_behind_a_proxy(client, texted, settings):
    settings.SITE_URL = "https://nps.example.com"
    params = {
        "MessageSid": "SM9",
        "AccountSid": ACCOUNT_SID,
        "From": PHONE,
        "To": SENDER,
        "Body": "9",
    }
    public = "https://nps.example.com/hooks/twilio/sms"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(public, params)
    answer = client.post("/hooks/twilio/sms", params, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200
    assert Response.objects.get().score == 9


def test_erasing_a_contact_erases_what_they_texted(client, texted):
    from touchpoint.contacts.actions import do_erase_contact

    reply(client, "3 rude staff")
    do_erase_contact(contact=texted.contact, source="test")
    assert InboundSms.objects.count() == 0
    assert (Response.objects.get().score, Response.objects.get().comment) == (3, "")
