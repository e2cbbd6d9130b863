"""Key drivers: how much of the score's variance each driver explains (NPS_STATISTICS.md).

Relative importance is the LMG / Shapley decomposition of R²: each driver's average gain in
R² when it enters a linear regression of the 0-10 score, over all orders of entry. It is
exact here, from the R² of every subset of drivers (2^k subsets; k ≤ MAX_EXACT), each R²
computed from the correlation matrix (R²_S = r_S' R_SS⁻¹ r_S), so one pass over the rows
serves every subset. The shares add up to the full model's R². Intervals: percentile
bootstrap over answers (rows resampled, everything recomputed), with a fixed seed. The sign
says whether the driver goes with higher (+) or lower (-) scores in the full regression.

Speed: answers with the same drivers and score are one pattern with a count (themes are
0/1 and scores 0-10, so a few thousand answers make a few hundred patterns). Resampling n
answers with replacement is exactly a multinomial draw of n over the patterns, with their
shares as probabilities (as in `impact.py`), so a resample is a vector of pattern weights
and its correlation matrix a weighted one; and the subsets' R² of many resamples are solved
together, one batched solve per subset size.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cache

import numpy as np

MAX_EXACT = 10
RESAMPLES = 200
SEED = 20_261_117


@dataclass(frozen=True)
class Driver:
    index: int
    lmg: float  # share of R² (0..1 of the variance of the score)
    low: float
    high: float
    sign: int  # +1, -1 (0: no variation)
    coefficient: float  # points of score per unit of the driver, full model


@dataclass(frozen=True)
class Drivers:
    n: int
    r2: float
    drivers: list[Driver]


@cache
def _combos(k: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The subsets of `size` drivers out of k, as index arrays, and their bit masks."""
    combos = np.array(list(itertools.combinations(range(k), size)))
    return combos, (1 << combos).sum(axis=1)


def _subset_r2(corr: np.ndarray) -> np.ndarray:
    """R² of every subset (indexed by its bit mask) of the k drivers, for each of a stack of
    (k+1)² correlation matrices whose last row and column are the outcome: (stack, 2^k)."""
    stack, k = corr.shape[0], corr.shape[1] - 1
    r2 = np.zeros((stack, 1 << k))
    rxy = corr[:, :k, k]
    for size in range(1, k + 1):
        combos, masks = _combos(k, size)
        blocks = corr[:, combos[:, :, None], combos[:, None, :]]
        blocks = blocks + np.eye(size) * 1e-9  # a driver that never varies: no R², no error
        rhs = rxy[:, combos]
        try:
            solved = np.linalg.solve(blocks, rhs[..., None])[..., 0]
        except np.linalg.LinAlgError:  # perfectly collinear drivers
            solved = (np.linalg.pinv(blocks) @ rhs[..., None])[..., 0]
        values = np.einsum("bcs,bcs->bc", rhs, solved)
        r2[:, masks] = np.clip(values, 0.0, 1.0)
    return r2


@cache
def _plan(k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per driver j: the masks of the subsets without j, and their Shapley weights
    s!(k-s-1)!/k! (s = the subset's size)."""
    masks = np.arange(1 << k)
    sizes = np.array([bin(m).count("1") for m in range(1 << k)])
    weight = np.array(
        [math.factorial(s) * math.factorial(k - s - 1) / math.factorial(k) for s in range(k)]
    )
    out = []
    for j in range(k):
        without = masks[(masks >> j) & 1 == 0]
        out.append((without, weight[sizes[without]]))
    return out


def _correlation(data: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The correlation matrix of the columns of `data`, each row counted `weights` times
    (a column that never varies: zeros, and 1 on the diagonal)."""
    total = weights.sum()
    columns = data.shape[1]
    corr = np.zeros((columns, columns))
    if total > 2:
        centred = data - (weights @ data) / total
        cov = (centred * weights[:, None]).T @ centred / total
        std = np.sqrt(np.clip(np.diag(cov), 0.0, None))
        keep = std > 1e-12
        if keep[-1]:
            idx = np.flatnonzero(keep)
            corr[np.ix_(idx, idx)] = cov[np.ix_(idx, idx)] / np.outer(std[keep], std[keep])
    np.fill_diagonal(corr, 1.0)
    return corr


def _shares(r2: np.ndarray, k: int) -> np.ndarray:
    """Each driver's LMG share, for each row of subset R²s: (stack, k)."""
    return np.column_stack(
        [
            (r2[:, without | (1 << j)] - r2[:, without]) @ w
            for j, (without, w) in enumerate(_plan(k))
        ]
    )


def lmg(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """(R² of the full model, each driver's LMG share of it)."""
    n, k = x.shape
    data = np.column_stack([x, y]).astype(float)
    r2 = _subset_r2(_correlation(data, np.ones(n))[None])
    return float(r2[0, -1]), _shares(r2, k)[0]


BOOTSTRAP_BATCH = 50  # resamples solved together: memory stays a few MB for ten drivers


def key_drivers(
    x: np.ndarray, y: np.ndarray, *, resamples: int = RESAMPLES, seed: int = SEED
) -> Drivers:
    """LMG shares of the drivers (columns of x) for the score y, with bootstrap intervals."""
    n, k = x.shape
    if k == 0 or n < 3:
        return Drivers(n, 0.0, [])
    if k > MAX_EXACT:
        raise ValueError(f"at most {MAX_EXACT} drivers (2^k subsets are computed exactly)")
    patterns, counts = np.unique(np.column_stack([x, y]).astype(float), axis=0, return_counts=True)
    weights = counts.astype(float)
    full = _subset_r2(_correlation(patterns, weights)[None])
    r2, shares = float(full[0, -1]), _shares(full, k)[0]
    draws = np.random.default_rng(seed).multinomial(n, counts / n, size=resamples).astype(float)
    boots = np.empty((resamples, k))
    for first in range(0, resamples, BOOTSTRAP_BATCH):
        corr = np.stack([_correlation(patterns, w) for w in draws[first : first + BOOTSTRAP_BATCH]])
        boots[first : first + len(corr)] = _shares(_subset_r2(corr), k)
    low, high = np.percentile(boots, [2.5, 97.5], axis=0)
    root = np.sqrt(weights)  # least squares on the patterns, each weighted by its count
    design = np.column_stack([np.ones(len(patterns)), patterns[:, :k]]) * root[:, None]
    coefficients = np.linalg.lstsq(design, patterns[:, k] * root, rcond=None)[0][1:]
    return Drivers(
        n,
        float(r2),
        [
            Driver(
                j,
                float(shares[j]),
                float(low[j]),
                float(high[j]),
                int(np.sign(coefficients[j])) if abs(coefficients[j]) > 1e-9 else 0,
                float(coefficients[j]),
            )
            for j in range(k)
        ],
    )
