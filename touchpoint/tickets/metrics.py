"""Loop metrics: how well a part of the organisation closes the loop on its tickets."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from touchpoint.lib import nps
from touchpoint.tickets.models import Ticket


@dataclass(frozen=True)
class LoopMetrics:
    opened: int
    open_now: int
    overdue_now: int
    median_first_response: dt.timedelta | None
    median_resolution: dt.timedelta | None
    within_sla: float | None  # share of tickets due by now that were resolved by their due time
    detractors: int
    detractors_contacted: float | None
    follow_ups_answered: int
    won_back: int
    recovery_rate: float | None  # won back / follow-ups answered


def loop_metrics(tickets: QuerySet[Ticket], *, now: dt.datetime | None = None) -> LoopMetrics:
    """Figures over the given tickets (already scoped and limited to a period by the caller)."""
    now = now or timezone.now()
    rows = tickets.values_list(
        "state",
        "opened_at",
        "first_responded_at",
        "first_response_due_at",
        "resolved_at",
        "resolution_due_at",
        "contacted_at",
        "response__score",
        "follow_up_answered_at",
        "follow_up_score",
        "follow_up_solved",
    )
    first, resolution = [], []
    due = in_time = opened = open_now = overdue = detractors = contacted = 0
    answered = won = 0
    for (
        state,
        opened_at,
        responded_at,
        first_due,
        resolved_at,
        resolution_due,
        contacted_at,
        score,
        follow_up_at,
        follow_up_score,
        solved,
    ) in rows.iterator(chunk_size=2000):
        opened += 1
        is_open = state in Ticket.OPEN_STATES
        open_now += is_open
        if is_open and (resolution_due <= now or (responded_at is None and first_due <= now)):
            overdue += 1
        if responded_at:
            first.append(responded_at - opened_at)
        if resolved_at:
            resolution.append(resolved_at - opened_at)
        if resolved_at or resolution_due <= now:
            due += 1
            in_time += bool(resolved_at and resolved_at <= resolution_due)
        if nps.classify(score) == "detractor":
            detractors += 1
            contacted += contacted_at is not None
        if follow_up_at:
            answered += 1
            if follow_up_score is not None:
                won += nps.classify(follow_up_score) == "promoter"
            else:
                won += bool(solved)
    return LoopMetrics(
        opened=opened,
        open_now=open_now,
        overdue_now=overdue,
        median_first_response=statistics.median(first) if first else None,
        median_resolution=statistics.median(resolution) if resolution else None,
        within_sla=in_time / due if due else None,
        detractors=detractors,
        detractors_contacted=contacted / detractors if detractors else None,
        follow_ups_answered=answered,
        won_back=won,
        recovery_rate=won / answered if answered else None,
    )
