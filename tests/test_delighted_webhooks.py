"""Delighted-shaped webhook events through the notifications outbox: signed, retried, logged."""

from __future__ import annotations

import base64
import datetime as dt

import time_machine
from django.test import Client

from tests.conftest import interaction, outbound
from tests.test_tickets import receiver  # noqa: F401 (fixture: a local signed-webhook receiver)
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import InteractionIn
from touchpoint.lib import signing
from touchpoint.notifications.models import Delivery, Endpoint
from touchpoint.responses.actions import do_answer_invitation

START = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
DELIGHTED_EVENTS = ["survey_response.created", "survey_response.updated", "unsubscribe.created"]


def invitation_for(brand, email="ana@example.com"):
    item = InteractionIn.model_validate(
        interaction(
            brand,
            external_id=f"sale-{email}",
            contact={"email": email, "name": "Ana"},
            occurred_at=START.isoformat(),
        )
    )
    return record_interactions(brand.account, [item]).items[0].invitation


def test_answers_reach_a_delighted_endpoint_in_delightes_shape_signed(brand, receiver):  # noqa: F811
    endpoint = Endpoint.objects.create(
        account=brand.account, name="Old Delighted hook", url=receiver.url, events=DELIGHTED_EVENTS
    )
    receiver.secret = endpoint.secret
    everything = Endpoint.objects.create(
        account=brand.account, name="All", url=receiver.url, secret=endpoint.secret
    )
    with time_machine.travel(START, tick=False) as clock:
        invitation = invitation_for(brand)
        response, _ = do_answer_invitation(invitation, score=9, comment="Fast")
        clock.move_to(START + dt.timedelta(minutes=3))
        do_answer_invitation(invitation, score=10, comment="Fast and kind")
        outbound()

    assert receiver.rejected == []
    bodies = [body for _, body in receiver.received if "event_data" in body]
    assert [b["event_type"] for b in bodies] == [
        "survey_response.created",
        "survey_response.updated",
    ]
    created = bodies[0]
    assert set(created) == {"event_type", "event_id", "event_data"}
    data = created["event_data"]
    assert (data["id"], data["score"], data["comment"]) == (str(response.pk), 9, "Fast")
    assert data["person"]["email"] == "ana@example.com"
    assert data["created_at"] == int(START.timestamp())
    assert data["person_properties"] == {"phone_model": "Nimbus X5"}
    assert bodies[1]["event_data"]["score"] == 10
    headers = receiver.received[0][0]
    assert headers[signing.ID_HEADER] == created["event_id"]
    # An endpoint that did not name the Delighted events gets Touchpoint's own events only,
    # no second copy of each answer in Delighted's shape.
    assert sorted(
        Delivery.objects.filter(endpoint=everything).values_list("event_type", flat=True)
    ) == [
        "response.created",
        "response.updated",
    ]


def test_an_unsubscribe_through_the_api_is_an_unsubscribe_created_event(brand, receiver):  # noqa: F811
    endpoint = Endpoint.objects.create(
        account=brand.account, name="Hook", url=receiver.url, events=["unsubscribe.created"]
    )
    receiver.secret = endpoint.secret
    token = base64.b64encode(f"{brand.api_key}:".encode()).decode()
    api = Client(headers={"Authorization": f"Basic {token}"})
    with time_machine.travel(START, tick=False):
        answer = api.post(
            "/delighted/v1/unsubscribes.json",
            {"person_email": "dan@example.com"},
            content_type="application/json",
        )
        assert answer.status_code == 200
        # Unsubscribing again changes nothing and sends nothing.
        api.post(
            "/delighted/v1/unsubscribes.json",
            {"person_email": "dan@example.com"},
            content_type="application/json",
        )
        outbound()
    [(_, body)] = receiver.received
    assert body["event_type"] == "unsubscribe.created"
    assert body["event_data"]["email"] == "dan@example.com"
    assert body["event_data"]["unsubscribed_at"] == int(START.timestamp())


def test_a_failing_receiver_gets_the_same_event_again_after_back_off(brand, receiver):  # noqa: F811
    endpoint = Endpoint.objects.create(
        account=brand.account, name="Hook", url=receiver.url, events=DELIGHTED_EVENTS
    )
    receiver.secret = endpoint.secret
    receiver.fail = 1
    with time_machine.travel(START, tick=False) as clock:
        do_answer_invitation(invitation_for(brand), score=4)
        outbound()
        hook = Delivery.objects.get(endpoint=endpoint)
        assert (hook.state, hook.response_status) == ("pending", 500)
        clock.move_to(START + dt.timedelta(minutes=1))
        outbound()
    hook.refresh_from_db()
    assert (hook.state, hook.attempts) == ("sent", 2)
    [(headers, body)] = receiver.received
    assert headers[signing.ID_HEADER] == body["event_id"] == str(hook.event_id)


def test_erasing_a_person_empties_their_ticket_trail_and_mail(brand):
    from touchpoint.notifications.actions import do_queue_email
    from touchpoint.tickets.models import Ticket, TicketEvent

    with time_machine.travel(START, tick=False):
        response, _ = do_answer_invitation(
            invitation=invitation_for(brand), score=1, comment="Ana Lima, 12 Rue X: awful"
        )
        ticket = Ticket.objects.get(response=response)
        do_queue_email(
            account=brand.account,
            event_type="ticket.reply",
            dedupe_key="reply-1",
            to_email="ana@example.com",
            subject="About your repair, Ana",
            body_text="Dear Ana, ...",
        )
        token = base64.b64encode(f"{brand.api_key}:".encode()).decode()
        api = Client(headers={"Authorization": f"Basic {token}"})
        assert api.delete("/delighted/v1/people/email:ana@example.com").status_code == 202

    ticket.refresh_from_db()
    assert ticket.contact_id is None and ticket.follow_up_hash is None
    assert set(TicketEvent.objects.filter(ticket=ticket).values_list("text", flat=True)) <= {""}
    mail = Delivery.objects.get(dedupe_key="reply-1")
    assert (mail.to_email, mail.body_text, mail.state) == ("", "", "failed")
    response.refresh_from_db()
    assert (response.score, response.comment, response.contact_id) == (1, "", None)
