"""Figures: what a dashboard, export, digest or API answer shows, built from the counts.

`report` is the dashboard's whole set (headline, previous period and the change, trend with
control limits, by touchpoint, by channel, child leaderboard, latest comments); `grouped` one
breakdown for the API. Every NPS, interval and test comes from `touchpoint.lib.nps`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import connections, router
from django.utils.translation import gettext as _

from touchpoint.accounts.models import Unit
from touchpoint.lib import nps, periods
from touchpoint.lib.periods import month_end, period_start
from touchpoint.reports import labels
from touchpoint.reports.counting import (
    OTHER,
    Histograms,
    Provenance,
    counts,
    histograms,
    provenance,
    raw_responses,
    summed,
)
from touchpoint.reports.params import (
    TIME_GROUPS,
    ReportRequest,
    channel_labels,
)
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Touchpoint


@dataclass(frozen=True)
class Figure:
    """One NPS figure: its histogram, counts, estimate (NPS, margin, interval) and mean."""

    key: Any
    label: str
    histogram: tuple[int, ...]
    counts: nps.Counts
    estimate: nps.Estimate
    mean: float | None

    @classmethod
    def of(cls, key: Any, label: str, histogram: Iterable[int]) -> Figure:
        histogram = tuple(histogram)
        counts = nps.Counts.from_histogram(histogram)
        total = counts.n
        mean = sum(s * c for s, c in enumerate(histogram)) / total if total else None
        return cls(key, label, histogram, counts, nps.estimate(counts), mean)

    @property
    def headline(self) -> nps.Headline:
        """How to show it: the raw NPS, or below 10 answers its interval (tiny-n form)."""
        return nps.headline(self.estimate)

    @property
    def shares(self) -> dict[str, float]:
        """Percent promoters, passives and detractors (all 0 without answers)."""
        return self.counts.percentages or {"promoters": 0.0, "passives": 0.0, "detractors": 0.0}

    def as_dict(self) -> dict:
        e = self.estimate
        return {
            "key": self.key.isoformat() if isinstance(self.key, dt.date) else self.key,
            "label": self.label,
            "n": e.n,
            "promoters": e.promoters,
            "passives": e.passives,
            "detractors": e.detractors,
            "nps": None if e.nps is None else round(e.nps, 4),
            "margin_of_error": round(e.margin_of_error, 4),
            "low": round(e.low, 4),
            "high": round(e.high, 4),
            "mean_score": None if self.mean is None else round(self.mean, 4),
            "few_answers": e.few_answers,
            "tiny_sample": self.headline.tiny,
        }


@dataclass(frozen=True)
class TrendPoint:
    start: dt.date
    end: dt.date
    label: str  # the whole period, as in tooltips and tables
    figure: Figure
    control: nps.ControlPoint
    mark: str  # where the period starts, as on the chart's time axis

    def as_dict(self) -> dict:
        c = self.control
        return {
            **self.figure.as_dict(),
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "lower_limit": None if c.lower is None else round(c.lower, 4),
            "upper_limit": None if c.upper is None else round(c.upper, 4),
            "shift": c.out_of_control,
        }


@dataclass(frozen=True)
class LeaderRow:
    unit: Unit
    shrunk: nps.ShrunkEstimate
    figure: Figure


@dataclass
class Report:
    request: ReportRequest
    headline: Figure
    previous_request: ReportRequest
    previous: Figure
    change: nps.Change
    grain: periods.GrainChoice
    trend: list[TrendPoint]
    by_touchpoint: list[Figure]
    by_channel: list[Figure]
    leaderboard: list[tuple[str, list[LeaderRow]]]
    comments: list[Response] = field(default_factory=list)
    provenance: Provenance | None = None

    @property
    def source(self) -> str:
        return self.request.source

    @property
    def shifts(self) -> list[TrendPoint]:
        return [p for p in self.trend if p.control.out_of_control]

    @property
    def trend_grain(self) -> str:
        return self.grain.grain

    @property
    def trend_title(self) -> str:
        return labels.trend_title(self.grain.grain)

    @property
    def trend_caption(self) -> str:
        return labels.trend_caption(self.grain.grain)

    @property
    def grain_reason(self) -> str:
        return labels.grain_reason(self.grain)

    @property
    def shifts_label(self) -> str:
        return labels.shifts(len(self.shifts))

    @property
    def change_points(self) -> float | None:
        """Raw NPS now minus raw NPS before; None when either period has no answers."""
        return self.change.points


def trend_grain(request: ReportRequest, answers: int | None = None) -> periods.GrainChoice:
    """The trend's grain, chosen by the data (`periods.choose_grain`): the finest whose
    typical period holds 30 answers, with the reason."""
    if answers is None:
        answers = counts(request).n
    return periods.choose_grain(request.start, request.end, answers)


def _periods(request: ReportRequest, grain: str) -> list[tuple[dt.date, dt.date, dt.date]]:
    """(key, first day, last day) of each period of the grain, clipped to the request."""
    out = []
    key = period_start(request.start, grain)
    while key <= request.end:
        if grain == "day":
            following = key + dt.timedelta(1)
        elif grain == "week":
            following = key + dt.timedelta(7)
        else:
            following = month_end(key) + dt.timedelta(1)
        out.append((key, max(key, request.start), min(following - dt.timedelta(1), request.end)))
        key = following
    return out


def _period_label(key: dt.date, first: dt.date, last: dt.date, grain: str) -> str:
    return labels.period_label(key, first, last, grain)


def trend(request: ReportRequest, grain: str | None = None) -> list[TrendPoint]:
    """NPS per day, week or month with its interval and control limits (Laney p'): a point
    outside the limits is a real shift, not noise."""
    grain = grain or trend_grain(request).grain
    found = histograms(request, time=grain)
    spans = _periods(request, grain)
    figures = [
        Figure.of(key, _period_label(key, first, last, grain), found.get((key,), [0] * 11))
        for key, first, last in spans
    ]
    controls = nps.control_limits([f.counts for f in figures])
    return [
        TrendPoint(
            first, last, figure.label, figure, control, labels.period_mark(key, first, grain)
        )
        for (key, first, last), figure, control in zip(spans, figures, controls, strict=True)
    ]


def _children(unit: Unit) -> list[Unit]:
    """The unit's children, through a plain statement: through the ORM, building the query
    took longer than answering it (0.7 ms against 0.26 ms for a store, which has none, on
    PostgreSQL)."""
    table, quote = Unit._meta.db_table, connections[router.db_for_read(Unit)].ops.quote_name
    return list(
        Unit.objects.raw(
            f"SELECT * FROM {quote(table)} WHERE parent_id = %s AND account_id = %s",  # noqa: S608
            [unit.pk, unit.account_id],
        )
    )


def leaderboard(request: ReportRequest) -> list[tuple[str, list[LeaderRow]]]:
    """The unit's children ranked among their own kind by shrunk NPS (empirical Bayes), so
    three promoters do not top a list of busy stores; raw NPS, n and interval beside it."""
    children = {child.pk: child for child in _children(request.unit)}
    if not children:
        return []
    found = histograms(request, ("unit",), units=list(children))
    kinds = dict(Unit.Kind.choices)
    figures: dict[str, dict[int, Figure]] = {}
    for (unit_id,), histogram in found.items():
        if not sum(histogram):
            continue
        child = children[unit_id]
        figures.setdefault(kinds[child.kind], {})[unit_id] = Figure.of(
            child.code, child.name, histogram
        )
    return [
        (
            kind,
            [
                LeaderRow(children[unit_id], shrunk, board[unit_id])
                for unit_id, shrunk in nps.rank({k: f.counts for k, f in board.items()})
            ],
        )
        for kind, board in sorted(figures.items())
    ]


SMALL_SUBTREE = 50  # units; below this, comments are found through the unit index


def latest_comments(request: ReportRequest, count: int = 8) -> list[Response]:
    """The newest comments given at or below the unit. A small subtree (a store, a team) is
    read through the responsible-unit index, since walking every answer of the account
    backwards in time to find a quiet store's few would be slow; a big one (a brand, a region)
    has comments every day, so walking back in time finds them at once."""
    rows = raw_responses(request).filter(unit_path__contains=f"/{request.unit.pk}/")
    subtree = list(
        Unit.objects.filter(
            account_id=request.unit.account_id, path__startswith=request.unit.path
        ).values_list("pk", flat=True)[: SMALL_SUBTREE + 1]
    )
    if len(subtree) <= SMALL_SUBTREE:
        rows = rows.filter(unit_id__in=subtree)
    return list(
        rows.exclude(comment="")
        .select_related("touchpoint", "unit")
        .order_by("-answered_at", "-pk")[:count]
    )


def _touchpoint_names(account_id: int) -> dict[int, str]:
    return dict(Touchpoint.objects.filter(account_id=account_id).values_list("pk", "name"))


def _split(found: Histograms, position: int, labels: Mapping[Any, str]) -> list[Figure]:
    merged: dict[Any, list[int]] = defaultdict(lambda: [0] * 11)
    for key, histogram in found.items():
        for i, count in enumerate(histogram):
            merged[key[position]][i] += count
    figures = [Figure.of(key, labels.get(key, str(key)), h) for key, h in merged.items() if sum(h)]
    return sorted(figures, key=lambda f: (-f.estimate.n, f.label))


@dataclass(frozen=True)
class Overview:
    """A request's headline, the previous period and the change, and the trend's grain."""

    current: Figure
    previous_request: ReportRequest
    previous: Figure
    change: nps.Change
    grain: periods.GrainChoice


def overview(request: ReportRequest) -> Overview:
    previous_request = request.previous()
    current = Figure.of("current", request.label, summed(histograms(request)))
    previous = Figure.of("previous", previous_request.label, summed(histograms(previous_request)))
    return Overview(
        current,
        previous_request,
        previous,
        nps.change(current.counts, previous.counts),
        trend_grain(request, current.counts.n),
    )


def report(request: ReportRequest, *, comments: int = 8) -> Report:
    """Everything a dashboard shows for a request: headline, previous period and the change's
    significance, trend with control limits, by touchpoint, by channel, child leaderboard and
    latest comments. On the rollup path: one statement per grain and period range for each
    of current, previous, trend and leaderboard (at most 3 each, bounded by the rollup index),
    plus touchpoint names, child units and comments; never a scan of raw answers for figures,
    whatever the unit."""
    current = histograms(request, ("touchpoint", "channel"))
    previous_request = request.previous()
    previous = Figure.of("previous", previous_request.label, summed(histograms(previous_request)))
    headline = Figure.of("current", request.label, summed(current))
    grain = trend_grain(request, headline.counts.n)
    return Report(
        provenance=provenance(request),
        request=request,
        headline=headline,
        previous_request=previous_request,
        previous=previous,
        change=nps.change(headline.counts, previous.counts),
        grain=grain,
        trend=trend(request, grain.grain),
        by_touchpoint=_split(current, 0, _touchpoint_names(request.unit.account_id)),
        by_channel=_split(current, 1, channel_labels()),
        leaderboard=leaderboard(request),
        comments=latest_comments(request, comments) if comments else [],
    )


def grouped(
    request: ReportRequest, group_by: str | None
) -> tuple[Figure, list[Figure] | list[TrendPoint]]:
    """The total and one breakdown (API): by child unit, touchpoint, channel, day, week,
    month, or a contact or interaction attribute."""
    total = Figure.of("total", request.label, summed(histograms(request)))
    if not group_by:
        return total, []
    if group_by in TIME_GROUPS:
        return total, trend(request, group_by)
    if group_by == "unit":
        return total, [row.figure for _, board in leaderboard(request) for row in board]
    if group_by == "touchpoint":
        labels = _touchpoint_names(request.unit.account_id)
        slugs = dict(
            Touchpoint.objects.filter(account_id=request.unit.account_id).values_list("pk", "slug")
        )
        return total, [
            replace(f, key=slugs.get(f.key, f.key), label=labels.get(f.key, ""))
            for f in _split(histograms(request, ("touchpoint",)), 0, labels)
        ]
    if group_by == "channel":
        return total, _split(histograms(request, ("channel",)), 0, channel_labels())
    found = histograms(request, (group_by,))
    return total, _split(found, 0, {k: segment_label(k) for (k,) in found})


def segment_label(value: str | None) -> str:
    """A segment group's label: its value, "(no value)", or the "other" bucket of a declared
    dimension's values beyond its cap (never silently left out)."""
    if value is OTHER:
        return _("Other values (beyond the values kept apart)")
    return value or _("(no value)")
