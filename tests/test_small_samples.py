"""Small samples, honestly (NPS_STATISTICS.md, *Trends* and *Small units and headlines*): the
pure rules every page, export, digest and API answer applies.

Pure Python: runs without Django settings (pytest -p no:django tests/test_small_samples.py).
"""

from __future__ import annotations

import datetime as dt
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from touchpoint.lib import periods
from touchpoint.lib.nps import (
    MIN_FLAG_N,
    TINY_N,
    Counts,
    answers_to_know,
    change,
    control_limits,
    dirichlet_prior,
    estimate,
    headline,
    laney_sigma,
    median_interval,
    probability_at_least,
    shrunk,
)

small_st = st.builds(Counts, *(st.integers(0, 12),) * 3)
any_st = st.one_of(small_st, st.builds(Counts, *(st.integers(0, 3_000),) * 3))
series_st = st.lists(any_st, min_size=1, max_size=16)


# --- trends -------------------------------------------------------------------------------------


@settings(deadline=None)
@given(series_st)
def test_no_shift_is_ever_flagged_on_a_period_under_10_answers(series):
    for point in control_limits(series):
        if point.n < MIN_FLAG_N:
            assert not point.out_of_control


@settings(deadline=None)
@given(series_st)
def test_laney_limits_are_never_inside_the_plain_ones(series):
    plain, laney = control_limits(series, laney=False), control_limits(series)
    for p, q in zip(plain, laney, strict=True):
        if p.lower is None:
            assert q.lower is None
            continue
        assert q.lower <= p.lower + 1e-9 and q.upper >= p.upper - 1e-9
    assert laney_sigma(series) >= 1.0


def test_four_answers_on_the_control_limit_are_not_called_a_shift():
    """The reported case: an agent's week of 4 answers at 0 on a chart averaging +60."""
    weeks = [Counts(7, 1, 0), Counts(6, 2, 0), Counts(1, 2, 1), Counts(8, 0, 1), Counts(7, 1, 1)]
    points = control_limits(weeks)
    assert points[2].n == 4 and not points[2].out_of_control
    assert not any(p.out_of_control for p in points)


def test_a_real_shift_on_a_big_enough_period_is_still_flagged():
    weeks = [Counts(60, 20, 20)] * 6 + [Counts(10, 20, 70)] + [Counts(60, 20, 20)] * 3
    assert [p.out_of_control for p in control_limits(weeks)] == [i == 6 for i in range(10)]


@pytest.mark.parametrize(
    ("days", "answers", "grain"),
    [
        (14, 2_000, "day"),  # 140 a day
        (14, 60, "week"),  # days hold 4, a week 20; a month would be one point, no trend
        (92, 500, "week"),  # 5 a day, 38 a week
        (92, 60, "month"),  # 4-5 a week, 15-20 a month: the coarsest grain, and it says so
        (365, 20_000, "week"),  # days are too many to draw
        (365, 300, "month"),
        (7, 3, "day"),  # a week: only days draw a trend
    ],
)
def test_the_grain_is_chosen_by_the_data_and_says_why(days, answers, grain):
    end = dt.date(2026, 11, 30)
    choice = periods.choose_grain(end - dt.timedelta(days - 1), end, answers)
    assert choice.grain == grain
    assert choice.reason.startswith(f"By {grain}:")
    steady = choice.per_period >= periods.STEADY_N
    assert ("fewer than the 30" in choice.reason) is not steady


# --- headlines ----------------------------------------------------------------------------------


@settings(deadline=None)
@given(any_st)
def test_a_headline_never_shows_a_figure_outside_its_interval_without_the_tiny_form(counts):
    h = headline(estimate(counts))
    if h.shown is not None:
        assert h.low <= h.shown <= h.high
    if counts.n and counts.n < TINY_N:
        assert h.tiny and h.shown is None


def test_one_promoter_reads_as_its_interval():
    h = headline(estimate(Counts(1, 0, 0)))
    assert h.tiny and h.nps == 100 and h.shown is None
    assert (round(h.low, 1), round(h.high, 1)) == (-48.5, 98.5)


def test_a_period_without_answers_shows_no_figure_and_no_tiny_form():
    h = headline(estimate(Counts()))
    assert h.shown is None and not h.tiny and h.n == 0


# --- changes ------------------------------------------------------------------------------------


def test_two_answers_against_one_is_no_real_change():
    """The reported digest: "down 100 points" from 2 answers against 1."""
    c = change(Counts(0, 0, 2), Counts(1, 0, 0))
    assert c.verdict == "none" and c.points == -200 and not c.real


def test_a_significant_fall_is_news():
    c = change(Counts(40, 30, 30), Counts(60, 30, 10))
    assert c.verdict == "down" and c.real and c.comparison.p_value < 0.001


def test_no_answers_on_one_side_is_unknown():
    assert change(Counts(3, 0, 0), Counts()).verdict == "unknown"


@settings(deadline=None)
@given(any_st, any_st)
def test_a_change_is_only_news_when_the_test_says_so(a, b):
    c = change(a, b)
    if c.comparison is not None:
        assert c.real == c.comparison.significant


# --- targets and peers --------------------------------------------------------------------------


def test_a_busy_unit_well_above_target_is_surely_there_and_needs_no_more_answers():
    prior = dirichlet_prior([Counts(50, 30, 20), Counts(60, 20, 20)])
    unit = Counts(300, 100, 50)
    assert probability_at_least(shrunk(unit, prior), 20) > 0.99
    assert answers_to_know(unit, prior, 20) == 0


def test_a_small_unit_near_its_target_needs_more_answers_to_know():
    prior = (3.0, 4.0, 3.0)
    unit = Counts(5, 3, 2)
    p = probability_at_least(shrunk(unit, prior), 20)
    assert 0.1 < p < 0.9
    needed = answers_to_know(unit, prior, 20)
    assert needed is not None and needed > 0
    # With that many more answers in the same mix, we would know.
    k = (unit.n + needed) / unit.n
    bigger = Counts(round(5 * k), round(3 * k), round(2 * k))
    q = probability_at_least(shrunk(bigger, prior), 20)
    assert q >= 0.89 or q <= 0.11


@settings(deadline=None)
@given(small_st, st.floats(-100, 100), st.floats(-100, 100))
def test_the_probability_falls_as_the_target_rises(counts, t1, t2):
    s = shrunk(counts, (2.0, 3.0, 2.0))
    low, high = sorted((t1, t2))
    assert probability_at_least(s, low) >= probability_at_least(s, high) - 1e-12


def test_the_median_interval_of_peers_uses_order_statistics():
    values = list(range(1, 21))  # 20 peers
    low, high = median_interval(values)
    assert low <= statistics.median(values) <= high
    assert (low, high) == (6, 15)  # ranks 6 and 15 cover the median with 95.9 %
    assert median_interval([3.0, 7.0]) == (3.0, 7.0)  # too few to reach 95 %: the range


@settings(deadline=None)
@given(st.lists(st.floats(-100, 100), min_size=1, max_size=60))
def test_the_median_interval_holds_the_median(values):
    low, high = median_interval(values)
    assert low <= statistics.median(values) <= high
