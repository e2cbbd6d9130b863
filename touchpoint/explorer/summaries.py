"""The explorer's headline: how many answers its filters select, and their NPS.

When the filters are ones a report can ask (one unit, a period of whole local days, a
touchpoint, a channel, segment conditions), the reports count them: from the rollups, a
declared segment's rollups or the segment index, in milliseconds whatever the account's
size. Otherwise (a score, a category, a comment search, an extra filter, all time) they are
counted from the selected answers themselves. Both are exact and give the same figures.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from touchpoint.accounts.access import top_units
from touchpoint.lib import nps
from touchpoint.reports import counting
from touchpoint.reports.params import ReportError, ReportRequest, check_report_request
from touchpoint.responses import explorer
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Touchpoint


def summary(user, f: explorer.Filters, qs: QuerySet[Response], *, now: dt.datetime) -> nps.Estimate:
    request = as_report(user, f, now=now)
    if request is None:
        return explorer.summary(qs)
    return nps.estimate(counting.counts(request))


def as_report(user, f: explorer.Filters, *, now: dt.datetime) -> ReportRequest | None:
    """The report request that selects the same answers as the filters, or None."""
    if f.category or f.score is not None or f.has_comment or f.q or f.checked:
        return None
    unit = f.unit
    if unit is None:  # the person's whole scope: a report only if it is one unit
        tops = top_units(user)
        if len(tops) != 1:
            return None
        unit = tops[0]
    if f.period == "all" or (f.period == "custom" and not (f.start and f.end)):
        return None
    touchpoint = None
    if f.touchpoint:
        touchpoint = Touchpoint.objects.filter(account_id=unit.account_id, pk=f.touchpoint).first()
        if touchpoint is None:
            return None
    segments: dict[str, list[str]] = {}
    for source, key, value in f.attributes:
        name = f"{source}.{key}"
        if name in segments:  # two conditions on one key must both hold: not a report's OR
            return None
        segments[name] = explorer.spellings(value)
    dates: dict = {"start": f.start, "end": f.end} if f.period == "custom" else {"preset": f.period}
    try:
        return check_report_request(
            unit=unit,
            touchpoint=touchpoint,
            channel=f.channel or None,
            segments=segments or None,
            now=now,
            **dates,
        )
    except ReportError:  # e.g. an attribute no contact has: the answers themselves say 0
        return None
