"""The dashboard's "What customers talk about" section: the context the unit page adds for
its `{% include "analysis/_dashboard.html" %}`."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.urls import reverse

from touchpoint.analysis import queries
from touchpoint.reports.params import ReportRequest

SHOWN = 6


def explorer_link(request: ReportRequest, key: str) -> str:
    """The explorer, filtered to this theme and the dashboard's unit, dates, touchpoint and
    channel: the comments behind a figure, phrases highlighted."""
    params = {
        "theme": key,
        "unit": request.unit.pk,
        "from": request.start.isoformat(),
        "to": request.end.isoformat(),
        "comment": "1",
    }
    if request.touchpoint is not None:
        params["touchpoint"] = request.touchpoint.pk
    if request.channel:
        params["channel"] = request.channel
    return f"{reverse('responses')}?{urlencode(params)}"


def themes_context(request: ReportRequest) -> dict:
    report = queries.theme_report(request, examples=0, limit=SHOWN)
    for row in report.rows:
        row.link = explorer_link(request, row.theme.key)
    return {
        "themes": report,
        "themes_url": f"{reverse('unit-themes', args=[request.unit.pk])}?{request.query_string()}",
    }


DIGEST_THEMES = 3
DIGEST_DAYS = 28


def digest_themes(unit, end: dt.date) -> list[queries.ThemeRow]:
    """The digest's "what customers talk about": the most mentioned themes of the last four
    weeks (a week holds too few comments for a small unit), with NPS and impact."""
    request = ReportRequest(unit=unit, start=end - dt.timedelta(days=DIGEST_DAYS - 1), end=end)
    return queries.theme_report(request, examples=0, limit=DIGEST_THEMES).rows
