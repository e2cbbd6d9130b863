"""What customers talk about, for a report request (the dashboard's filters): themes by
volume, NPS among the answers mentioning each, impact in NPS points with its interval, trend
and the comments behind each; root causes chosen on tickets.

Theme figures come from the theme rollups (`rollups.py`: a few rows per theme and period,
whatever the number of answers), or from the answers themselves when segment filters ask for
contact or interaction attributes; both count the same answers the same way (the analysed
ones with a comment, with the score the rollups count them with). All answers' figures come
from the reports' rollups. Statistics: `lib/impact.py`; key drivers: `drivers.py`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.db.models import Count, F, QuerySet, Sum, Window
from django.db.models.functions import RowNumber, TruncDate
from django.utils.formats import date_format

from touchpoint.analysis.models import (
    CommentAnalysis,
    CommentRollup,
    Theme,
    ThemeMention,
    ThemeRollup,
)
from touchpoint.lib import nps
from touchpoint.lib.impact import Impact, impact
from touchpoint.lib.text.highlight import pieces
from touchpoint.reports.counting import counts as report_counts
from touchpoint.reports.figures import trend_grain
from touchpoint.reports.labels import GRAIN_NAMES
from touchpoint.reports.models import HISTOGRAM
from touchpoint.reports.params import ReportRequest, segment_q
from touchpoint.responses.models import Response
from touchpoint.tickets import metrics as ticket_metrics
from touchpoint.tickets.metrics import CauseRow
from touchpoint.tickets.models import Ticket


def answers(request: ReportRequest) -> QuerySet[Response]:
    """The request's answers: its unit's subtree (where they were given), local days,
    touchpoint, channel and segments."""
    zone = request.zone
    start = dt.datetime.combine(request.start, dt.time(), zone)
    end = dt.datetime.combine(request.end + dt.timedelta(1), dt.time(), zone)
    rows = Response.objects.filter(
        account_id=request.unit.account_id,
        unit_path__startswith=request.unit.path,
        answered_at__gte=start,
        answered_at__lt=end,
    )
    if request.touchpoint is not None:
        rows = rows.filter(touchpoint_id=request.touchpoint.pk)
    if request.channel:
        rows = rows.filter(channel=request.channel)
    for name, values in request.segments:
        rows = rows.filter(segment_q(name, values))
    return rows


@dataclass
class ThemeRow:
    theme: Theme
    name: str
    estimate: nps.Estimate  # NPS among the answers mentioning the theme
    impact: Impact
    negative: int = 0  # answers whose mention of the theme was negative
    positive: int = 0
    share: float = 0.0  # % of the analysed comments that mention it
    trend: list[tuple[str, int, float]] = field(default_factory=list)  # (period, n, %)
    examples: list[tuple[Response, list[tuple[str, bool]]]] = field(default_factory=list)

    @property
    def mentions(self) -> int:
        return self.estimate.n

    @property
    def negative_share(self) -> float:
        return 100.0 * self.negative / self.mentions if self.mentions else 0.0

    @property
    def positive_share(self) -> float:
        return 100.0 * self.positive / self.mentions if self.mentions else 0.0

    def as_dict(self) -> dict:
        i = self.impact
        return {
            "key": self.theme.key,
            "name": self.name,
            "mentions": self.mentions,
            "share_of_comments": round(self.share, 2),
            "nps": None if self.estimate.nps is None else round(self.estimate.nps, 4),
            "margin_of_error": round(self.estimate.margin_of_error, 4),
            "impact": None if i.impact is None else round(i.impact, 4),
            "impact_low": None if i.low is None else round(i.low, 4),
            "impact_high": None if i.high is None else round(i.high, 4),
            "few_mentions": i.few_mentions,
            "negative": self.negative,
            "positive": self.positive,
            "trend": [{"period": p, "mentions": n, "share": round(s, 2)} for p, n, s in self.trend],
        }


@dataclass
class ThemeReport:
    request: ReportRequest
    everyone: nps.Estimate
    commented: int
    analysed: int
    rows: list[ThemeRow]
    grain: str

    @property
    def grain_label(self) -> str:
        return str(GRAIN_NAMES.get(self.grain, self.grain))

    @property
    def pending(self) -> int:
        return max(0, self.commented - self.analysed)


def _period(day: dt.date, grain: str) -> dt.date:
    if grain == "week":
        return day - dt.timedelta(day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def _label(start: dt.date, grain: str) -> str:
    """A trend period's first day (or its month) in the active language's format."""
    return date_format(start, "YEAR_MONTH_FORMAT" if grain == "month" else "MONTH_DAY_FORMAT")


@dataclass
class Tally:
    """What the theme report counts, from the rollups or from the answers themselves."""

    per_theme: dict[int, list[int]]  # theme id: score histogram of the answers mentioning it
    feeling: dict[tuple[int, str], int]  # (theme id, "negative"/"positive"): answers
    analysed: int  # answers with an analysed comment
    by_period: dict[int, dict[dt.date, int]]  # theme id: trend period: answers mentioning it
    analysed_by_period: dict[dt.date, int]


def theme_report(
    request: ReportRequest,
    *,
    language: str = "en",
    examples: int = 3,
    limit: int = 20,
    source: str = "",
) -> ThemeReport:
    """Themes by volume (answers mentioning them) with NPS, impact and its bootstrap
    interval, share of negative mentions, trend, and the latest comments behind each.

    Counted from the theme rollups (a few rows per theme and period), or from the answers
    themselves when segment filters ask for contact or interaction attributes (`source`
    "answers" forces that, for checks and benchmarks)."""
    everyone = report_counts(request)
    grain = trend_grain(request, everyone.n).grain
    source = source or ("answers" if request.segments else "rollups")
    tally = (tally_answers if source == "answers" else tally_rollups)(request, grain)
    n_analysed = tally.analysed
    n_commented = n_analysed + _waiting(request)
    themes = Theme.objects.in_bulk(list(tally.per_theme))
    found = [
        (themes[theme_id], nps.Counts.from_histogram(histogram))
        for theme_id, histogram in tally.per_theme.items()
        if theme_id in themes and sum(histogram)
    ]
    found.sort(key=lambda pair: (-pair[1].n, pair[0].name(language)))
    rows = [
        ThemeRow(
            theme=theme,
            name=theme.name(language),
            estimate=nps.estimate(counts),
            impact=impact(everyone, counts),  # 1,000 resamples: only for the themes shown
            negative=tally.feeling.get((theme.pk, "negative"), 0),
            positive=tally.feeling.get((theme.pk, "positive"), 0),
            share=100.0 * counts.n / n_analysed if n_analysed else 0.0,
        )
        for theme, counts in found[:limit]
    ]
    for row in rows:
        found = tally.by_period.get(row.theme.pk, {})
        row.trend = [
            (
                _label(p, grain),
                found.get(p, 0),
                100.0 * found.get(p, 0) / tally.analysed_by_period[p]
                if tally.analysed_by_period.get(p)
                else 0.0,
            )
            for p in _periods(request, grain)
        ]
    if examples:
        _examples(request, rows, examples)
    return ThemeReport(
        request=request,
        everyone=nps.estimate(everyone),
        commented=n_commented,
        analysed=n_analysed,
        rows=rows,
        grain=grain,
    )


def _waiting(request: ReportRequest) -> int:
    """Answers with a comment in the request that wait for their first analysis (read from
    the pending analyses, few, rather than from every answer of the period)."""
    zone = request.zone
    return (
        CommentAnalysis.objects.filter(
            state=CommentAnalysis.State.PENDING,
            counted_score__isnull=True,
            account_id=request.unit.account_id,
            response__unit_path__startswith=request.unit.path,
            response__answered_at__gte=dt.datetime.combine(request.start, dt.time(), zone),
            response__answered_at__lt=dt.datetime.combine(
                request.end + dt.timedelta(1), dt.time(), zone
            ),
            **({"response__touchpoint_id": request.touchpoint.pk} if request.touchpoint else {}),
            **({"response__channel": request.channel} if request.channel else {}),
        )
        .exclude(response__comment="")
        .count()
    )


RECENT = dt.timedelta(days=30)


def _examples(request: ReportRequest, rows: list[ThemeRow], examples: int) -> None:
    """The latest comments behind each theme, the words that named it highlighted. The last
    30 days of the period are read first (one query, numbering each theme's mentions newest
    first with a window function); the whole period only for themes still short of comments,
    so a year's page does not read a year of mentions."""
    latest: dict[int, dict[int, list]] = defaultdict(dict)
    recent = replace(request, start=max(request.start, request.end - RECENT))
    short = rows
    for part in (recent, request) if recent.start > request.start else (request,):
        for mention in _latest_mentions(answers(part), [r.theme for r in short], examples):
            found = latest[mention.theme_id]
            found.setdefault(mention.response_id, [mention.response, []])[1].append(
                (mention.start, mention.end)
            )
        short = [r for r in rows if len(latest[r.theme.pk]) < examples]
        if not short:
            break
    for row in rows:
        row.examples = [
            (response, pieces(response.comment, spans, limit=200))
            for response, spans in list(latest[row.theme.pk].values())[:examples]
        ]


def _latest_mentions(base: QuerySet[Response], themes: list[Theme], examples: int):
    ranked = (
        ThemeMention.objects.filter(response__in=base, theme__in=themes)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("theme_id")],
                order_by=[F("response__answered_at").desc(), F("response_id").desc()],
            )
        )
        .filter(rank__lte=examples * 3)
        .values_list("pk", flat=True)
    )
    return (
        ThemeMention.objects.filter(pk__in=list(ranked))
        .select_related("response__unit", "response__touchpoint")
        .order_by("theme_id", "-response__answered_at", "-response_id")
    )


def _periods(request: ReportRequest, grain: str) -> list[dt.date]:
    periods: list[dt.date] = []
    day = _period(request.start, grain)
    while day <= request.end:
        periods.append(day)
        if grain == "day":
            day += dt.timedelta(1)
        elif grain == "week":
            day += dt.timedelta(7)
        else:
            day = (day.replace(day=28) + dt.timedelta(4)).replace(day=1)
    return periods


def _span(request: ReportRequest, grain: str) -> list[tuple[str, dt.date, dt.date]]:
    """The rollup rows whose sum is the request's days, as (grain, first, last): days only
    for a trend by day or week; else whole months from month rows and the days of a month
    the period covers in part."""
    start, end = request.start, request.end
    if grain != "month":
        return [("day", start, end)]
    parts = []
    months_from, months_to = start.replace(day=1), end.replace(day=1)
    if start != months_from:
        following = (months_from.replace(day=28) + dt.timedelta(4)).replace(day=1)
        parts.append(("day", start, min(end, following - dt.timedelta(1))))
        months_from = following
    last_day = (end.replace(day=28) + dt.timedelta(4)).replace(day=1) - dt.timedelta(1)
    if end != last_day and months_to >= months_from:
        parts.append(("day", months_to, end))
        months_to = (months_to - dt.timedelta(1)).replace(day=1)
    if months_from <= months_to:
        parts.append(("month", months_from, months_to))
    return parts


def tally_rollups(request: ReportRequest, grain: str) -> Tally:
    """The tally from the theme rollups of the request's unit: one grouped read per part of
    the period (`_span`), whatever the number of answers."""
    where = {"account_id": request.unit.account_id, "unit_id": request.unit.pk}
    if request.touchpoint is not None:
        where["touchpoint_id"] = request.touchpoint.pk
    if request.channel:
        where["channel"] = request.channel
    sums = {name: Sum(name) for name in HISTOGRAM}
    tally = Tally(defaultdict(lambda: [0] * 11), defaultdict(int), 0, defaultdict(dict), {})
    analysed_by_period: dict[dt.date, int] = defaultdict(int)
    for part, first, last in _span(request, grain):
        rows = (
            ThemeRollup.objects.filter(**where, grain=part, period__range=(first, last))
            .values_list("theme_id", "period")
            .annotate(**sums, negative_n=Sum("negative"), positive_n=Sum("positive"))
            .order_by()
        )
        for theme_id, period, *cells, negative, positive in rows:
            histogram = tally.per_theme[theme_id]
            for i, n in enumerate(cells):
                histogram[i] += n
            tally.feeling[(theme_id, "negative")] += negative
            tally.feeling[(theme_id, "positive")] += positive
            key = _period(period, grain)
            tally.by_period[theme_id][key] = tally.by_period[theme_id].get(key, 0) + sum(cells)
        for period, *cells in (
            CommentRollup.objects.filter(**where, grain=part, period__range=(first, last))
            .values_list("period")
            .annotate(**sums)
            .order_by()
        ):
            tally.analysed += sum(cells)
            analysed_by_period[_period(period, grain)] += sum(cells)
    tally.analysed_by_period = dict(analysed_by_period)
    return tally


def tally_answers(request: ReportRequest, grain: str) -> Tally:
    """The tally from the answers themselves (segment filters, and the rollups' check): the
    analysed answers with a comment, and the mentions they count for (with the score the
    rollups count them with)."""
    counted = CommentAnalysis.objects.filter(
        response__in=answers(request), counted_score__isnull=False
    )
    zone = request.zone
    tally = Tally(defaultdict(lambda: [0] * 11), defaultdict(int), 0, defaultdict(dict), {})
    analysed_by_period: dict[dt.date, int] = defaultdict(int)
    for local_day, n in (
        counted.annotate(local_day=TruncDate("response__answered_at", tzinfo=zone))
        .values_list("local_day")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        tally.analysed += n
        analysed_by_period[_period(local_day, grain)] += n
    tally.analysed_by_period = dict(analysed_by_period)
    mentions = ThemeMention.objects.filter(response_id__in=counted.values("response_id"))
    for theme_id, local_day, score, n in (
        mentions.annotate(local_day=TruncDate("response__answered_at", tzinfo=zone))
        .values_list("theme_id", "local_day", "response__analysis__counted_score")
        .annotate(n=Count("response_id", distinct=True))
        .order_by()
    ):
        tally.per_theme[theme_id][score] += n
        key = _period(local_day, grain)
        tally.by_period[theme_id][key] = tally.by_period[theme_id].get(key, 0) + n
    for theme_id, sentiment, n in (
        mentions.filter(sentiment__in=["negative", "positive"])
        .values_list("theme_id", "sentiment")
        .annotate(n=Count("response_id", distinct=True))
        .order_by()
    ):
        tally.feeling[(theme_id, sentiment)] += n
    return tally


def root_causes(request: ReportRequest) -> list[CauseRow]:
    """The root causes chosen when resolving the tickets these answers opened, counted the
    way the tickets' own root-cause page counts them (resolved, share, customers won back),
    to read beside the themes: what customers said, and what the team found."""
    return ticket_metrics.root_causes(Ticket.objects.filter(response__in=answers(request)))
