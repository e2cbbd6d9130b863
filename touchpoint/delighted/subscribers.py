"""Delighted-shaped webhook copies of Touchpoint's domain events.

An endpoint (admin: Notifications → Endpoints) that names a Delighted event in its `events`
list (`survey_response.created`, `survey_response.updated`, `unsubscribe.created`) receives
it as Delighted sent it: `{"event_type", "event_id", "event_data"}`, with `event_data` in the
API's shape (a survey response with its person expanded; an unsubscribe). Only endpoints
that ask for these names get them, so an endpoint with an empty list (every Touchpoint event)
sees no second copy of each answer. Delivery, signing (HMAC-SHA256 over id, timestamp and
body), retries with back-off and the delivery log are the outbox's.

A relayed subscriber of the events outbox: it renders what the domain published, and the
domain knows nothing of it. One delivery per event and endpoint (a dedupe key), so a relay
run twice queues once.
"""

from __future__ import annotations

from touchpoint.delighted.shapes import response_out
from touchpoint.events.models import Event
from touchpoint.notifications.models import Delivery, Endpoint
from touchpoint.responses.actions import as_published
from touchpoint.responses.models import Response

RESPONSE_CREATED = "survey_response.created"
RESPONSE_UPDATED = "survey_response.updated"
UNSUBSCRIBE_CREATED = "unsubscribe.created"
EVENTS = (RESPONSE_CREATED, RESPONSE_UPDATED, UNSUBSCRIBE_CREATED)
SHAPE = {
    "response.created": RESPONSE_CREATED,
    "response.updated": RESPONSE_UPDATED,
    "contact.unsubscribed": UNSUBSCRIBE_CREATED,
}


def to_delighted_endpoints(events: list[Event]) -> None:
    first = events[0]
    event_type = SHAPE.get(first.type)
    if event_type is None:
        return
    endpoints = [
        endpoint
        for endpoint in Endpoint.objects.filter(
            account_id=first.account_id, is_active=True, kind=Endpoint.Kind.JSON
        )
        if event_type in (endpoint.events or [])
    ]
    if not endpoints:
        return
    rows = []
    for event, event_data in _render(events):
        payload = {
            "event_type": event_type,
            "event_id": str(event.event_id),
            "event_data": event_data,
        }
        rows += [
            Delivery(
                account_id=event.account_id,
                event_type=event_type,
                event_id=event.event_id,
                dedupe_key=f"delighted:{event.event_id}:endpoint:{endpoint.pk}",
                channel=Delivery.Channel.WEBHOOK,
                endpoint=endpoint,
                payload=payload,
                send_at=event.created_at,
            )
            for endpoint in endpoints
        ]
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)


def _render(events: list[Event]) -> list[tuple[Event, dict]]:
    if events[0].type == "contact.unsubscribed":
        # Delighted's unsubscribe is from every survey; one channel's opt-out is not one.
        return [
            (
                e,
                {
                    "person_id": str(e.subject_id),
                    "email": e.data["contact"]["email"],
                    "name": e.data["contact"]["name"] or None,
                    "unsubscribed_at": int(e.created_at.timestamp()),
                },
            )
            for e in events
            if e.data.get("channel") is None
        ]
    responses = Response.objects.select_related("interaction", "contact", "delighted").in_bulk(
        [e.subject_id for e in events]
    )
    return [
        (e, response_out(as_published(responses[e.subject_id], e), ["person"]))
        for e in events
        if e.subject_id in responses
    ]
