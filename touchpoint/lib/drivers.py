"""Key drivers: how much of the score's variance each driver explains (NPS_STATISTICS.md).

Relative importance is the LMG / Shapley decomposition of R²: each driver's average gain in
R² when it enters a linear regression of the 0-10 score, over all orders of entry. It is
exact here, from the R² of every subset of drivers (2^k subsets; k ≤ MAX_EXACT), each R²
computed from the correlation matrix (R²_S = r_S' R_SS⁻¹ r_S), so one pass over the rows
serves every subset. The shares add up to the full model's R². Intervals: percentile
bootstrap over answers (rows resampled, everything recomputed), with a fixed seed. The sign
says whether the driver goes with higher (+) or lower (-) scores in the full regression.
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


def _subset_r2(corr: np.ndarray, k: int) -> np.ndarray:
    """R² of every subset (indexed by its bit mask) of the k drivers, from the (k+1)²
    correlation matrix whose last row and column are the outcome."""
    r2 = np.zeros(1 << k)
    rxy = corr[:k, k]
    for size in range(1, k + 1):
        combos = np.array(list(itertools.combinations(range(k), size)))
        blocks = corr[np.ix_(range(k), range(k))][combos[:, :, None], combos[:, None, :]]
        rhs = rxy[combos]
        blocks = blocks + np.eye(size) * 1e-9  # a driver that never varies: no R², no error
        try:
            solved = np.linalg.solve(blocks, rhs[..., None])[..., 0]
        except np.linalg.LinAlgError:  # perfectly collinear drivers
            solved = np.array(
                [np.linalg.lstsq(b, r, rcond=None)[0] for b, r in zip(blocks, rhs, strict=True)]
            )
        values = np.einsum("ij,ij->i", rhs, solved)
        r2[(1 << combos).sum(axis=1)] = np.clip(values, 0.0, 1.0)
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


def lmg(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """(R² of the full model, each driver's LMG share of it)."""
    n, k = x.shape
    data = np.column_stack([x, y]).astype(float)
    std = data.std(axis=0)
    keep = std > 0
    corr = np.zeros((k + 1, k + 1))
    if keep[-1] and n > 2:
        centred = (data - data.mean(axis=0))[:, keep] / std[keep]
        inner = (centred.T @ centred) / n
        idx = np.flatnonzero(keep)
        corr[np.ix_(idx, idx)] = inner
    np.fill_diagonal(corr, 1.0)
    r2 = _subset_r2(corr, k)
    shares = np.array(
        [
            float(w @ (r2[without | (1 << j)] - r2[without]))
            for j, (without, w) in enumerate(_plan(k))
        ]
    )
    return float(r2[-1]), shares


def key_drivers(
    x: np.ndarray, y: np.ndarray, *, resamples: int = RESAMPLES, seed: int = SEED
) -> Drivers:
    """LMG shares of the drivers (columns of x) for the score y, with bootstrap intervals."""
    n, k = x.shape
    if k == 0 or n < 3:
        return Drivers(n, 0.0, [])
    if k > MAX_EXACT:
        raise ValueError(f"at most {MAX_EXACT} drivers (2^k subsets are computed exactly)")
    r2, shares = lmg(x, y)
    rng = np.random.default_rng(seed)
    boots = np.empty((resamples, k))
    for b in range(resamples):
        rows = rng.integers(0, n, n)
        boots[b] = lmg(x[rows], y[rows])[1]
    low, high = np.percentile(boots, [2.5, 97.5], axis=0)
    design = np.column_stack([np.ones(n), x])
    coefficients = np.linalg.lstsq(design, y, rcond=None)[0][1:]
    return Drivers(
        n,
        float(r2),
        [
            Driver(
                j,
                float(shares[j]),
                float(low[j]),
                float(high[j]),
                int(np.sign(coefficients[j])),
                float(coefficients[j]),
            )
            for j in range(k)
        ],
    )
