"""Rollups move with every answer: in-transaction subscribers of the answer events, each
appending the answer's change to the delta log (`rollups.record`), which the worker folds."""

from __future__ import annotations

from touchpoint.accounts.models import Account
from touchpoint.events.models import Event
from touchpoint.reports.rollups import change_of, record


def on_created(events: list[Event]) -> None:
    responses = [event.subject for event in events]
    zone = responses[0].account.time_zone
    record(events[0].account_id, [change_of(r, zone, plus=r.score) for r in responses])


def on_updated(events: list[Event]) -> None:
    """A changed score moves one count (the same answer, path and segments)."""
    changes = []
    for event in events:
        response, old = event.subject, event.data["old_score"]
        if old != response.score:
            changes.append(
                change_of(response, response.account.time_zone, plus=response.score, minus=old)
            )
    if changes:
        record(events[0].account_id, changes)


def on_restated(events: list[Event]) -> None:
    """Answers counted under a new path: out of the old ancestors, into the new ones."""
    zone = events[0].subject.account.time_zone
    changes = []
    for event in events:
        response = event.subject
        changes.append(change_of(response, zone, minus=response.score, path=event.data["from"]))
        changes.append(change_of(response, zone, plus=response.score))
    record(events[0].account_id, changes)


def on_erased(events: list[Event]) -> None:
    """An erased person's answers keep counting everywhere, but no longer under the segments
    their attributes gave them: they move to "no value". The event's subject is the answer as
    it was (in memory)."""
    erased = [e.subject for e in events if e.subject is not None and e.subject.segments]
    if not erased:
        return
    zone = Account.objects.only("time_zone").get(pk=events[0].account_id).time_zone
    changes = []
    for answer in erased:
        changes.append(change_of(answer, zone, minus=answer.score))
        changes.append(change_of(answer, zone, plus=answer.score, segments={}))
    record(events[0].account_id, changes)
