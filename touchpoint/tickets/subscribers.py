"""Ticket rules apply to every answer: in-transaction subscribers of the answer events."""

from __future__ import annotations

from touchpoint.events.models import Event
from touchpoint.tickets.actions import on_response_saved
from touchpoint.tickets.models import Ticket, TicketEvent


def on_created(events: list[Event]) -> None:
    for event in events:
        if not event.data.get("history"):  # an old answer imported is history, not a case
            on_response_saved(event.subject, created=True)


def on_updated(events: list[Event]) -> None:
    for event in events:
        if {"score", "comment"} & set(event.data.get("changed", ())):
            on_response_saved(event.subject, created=False)


def on_restated(events: list[Event]) -> None:
    """A ticket is counted where its answer is."""
    by_path: dict[str, list[int]] = {}
    for event in events:
        by_path.setdefault(event.data["to"], []).append(event.subject_id)
    for path, response_ids in by_path.items():
        Ticket.objects.filter(response_id__in=response_ids).update(unit_path=path)


def on_contact_erased(events: list[Event]) -> None:
    """Ticket trails keep what happened and when, not what was written to or about the
    person."""
    tickets = Ticket.objects.filter(contact_id__in=[e.subject_id for e in events])
    TicketEvent.objects.filter(ticket__in=tickets).update(text="", data={})
    tickets.update(follow_up_hash=None)
