"""How many NPS points a theme costs or adds (definition in NPS_STATISTICS.md).

impact(t) = NPS(all answers) - NPS(answers not mentioning t), in points: what the overall
NPS would gain (negative impact) or lose if the theme disappeared.

Its interval is a percentile bootstrap over answers. The statistic depends on the answers
only through six counts (mentioning or not x promoter, passive, detractor), so resampling n
answers with replacement is exactly a multinomial draw of those six counts: 1,000 resamples
cost microseconds, whatever n. The seed is fixed, so a page shows the same interval each
time it is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from touchpoint.lib.nps import MIN_N, Counts

RESAMPLES = 1000
SEED = 20_261_117
FEW_MENTIONS = MIN_N  # under 30 mentions a theme is marked "few mentions"


@dataclass(frozen=True)
class Impact:
    mentions: int
    nps_mentioning: float | None
    nps_without: float | None
    impact: float | None  # points
    low: float | None  # 95 % percentile bootstrap interval, points
    high: float | None
    few_mentions: bool


def _nps(p, d, n):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, 100.0 * (p - d) / np.maximum(n, 1), np.nan)


def impact(
    everyone: Counts, mentioning: Counts, *, resamples: int = RESAMPLES, seed: int = SEED
) -> Impact:
    """Impact of a theme from the counts of all answers and of those mentioning it."""
    rest = Counts(
        everyone.promoters - mentioning.promoters,
        everyone.passives - mentioning.passives,
        everyone.detractors - mentioning.detractors,
    )
    n = everyone.n
    if n == 0 or rest.n == 0 or everyone.nps is None or rest.nps is None:
        return Impact(mentioning.n, mentioning.nps, rest.nps, None, None, None, True)
    point = everyone.nps - rest.nps
    cells = np.array([*mentioning.split, *rest.split], dtype=float) / n
    draws = np.random.default_rng(seed).multinomial(n, cells, size=resamples)
    p_all = draws[:, 0] + draws[:, 3]
    d_all = draws[:, 2] + draws[:, 5]
    rest_n = draws[:, 3:].sum(axis=1)
    values = _nps(p_all, d_all, np.full(resamples, n)) - _nps(draws[:, 3], draws[:, 5], rest_n)
    values = values[~np.isnan(values)]
    low, high = np.percentile(values, [2.5, 97.5]) if len(values) else (point, point)
    return Impact(
        mentions=mentioning.n,
        nps_mentioning=mentioning.nps,
        nps_without=rest.nps,
        impact=point,
        low=float(low),
        high=float(high),
        few_mentions=mentioning.n < FEW_MENTIONS,
    )
