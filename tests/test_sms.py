"""SMS invitations through the official Twilio client, against a local imitation of Twilio's
Messages endpoint: what is sent, how failures are retried, and never a second text."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine

from tests.conftest import interaction
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, SENDER, error, sms_settings
from touchpoint.contacts.models import Suppression
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import InteractionIn
from touchpoint.lib import sms
from touchpoint.outbox.models import CapturedSms, Circuit
from touchpoint.surveys import delivery
from touchpoint.surveys.models import Invitation, Touchpoint
from touchpoint.surveys.tokens import survey_token

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 9, 5, tzinfo=dt.UTC)
PHONE = "+33612345678"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def sms_purchase(brand) -> Touchpoint:
    return Touchpoint.objects.create(
        account=brand.account,
        slug="store-purchase-sms",
        name="Store purchase (SMS)",
        kind="store_purchase",
        channel="sms",
    )


@pytest.fixture
def credentials(brand):
    return sms_settings(brand.account)


def scheduled(brand, touchpoint="store-purchase-sms", **overrides) -> Invitation:
    payload = interaction(
        brand,
        touchpoint=touchpoint,
        contact={"phone": PHONE, "name": "Ana", "locale": "en"},
    )
    payload.update(overrides)
    result = record_interactions(brand.account, [InteractionIn(**payload)])
    assert result.ok, result.errors
    return result.items[0].invitation


def refreshed(invitation: Invitation) -> Invitation:
    invitation.refresh_from_db()
    return invitation


def test_the_sms_goes_through_twilio_with_the_accounts_credentials(
    brand, sms_purchase, credentials, twilio
):
    invitation = scheduled(brand)
    assert delivery.send_due_invitations() == 1
    (request,) = twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request["auth"] == (ACCOUNT_SID, AUTH_TOKEN)
    assert request["user_agent"].startswith("twilio-python/")
    form = request["form"]
    assert (form["To"], form["From"]) == (PHONE, SENDER)
    sent = refreshed(invitation)
    assert form["Body"] == (
        "Nimbus Mobile: Thank you for your recent purchase at Lille Centre. How likely are you "
        "to recommend Nimbus Mobile to a friend or colleague? Reply with a number from 0 to 10. "
        f"Or answer here: http://testserver/s/{survey_token(sent)} Reply STOP to opt out."
    )
    assert sms.measure(form["Body"]).encoding == "GSM-7"
    assert sms.measure(form["Body"]).segments == 2
    assert (sent.state, sent.attempts) == ("sent", 1)
    assert sent.provider_message_id.startswith("SM")


def test_a_messaging_service_sends_instead_of_a_number(brand, sms_purchase, twilio):
    sms_settings(brand.account, from_number="", messaging_service_sid="MG" + "ab" * 16)
    scheduled(brand)
    delivery.send_due_invitations()
    (form,) = twilio.messages
    assert form["MessagingServiceSid"] == "MG" + "ab" * 16
    assert "From" not in form


@pytest.mark.parametrize(
    ("locale", "reply"),
    [
        ("en", "Reply with a number from 0 to 10."),
        ("fr", "Répondez par un chiffre de 0 à 10."),
        ("de", "Antworten Sie mit einer Zahl von 0 bis 10."),
        ("es", "Responda con una nota de 0 a 10."),
    ],
)
def test_the_sms_speaks_the_contacts_language_in_two_gsm7_segments(
    brand, sms_purchase, credentials, twilio, locale, reply
):
    scheduled(brand, contact={"phone": PHONE, "locale": locale})
    delivery.send_due_invitations()
    body = twilio.messages[0]["Body"]
    assert reply in body
    assert "STOP" in body and "http://testserver/s/" in body
    assert sms.measure(body).encoding == "GSM-7"  # é, à, ä, ü, ¿ are all in GSM-7
    assert sms.measure(body).segments <= 2


def test_a_hindi_sms_is_ucs2_and_still_two_segments_at_most(
    brand, sms_purchase, credentials, twilio
):
    scheduled(brand, contact={"phone": PHONE, "locale": "hi"})
    delivery.send_due_invitations()
    body = twilio.messages[0]["Body"]
    length = sms.measure(body)
    assert (length.encoding, length.segments <= 2) == ("UCS-2", True)
    assert "STOP" in body and "Nimbus Mobile" in body


def test_a_long_ucs2_wording_drops_to_a_shorter_message_instead_of_a_third_segment(
    brand, sms_purchase, credentials, twilio
):
    sms_purchase.wording = {
        "en": {
            "question": "¿Qué probabilidad hay de que recomiende {brand} a un amigo o colega? 🙂",
            "subject": "¿Nos recomendaría?",
        }
    }
    sms_purchase.save()
    invitation = scheduled(brand)
    delivery.send_due_invitations()
    body = twilio.messages[0]["Body"]
    length = sms.measure(body)
    assert (length.encoding, length.segments) == ("UCS-2", 2)
    assert survey_token(refreshed(invitation)) in body  # the link survives; the context went
    assert "Thank you for your recent purchase" not in body


def test_typographic_quotes_do_not_turn_the_message_into_ucs2(
    brand, sms_purchase, credentials, twilio
):
    sms_purchase.wording = {
        "en": {"question": "How\u2019s {brand} doing \u2014 would you recommend us?"}
    }
    sms_purchase.save()
    scheduled(brand)
    delivery.send_due_invitations()
    body = twilio.messages[0]["Body"]
    assert "How's Nimbus Mobile doing - would you recommend us?" in body
    assert sms.measure(body).encoding == "GSM-7"


def test_segment_counting_follows_gsm7_and_ucs2_rules():
    assert sms.measure("a" * 160) == sms.SmsLength("GSM-7", 160, 1)
    assert sms.measure("a" * 161).segments == 2
    assert sms.measure("€" * 80) == sms.SmsLength("GSM-7", 160, 1)  # extension: two septets
    assert sms.measure("a" * 306).segments == 2 and sms.measure("a" * 307).segments == 3
    assert sms.measure("á" * 70) == sms.SmsLength("UCS-2", 70, 1)
    assert sms.measure("á" * 71).segments == 2
    assert sms.measure("🙂" * 35).units == 70
    assert sms.measure("नमस्ते").encoding == "UCS-2"


def test_an_invalid_number_fails_at_once(brand, sms_purchase, credentials, twilio):
    twilio.replies.append(error(400, 21211, "The 'To' number +33612345678 is not valid."))
    invitation = scheduled(brand)
    assert delivery.send_due_invitations() == 0
    current = refreshed(invitation)
    assert (current.state, current.reason, current.attempts) == ("failed", "address_refused", 1)
    assert "Twilio answered 400 (error 21211)" in current.detail
    assert len(twilio.requests) == 1
    # The number is suppressed: the next survey to it is not even planned.
    [suppression] = Suppression.objects.filter(account=brand.account)
    assert (suppression.channel, suppression.address, suppression.reason) == (
        "sms",
        PHONE,
        "invalid_number",
    )
    later = scheduled(brand, external_id="sale-2")
    assert (later.state, later.reason) == ("suppressed", "suppressed_address")


def test_a_twilio_outage_pauses_the_accounts_sms_and_spends_no_attempt(
    brand, sms_purchase, credentials, twilio, clock
):
    """503 and 429 say Twilio is not serving this account now: its SMS wait for a probe
    (30 s, then 1 min) instead of burning their attempts; then it goes out once."""
    twilio.replies += [error(503, 20500, "Service unavailable"), error(429, 20429, "Too many")]
    invitation = scheduled(brand)
    assert delivery.send_due_invitations() == 0
    first = refreshed(invitation)
    assert (first.state, first.attempts) == ("scheduled", 0)
    circuit = Circuit.objects.get(destination=f"sms:{brand.account.pk}")
    assert "503" in circuit.last_error
    assert delivery.send_due_invitations() == 0  # down: not even tried
    assert len(twilio.requests) == 1
    clock.move_to(circuit.retry_at + dt.timedelta(seconds=1))
    assert delivery.send_due_invitations() == 0  # the probe meets a 429: down a minute more
    circuit.refresh_from_db()
    clock.move_to(circuit.retry_at + dt.timedelta(seconds=1))
    assert delivery.send_due_invitations() == 1
    assert len(twilio.requests) == 3
    assert (refreshed(invitation).state, invitation.attempts) == ("sent", 1)
    assert not Circuit.objects.exists()


def test_twilio_out_of_reach_is_retried(brand, sms_purchase, credentials, settings):
    from tests.conftest import free_port

    settings.TWILIO_API_URL = f"http://127.0.0.1:{free_port()}"
    invitation = scheduled(brand)
    assert delivery.send_due_invitations() == 0
    current = refreshed(invitation)
    assert (current.state, current.attempts, current.handed_off_at) == ("scheduled", 0, None)
    circuit = Circuit.objects.get(destination=f"sms:{brand.account.pk}")
    assert "cannot reach Twilio" in circuit.last_error


def test_a_request_twilio_never_answers_is_not_sent_again(
    brand, sms_purchase, credentials, twilio, settings, clock
):
    settings.SMS_TIMEOUT = 0.5
    twilio.replies.append("hang")  # Twilio took the request, then the answer never came
    invitation = scheduled(brand)
    assert delivery.send_due_invitations() == 0
    current = refreshed(invitation)
    assert (current.state, current.reason) == ("failed", "handoff_interrupted")
    assert "may have been sent" in current.detail
    clock.shift(dt.timedelta(hours=3))
    delivery.sweep()
    assert delivery.send_due_invitations() == 0
    assert len(twilio.requests) == 1


def test_a_worker_that_dies_during_the_twilio_request_never_texts_twice(
    brand, sms_purchase, credentials, twilio, clock
):
    invitation = scheduled(brand)
    delivery._mark_handoff(delivery.claim(invitation.pk))  # killed while the request was out
    clock.shift(delivery.LEASE + dt.timedelta(seconds=1))
    assert delivery.sweep()["interrupted"] == 1
    assert delivery.send_due_invitations() == 0
    assert twilio.requests == []
    assert refreshed(invitation).reason == "handoff_interrupted"


def test_a_worker_that_dies_before_the_request_loses_nothing(
    brand, sms_purchase, credentials, twilio, clock
):
    invitation = scheduled(brand)
    assert delivery.claim(invitation.pk) is not None  # killed before calling Twilio
    clock.shift(delivery.LEASE + dt.timedelta(seconds=1))
    assert delivery.sweep()["reclaimed"] == 1
    assert delivery.send_due_invitations() == 1
    assert len(twilio.requests) == 1


def test_a_number_that_texted_stop_to_twilio_is_opted_out(brand, sms_purchase, credentials, twilio):
    twilio.replies.append(error(400, 21610, "Attempt to send to unsubscribed recipient"))
    invitation = scheduled(brand)
    delivery.send_due_invitations()
    current = refreshed(invitation)
    assert (current.state, current.reason) == ("suppressed", "opted_out")
    assert current.contact.sms_opted_out_at is not None


def test_sms_waits_for_the_delay_and_the_quiet_hours_like_email(brand, credentials, twilio, clock):
    Touchpoint.objects.create(
        account=brand.account,
        slug="repair-sms",
        name="Repair (SMS)",
        kind="repair",
        channel="sms",
        delay=dt.timedelta(hours=48),
        quiet_hours_start=dt.time(21),
        quiet_hours_end=dt.time(8),
    )
    # Repaired Thursday 19 November at 21:30 in Paris: 48 h later is Saturday 21:30, in the
    # quiet hours, so the text waits for Sunday 08:00 Paris time.
    invitation = scheduled(
        brand,
        touchpoint="repair-sms",
        unit="repair-3",
        occurred_at="2026-11-19T21:30:00+01:00",
        contact={"phone": PHONE, "time_zone": "Europe/Paris"},
    )
    assert invitation.send_at == dt.datetime(2026, 11, 22, 7, 0, tzinfo=dt.UTC)
    clock.move_to(dt.datetime(2026, 11, 22, 6, 59, tzinfo=dt.UTC))
    assert delivery.send_due_invitations() == 0
    clock.move_to(dt.datetime(2026, 11, 22, 7, 0, 1, tzinfo=dt.UTC))
    assert delivery.send_due_invitations() == 1
    assert len(twilio.requests) == 1


def test_the_quarantine_holds_across_email_and_sms(brand, sms_purchase, credentials, twilio):
    # Surveyed by email on Monday...
    record_interactions(
        brand.account,
        [
            InteractionIn(
                **interaction(
                    brand,
                    external_id="sale-0",
                    contact={"email": "ana@example.com", "phone": PHONE},
                )
            )
        ],
    )
    # ...the same person is not texted for another purchase the same week.
    invitation = scheduled(brand, external_id="sale-2", contact={"phone": PHONE})
    assert (invitation.state, invitation.reason) == ("suppressed", "quarantine")
    delivery.send_due_invitations()
    assert twilio.requests == []


def test_an_sms_opt_out_stops_sms_at_intake_and_before_sending(
    brand, sms_purchase, credentials, twilio
):
    from touchpoint.contacts.actions import do_opt_out

    invitation = scheduled(brand)
    do_opt_out(contact=invitation.contact, channel="sms")
    assert (refreshed(invitation).state, invitation.reason) == ("suppressed", "opted_out")
    later = scheduled(brand, external_id="sale-2")
    assert (later.state, later.reason) == ("suppressed", "opted_out")
    assert delivery.send_due_invitations() == 0
    assert twilio.requests == []


def test_without_credentials_the_dev_outbox_keeps_the_sms_and_says_so(
    brand, sms_purchase, settings, caplog
):
    settings.DEV_OUTBOX = True
    invitation = scheduled(brand)
    with caplog.at_level(logging.WARNING, logger="touchpoint"):
        assert delivery.send_due_invitations() == 1
    captured = CapturedSms.objects.get()
    assert captured.to == PHONE
    assert survey_token(refreshed(invitation)) in captured.body
    assert (captured.encoding, captured.segments) == ("GSM-7", 2)
    assert invitation.provider_message_id == f"dev-outbox-{captured.pk}"
    assert "not sent to a phone" in caplog.text


def test_without_credentials_nor_dev_outbox_nothing_pretends_to_send(
    brand, sms_purchase, settings, caplog
):
    settings.DEV_OUTBOX = False
    invitation = scheduled(brand)
    with caplog.at_level(logging.WARNING, logger="touchpoint"):
        assert delivery.send_due_invitations() == 0
    current = refreshed(invitation)
    assert (current.state, current.reason) == ("suppressed", "channel_unavailable")
    assert CapturedSms.objects.count() == 0
    assert "has no SMS provider" in caplog.text


def test_the_admin_never_shows_the_auth_token_back(brand, credentials, admin_client):
    url = f"/admin/outbox/smssettings/{credentials.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert AUTH_TOKEN not in page
    assert "…ee00" in page
    form = {
        "account": brand.account.pk,
        "provider": "twilio",
        "account_sid": ACCOUNT_SID,
        "auth_token": "",
        "from_number": "+15005550007",
        "messaging_service_sid": "",
        "is_active": "on",
    }
    assert admin_client.post(url, form).status_code == 302
    credentials.refresh_from_db()
    assert (credentials.auth_token, credentials.from_number) == (AUTH_TOKEN, "+15005550007")
    assert AUTH_TOKEN not in admin_client.get("/admin/outbox/smssettings/").content.decode()


def test_wrong_credentials_are_retried_while_an_admin_fixes_them(
    brand, sms_purchase, credentials, twilio
):
    twilio.replies.append(error(401, 20003, "Authenticate"))
    invitation = scheduled(brand)
    assert delivery.send_due_invitations() == 0
    assert (refreshed(invitation).state, invitation.reason) == ("scheduled", "delivery_error")
    assert "401" in invitation.detail


def test_a_failed_sms_falls_back_to_email_once_when_the_touchpoint_allows(
    brand, sms_purchase, credentials, twilio, smtp
):
    sms_purchase.fallback_channel = "email"
    sms_purchase.save()
    twilio.replies.append(error(400, 21211, "The 'To' number +33612345678 is not valid."))
    invitation = scheduled(brand, contact={"phone": PHONE, "email": "ana@example.com"})

    assert delivery.send_due_invitations() == 0  # the SMS fails for good...
    assert refreshed(invitation).state == "failed"
    fallback = Invitation.objects.get(interaction=invitation.interaction, channel="email")
    assert fallback.state == "scheduled" and "fallback after the SMS" in fallback.detail
    assert delivery.send_due_invitations() == 1  # ...and the next pass sends the email
    assert refreshed(fallback).state == "sent"
    assert [m["To"] for m in smtp.messages] == ["ana@example.com"]
    assert delivery.fall_back(refreshed(invitation)) is None  # never a second one


def test_no_fallback_without_an_address_or_a_rule(brand, sms_purchase, credentials, twilio):
    twilio.replies.append(error(400, 21211, "The 'To' number +33612345678 is not valid."))
    without_rule = scheduled(brand, contact={"phone": PHONE, "email": "ana@example.com"})
    delivery.send_due_invitations()
    assert not Invitation.objects.filter(interaction=without_rule.interaction, channel="email")

    sms_purchase.fallback_channel = "email"
    sms_purchase.save()
    twilio.replies.append(error(400, 21211, "The 'To' number +33612345679 is not valid."))
    no_email = scheduled(brand, external_id="sale-9", contact={"phone": "+33612345679"})
    delivery.send_due_invitations()
    assert refreshed(no_email).state == "failed"
    assert Invitation.objects.filter(channel="email").count() == 0
