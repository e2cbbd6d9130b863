"""Domain events to vendor calls: relayed subscribers of the events outbox.

- `ticket.opened`: when the answer came from a helpdesk ticket (an interaction a helpdesk
  connector recorded), a note on that helpdesk ticket — the score, the comment and a link —
  and, by configuration, the ticket reopened and the score and category in ticket fields.
- `response.created` / `response.updated`: the contact's last answer written to each CRM and
  newsletter connector of the account (their properties, tags or merge fields). Imported
  history (answers given more than a week before they were stored) writes nothing.

Each call has a dedupe key (the event and the connector), so a relay run twice queues once.
"""

from __future__ import annotations

from touchpoint.connectors.actions import queue_calls
from touchpoint.connectors.models import Connector, ConnectorCall, InboundEvent
from touchpoint.connectors.vendors import VENDORS
from touchpoint.events.models import Event
from touchpoint.lib import nps
from touchpoint.responses.models import Response


def _connectors(account_id: int, reacts_to: str) -> list[Connector]:
    kinds = [kind for kind, vendor in VENDORS.items() if vendor.reacts_to == reacts_to]
    return list(
        Connector.objects.filter(
            account_id=account_id, kind__in=kinds, is_active=True
        ).select_related("account")
    )


def to_helpdesks(events: list[Event]) -> None:
    connectors = {c.pk: c for c in _connectors(events[0].account_id, "ticket")}
    if not connectors:
        return
    by_response = {e.data["response"]["id"]: e for e in events if e.data.get("response")}
    interactions = dict(
        Response.objects.filter(pk__in=list(by_response)).values_list("interaction_id", "pk")
    )
    sources = InboundEvent.objects.filter(
        connector_id__in=list(connectors),
        interaction_id__in=[i for i in interactions if i is not None],
        state=InboundEvent.State.RECORDED,
    ).exclude(object_id="")
    calls = []
    for source in sources:
        connector = connectors[source.connector_id]
        event = by_response[interactions[source.interaction_id]]
        ticket = event.data
        answer = ticket["response"]
        payload = {
            "ticket": source.object_id,
            "touchpoint_ticket": ticket["id"],
            "score": answer["score"],
            "category": nps.classify(answer["score"]),
            "comment": answer.get("comment") or "",
            "url": ticket["url"],
            "reopen": connector.config.get("on_detractor") == "reopen",
        }
        for operation, idempotent in VENDORS[connector.kind].ticket_operations(connector):
            calls.append(
                ConnectorCall(
                    connector=connector,
                    account_id=connector.account_id,
                    operation=operation,
                    idempotent=idempotent,
                    payload=payload,
                    event_id=event.event_id,
                    dedupe_key=f"ticket:{ticket['id']}:{connector.pk}:{operation}",
                    summary=f"Ticket {source.object_id}: score {answer['score']} (Touchpoint "
                    f"ticket #{ticket['id']})",
                    send_at=event.created_at,
                )
            )
    queue_calls(calls)


def to_crms(events: list[Event]) -> None:
    connectors = _connectors(events[0].account_id, "answer")
    if not connectors:
        return
    fresh = [e for e in events if not e.data.get("history")]
    contacts = dict(
        Response.objects.filter(
            pk__in=[e.subject_id for e in fresh], contact__isnull=False
        ).values_list("pk", "contact_id")
    )
    calls = []
    for event in fresh:
        if event.subject_id not in contacts:
            continue  # anonymous (a kiosk, a widget visitor) or erased since
        for connector in connectors:
            for operation in VENDORS[connector.kind].answer_operations(connector):
                calls.append(
                    ConnectorCall(
                        connector=connector,
                        account_id=connector.account_id,
                        operation=operation,
                        idempotent=True,
                        payload={
                            "response": event.subject_id,
                            "contact": contacts[event.subject_id],
                        },
                        event_id=event.event_id,
                        dedupe_key=f"event:{event.event_id}:{connector.pk}:{operation}",
                        summary=f"Last answer of contact {contacts[event.subject_id]}",
                        send_at=event.created_at,
                    )
                )
    queue_calls(calls)
