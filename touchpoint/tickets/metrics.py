"""Loop metrics: how well a part of the organisation closes the loop on its tickets."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db.models import Case, Count, F, Q, QuerySet, When
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


# --- Open, overdue, due soon: one definition each, for every page, digest, export and API ---

DUE_SOON = dt.timedelta(hours=24)


def next_due() -> Case:
    """The ticket's next deadline: its first response while none was given, else its
    resolution."""
    return Case(
        When(first_responded_at__isnull=True, then=F("first_response_due_at")),
        default=F("resolution_due_at"),
    )


def open_q() -> Q:
    return Q(state__in=Ticket.OPEN_STATES)


def overdue_q(now: dt.datetime) -> Q:
    """Open, and past its first-response deadline without a response, or past resolution."""
    return open_q() & (
        Q(first_responded_at__isnull=True, first_response_due_at__lte=now)
        | Q(resolution_due_at__lte=now)
    )


def due_soon_q(now: dt.datetime) -> Q:
    """Open, not overdue, and its next deadline within the next 24 hours."""
    soon = now + DUE_SOON
    return (
        open_q()
        & ~overdue_q(now)
        & (
            Q(first_responded_at__isnull=True, first_response_due_at__lte=soon)
            | Q(resolution_due_at__lte=soon)
        )
    )


@dataclass(frozen=True)
class TicketCounts:
    open: int
    overdue: int
    due_soon: int

    def as_dict(self) -> dict:
        return {"open": self.open, "overdue": self.overdue, "due_soon": self.due_soon}


def ticket_counts(tickets: QuerySet[Ticket], *, now: dt.datetime) -> TicketCounts:
    """Open, overdue and due-soon tickets among `tickets` (already scoped): one statement."""
    row = tickets.aggregate(
        open=Count("pk", filter=open_q()),
        overdue=Count("pk", filter=overdue_q(now)),
        due_soon=Count("pk", filter=due_soon_q(now)),
    )
    return TicketCounts(row["open"], row["overdue"], row["due_soon"])


def by_next_due(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Most urgent first: overdue ones before those due later, whatever their level."""
    return tickets.annotate(next_due_at=next_due()).order_by("next_due_at", "-pk")


# --- Root causes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CauseRow:
    cause: str  # the root cause's name, or "" for resolved tickets without one
    code: str
    resolved: int
    share: float  # of the resolved tickets
    follow_ups_answered: int
    won_back: int
    recovery_rate: float | None
    recovery_low: float | None  # Wilson 95 % interval of the recovery rate
    recovery_high: float | None


def root_causes(tickets: QuerySet[Ticket]) -> list[CauseRow]:
    """Resolved (and closed) tickets by root cause, most frequent first, with how many
    customers the follow-up won back per cause. `tickets` is already scoped and limited to
    a period by the caller."""
    rows = tickets.filter(resolved_at__isnull=False).values_list(
        "root_cause__name",
        "root_cause__code",
        "follow_up_answered_at",
        "follow_up_score",
        "follow_up_solved",
    )
    tally: dict[tuple[str, str], list[int]] = {}
    total = 0
    for name, code, answered_at, score, solved in rows.iterator(chunk_size=2000):
        counts = tally.setdefault((name or "", code or ""), [0, 0, 0])
        counts[0] += 1
        total += 1
        if answered_at is not None:
            counts[1] += 1
            if score is not None:
                counts[2] += nps.classify(score) == "promoter"
            else:
                counts[2] += bool(solved)
    out = []
    for (name, code), (resolved, answered, won) in tally.items():
        low, high = nps.wilson(won, answered) if answered else (None, None)
        out.append(
            CauseRow(
                name,
                code,
                resolved,
                resolved / total,
                answered,
                won,
                won / answered if answered else None,
                low,
                high,
            )
        )
    return sorted(out, key=lambda r: (-r.resolved, r.cause == "", r.cause))
