"""The NPS arithmetic of touchpoint.lib.nps against the test vectors of NPS_STATISTICS.md.

Pure Python: runs without Django settings (pytest -p no:django tests/test_nps_math.py).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from touchpoint.lib.nps import (
    MIN_N,
    Z95,
    Counts,
    classify,
    compare,
    control_limits,
    dirichlet_prior,
    estimate,
    histogram_mean,
    rank,
    sample_size_for_margin,
    shrunk,
    z_value,
)

EXACT = {"abs": 5e-5}
counts_st = st.builds(Counts, *(st.integers(0, 5_000),) * 3)
answered_st = counts_st.filter(lambda c: c.n > 0)
scores_st = st.lists(st.integers(0, 10), max_size=200)


# --- classification and counts -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "group"),
    [
        *[(s, "detractor") for s in range(7)],
        *[(s, "passive") for s in (7, 8)],
        *[(s, "promoter") for s in (9, 10)],
    ],
)
def test_scores_are_classified_at_the_standard_boundaries(score, group):
    assert classify(score) == group


@pytest.mark.parametrize("bad", [-1, 11, 7.0, "9", None, True, False])
def test_classify_rejects_anything_but_an_int_from_0_to_10(bad):
    with pytest.raises(ValueError):
        classify(bad)


@pytest.mark.parametrize("bad", [(-1, 0, 0), (0, 1.5, 0), (0, 0, True), (0, "2", 0)])
def test_counts_reject_negative_or_non_int_values(bad):
    with pytest.raises(ValueError):
        Counts(*bad)


def test_counts_without_answers_have_no_nps_rather_than_zero():
    assert Counts().n == 0
    assert Counts().nps is None
    assert Counts().percentages is None


def test_counts_give_nps_and_split_in_percent():
    c = Counts(60, 30, 10)
    assert c.n == 100
    assert c.nps == pytest.approx(50.0)
    assert c.percentages == pytest.approx({"promoters": 60, "passives": 30, "detractors": 10})


def test_histogram_groups_scores_and_gives_the_mean_score():
    hist = [1, 0, 0, 0, 0, 2, 1, 3, 1, 4, 8]  # scores 0..10
    assert Counts.from_histogram(hist) == Counts(12, 4, 4)
    assert histogram_mean(hist) == pytest.approx((0 + 10 + 6 + 21 + 8 + 36 + 80) / 20)
    assert histogram_mean([0] * 11) is None


@pytest.mark.parametrize("bad", [[1] * 10, [1] * 12, [0] * 10 + [-1], [0] * 10 + [1.0]])
def test_histogram_must_have_11_non_negative_int_counts(bad):
    with pytest.raises(ValueError):
        Counts.from_histogram(bad)
    with pytest.raises(ValueError):
        histogram_mean(bad)


@given(scores_st)
def test_from_scores_equals_from_histogram(scores):
    hist = [scores.count(s) for s in range(11)]
    assert Counts.from_scores(scores) == Counts.from_histogram(hist)


@given(scores_st, scores_st)
def test_adding_counts_equals_counting_the_pooled_answers(a, b):
    assert Counts.from_scores(a) + Counts.from_scores(b) == Counts.from_scores(a + b)


@given(counts_st, counts_st, counts_st)
def test_counts_addition_is_commutative_associative_with_zero(a, b, c):
    assert a + b == b + a
    assert (a + b) + c == a + (b + c)
    assert a + Counts() == a
    assert sum([a, b, c], Counts()).n == a.n + b.n + c.n


# --- one group: the worked examples ------------------------------------------------------------

WORKED = [
    # P, A, D, raw NPS, Wald SE, adjusted NPS', adjusted SE', low, high
    (40, 30, 30, 10, 8.3066, 9.7087, 8.1536, -6.2719, 25.6894),
    (60, 30, 10, 50, 6.7082, 48.5437, 6.6721, 35.4666, 61.6208),
    (5, 3, 2, 30, 24.6982, 23.0769, 21.4940, -19.0506, 65.2045),
    (9, 0, 0, 100, 0, 75, 16.1374, 43.3712, 100),
]


@pytest.mark.parametrize(("p", "a", "d", "nps", "se", "adj", "adj_se", "low", "high"), WORKED)
def test_worked_examples_match_the_published_vectors(p, a, d, nps, se, adj, adj_se, low, high):
    e = estimate(Counts(p, a, d))
    assert (e.n, e.promoters, e.passives, e.detractors) == (p + a + d, p, a, d)
    assert e.nps == pytest.approx(nps, **EXACT)
    assert e.se == pytest.approx(se, **EXACT)
    assert e.adjusted_nps == pytest.approx(adj, **EXACT)
    assert e.adjusted_se == pytest.approx(adj_se, **EXACT)
    assert e.margin_of_error == pytest.approx(Z95 * e.adjusted_se, abs=1e-6)
    assert (e.low, e.high) == (pytest.approx(low, **EXACT), pytest.approx(high, **EXACT))


def test_all_promoters_interval_is_clipped_at_100_but_the_margin_is_not():
    e = estimate(Counts(9, 0, 0))
    assert e.high == 100.0
    assert e.adjusted_nps + e.margin_of_error == pytest.approx(106.6288, **EXACT)


def test_95_percent_uses_z_1_96_not_the_90_percent_1_645():
    assert z_value(0.95) == pytest.approx(Z95, abs=1e-6)
    assert z_value(0.90) == pytest.approx(1.644854, abs=1e-6)
    assert (
        estimate(Counts(40, 30, 30), 0.90).margin_of_error
        < estimate(Counts(40, 30, 30)).margin_of_error
    )
    for bad in (0, 1, 95):
        with pytest.raises(ValueError):
            z_value(bad)


def test_fewer_than_30_answers_are_flagged():
    assert MIN_N == 30
    assert estimate(Counts(20, 5, 4)).few_answers
    assert not estimate(Counts(20, 5, 5)).few_answers


def test_no_answers_give_no_headline_but_a_wide_honest_interval():
    e = estimate(Counts())
    assert e.nps is None and e.se is None and e.few_answers
    assert e.adjusted_nps == 0.0
    assert e.low < -75 and e.high > 75


@given(counts_st)
def test_nps_lies_between_minus_100_and_100(c):
    assert c.nps is None or -100 <= c.nps <= 100


@given(counts_st, st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_interval_holds_the_adjusted_nps_and_is_clipped_to_the_scale(c, confidence):
    e = estimate(c, confidence)
    assert -100 <= e.low <= e.adjusted_nps <= e.high <= 100
    assert e.low == pytest.approx(max(-100.0, e.adjusted_nps - e.margin_of_error))
    assert e.high == pytest.approx(min(100.0, e.adjusted_nps + e.margin_of_error))


@given(answered_st, st.integers(2, 50))
def test_margin_shrinks_as_answers_grow_in_the_same_proportions(c, k):
    bigger = Counts(c.promoters * k, c.passives * k, c.detractors * k)
    assert estimate(bigger).margin_of_error < estimate(c).margin_of_error


# --- two groups ---------------------------------------------------------------------------------


def test_two_group_example_matches_the_published_vector():
    r = compare(Counts(40, 30, 30), Counts(60, 30, 10))
    assert r.difference == pytest.approx(-38.8350, **EXACT)
    assert r.se_diff == pytest.approx(10.5355, **EXACT)
    assert r.z == pytest.approx(-3.6861, **EXACT)
    assert r.p_value == pytest.approx(0.000228, abs=5e-7)
    assert r.significant
    assert r.raw_difference == pytest.approx(-40, **EXACT)
    assert r.raw_se_diff == pytest.approx(10.6771, **EXACT)
    assert r.raw_z == pytest.approx(-3.7463, **EXACT)
    assert r.raw_p_value == pytest.approx(0.000179, abs=5e-7)


def test_significance_follows_the_chosen_level():
    a, b = Counts(55, 25, 20), Counts(45, 30, 25)  # p between 0.01 and 0.2
    assert 0.01 < compare(a, b).p_value < 0.2
    assert compare(a, b, alpha=0.2).significant
    assert not compare(a, b, alpha=0.01).significant


def test_raw_test_is_absent_when_a_side_has_no_answers_or_no_spread():
    assert compare(Counts(), Counts(5, 0, 0)).raw_z is None
    both_unanimous = compare(Counts(5, 0, 0), Counts(8, 0, 0))
    assert both_unanimous.raw_se_diff == 0 and both_unanimous.raw_p_value is None
    assert not both_unanimous.significant  # the adjusted test still works


@given(counts_st, counts_st)
def test_compare_is_antisymmetric(a, b):
    ab, ba = compare(a, b), compare(b, a)
    assert ab.difference == pytest.approx(-ba.difference, abs=1e-9)
    assert ab.z == pytest.approx(-ba.z, abs=1e-9)
    assert ab.se_diff == pytest.approx(ba.se_diff)
    assert ab.p_value == pytest.approx(ba.p_value)
    assert 0 <= ab.p_value <= 1


# --- sample size --------------------------------------------------------------------------------


def test_worst_case_sample_sizes_are_382_for_10_points_and_1534_for_5():
    assert sample_size_for_margin(10) == 382
    assert sample_size_for_margin(5) == 1534


@given(st.floats(0.5, 60), st.floats(0.05, 1))
def test_sample_size_is_the_smallest_n_meeting_the_margin(margin, variance):
    n = sample_size_for_margin(margin, variance)
    moe = lambda k: 100 * Z95 * math.sqrt(variance / (k + 3))  # noqa: E731
    assert moe(n) <= margin + 1e-6
    assert n == 1 or moe(n - 1) > margin - 1e-6


@pytest.mark.parametrize("args", [(0,), (-5,), (5, 1.5), (5, -0.1), (5, 1, 1.0)])
def test_sample_size_rejects_impossible_inputs(args):
    with pytest.raises(ValueError):
        sample_size_for_margin(*args)


# --- leaderboards -------------------------------------------------------------------------------

STORES = {
    "north": Counts(260, 70, 40),  # 59.5
    "south": Counts(330, 90, 60),  # 56.3
    "east": Counts(210, 50, 20),  # 67.9
    "west": Counts(400, 120, 80),  # 53.3
    "centre": Counts(300, 60, 40),  # 65.0
}


def test_three_promoters_do_not_top_stores_with_hundreds_of_answers():
    board = rank({**STORES, "kiosk": Counts(3, 0, 0)})
    keys = [key for key, _ in board]
    assert keys[0] == "east"
    assert keys.index("kiosk") >= 2
    kiosk = dict(board)["kiosk"]
    assert kiosk.raw_nps == 100 and kiosk.n == 3
    assert kiosk.mean < 66 and kiosk.sd > dict(board)["east"].sd


def test_leaderboard_is_sorted_best_first_and_keeps_raw_figures():
    board = rank(STORES)
    means = [s.mean for _, s in board]
    assert means == sorted(means, reverse=True)
    assert [key for key, _ in board] == ["east", "centre", "north", "south", "west"]
    assert all(s.raw_nps == STORES[key].nps and s.n == STORES[key].n for key, s in board)


@given(st.lists(answered_st, min_size=2, max_size=8), counts_st)
def test_posterior_mean_lies_between_raw_nps_and_prior_mean(siblings, unit):
    prior = dirichlet_prior(siblings)
    assert all(a > 0 for a in prior)
    prior_nps = 100 * (prior[0] - prior[2]) / sum(prior)
    s = shrunk(unit, prior)
    bounds = sorted([prior_nps, unit.nps if unit.nps is not None else prior_nps])
    assert bounds[0] - 1e-9 <= s.mean <= bounds[1] + 1e-9
    assert s.sd >= 0


def test_prior_falls_back_to_a_weak_pooled_prior_with_fewer_than_two_units():
    assert sum(dirichlet_prior([])) == pytest.approx(10)
    assert dirichlet_prior([]) == pytest.approx((2.5, 5, 2.5))
    single = dirichlet_prior([Counts(97, 0, 0), Counts()])
    assert sum(single) == pytest.approx(10)
    assert single[0] == pytest.approx(10 * 97.75 / 100)  # pooled split, adjusted by (3,T)


def test_units_no_more_different_than_chance_share_a_strong_prior():
    same = [Counts(210, 60, 30)] * 5
    assert sum(dirichlet_prior(same)) == pytest.approx(1500)


def test_spread_out_units_get_a_weaker_prior_than_similar_ones():
    similar = [Counts(210, 60, 30), Counts(200, 70, 30), Counts(215, 55, 30), Counts(205, 60, 35)]
    spread = [Counts(270, 20, 10), Counts(120, 80, 100), Counts(210, 60, 30), Counts(60, 90, 150)]
    assert sum(dirichlet_prior(spread)) < 30 < sum(dirichlet_prior(similar))


def test_shrunk_rejects_an_improper_prior():
    with pytest.raises(ValueError):
        shrunk(Counts(1, 1, 1), (0, 0, 0))


# --- trends -------------------------------------------------------------------------------------


def _periods(promoters, n=400, detractors=60):
    return [Counts(p, n - p - detractors, detractors) for p in promoters]


STABLE = [200, 204, 198, 206, 201, 199, 203, 197, 205, 202, 200, 198]


def test_stable_series_is_not_flagged():
    points = control_limits(_periods(STABLE))
    assert not any(pt.out_of_control for pt in points)
    assert all(pt.lower < pt.centre < pt.upper for pt in points)


def test_obvious_shift_is_flagged_and_only_that_period():
    shifted = [*STABLE[:8], 300, *STABLE[9:]]
    points = control_limits(_periods(shifted))
    assert [pt.out_of_control for pt in points] == [i == 8 for i in range(12)]
    centre = (sum(shifted) - 60 * 12) / (400 * 12) * 100
    assert points[0].centre == pytest.approx(centre)


def test_laney_correction_stops_large_samples_flagging_ordinary_variation():
    # +-4 points around 35 at n = 20,000: far beyond sampling noise, yet ordinary for the series
    big = _periods([10_000 + 250 * (p - 200) for p in STABLE], n=20_000, detractors=3_000)
    assert any(pt.out_of_control for pt in control_limits(big, laney=False))
    assert not any(pt.out_of_control for pt in control_limits(big))


def test_periods_without_answers_get_no_limits_and_are_never_flagged():
    periods = [*_periods(STABLE[:4]), Counts(), *_periods(STABLE[4:])]
    points = control_limits(periods)
    gap = points[4]
    assert (gap.nps, gap.n, gap.lower, gap.upper, gap.out_of_control) == (
        None,
        0,
        None,
        None,
        False,
    )
    assert not any(pt.out_of_control for pt in points)
    assert all(pt.centre is None for pt in control_limits([Counts(), Counts()]))


def test_unanimous_series_has_collapsed_limits_and_no_flags():
    points = control_limits([Counts(10, 0, 0), Counts(25, 0, 0)])
    assert all(pt.lower == pt.upper == 100 and not pt.out_of_control for pt in points)


@given(st.lists(counts_st, min_size=1, max_size=12), st.booleans())
def test_control_limits_stay_on_the_scale_and_surround_the_centre(periods, laney):
    for pt in control_limits(periods, laney=laney):
        if pt.n:
            assert -100 <= pt.lower <= pt.centre <= pt.upper <= 100
        else:
            assert pt.lower is None and not pt.out_of_control
