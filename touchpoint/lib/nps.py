"""NPS arithmetic and statistics: the single implementation of /work/shared/NPS_STATISTICS.md.

Every NPS figure in the product (reports, leaderboards, digests, API) is computed here so the
numbers and their uncertainty agree everywhere. Pure standard library, no Django: it is called
from views, commands and tests alike. NPS values and their errors are in points (-100 … +100).
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from statistics import NormalDist
from typing import TypeVar

Z95 = 1.959964  # two-sided 95 %; norm.ppf(0.95) = 1.645 would silently give a 90 % interval
MIN_N = 30  # below this a figure is flagged "few answers"
MIN_FLAG_N = 10  # a trend period with fewer answers is never flagged as a shift
TINY_N = 10  # below this a headline shows its interval as the figure, the raw NPS in small print
ADJUST = (0.75, 1.5, 0.75)  # adjusted-Wald "(3,T)": pseudo promoters, passives, detractors
FALLBACK_A0 = 10.0  # prior strength when the sibling units cannot support an estimate
LANEY_D2 = 1.128  # d2 constant turning a mean moving range of two points into a sigma
_TOLERANCE = 1e-9  # points; float noise on a point sitting on collapsed limits is no shift

K = TypeVar("K", bound=Hashable)


def classify(score: int) -> str:
    """Return "promoter" (9-10), "passive" (7-8) or "detractor" (0-6).

    Anything but an int 0..10 is a bug upstream, so it raises ValueError rather than guessing
    (bool is rejected although it is an int subclass).
    """
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
        raise ValueError(f"an NPS score is an int from 0 to 10, got {score!r}")
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


@functools.lru_cache(maxsize=16)
def z_value(confidence: float = 0.95) -> float:
    """Two-sided critical value for a confidence level (0.95 -> 1.959964, i.e. Z95)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def _p_two_sided(z: float) -> float:
    """2·(1 - Φ(|z|)), via erfc so tiny p-values keep their precision."""
    return math.erfc(abs(z) / math.sqrt(2))


def _wald(p: float, a: float, d: float) -> tuple[float, float]:
    """(NPS as a fraction, its squared standard error V/n) with V = p + d - (p - d)², dividing
    by n, not n - 1. Counts may be fractional (adjusted); the caller guarantees n > 0."""
    n = p + a + d
    net = (p - d) / n
    return net, max((p + d) / n - net * net, 0.0) / n


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


@dataclass(frozen=True)
class Counts:
    """Promoter / passive / detractor counts: everything the NPS figures depend on.

    `Counts()` is the zero element, so `sum(many, Counts())` pools units or periods.
    """

    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    def __post_init__(self) -> None:
        p, a, d = self.promoters, self.passives, self.detractors
        if type(p) is int and type(a) is int and type(d) is int and min(p, a, d) >= 0:
            return  # the usual case, checked at once (a leaderboard makes hundreds)
        for name in ("promoters", "passives", "detractors"):
            if not _is_count(value := getattr(self, name)):
                raise ValueError(f"{name} must be an int >= 0, got {value!r}")

    @property
    def split(self) -> tuple[int, int, int]:
        return (self.promoters, self.passives, self.detractors)

    @property
    def n(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def nps(self) -> float | None:
        """Raw NPS in points; None when there are no answers (no figure beats a fake 0)."""
        return None if self.n == 0 else 100.0 * (self.promoters - self.detractors) / self.n

    @property
    def percentages(self) -> dict[str, float] | None:
        """Share of each group in percent (keys as the fields); None when n == 0."""
        if self.n == 0:
            return None
        keys = ("promoters", "passives", "detractors")
        return {k: 100.0 * v / self.n for k, v in zip(keys, self.split, strict=True)}

    @classmethod
    def from_scores(cls, scores: Iterable[int]) -> Counts:
        tally = Counter(classify(score) for score in scores)
        return cls(tally["promoter"], tally["passive"], tally["detractor"])

    @classmethod
    def from_histogram(cls, hist: Sequence[int]) -> Counts:
        """Counts from 11 answer counts for the scores 0..10 (the usual stored aggregate)."""
        _check_histogram(hist)
        return cls(hist[9] + hist[10], hist[7] + hist[8], sum(hist[:7]))

    def __add__(self, other: object) -> Counts:
        if not isinstance(other, Counts):
            return NotImplemented
        return Counts(
            self.promoters + other.promoters,
            self.passives + other.passives,
            self.detractors + other.detractors,
        )


def _check_histogram(hist: Sequence[int]) -> None:
    if len(hist) != 11:
        raise ValueError(f"a score histogram has 11 counts (scores 0..10), got {len(hist)}")
    plain = all(type(c) is int and c >= 0 for c in hist)  # the usual case, without a call each
    if not plain and not all(_is_count(c) for c in hist):  # an int subclass other than bool
        raise ValueError("histogram counts must be ints >= 0")


def histogram_mean(hist: Sequence[int]) -> float | None:
    """Mean 0-10 score from an 11-count histogram; None when empty.

    Shown beside NPS because the same net can hide very different score distributions, and it
    cannot be recovered from promoter/passive/detractor counts alone.
    """
    _check_histogram(hist)
    total = sum(hist)
    return None if total == 0 else sum(s * c for s, c in enumerate(hist)) / total


@dataclass(frozen=True)
class Estimate:
    """One group's NPS as shown to users: raw headline, adjusted-Wald interval, split and n.

    `nps` and `se` (the plain Wald error) are None when n == 0; the adjusted figures always exist.
    `margin_of_error` = z·adjusted_se; `low`/`high` are clipped to [-100, 100].
    """

    nps: float | None
    n: int
    promoters: int
    passives: int
    detractors: int
    adjusted_nps: float
    se: float | None
    adjusted_se: float
    margin_of_error: float
    low: float
    high: float
    few_answers: bool
    confidence: float


def _adjusted(c: Counts) -> tuple[float, float]:
    """(NPS', SE'²) on the counts plus 0.75 / 1.5 / 0.75: never degenerate, even for n = 0."""
    return _wald(*(x + adj for x, adj in zip(c.split, ADJUST, strict=True)))


def estimate(counts: Counts, confidence: float = 0.95) -> Estimate:
    """Headline NPS with its adjusted-Wald "(3,T)" interval (Lewis & Sauro 2021; Rocks 2016).

    The plain Wald interval collapses to zero width at 100 % promoters and undercovers for small
    n; adding 0.75/1.5/0.75 answers fixes both while the headline stays the raw p - d.
    """
    adj_net, adj_var = _adjusted(counts)
    adj_se = math.sqrt(adj_var)
    margin = 100.0 * z_value(confidence) * adj_se
    return Estimate(
        nps=counts.nps,
        n=counts.n,
        promoters=counts.promoters,
        passives=counts.passives,
        detractors=counts.detractors,
        adjusted_nps=100.0 * adj_net,
        se=100.0 * math.sqrt(_wald(*counts.split)[1]) if counts.n else None,
        adjusted_se=100.0 * adj_se,
        margin_of_error=margin,
        low=max(-100.0, 100.0 * adj_net - margin),
        high=min(100.0, 100.0 * adj_net + margin),
        few_answers=counts.n < MIN_N,
        confidence=confidence,
    )


@dataclass(frozen=True)
class Comparison:
    """a - b in points. The adjusted test decides `significant`; the raw_* fields repeat the
    plain Wald test for reference and are None when either side has no answers or zero SE."""

    difference: float
    se_diff: float
    z: float
    p_value: float
    significant: bool
    alpha: float
    raw_difference: float | None
    raw_se_diff: float | None
    raw_z: float | None
    raw_p_value: float | None


def compare(a: Counts, b: Counts, alpha: float = 0.05) -> Comparison:
    """Two-sample z test of NPS(a) - NPS(b) on adjusted counts (period vs period, unit vs unit)."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha!r}")
    (net_a, var_a), (net_b, var_b) = _adjusted(a), _adjusted(b)
    diff, se_diff = 100.0 * (net_a - net_b), 100.0 * math.sqrt(var_a + var_b)  # se_diff > 0
    z = diff / se_diff
    p = _p_two_sided(z)
    raw_diff = raw_se = raw_z = raw_p = None
    if a.n and b.n:
        (raw_a, rvar_a), (raw_b, rvar_b) = _wald(*a.split), _wald(*b.split)
        raw_diff, raw_se = 100.0 * (raw_a - raw_b), 100.0 * math.sqrt(rvar_a + rvar_b)
        if raw_se > 0:
            raw_z = raw_diff / raw_se
            raw_p = _p_two_sided(raw_z)
    return Comparison(diff, se_diff, z, p, p < alpha, alpha, raw_diff, raw_se, raw_z, raw_p)


def sample_size_for_margin(
    margin_points: float, variance: float = 1.0, confidence: float = 0.95
) -> int:
    """Answers needed for an adjusted-Wald margin of ±margin_points: n = z²V/E² - 3, rounded up.

    V = 1 (half promoters, half detractors) is the worst case: 382 answers for ±10, 1,534 for ±5.
    Never returns less than 1.
    """
    if margin_points <= 0:
        raise ValueError(f"margin must be positive, got {margin_points!r}")
    if not 0 <= variance <= 1:
        raise ValueError(f"per-answer NPS variance lies in [0, 1], got {variance!r}")
    e = margin_points / 100.0
    n = z_value(confidence) ** 2 * variance / (e * e) - 3
    return max(1, math.ceil(round(n, 9)))  # round first: float noise must not add an answer


def dirichlet_prior(units: Iterable[Counts]) -> tuple[float, float, float]:
    """Empirical-Bayes Dirichlet prior (aP, aA, aD) from the sibling units being ranked.

    Method of moments in the spirit of Mosimann (1962), generalised to unequal n: the Pearson
    χ² of the units x groups table has expectation (K-1)·[(I-1) + rho·(N - Σn²/N - (I-1))] under a
    Dirichlet-multinomial with intra-unit correlation rho = 1/(1 + a0); solve for rho, then a0.
    The prior mean is the pooled split, adjusted by 0.75/1.5/0.75 so no group has a zero prior.

    Fallbacks (all documented behaviour):
    - fewer than 2 units with answers, all answers in one group, or every unit with 1 answer:
      nothing to estimate, so a weak prior a0 = FALLBACK_A0 (10) around the pooled split;
    - rho ≤ 0 (units differ no more than chance): a0 = N, the total answers, i.e. strong
      shrinkage to the pool, capped so the prior never outweighs all the data;
    - a0 is floored at 1 when units are nearly unanimous (rho close to or above 1).
    """
    answered = [u for u in units if u.n > 0]
    total = Counts(  # one sum per group, not a Counts per unit added
        sum(u.promoters for u in answered),
        sum(u.passives for u in answered),
        sum(u.detractors for u in answered),
    )
    big_n = total.n
    mean = [(g + adj) / (big_n + 3) for g, adj in zip(total.split, ADJUST, strict=True)]

    def prior(a0: float) -> tuple[float, float, float]:
        return (a0 * mean[0], a0 * mean[1], a0 * mean[2])

    pooled = [g / big_n for g in total.split] if big_n else [0.0, 0.0, 0.0]
    present = [k for k in range(3) if pooled[k] > 0]
    units_less_one = len(answered) - 1
    denom = big_n - sum(u.n * u.n for u in answered) / big_n - units_less_one if big_n else 0.0
    if units_less_one < 1 or len(present) < 2 or denom <= 0:
        return prior(FALLBACK_A0)
    cells = ((u.split[k], u.n * pooled[k]) for u in answered for k in present)
    chi2 = sum((observed - expected) ** 2 / expected for observed, expected in cells)
    rho = (chi2 / (len(present) - 1) - units_less_one) / denom
    a0 = float(big_n) if rho <= 0 else (1 - rho) / rho
    return prior(min(max(a0, 1.0), float(big_n)))


@dataclass(frozen=True)
class ShrunkEstimate:
    """Posterior NPS of one unit (points) for fair ranking; raw_nps is None when n == 0."""

    mean: float
    sd: float
    raw_nps: float | None
    n: int


def shrunk(counts: Counts, prior: tuple[float, float, float]) -> ShrunkEstimate:
    """Dirichlet-multinomial posterior: mean (P + aP - D - aD)/(n + a0) and its sd, so a unit
    with few answers is pulled towards its siblings instead of topping the list by luck."""
    if any(a < 0 for a in prior) or sum(prior) <= 0:
        raise ValueError(f"a Dirichlet prior needs a >= 0 with a positive sum, got {prior!r}")
    total = counts.n + sum(prior)
    m_p = (counts.promoters + prior[0]) / total
    m_d = (counts.detractors + prior[2]) / total
    var = max(m_p + m_d - (m_p - m_d) ** 2, 0.0) / (total + 1)
    return ShrunkEstimate(100.0 * (m_p - m_d), 100.0 * math.sqrt(var), counts.nps, counts.n)


def rank(
    units: Mapping[K, Counts], prior: tuple[float, float, float] | None = None
) -> list[tuple[K, ShrunkEstimate]]:
    """Leaderboard: units by posterior mean NPS, best first (ties: more answers first).

    The prior is estimated from these same units unless given. Show raw NPS, n and the interval
    beside the posterior: among near-identical siblings the order is within noise.
    """
    prior = dirichlet_prior(units.values()) if prior is None else prior
    rows = [(key, shrunk(c, prior)) for key, c in units.items()]
    return sorted(rows, key=lambda row: (-row[1].mean, -row[1].n))


@dataclass(frozen=True)
class ControlPoint:
    """One period on the NPS control chart (points). lower/upper are None for a period without
    answers, which is never flagged; centre is None only when no period has answers."""

    nps: float | None
    n: int
    centre: float | None
    lower: float | None
    upper: float | None
    out_of_control: bool


def control_limits(
    periods: Sequence[Counts], laney: bool = True, min_n: int = MIN_FLAG_N
) -> list[ControlPoint]:
    """Shewhart-style chart for NPS per period: centre NPS̄ = (ΣP - ΣD)/Σn, limits
    NPS̄ ± 3·sigma_z·sqrt(V̄/n_t), clipped to [-100, 100].

    With large n the plain limits (sigma_z = 1) flag every period because real period-to-period
    variation exceeds sampling noise; Laney's p' correction scales them by sigma_z = mean moving
    range of z_t / 1.128 (used when laney=True and at least 2 periods have answers; consecutive
    means consecutive among periods with answers). Laney's factor only ever widens the limits
    (sigma_z below 1 is taken as 1: with few answers the moving range is itself noise, and
    narrower limits would flag chance). A point strictly outside the limits is flagged, unless
    its period holds fewer than `min_n` answers (10): such a period is never called a shift.
    """
    total = sum(periods, Counts())
    if total.n == 0:
        return [ControlPoint(None, c.n, None, None, None, False) for c in periods]
    centre, se2 = _wald(*total.split)
    v_bar = se2 * total.n  # per-answer variance of all periods pooled
    sigma_z = laney_sigma(periods) if laney else 1.0
    points = []
    for c in periods:
        if c.n == 0:
            points.append(ControlPoint(None, 0, 100.0 * centre, None, None, False))
            continue
        width = 3.0 * sigma_z * math.sqrt(v_bar / c.n)
        lower, upper = max(-100.0, 100.0 * (centre - width)), min(100.0, 100.0 * (centre + width))
        nps = 100.0 * (c.promoters - c.detractors) / c.n
        outside = nps < lower - _TOLERANCE or nps > upper + _TOLERANCE
        points.append(
            ControlPoint(nps, c.n, 100.0 * centre, lower, upper, outside and c.n >= min_n)
        )
    return points


def laney_sigma(periods: Sequence[Counts]) -> float:
    """Laney's sigma_z for these periods, never below 1 (1 when it cannot be estimated)."""
    total = sum(periods, Counts())
    answered = [c for c in periods if c.n]
    if total.n == 0 or len(answered) < 2:
        return 1.0
    centre, se2 = _wald(*total.split)
    v_bar = se2 * total.n
    if v_bar <= 0:
        return 1.0
    zs = [((c.promoters - c.detractors) / c.n - centre) / math.sqrt(v_bar / c.n) for c in answered]
    sigma_z = sum(abs(b - a) for a, b in pairwise(zs)) / (len(zs) - 1) / LANEY_D2
    return max(1.0, sigma_z)


# --- Small units and headlines (NPS_STATISTICS.md, "Small units and headlines") ------------


@dataclass(frozen=True)
class Headline:
    """How to show one figure. `tiny`: show the interval [low, high] as the figure and the
    raw NPS in small print (below TINY_N answers, or whenever the raw NPS lies outside its
    own interval); otherwise the raw NPS, which then always lies within [low, high]."""

    nps: float | None
    n: int
    low: float
    high: float
    tiny: bool
    few_answers: bool

    @property
    def shown(self) -> float | None:
        """The single number a page may print large; None in the tiny form or without answers."""
        return None if self.tiny else self.nps


def headline(e: Estimate) -> Headline:
    raw = e.nps
    outside = raw is not None and not (e.low - _TOLERANCE <= raw <= e.high + _TOLERANCE)
    tiny = raw is not None and (e.n < TINY_N or outside)
    return Headline(raw, e.n, e.low, e.high, tiny, e.few_answers)


@dataclass(frozen=True)
class Change:
    """A change between two periods as news: `verdict` is "up" or "down" only when the
    two-group test says so, "none" ("no real change") otherwise, "unknown" when a side has no
    answers. `points` is the raw difference (None when a side has no answers)."""

    verdict: str
    points: float | None
    comparison: Comparison | None

    @property
    def real(self) -> bool:
        return self.verdict in ("up", "down")


def change(now: Counts, before: Counts, alpha: float = 0.05) -> Change:
    if not now.n or not before.n:
        return Change("unknown", None, None)
    tested = compare(now, before, alpha)
    points = (now.nps or 0.0) - (before.nps or 0.0)
    if not tested.significant:
        return Change("none", points, tested)
    return Change("up" if tested.difference > 0 else "down", points, tested)


# --- Targets: how sure we are a unit is at or above its target ------------------------------


def probability_at_least(estimate: ShrunkEstimate, target: float) -> float:
    """P(true NPS >= target) under the unit's posterior (normal approximation to the
    Dirichlet posterior of NPS, with its mean and sd)."""
    if estimate.sd <= 0:
        return 1.0 if estimate.mean >= target else 0.0
    return 1.0 - NormalDist(estimate.mean, estimate.sd).cdf(target)


def answers_to_know(
    counts: Counts, prior: tuple[float, float, float], target: float, certainty: float = 0.9
) -> int | None:
    """More answers needed, if the unit keeps its present posterior mix, before we are
    `certainty` sure which side of the target it is on: the posterior sd shrinks as
    1/sqrt(n + a0 + 1). 0 when already sure; None when the estimate sits on the target."""
    now = shrunk(counts, prior)
    if probability_at_least(now, target) >= certainty or (
        1 - probability_at_least(now, target) >= certainty
    ):
        return 0
    gap = abs(now.mean - target) / 100.0
    if gap < 1e-6:
        return None
    a0 = sum(prior)
    m_p = (counts.promoters + prior[0]) / (counts.n + a0)
    m_d = (counts.detractors + prior[2]) / (counts.n + a0)
    v = max(m_p + m_d - (m_p - m_d) ** 2, 1e-9)
    z = NormalDist().inv_cdf(certainty)
    needed = z * z * v / (gap * gap) - a0 - 1 - counts.n
    return max(1, math.ceil(needed))


def median_interval(values: Sequence[float], confidence: float = 0.95) -> tuple[float, float]:
    """A distribution-free interval for the median of `values` (order statistics, binomial
    with p = 1/2): the widest symmetric pair of ranks whose coverage reaches `confidence`,
    or the whole range when there are too few values to reach it."""
    ordered = sorted(values)
    k = len(ordered)
    if k == 0:
        raise ValueError("a median needs at least one value")
    pmf = [math.comb(k, i) / 2**k for i in range(k + 1)]
    best = (0, k - 1)
    for j in range(k // 2, -1, -1):  # ranks j and k-1-j, from the middle outwards
        coverage = sum(pmf[j + 1 : k - j])  # P(median lies between these two ranks)
        if coverage >= confidence:
            best = (j, k - 1 - j)
            break
    return ordered[best[0]], ordered[best[1]]


def wilson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion (a recovery rate), as fractions 0..1."""
    if trials <= 0 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials and trials > 0, got {successes}/{trials}")
    z = z_value(confidence)
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = (
        z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    )
    return max(0.0, centre - half), min(1.0, centre + half)
