"""Freshdesk: a resolved ticket becomes a support interaction; a detractor's Touchpoint ticket
adds one private note, reopens the Freshdesk ticket and fills its score fields. Real HTTP
against a local imitation of Freshdesk's API v2."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import inbound_path
from tests.fake_vendors import FRESHDESK_KEY, FreshdeskState, freshdesk, serve
from touchpoint.accounts.models import Membership
from touchpoint.connectors import delivery
from touchpoint.connectors.models import ConnectorCall, InboundEvent
from touchpoint.events import actions as events
from touchpoint.notifications.models import Delivery
from touchpoint.outbox import engine
from touchpoint.outbox.models import Circuit
from touchpoint.responses.actions import do_answer_invitation
from touchpoint.setup.audit import SetupError
from touchpoint.setup.connectors import do_save_connector, do_test_connector
from touchpoint.surveys import delivery as invitations
from touchpoint.surveys.models import Interaction

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
TOKEN = "fd-webhook-token-0123456789abcdef"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def helpdesk():
    state = FreshdeskState(tickets={"88": {"status": 4, "notes": [], "custom_fields": {}}})
    fake, stop = serve(freshdesk(state))
    fake.state = state
    yield fake
    stop()


@pytest.fixture
def admin(brand):
    user = get_user_model().objects.create_user("cx-lead", "cx-lead@example.com", "pw")
    Membership.objects.create(user=user, unit=brand.brand, role="admin")
    return user


@pytest.fixture
def connector(brand, admin, helpdesk):
    return do_save_connector(
        account=brand.account,
        by=admin,
        kind="freshdesk",
        values={
            "base_url": helpdesk.url,
            "settings": {
                "domain": "nimbus",
                "touchpoint": "support-call",
                "units": {"group:Tier 1": "callco-t1", "*": "callco"},
                "on_detractor": "reopen",
                "score_field": "cf_nps_score",
                "category_field": "cf_nps_category",
            },
            "credentials": {"api_key": FRESHDESK_KEY, "webhook_token": TOKEN},
        },
    )


def resolved(ticket_id: str = "88", **fields) -> dict:
    """The rule's simple webhook body, placeholders filled by Freshdesk."""
    body = {
        "ticket_id": ticket_id,
        "ticket_status": "Resolved",
        "ticket_group_name": "Tier 1",
        "ticket_agent_email": "agent@callco.example",
        "ticket_contact_email": "bo@example.com",
        "ticket_contact_name": "Bo",
        "ticket_updated_at": "2026-11-20T08:58:00Z",
    }
    body.update(fields)
    return {"freshdesk_webhook": body}


def post(connector, body, *, token: str | None = TOKEN):
    headers = {"X-Touchpoint-Token": token} if token else {}
    return Client().post(
        inbound_path(connector),
        json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def test_a_resolved_ticket_becomes_an_interaction_once(brand, connector, clock):
    assert post(connector, resolved()).json()["recorded"] == 1
    assert post(connector, resolved()).json()["repeats"] == 1
    interaction = Interaction.objects.get()
    assert interaction.external_id == "freshdesk:ticket-88"
    assert interaction.unit == brand.team and interaction.contact.email == "bo@example.com"
    assert post(connector, resolved("89", ticket_status="Pending")).json()["ignored"]


def test_a_call_without_the_token_is_refused_and_stores_nothing(connector, clock):
    assert post(connector, resolved(), token=None).status_code == 401
    assert post(connector, resolved(), token="guess-guess-guess-guess").status_code == 401
    basic = Client().post(
        inbound_path(connector),
        json.dumps(resolved()),
        content_type="application/json",
        headers={"Authorization": "Basic " + base64.b64encode(f"x:{TOKEN}".encode()).decode()},
    )
    assert basic.status_code == 200  # the rule's "requires authentication" option works too
    assert post(connector, {"something": "else"}).status_code == 400
    assert InboundEvent.objects.count() == 1


def test_a_short_webhook_token_is_refused(brand, admin, helpdesk):
    with pytest.raises(SetupError) as refused:
        do_save_connector(
            account=brand.account,
            by=admin,
            kind="freshdesk",
            values={
                "settings": {"domain": "nimbus", "units": {"*": "callco"}, "score_field": "nps"},
                "credentials": {"api_key": FRESHDESK_KEY, "webhook_token": "short"},
            },
        )
    assert set(refused.value.errors) == {"credentials.webhook_token", "settings.score_field"}


def test_outage_then_429_then_a_revoked_key(brand, connector, helpdesk, clock):
    post(connector, resolved())
    interaction = Interaction.objects.get()
    invitation = interaction.invitations.get()
    invitation.state = "sent"
    invitation.save()
    do_answer_invitation(invitation=invitation, score=1, comment="Never again")
    events.relay()
    assert ConnectorCall.objects.count() == 2  # the note, and the fields + reopen

    helpdesk.replies = [(502, {"code": "bad_gateway"})]
    delivery.send_due_calls()
    assert Circuit.objects.exists()
    clock.shift(dt.timedelta(seconds=31))
    helpdesk.replies = [(429, {"code": "rate_limited"}, {"Retry-After": "60"})]
    delivery.send_due_calls()
    assert Circuit.objects.get().retry_at == START + dt.timedelta(seconds=91)
    clock.shift(dt.timedelta(seconds=60))
    helpdesk.state.key = "revoked"
    delivery.send_due_calls()
    connector.refresh_from_db()
    assert connector.disabled_at is not None
    assert Delivery.objects.filter(event_type="connector.disabled").count() == 1
    assert set(ConnectorCall.objects.values_list("state", flat=True)) == {"pending"}

    helpdesk.state.key = FRESHDESK_KEY
    assert do_test_connector(by=None, connector=connector).ok  # switches it back on
    clock.shift(dt.timedelta(minutes=2))  # the refused probe's turn is over
    assert delivery.send_due_calls() == 2
    ticket = helpdesk.state.tickets["88"]
    assert len(ticket["notes"]) == 1 and ticket["status"] == 2
    assert ticket["custom_fields"] == {"cf_nps_score": 1, "cf_nps_category": "detractor"}


def test_end_to_end_resolved_ticket_survey_email_detractor_note_exactly_once_despite_a_dead_worker(
    brand, connector, helpdesk, smtp, clock
):
    assert post(connector, resolved()).json()["recorded"] == 1
    assert invitations.send_due_invitations() == 1
    [mail] = smtp.messages
    assert mail["To"] == "bo@example.com"
    token = re.search(r"/s/([\w-]+)", mail.get_body(("plain",)).get_content()).group(1)
    assert (
        Client().post(f"/s/{token}", {"score": "0", "comment": "Lost my data"}).status_code == 302
    )
    events.relay()
    note = ConnectorCall.objects.get(operation="freshdesk.note")
    fields = ConnectorCall.objects.get(operation="freshdesk.fields")

    # A worker takes both calls and dies: the note before sending it, the fields update
    # after its request went out (a PUT of the same values: safe to make again).
    engine.claim(delivery.QUEUE, [note.pk, fields.pk])
    ConnectorCall.objects.filter(pk=fields.pk).update(handed_off_at=START)
    clock.shift(delivery.QUEUE.lease + dt.timedelta(seconds=1))
    assert delivery.sweep() == {"reclaimed": 1, "sent_again": 1, "interrupted": 0}
    assert delivery.send_due_calls() == 2
    events.relay()
    assert delivery.send_due_calls() == 0

    [written] = helpdesk.state.tickets["88"]["notes"]
    assert written["private"] is True and "score 0/10" in written["body"]
    assert "Lost my data" in written["body"]
    assert len(helpdesk.calls("POST", r"/api/v2/tickets/88/notes")) == 1
    assert helpdesk.state.tickets["88"]["status"] == 2
