"""Did a share rise? Fisher's exact test, one-sided, for two proportions.

`rise_p_value(x1, n1, x0, n0)` is P(at least x1 of the n1 items mention it | the x1 + x0
mentions fell at random among all n1 + n0 items): the hypergeometric upper tail, exact for
any count, so a rare theme's 5 mentions out of 30 are judged as fairly as 500 out of 3,000
(a normal two-proportion test would call 5 mentions against an expected 0.6 a "z = 5" event;
its true probability is near 1 in 2,500). Pure standard library, no Django.
"""

from __future__ import annotations

import math
from statistics import NormalDist

_STOP = 1e-17  # a term this small against the running sum changes nothing in a float


def _log_choose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def rise_p_value(x1: int, n1: int, x0: int, n0: int) -> float:
    """One-sided p-value that the share x1/n1 exceeds x0/n0 (Fisher's exact test).

    The tail is summed term by term from the observed count outwards (each term is the last
    times a ratio, no factorials), on whichever side of the mean is shorter, and stops when a
    term no longer moves the sum: a few dozen steps even for a brand's thousands of comments.
    """
    for name, value in (("x1", x1), ("n1", n1), ("x0", x0), ("n0", n0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a count (int >= 0), got {value!r}")
    if x1 > n1 or x0 > n0:
        raise ValueError(f"mentions cannot exceed items: {x1}/{n1}, {x0}/{n0}")
    total, mentions = n1 + n0, x1 + x0
    low, high = max(0, n1 - (total - mentions)), min(mentions, n1)
    if x1 <= low:
        return 1.0
    others = total - mentions

    def ratio_up(k: int) -> float:  # pmf(k + 1) / pmf(k)
        return (mentions - k) * (n1 - k) / ((k + 1) * (others - n1 + k + 1))

    log_pmf = _log_choose(mentions, x1) + _log_choose(others, n1 - x1) - _log_choose(total, n1)
    at_x1 = math.exp(log_pmf)
    if x1 >= n1 * mentions / total:  # at or above the mean: sum the upper tail itself
        tail, term, k = at_x1, at_x1, x1
        while k < high:
            term *= ratio_up(k)
            k += 1
            tail += term
            if term < tail * _STOP:
                break
        return min(1.0, tail)
    below, term, k = 0.0, at_x1, x1  # below the mean: 1 - P(X <= x1 - 1)
    while k > low:
        term /= ratio_up(k - 1)
        k -= 1
        below += term
        if term < below * _STOP:
            break
    return max(0.0, min(1.0, 1.0 - below))


def z_equivalent(p_value: float) -> float:
    """The one-sided normal deviate with this tail probability (p = 0.001 -> 3.09), so an
    exact p-value can be told in the unit the other alerts use."""
    p = min(max(p_value, 1e-300), 1.0 - 1e-16)
    return -NormalDist().inv_cdf(p)
