"""NPS figures for a first look, read from the rollups through the one score-math module."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Sum

from touchpoint.accounts.models import Unit
from touchpoint.lib import nps
from touchpoint.reports.models import HISTOGRAM, Rollup
from touchpoint.responses.models import Response


def overview(account, *, unit=None, days: int = 90, now: dt.datetime) -> dict:
    """NPS over the last `days` local days for an account, or one unit's subtree of it, overall
    and by touchpoint, with intervals. Answers count where they were given (attribution
    snapshot), so a unit moved later keeps its past."""
    today = now.astimezone(ZoneInfo(account.time_zone)).date()
    roots = [unit] if unit is not None else list(Unit.objects.filter(account=account, depth=0))
    rows = (
        Rollup.objects.filter(
            account=account,
            unit__in=roots,
            grain=Rollup.Grain.DAY,
            period__gt=today - dt.timedelta(days),
        )
        .values("touchpoint__name")
        .annotate(**{name: Sum(name) for name in HISTOGRAM})
    )
    by_touchpoint = [
        (row["touchpoint__name"], nps.Counts.from_histogram([row[n] for n in HISTOGRAM]))
        for row in rows
    ]
    total = sum((counts for _, counts in by_touchpoint), nps.Counts())
    comments = Response.objects.filter(account=account).exclude(comment="")
    if unit is not None:
        comments = comments.filter(unit_path__startswith=unit.path)
    return {
        "days": days,
        "overall": nps.estimate(total),
        "by_touchpoint": sorted(
            ((name, nps.estimate(counts)) for name, counts in by_touchpoint),
            key=lambda pair: -pair[1].n,
        ),
        "latest": comments.select_related("touchpoint", "unit").order_by("-answered_at")[:12],
    }
