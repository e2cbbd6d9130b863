"""NPS figures computed from stored responses, through the one score-math module."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet

from touchpoint.lib import nps
from touchpoint.responses.models import Response

SPLIT = {
    "promoters": Count("pk", filter=Q(score__gte=9)),
    "passives": Count("pk", filter=Q(score__gte=7, score__lte=8)),
    "detractors": Count("pk", filter=Q(score__lte=6)),
}


def counts_by(responses: QuerySet[Response], *fields: str) -> list[tuple[tuple, nps.Counts]]:
    """Promoter / passive / detractor counts grouped by `fields`, in one query."""
    rows = responses.order_by().values(*fields).annotate(**SPLIT)
    return [
        (
            tuple(row[f] for f in fields),
            nps.Counts(row["promoters"], row["passives"], row["detractors"]),
        )
        for row in rows
    ]


def overview(account, *, unit=None, days: int = 90, now: dt.datetime) -> dict:
    """NPS over the last `days` for an account, or one unit's subtree of it, overall and by
    touchpoint, with intervals. Answers count where they were given (attribution snapshot)."""
    recent = Response.objects.filter(account=account, answered_at__gte=now - dt.timedelta(days))
    if unit is not None:
        recent = recent.filter(unit_path__startswith=unit.path)
    by_touchpoint = [
        (name, nps.estimate(counts)) for (name,), counts in counts_by(recent, "touchpoint__name")
    ]
    total = sum((c for _, c in counts_by(recent)), nps.Counts())
    return {
        "days": days,
        "overall": nps.estimate(total),
        "by_touchpoint": sorted(by_touchpoint, key=lambda pair: -pair[1].n),
        "latest": recent.exclude(comment="")
        .select_related("touchpoint", "unit")
        .order_by("-answered_at")[:12],
    }
