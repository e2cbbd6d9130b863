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
    recent_days = Rollup.objects.filter(
        account=account, grain=Rollup.Grain.DAY, period__gt=today - dt.timedelta(days)
    )
    rows = (
        recent_days.filter(unit__in=roots)
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
        "leaderboard": leaderboard(recent_days, Unit.objects.filter(parent__in=roots)),
        "by_touchpoint": sorted(
            ((name, nps.estimate(counts)) for name, counts in by_touchpoint),
            key=lambda pair: -pair[1].n,
        ),
        "latest": comments.select_related("touchpoint", "unit").order_by("-answered_at")[:12],
    }


def leaderboard(rollups, children) -> list[tuple[str, list[dict]]]:
    """Child units ranked by their shrunk NPS (empirical Bayes, so three promoters do not top
    a list of busy stores), with raw NPS, n, interval and a few-answers mark beside it.

    Units are ranked among their own kind (stores with stores, vendors with vendors): the
    prior comes from comparable siblings, and a vendor is no rival to a region."""
    children = {child.pk: child for child in children}
    rows = (
        rollups.filter(unit__in=list(children))
        .values("unit_id")
        .annotate(**{name: Sum(name) for name in HISTOGRAM})
    )
    by_kind: dict[str, dict[int, nps.Counts]] = {}
    for row in rows:
        kind = children[row["unit_id"]].get_kind_display()
        counts = nps.Counts.from_histogram([row[n] for n in HISTOGRAM])
        by_kind.setdefault(kind, {})[row["unit_id"]] = counts
    return [
        (
            kind,
            [
                {
                    "unit": children[unit_id],
                    "shrunk": shrunk,
                    "estimate": nps.estimate(counts[unit_id]),
                }
                for unit_id, shrunk in nps.rank(counts)
            ],
        )
        for kind, counts in sorted(by_kind.items())
    ]


def monthly_trend(
    unit, *, months: int = 12, now: dt.datetime
) -> list[tuple[dt.date, nps.Estimate]]:
    """The unit's NPS for each of the last `months` local calendar months, oldest first
    (months without answers included, with n = 0)."""
    this_month = now.astimezone(ZoneInfo(unit.account.time_zone)).date().replace(day=1)
    starts = [this_month]
    while len(starts) < months:
        starts.append((starts[-1] - dt.timedelta(days=1)).replace(day=1))
    starts.reverse()
    rows = (
        Rollup.objects.filter(
            account_id=unit.account_id,
            unit=unit,
            grain=Rollup.Grain.MONTH,
            period__gte=starts[0],
        )
        .values("period")
        .annotate(**{name: Sum(name) for name in HISTOGRAM})
    )
    found = {row["period"]: nps.Counts.from_histogram([row[n] for n in HISTOGRAM]) for row in rows}
    return [(start, nps.estimate(found.get(start, nps.Counts()))) for start in starts]
