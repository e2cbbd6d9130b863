"""What customers talk about, for a report request (the dashboard's filters): themes by
volume, NPS among the answers mentioning each, impact in NPS points with its interval, trend
and the comments behind each; root causes chosen on tickets; key drivers of the score.

Figures are counted from the raw answers of the request (unit subtree by attribution
snapshot, local days, touchpoint, channel, segments) joined to their analysis, since
rollups know nothing of comments. Statistics: `lib/impact.py` and `lib/drivers.py`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.apps import apps
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate

from touchpoint.analysis.models import CommentAnalysis, Theme, ThemeMention
from touchpoint.lib import nps
from touchpoint.lib.drivers import MAX_EXACT, key_drivers
from touchpoint.lib.impact import Impact, impact
from touchpoint.lib.text.highlight import pieces
from touchpoint.reports.figures import trend_grain
from touchpoint.reports.params import ReportRequest, segment_q
from touchpoint.responses.models import Response

MIN_DRIVER_MENTIONS = 10  # a theme rarer than this in the sample is no driver
MAX_THEME_DRIVERS = 7


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


def _counts(rows) -> nps.Counts:
    histogram = [0] * 11
    for score, n in rows:
        histogram[score] += n
    return nps.Counts.from_histogram(histogram)


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
    root_causes: list[tuple[str, int]] = field(default_factory=list)

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
    return f"{start:%b %Y}" if grain == "month" else f"{start:%-d %b}"


def theme_report(
    request: ReportRequest, *, language: str = "en", examples: int = 3, limit: int = 20
) -> ThemeReport:
    """Themes by volume (answers mentioning them) with NPS, impact and its bootstrap
    interval, share of negative mentions, trend, and the latest comments behind each."""
    base = answers(request)
    everyone = _counts(base.values_list("score").annotate(n=Count("pk")).order_by())
    commented = base.exclude(comment="")
    n_commented = commented.count()
    n_analysed = CommentAnalysis.objects.filter(
        response__in=commented, state=CommentAnalysis.State.DONE
    ).count()
    mentions = ThemeMention.objects.filter(response__in=base)
    per_theme: dict[int, list[int]] = defaultdict(lambda: [0] * 11)
    for theme_id, score, n in (
        mentions.values_list("theme_id", "response__score")
        .annotate(n=Count("response_id", distinct=True))
        .order_by()
    ):
        per_theme[theme_id][score] += n
    feeling: dict[tuple[int, str], int] = {
        (theme_id, sentiment): n
        for theme_id, sentiment, n in mentions.values_list("theme_id", "sentiment")
        .annotate(n=Count("response_id", distinct=True))
        .order_by()
    }
    themes = Theme.objects.in_bulk(list(per_theme))
    rows = []
    for theme_id, histogram in per_theme.items():
        counts = nps.Counts.from_histogram(histogram)
        theme = themes[theme_id]
        rows.append(
            ThemeRow(
                theme=theme,
                name=theme.name(language),
                estimate=nps.estimate(counts),
                impact=impact(everyone, counts),
                negative=feeling.get((theme_id, "negative"), 0),
                positive=feeling.get((theme_id, "positive"), 0),
                share=100.0 * counts.n / n_analysed if n_analysed else 0.0,
            )
        )
    rows.sort(key=lambda r: (-r.mentions, r.name))
    rows = rows[:limit]
    grain = trend_grain(request).grain
    _trends(request, base, commented, rows, grain)
    if examples:
        for row in rows:
            found = (
                mentions.filter(theme=row.theme)
                .select_related("response__unit", "response__touchpoint")
                .order_by("-response__answered_at", "-response_id")[: examples * 3]
            )
            seen: dict[int, list] = {}
            for mention in found:
                seen.setdefault(mention.response_id, [mention.response, []])[1].append(
                    (mention.start, mention.end)
                )
            row.examples = [
                (response, pieces(response.comment, spans, limit=200))
                for response, spans in list(seen.values())[:examples]
            ]
    return ThemeReport(
        request=request,
        everyone=nps.estimate(everyone),
        commented=n_commented,
        analysed=n_analysed,
        rows=rows,
        grain=grain,
        root_causes=root_causes(base),
    )


def _trends(request, base, commented, rows: list[ThemeRow], grain: str) -> None:
    zone = request.zone
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
    totals: dict[dt.date, int] = defaultdict(int)
    for local_day, n in (
        commented.annotate(local_day=TruncDate("answered_at", tzinfo=zone))
        .values_list("local_day")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        totals[_period(local_day, grain)] += n
    by_theme: dict[int, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for theme_id, local_day, n in (
        ThemeMention.objects.filter(response__in=base, theme__in=[r.theme for r in rows])
        .annotate(local_day=TruncDate("response__answered_at", tzinfo=zone))
        .values_list("theme_id", "local_day")
        .annotate(n=Count("response_id", distinct=True))
        .order_by()
    ):
        by_theme[theme_id][_period(local_day, grain)] += n
    for row in rows:
        found = by_theme.get(row.theme.pk, {})
        row.trend = [
            (
                _label(p, grain),
                found.get(p, 0),
                100.0 * found.get(p, 0) / totals[p] if totals.get(p) else 0.0,
            )
            for p in periods
        ]


def root_causes(base: QuerySet[Response]) -> list[tuple[str, int]]:
    """Root causes chosen on the tickets of these answers, most frequent first."""
    if not apps.is_installed("touchpoint.tickets"):
        return []
    return list(
        base.filter(ticket__root_cause__isnull=False)
        .values_list("ticket__root_cause__name")
        .annotate(n=Count("pk"))
        .order_by("-n")[:10]
    )


# --- key drivers ---------------------------------------------------------------------------


@dataclass
class DriverRow:
    key: str
    label: str
    kind: str  # theme, answer
    present: int  # answers where the driver is 1 (or answered, for a scale)
    share: float  # % of the score's variance it explains (LMG)
    low: float
    high: float
    sign: int
    coefficient: float

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "kind": self.kind,
            "present": self.present,
            "importance": round(self.share, 4),
            "low": round(self.low, 4),
            "high": round(self.high, 4),
            "sign": self.sign,
            "effect_points": round(self.coefficient, 4),
        }


@dataclass
class DriverReport:
    request: ReportRequest
    n: int
    r2: float
    rows: list[DriverRow]
    note: str = ""


def _question_columns(request: ReportRequest, answered: list[dict]) -> list[tuple]:
    """(key, label, kind, values per answer) for the follow-up answers of the touchpoint:
    each choice option as 0/1, each 1-5 scale (unanswered: the mean of those answered)."""
    if request.touchpoint is None:
        return []
    out = []
    for q in request.touchpoint.questions or []:
        key, text = q["key"], q["text"] if isinstance(q["text"], str) else q["text"].get("en")
        if q["type"] in ("single_choice", "multiple_choice"):
            for option in q.get("options", []):
                label = option["label"]
                label = label if isinstance(label, str) else label.get("en", option["key"])
                values = []
                for a in answered:
                    given = a.get(key)
                    chosen = given if isinstance(given, list) else [given]
                    values.append(1.0 if option["key"] in chosen else 0.0)
                if sum(values) >= MIN_DRIVER_MENTIONS:
                    out.append((f"{key}.{option['key']}", f"{text}: {label}", "answer", values))
        elif q["type"] == "scale":
            given = [a.get(key) for a in answered]
            known = [float(v) for v in given if isinstance(v, int | float)]
            if len(known) >= MIN_DRIVER_MENTIONS:
                mean = sum(known) / len(known)
                values = [float(v) if isinstance(v, int | float) else mean for v in given]
                out.append((key, f"{text} (1-5)", "answer", values))
    return out


def driver_report(request: ReportRequest, *, language: str = "en") -> DriverReport:
    """LMG relative importance of the themes (mentioned or not, among analysed comments) and,
    for one touchpoint, its follow-up answers, for the 0-10 score; bootstrap intervals."""
    sample = answers(request).filter(
        Q(analysis__state=CommentAnalysis.State.DONE) & ~Q(analysis__sentiment="")
    )
    rows = list(sample.values_list("pk", "score", "answers").order_by("pk"))
    if len(rows) < 30:
        return DriverReport(request, len(rows), 0.0, [], note="few")
    position = {pk: i for i, (pk, _, _) in enumerate(rows)}
    counts = (
        ThemeMention.objects.filter(response__in=sample)
        .values_list("theme_id")
        .annotate(n=Count("response_id", distinct=True))
        .order_by("-n")
    )
    chosen = [t for t, n in counts if n >= MIN_DRIVER_MENTIONS]
    columns = _question_columns(request, [a or {} for _, _, a in rows])
    room = max(0, MAX_EXACT - len(columns))
    chosen = chosen[: min(MAX_THEME_DRIVERS, room) if columns else min(MAX_EXACT, room)]
    themes = Theme.objects.in_bulk(chosen)
    flags = np.zeros((len(rows), len(chosen)))
    for theme_id, response_id in (
        ThemeMention.objects.filter(response__in=sample, theme_id__in=chosen)
        .values_list("theme_id", "response_id")
        .distinct()
    ):
        flags[position[response_id], chosen.index(theme_id)] = 1.0
    meta = [(themes[t].key, themes[t].name(language), "theme") for t in chosen]
    matrix = [flags] + [np.array(values)[:, None] for *_, values in columns]
    meta += [(key, label, kind) for key, label, kind, _ in columns]
    if not meta:
        return DriverReport(request, len(rows), 0.0, [], note="none")
    x = np.hstack(matrix)
    y = np.array([score for _, score, _ in rows], dtype=float)
    found = key_drivers(x, y)
    out = [
        DriverRow(
            key=meta[d.index][0],
            label=meta[d.index][1],
            kind=meta[d.index][2],
            present=int((x[:, d.index] > 0).sum())
            if meta[d.index][2] == "theme" or set(np.unique(x[:, d.index])) <= {0.0, 1.0}
            else len(rows),
            share=100.0 * d.lmg,
            low=100.0 * d.low,
            high=100.0 * d.high,
            sign=d.sign,
            coefficient=d.coefficient,
        )
        for d in found.drivers
    ]
    out.sort(key=lambda r: -r.share)
    return DriverReport(request, found.n, 100.0 * found.r2, out)
