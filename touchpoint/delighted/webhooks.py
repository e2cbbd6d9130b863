"""Delighted-shaped webhook events, sent through Touchpoint's notifications outbox.

An endpoint (admin: Notifications → Endpoints) that names a Delighted event in its `events`
list (`survey_response.created`, `survey_response.updated`, `unsubscribe.created`) receives
it as Delighted sent it: `{"event_type", "event_id", "event_data"}`, with `event_data` in the
API's shape (a survey response with its person expanded; an unsubscribe). Only endpoints
that ask for these names get them, so an endpoint with an empty list (every Touchpoint event)
sees no second copy of each answer. Delivery, signing (HMAC-SHA256 over id, timestamp and
body), retries with back-off and the delivery log are the notifications app's.

Each `notify_*` is called inside the transaction of the change it reports: the event exists
exactly when the change does, and its dedupe key makes a repeat a no-op.
"""

from __future__ import annotations

import uuid

from django.utils import timezone

from touchpoint.contacts.models import Contact
from touchpoint.notifications.models import Delivery, Endpoint
from touchpoint.responses.models import Response

RESPONSE_CREATED = "survey_response.created"
RESPONSE_UPDATED = "survey_response.updated"
UNSUBSCRIBE_CREATED = "unsubscribe.created"
EVENTS = (RESPONSE_CREATED, RESPONSE_UPDATED, UNSUBSCRIBE_CREATED)


def _endpoints(account_id: int, event_type: str) -> list[Endpoint]:
    return [
        endpoint
        for endpoint in Endpoint.objects.filter(
            account_id=account_id, is_active=True, kind=Endpoint.Kind.JSON
        )
        if event_type in (endpoint.events or [])
    ]


def _queue(account_id: int, event_type: str, dedupe_key: str, event_data: dict) -> int:
    endpoints = _endpoints(account_id, event_type)
    if not endpoints:
        return 0
    event_id = uuid.uuid4()
    payload = {"event_type": event_type, "event_id": str(event_id), "event_data": event_data}
    now = timezone.now()
    Delivery.objects.bulk_create(
        [
            Delivery(
                account_id=account_id,
                event_type=event_type,
                event_id=event_id,
                dedupe_key=f"delighted:{dedupe_key}:endpoint:{endpoint.pk}",
                channel=Delivery.Channel.WEBHOOK,
                endpoint=endpoint,
                payload=payload,
                send_at=now,
            )
            for endpoint in endpoints
        ],
        ignore_conflicts=True,
    )
    return len(endpoints)


def notify_response(response: Response, *, created: bool) -> int:
    """survey_response.created or .updated for an answer just stored or changed."""
    from touchpoint.delighted.views import response_out

    response = (
        Response.objects.select_related("interaction", "contact", "delighted")
        .filter(pk=response.pk)
        .first()
    )
    if response is None:
        return 0
    if created:
        event_type, key = RESPONSE_CREATED, f"{RESPONSE_CREATED}:{response.pk}"
    else:
        stamp = response.updated_at.isoformat()
        event_type, key = RESPONSE_UPDATED, f"{RESPONSE_UPDATED}:{response.pk}:{stamp}"
    return _queue(response.account_id, event_type, key, response_out(response, ["person"]))


def notify_unsubscribe(contact: Contact) -> int:
    """unsubscribe.created for a contact who has just opted out of every survey."""
    contact = Contact.objects.filter(pk=contact.pk).first()
    if contact is None or contact.opted_out_at is None:
        return 0
    data = {
        "person_id": str(contact.pk),
        "email": contact.email,
        "name": contact.name or None,
        "unsubscribed_at": int(contact.opted_out_at.timestamp()),
    }
    key = f"{UNSUBSCRIBE_CREATED}:{contact.pk}:{contact.opted_out_at.isoformat()}"
    return _queue(contact.account_id, UNSUBSCRIBE_CREATED, key, data)
