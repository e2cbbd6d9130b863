"""Zendesk: a solved ticket becomes a support interaction; a detractor's Touchpoint ticket
puts one private note on the Zendesk ticket. Real HTTP both ways: Zendesk's signed webhook
in, Zendesk's REST API (a local imitation that checks what Zendesk checks) out."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import inbound_path
from tests.fake_vendors import ZENDESK_EMAIL, ZENDESK_TOKEN, ZendeskState, serve, zendesk
from touchpoint.accounts.models import Membership, Unit
from touchpoint.connectors import delivery
from touchpoint.connectors.models import Connector, ConnectorCall, InboundEvent
from touchpoint.events import actions as events
from touchpoint.notifications import delivery as notifications
from touchpoint.notifications.models import Delivery
from touchpoint.outbox import engine
from touchpoint.outbox.models import Circuit
from touchpoint.responses.actions import do_answer_invitation
from touchpoint.setup.connectors import do_replay_event, do_save_connector, do_test_connector
from touchpoint.setup.models import SetupChange
from touchpoint.surveys import delivery as invitations
from touchpoint.surveys.models import Interaction, Invitation

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
SIGNING_SECRET = "dGhpcyBpcyBhIHRlc3Qgc2lnbmluZyBzZWNyZXQ="  # a test value


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def zendesk_api():
    state = ZendeskState(
        tickets={"4711": {"status": "solved", "comments": [], "custom_fields": {}}}
    )
    fake, stop = serve(zendesk(state))
    fake.state = state
    yield fake
    stop()


@pytest.fixture
def admin(brand):
    user = get_user_model().objects.create_user("cx-lead", "cx-lead@example.com", "pw")
    Membership.objects.create(user=user, unit=brand.brand, role="admin")
    return user


@pytest.fixture
def connector(brand, admin, zendesk_api) -> Connector:
    return do_save_connector(
        account=brand.account,
        by=admin,
        kind="zendesk",
        values={
            "base_url": zendesk_api.url,
            "settings": {
                "subdomain": "nimbus",
                "email": ZENDESK_EMAIL,
                "touchpoint": "support-call",
                "units": {
                    "group:Tier 1": "callco-t1",
                    "agent:agent431@callco.example": "agent-431",
                    "*": "callco",
                },
                "score_field": 360001,
                "category_field": 360002,
            },
            "credentials": {"api_token": ZENDESK_TOKEN, "signing_secret": SIGNING_SECRET},
        },
    )


def solved(ticket_id: str = "4711", **ticket) -> dict:
    """The body of the trigger's webhook, as the README tells the admin to write it."""
    body = {
        "id": ticket_id,
        "status": "solved",
        "updated_at": "2026-11-20T08:55:00Z",
        "group": "Tier 1",
        "assignee_email": "agent431@callco.example",
        "requester": {"email": "Ana@Example.com", "name": "Ana", "locale": "en"},
    }
    body.update(ticket)
    return {"ticket": body}


def post_webhook(connector: Connector, body: dict, *, secret: str = SIGNING_SECRET, sign=True):
    raw = json.dumps(body).encode()
    timestamp = "2026-11-20T08:55:01Z"
    headers = {}
    if sign:
        signature = hmac.new(secret.encode(), timestamp.encode() + raw, hashlib.sha256).digest()
        headers = {
            "X-Zendesk-Webhook-Signature": base64.b64encode(signature).decode(),
            "X-Zendesk-Webhook-Signature-Timestamp": timestamp,
        }
    return Client().post(
        inbound_path(connector),
        raw,
        content_type="application/json",
        headers=headers,
    )


def detractor_ticket(brand, connector, clock, *, score: int = 3):
    """A solved Zendesk ticket, its survey sent, answered by a detractor: a Touchpoint ticket."""
    assert post_webhook(connector, solved()).status_code == 200
    invitation = Invitation.objects.get(interaction__external_id="zendesk:ticket-4711")
    Invitation.objects.filter(pk=invitation.pk).update(state="sent", sent_at=START)
    invitation.refresh_from_db()
    response, _ = do_answer_invitation(invitation=invitation, score=score, comment="Slow and rude")
    return response


# --- Inbound ----------------------------------------------------------------------------------


def test_a_solved_ticket_becomes_a_support_interaction_at_the_mapped_agent(brand, connector, clock):
    answer = post_webhook(connector, solved())

    assert answer.status_code == 200 and answer.json()["recorded"] == 1
    interaction = Interaction.objects.get(external_id="zendesk:ticket-4711")
    assert interaction.unit == brand.agent  # the agent's mapping wins over the group's
    assert interaction.touchpoint == brand.support
    assert interaction.contact.email == "ana@example.com"
    assert interaction.properties == {"zendesk_ticket": "4711"}
    assert Invitation.objects.get(interaction=interaction).state == "scheduled"
    event = InboundEvent.objects.get()
    assert (event.state, event.object_id, event.interaction) == ("recorded", "4711", interaction)


def test_a_group_without_an_agent_mapping_goes_to_its_team_and_anything_else_to_the_default(
    brand, connector, clock
):
    post_webhook(connector, solved("1", assignee_email="someone@callco.example"))
    post_webhook(connector, solved("2", assignee_email="", group="Billing"))

    units = dict(Interaction.objects.values_list("external_id", "unit__code"))
    assert units == {"zendesk:ticket-1": "callco-t1", "zendesk:ticket-2": "callco"}


def test_the_same_webhook_delivered_twice_is_recorded_once(brand, connector, clock):
    first = post_webhook(connector, solved())
    again = post_webhook(connector, solved())

    assert first.json()["recorded"] == 1 and again.json()["repeats"] == 1
    assert Interaction.objects.count() == 1 and Invitation.objects.count() == 1
    assert InboundEvent.objects.get().repeats == 1


def test_an_unsigned_or_forged_or_malformed_call_is_refused_and_stores_nothing(connector, clock):
    unsigned = post_webhook(connector, solved(), sign=False)
    forged = post_webhook(connector, solved(), secret="not-the-secret")
    malformed = Client().post(
        inbound_path(connector),
        b"{not json",
        content_type="application/json",
    )
    wrong_address = Client().post(
        "/integrations/zendesk/tpi_nope", b"{}", content_type="application/json"
    )

    assert (unsigned.status_code, forged.status_code) == (401, 401)
    assert unsigned.json()["error"] == "unauthorized"
    assert malformed.status_code == 401  # the signature is checked before anything is read
    assert wrong_address.status_code == 404
    assert not InboundEvent.objects.exists() and not Interaction.objects.exists()


def test_a_signed_body_without_a_ticket_is_a_400(connector, clock):
    answer = post_webhook(connector, {"nothing": 1})
    assert answer.status_code == 400 and "ticket" in answer.json()["detail"]
    assert not InboundEvent.objects.exists()


def test_a_ticket_that_is_not_solved_asks_for_no_survey(connector, clock):
    answer = post_webhook(connector, solved(status="pending"))
    assert answer.status_code == 200 and "not solved" in answer.json()["ignored"]
    assert not InboundEvent.objects.exists()


def test_a_mapping_to_a_unit_that_no_longer_exists_parks_the_event_until_replayed(
    brand, connector, admin, clock
):
    Unit.objects.filter(pk=brand.agent.pk).update(is_active=False)  # the agent has left

    post_webhook(connector, solved())
    event = InboundEvent.objects.get()
    assert event.state == "parked" and "agent-431" in event.reason and "closed" in event.reason
    assert not Interaction.objects.exists()

    # The admin maps the agent to their team instead, and replays the event.
    do_save_connector(
        account=brand.account,
        by=admin,
        kind="zendesk",
        values={
            "settings": {"units": {"agent:agent431@callco.example": "callco-t1", "*": "callco"}}
        },
    )
    replayed = do_replay_event(by=admin, event=event)

    assert replayed.state == "recorded" and replayed.replays == 1
    assert Interaction.objects.get().unit == brand.team
    assert SetupChange.objects.filter(subject="connector", action="replayed").exists()


# --- Outbound ---------------------------------------------------------------------------------


def test_a_detractors_ticket_puts_one_private_note_on_the_zendesk_ticket(
    brand, connector, zendesk_api, clock
):
    response = detractor_ticket(brand, connector, clock)

    events.relay()
    events.relay()  # a relay run again queues nothing more
    assert delivery.send_due_calls() == 1
    assert delivery.send_due_calls() == 0

    ticket = zendesk_api.state.tickets["4711"]
    [note] = ticket["comments"]
    assert note["public"] is False
    assert "detractor, score 3/10" in note["body"] and "Slow and rude" in note["body"]
    assert f"/tickets/{response.ticket.pk}/" in note["body"]
    assert ticket["custom_fields"] == {360001: 3, 360002: "detractor"}
    assert ticket["status"] == "solved"  # a note only, by default
    call = ConnectorCall.objects.get()
    assert (call.state, call.operation, call.result) == ("sent", "zendesk.note", {"audit": 1})


def test_reopen_by_configuration(brand, connector, admin, zendesk_api, clock):
    do_save_connector(
        account=brand.account,
        by=admin,
        kind="zendesk",
        values={"settings": {"on_detractor": "reopen"}},
    )
    detractor_ticket(brand, connector, clock)
    events.relay()
    delivery.send_due_calls()
    assert zendesk_api.state.tickets["4711"]["status"] == "open"


def test_a_promoter_from_zendesk_makes_no_call(brand, connector, clock):
    detractor_ticket(brand, connector, clock, score=10)
    events.relay()
    assert not ConnectorCall.objects.exists()


def test_a_zendesk_outage_pauses_the_notes_without_spending_attempts_until_it_is_back(
    brand, connector, zendesk_api, clock
):
    detractor_ticket(brand, connector, clock)
    events.relay()
    zendesk_api.replies = [(503, {"error": "Service Unavailable"})] * 3

    assert delivery.send_due_calls() == 0
    call = ConnectorCall.objects.get()
    assert (call.state, call.attempts) == ("pending", 0)
    assert Circuit.objects.get().destination == connector.destination

    clock.shift(dt.timedelta(seconds=10))
    assert delivery.send_due_calls() == 0  # not even claimed while the circuit is open
    assert len(zendesk_api.calls("PUT", r"/api/v2/tickets/\d+\.json")) == 1

    for wait in (31, 61, 121):  # the probes find it still down twice, then back
        clock.shift(dt.timedelta(seconds=wait))
        delivery.send_due_calls()
    call.refresh_from_db()
    assert call.state == "sent" and not Circuit.objects.exists()
    assert len(zendesk_api.state.tickets["4711"]["comments"]) == 1


def test_a_429_pauses_zendesk_for_exactly_its_retry_after(brand, connector, zendesk_api, clock):
    detractor_ticket(brand, connector, clock)
    events.relay()
    zendesk_api.replies = [(429, {"error": "TooManyRequests"}, {"Retry-After": "90"})]

    delivery.send_due_calls()
    assert Circuit.objects.get().retry_at == START + dt.timedelta(seconds=90)

    clock.shift(dt.timedelta(seconds=89))
    assert delivery.send_due_calls() == 0
    clock.shift(dt.timedelta(seconds=1))
    assert delivery.send_due_calls() == 1
    assert ConnectorCall.objects.get().attempts == 1  # the 429 spent nothing


def test_a_revoked_token_switches_the_connector_off_and_tells_the_admins_once(
    brand, connector, admin, zendesk_api, smtp, clock
):
    detractor_ticket(brand, connector, clock)
    events.relay()
    zendesk_api.state.token = "rotated-by-someone"

    delivery.send_due_calls()
    connector.refresh_from_db()
    assert connector.disabled_at is not None and "401" in connector.disabled_reason
    call = ConnectorCall.objects.get()
    assert (call.state, call.attempts, call.response_status) == ("pending", 0, 401)

    clock.shift(dt.timedelta(hours=3))
    assert delivery.send_due_calls() == 0  # no retry while the credentials are refused
    assert len(zendesk_api.calls("PUT", r"/api/v2/tickets/\d+\.json")) == 1
    notifications.send_due_deliveries()
    [mail] = [m for m in smtp.messages if "Zendesk refused" in m["Subject"]]
    assert mail["To"] == "cx-lead@example.com"
    assert Delivery.objects.filter(event_type="connector.disabled").count() == 1

    # The admin pastes the new token: the held note goes out.
    zendesk_api.state.token = "the-new-token"
    do_save_connector(
        account=brand.account,
        by=admin,
        kind="zendesk",
        values={"credentials": {"api_token": "the-new-token"}},
    )
    assert delivery.send_due_calls() == 1
    assert len(zendesk_api.state.tickets["4711"]["comments"]) == 1


def test_a_ticket_gone_from_zendesk_fails_the_call_with_the_reason(
    brand, connector, zendesk_api, clock
):
    detractor_ticket(brand, connector, clock)
    events.relay()
    del zendesk_api.state.tickets["4711"]

    delivery.send_due_calls()
    call = ConnectorCall.objects.get()
    assert (
        call.state == "failed" and "404" in call.last_error and "RecordNotFound" in call.last_error
    )


def test_no_answer_after_the_note_was_sent_is_not_sent_again(
    brand, connector, zendesk_api, clock, settings
):
    settings.CONNECTOR_TIMEOUT = 1
    detractor_ticket(brand, connector, clock)
    events.relay()
    zendesk_api.replies = ["hang"]

    delivery.send_due_calls()
    call = ConnectorCall.objects.get()
    assert call.state == "failed" and "may have arrived" in call.last_error
    clock.shift(dt.timedelta(hours=1))
    delivery.sweep()
    assert delivery.send_due_calls() == 0


def test_test_connection_says_who_zendesk_knows_and_records_it(
    brand, connector, admin, zendesk_api
):
    result = do_test_connector(by=admin, connector=connector)
    assert result.ok and "Nimbus bot" in result.message

    zendesk_api.state.token = "revoked"
    result = do_test_connector(by=admin, connector=connector)
    assert not result.ok and "401" in result.message
    connector.refresh_from_db()
    assert connector.last_test_ok is False


def test_credentials_are_stored_encrypted_and_shown_as_their_last_four(connector):
    stored = Connector.objects.get(pk=connector.pk)
    assert ZENDESK_TOKEN not in stored.credentials and SIGNING_SECRET not in stored.credentials
    assert stored.credential_hints == {"api_token": "…cdef", "signing_secret": "…ZXQ="}
    change = SetupChange.objects.get(subject="connector", action="created")
    assert ZENDESK_TOKEN not in json.dumps(change.after)
    assert change.after["credentials"]["api_token"] == "…cdef"


# --- End to end -------------------------------------------------------------------------------


def test_end_to_end_solved_ticket_survey_email_detractor_note_exactly_once_despite_a_dead_worker(
    brand, connector, zendesk_api, smtp, clock
):
    # Zendesk reports the ticket solved; the survey goes out by email over SMTP.
    assert post_webhook(connector, solved()).json()["recorded"] == 1
    assert invitations.send_due_invitations() == 1
    [mail] = smtp.messages
    assert mail["To"] == "ana@example.com"
    token = re.search(r"/s/([\w-]+)", mail.get_body(("plain",)).get_content()).group(1)

    # The customer answers 2 on the survey page: a detractor, so a Touchpoint ticket.
    page = Client().post(f"/s/{token}", {"score": "2", "comment": "Nobody listened"})
    assert page.status_code == 302
    events.relay()
    call = ConnectorCall.objects.get()

    # A worker claims the note's call and dies before making it.
    [claimed] = engine.claim(delivery.QUEUE, [call.pk])
    assert claimed.state == "sending"
    assert delivery.send_due_calls() == 0  # held by the dead worker's lease

    clock.shift(delivery.QUEUE.lease + dt.timedelta(seconds=1))
    assert delivery.sweep()["reclaimed"] == 1
    assert delivery.send_due_calls() == 1
    events.relay()
    assert delivery.send_due_calls() == 0

    [note] = zendesk_api.state.tickets["4711"]["comments"]
    assert "score 2/10" in note["body"] and "Nobody listened" in note["body"]
    assert len(zendesk_api.calls("PUT", r"/api/v2/tickets/4711\.json")) == 1
