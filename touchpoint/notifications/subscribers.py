"""Every public domain event to the webhook endpoints of its account that want it.

Relayed by the worker from the events outbox: one `Delivery` per event and endpoint (a
dedupe key, so a relay run twice queues once), sent by the outbox engine with its
signature, retries and log. A JSON endpoint gets `{"event_type", "event_id", "created_at",
"data"}`; a Slack-compatible one a one-line `{"text"}`.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from touchpoint.events.models import Event
from touchpoint.notifications.models import Delivery, Endpoint
from touchpoint.responses.actions import as_published
from touchpoint.responses.models import Response
from touchpoint.responses.payloads import response_payload, response_summary

# Events that exist for the app's own bookkeeping, never sent out.
INTERNAL = {"response.restated"}


def to_endpoints(events: list[Event]) -> None:
    first = events[0]
    if first.type in INTERNAL:
        return
    endpoints = [
        endpoint
        for endpoint in Endpoint.objects.filter(account_id=first.account_id, is_active=True)
        if endpoint.wants(first.type)
    ]
    if not endpoints:
        return
    rendered = _render(events)
    rows = []
    for event in events:
        if event.pk not in rendered:
            continue  # its subject is gone (an answer erased since)
        data, summary = rendered[event.pk]
        for endpoint in endpoints:
            if endpoint.kind == Endpoint.Kind.SLACK:
                payload = {"text": summary or event.type}
            elif endpoint.kind == Endpoint.Kind.TEAMS:
                payload = teams_card(event.type, summary or event.type, _link(event, data))
            else:
                payload = {
                    "event_type": event.type,
                    "event_id": str(event.event_id),
                    "created_at": int(event.created_at.timestamp()),
                    "data": data,
                }
            rows.append(
                Delivery(
                    account_id=event.account_id,
                    event_type=event.type,
                    event_id=event.event_id,
                    dedupe_key=f"event:{event.event_id}:endpoint:{endpoint.pk}",
                    channel=Delivery.Channel.WEBHOOK,
                    endpoint=endpoint,
                    payload=payload,
                    send_at=event.created_at,
                )
            )
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)


def _link(event: Event, data: dict) -> str:
    """Where a person acts on the event: the ticket, or the answer."""
    if isinstance(data.get("url"), str):
        return data["url"]
    if isinstance(data.get("response"), dict) and data["response"].get("id"):
        return f"{settings.SITE_URL}/responses/{data['response']['id']}/"
    return settings.SITE_URL


def teams_card(event_type: str, text: str, url: str) -> dict:
    """A Microsoft Teams message with one Adaptive Card (what incoming webhooks and Workflows
    "post to a channel when a webhook request is received" take)."""
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {
                            "type": "TextBlock",
                            "text": event_type,
                            "weight": "Bolder",
                            "size": "Small",
                            "isSubtle": True,
                        },
                        {"type": "TextBlock", "text": text, "wrap": True},
                    ],
                    "actions": [
                        {"type": "Action.OpenUrl", "title": "Open in Touchpoint", "url": url}
                    ],
                },
            }
        ],
    }


def _render(events: list[Event]) -> dict[int, tuple[dict, str]]:
    """Each event's JSON data and chat line: answers as they are now, other events as
    published."""
    if not events[0].type.startswith("response."):
        return {e.pk: (e.data, e.summary) for e in events}
    responses = Response.objects.select_related("touchpoint", "unit", "contact").in_bulk(
        [e.subject_id for e in events]
    )
    out = {}
    for event in events:
        response = responses.get(event.subject_id)
        if response is not None:
            response = as_published(response, event)
            data = {"response": response_payload(response)}
            if "old_score" in event.data:
                data["old_score"] = event.data["old_score"]
            out[event.pk] = (data, response_summary(response))
    return out


def on_contact_erased(events: list[Event]) -> None:
    """Mail to an erased person not yet sent is cancelled, and what was sent is emptied
    (an in-transaction subscriber: the address is still known)."""
    for event in events:
        email = event.subject.email
        if not email:
            continue
        mail = Delivery.objects.filter(account_id=event.account_id, to_email=email)
        mail.filter(state__in=[Delivery.State.PENDING, Delivery.State.HELD]).update(
            state=Delivery.State.FAILED, last_error="recipient erased", updated_at=timezone.now()
        )
        mail.update(to_email="", subject="", body_text="", body_html="", headers={})
