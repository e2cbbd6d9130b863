"""League tables and a unit's standing: every unit of a kind ranked fairly, and one unit
beside its parent, its peers and its brand, and against its target.

Ranks come from the shrunk estimate (empirical Bayes among the units ranked, NPS_STATISTICS.md
"Ranking many small units fairly"): three promoters do not top a list of busy stores. Each row
keeps its raw NPS, n, interval and its change against the previous period beside the rank.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from touchpoint.accounts.models import KIND_EACH as EACH
from touchpoint.accounts.models import Unit
from touchpoint.lib import nps
from touchpoint.reports.counting import histograms, summed
from touchpoint.reports.figures import Figure
from touchpoint.reports.params import ReportRequest
from touchpoint.targets.actions import target_for

KINDS = dict(Unit.Kind.choices)
PLURALS = {
    "brand": gettext_lazy("brands"),
    "region": gettext_lazy("regions"),
    "store": gettext_lazy("stores"),
    "vendor": gettext_lazy("support vendors"),
    "team": gettext_lazy("teams"),
    "agent": gettext_lazy("agents"),
    "repair_centre": gettext_lazy("repair centres"),
}


@dataclass(frozen=True)
class LeagueRow:
    rank: int | None  # None: no answers in the period (listed last, unranked)
    unit: Unit
    shrunk: nps.ShrunkEstimate
    figure: Figure
    previous: Figure
    change: nps.Change


@dataclass
class League:
    request: ReportRequest
    kind: str
    rows: list[LeagueRow]
    kinds: list[tuple[str, str, int]]  # (kind, plural label, units) below the unit

    @property
    def kind_label(self) -> str:
        return PLURALS.get(self.kind, self.kind)

    @property
    def kind_each(self) -> str:
        """How a heading opens on the kind ("Each store of North, ranked")."""
        return capfirst(str(EACH.get(self.kind, self.kind)))

    @property
    def ranked(self) -> list[LeagueRow]:
        return [r for r in self.rows if r.rank is not None]


def descendant_kinds(unit: Unit) -> list[tuple[str, str, int]]:
    """The kinds of unit below `unit`, most numerous first: what a league may rank."""
    found: dict[str, int] = {}
    below = Unit.objects.filter(account_id=unit.account_id, path__startswith=unit.path).exclude(
        pk=unit.pk
    )
    for kind in below.values_list("kind", flat=True):
        found[kind] = found.get(kind, 0) + 1
    return [
        (kind, PLURALS.get(kind, kind), n)
        for kind, n in sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _rows(request: ReportRequest, units: list[Unit]) -> list[LeagueRow]:
    """The units ranked among themselves for the request, with their previous period."""
    by_id = {u.pk: u for u in units}
    ids = list(by_id)
    now = histograms(request, ("unit",), units=ids)
    before = histograms(request.previous(), ("unit",), units=ids)
    empty = [0] * 11
    figures = {i: Figure.of(by_id[i].code, by_id[i].name, now.get((i,), empty)) for i in ids}
    previous = {i: Figure.of(by_id[i].code, by_id[i].name, before.get((i,), empty)) for i in ids}
    answered = {i: f.counts for i, f in figures.items() if f.counts.n}
    prior = nps.dirichlet_prior(answered.values())
    rows = [
        LeagueRow(
            rank,
            by_id[i],
            estimate,
            figures[i],
            previous[i],
            nps.change(figures[i].counts, previous[i].counts),
        )
        for rank, (i, estimate) in enumerate(nps.rank(answered, prior), start=1)
    ]
    silent = sorted((i for i in ids if i not in answered), key=lambda i: by_id[i].name)
    rows += [
        LeagueRow(
            None,
            by_id[i],
            nps.shrunk(nps.Counts(), prior),
            figures[i],
            previous[i],
            nps.change(nps.Counts(), previous[i].counts),
        )
        for i in silent
    ]
    return rows


def league(request: ReportRequest, kind: str | None = None) -> League:
    """Every unit of `kind` below the request's unit (default: the most numerous kind below
    it), ranked by the shrunk estimate, for the request's period, touchpoint, channel and
    segments."""
    kinds = descendant_kinds(request.unit)
    if kind is None:
        kind = kinds[0][0] if kinds else request.unit.kind
    units = list(
        Unit.objects.filter(
            account_id=request.unit.account_id, path__startswith=request.unit.path, kind=kind
        ).exclude(pk=request.unit.pk)
    )
    return League(request, kind, _rows(request, units) if units else [], kinds)


# --- one unit's standing ----------------------------------------------------------------------


@dataclass(frozen=True)
class Beside:
    """A figure shown beside the unit's own: its parent, its peers' median, its brand."""

    label: str
    nps: float | None
    low: float | None
    high: float | None
    n: int | None  # None for the peers' median
    unit: Unit | None = None
    estimate: nps.Estimate | None = None  # None for the peers' median


@dataclass(frozen=True)
class TargetView:
    nps: int
    scope: str  # "Oxford Street" or "each store"
    probability: float  # that the unit is truly at or above it
    to_know: int | None  # more answers to be 90 % sure either way (0: known; None: on it)
    shrunk: nps.ShrunkEstimate

    @property
    def verdict(self) -> str:
        if self.probability >= 0.9:
            return "above"
        if self.probability <= 0.1:
            return "below"
        return "unsure"


@dataclass(frozen=True)
class Standing:
    unit: Unit
    kind_label: str
    rank: int | None
    peers: int  # units of the same kind with answers, the unit included
    shrunk: nps.ShrunkEstimate
    beside: list[Beside]
    target: TargetView | None


def _figure_of(request: ReportRequest, unit: Unit) -> Figure:
    return Figure.of(unit.code, unit.name, summed(histograms(replace(request, unit=unit))))


def standing(request: ReportRequest, own: Figure) -> Standing:
    """The request's unit among every unit of its kind in the account (its rank by shrunk
    estimate), beside its parent, the median of its peers (ranked NPS, with an order-statistic
    interval) and its brand, each with its interval; and, when it has a target, how likely it
    is truly at or above it and how many more answers would tell."""
    unit = request.unit
    peers = list(Unit.objects.filter(account_id=unit.account_id, kind=unit.kind))
    found = histograms(request, ("unit",), units=[p.pk for p in peers])
    counts = {
        p.pk: nps.Counts.from_histogram(found.get((p.pk,), [0] * 11))
        for p in peers
        if sum(found.get((p.pk,), ())) or p.pk == unit.pk
    }
    counts[unit.pk] = own.counts
    answered = {k: c for k, c in counts.items() if c.n}
    prior = nps.dirichlet_prior(answered.values())
    ranked = nps.rank(answered, prior)
    rank = next((i for i, (k, _) in enumerate(ranked, start=1) if k == unit.pk), None)
    mine = nps.shrunk(own.counts, prior)
    beside: list[Beside] = []
    ancestors = {
        u.pk: u for u in Unit.objects.filter(pk__in=unit.ancestor_ids[:-1]).select_related()
    }
    parent = ancestors.get(unit.parent_id) if unit.parent_id else None
    if parent is not None and parent.depth > 0:
        f = _figure_of(request, parent)
        label = f"{parent.name} ({parent.kind_word})"
        beside.append(Beside(label, *_fig(f), parent, f.estimate))
    others = [s.mean for k, s in ranked if k != unit.pk]
    if others:
        low, high = nps.median_interval(others)
        beside.append(
            Beside(
                _("Median of {n} other {kind} (ranked NPS)").format(
                    n=len(others), kind=PLURALS.get(unit.kind, unit.kind)
                ),
                statistics.median(others),
                low,
                high,
                None,
            )
        )
    root = ancestors.get(unit.ancestor_ids[0]) if unit.depth > 0 else None
    if root is not None:
        f = _figure_of(request, root)
        label = f"{root.name} ({root.kind_word})"
        beside.append(Beside(label, *_fig(f), root, f.estimate))
    target = target_for(unit)
    view = None
    if target is not None:
        view = TargetView(
            target.nps,
            unit.name if target.unit_id else str(EACH.get(unit.kind, unit.kind)),
            nps.probability_at_least(mine, target.nps),
            nps.answers_to_know(own.counts, prior, target.nps),
            mine,
        )
    return Standing(
        unit, PLURALS.get(unit.kind, unit.kind), rank, len(answered), mine, beside, view
    )


def _fig(f: Figure) -> tuple[float | None, float | None, float | None, int]:
    e = f.estimate
    return (e.nps, e.low if e.n else None, e.high if e.n else None, e.n)
