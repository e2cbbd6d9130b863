"""Rollups move with every answer: in-transaction subscribers of the answer events."""

from __future__ import annotations

from touchpoint.events.models import Event
from touchpoint.reports import rollups


def on_created(events: list[Event]) -> None:
    responses = [event.subject for event in events]
    rollups.add_responses(responses[0].account, responses)


def on_updated(events: list[Event]) -> None:
    for event in events:
        response = event.subject
        rollups.change_score(response.account, response, event.data["old_score"])


def on_restated(events: list[Event]) -> None:
    """Answers counted under a new path: out of the old ancestors, into the new ones."""
    responses = [event.subject for event in events]
    account = responses[0].account
    old = [
        (e.data["from"], r.touchpoint_id, r.channel, r.answered_at, r.score)
        for e, r in zip(events, responses, strict=True)
    ]
    rollups.apply(account, rollups.deltas_for(old, account.time_zone, sign=-1))
    rollups.add_responses(account, responses)
