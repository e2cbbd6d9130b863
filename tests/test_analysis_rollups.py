"""Theme reports read rollups kept by the sweep, and key drivers are kept per selection: the
rollups stay exact through edits, re-analyses and re-tagging (equal to counting the answers
themselves, and to a rebuild), and a kept drivers result is used while it is fresh."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

import numpy as np
import pytest
import time_machine

from tests.conftest import answer
from touchpoint.accounts.actions import do_create_unit, do_move_unit
from touchpoint.analysis import actions, drivers, rollups, sweep
from touchpoint.analysis.hooks import request_analysis
from touchpoint.analysis.models import (
    CommentAnalysis,
    CommentRollup,
    DriverResult,
    Theme,
    ThemeRollup,
)
from touchpoint.analysis.queries import tally_answers, tally_rollups, theme_report
from touchpoint.analysis.starter import do_create_starter_taxonomy
from touchpoint.events.actions import relay
from touchpoint.lib import drivers as lmg_drivers
from touchpoint.reports.figures import trend_grain
from touchpoint.reports.params import check_report_request
from touchpoint.responses.actions import do_change_answer, do_restate_history
from touchpoint.responses.models import Response

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 21, 12, tzinfo=dt.UTC)
COMMENTS = (
    (2, "The queue was endless and nobody helped"),
    (9, "Lovely staff, very patient"),
    (6, "Friendly staff but the queue took forever"),
    (1, "Charged twice on my bill"),
    (10, ""),
    (7, "Fine, nothing special"),
)


@pytest.fixture
def themed(brand):
    do_create_starter_taxonomy(brand.account)
    return brand


def edit_theme(account, key: str, examples: str) -> None:
    theme = Theme.objects.get(account=account, key=key)
    data = actions.check_theme(
        account=account, key=key, names=theme.names, examples=examples, theme=theme
    )
    actions.do_save_theme(account=account, data=data, theme=theme)


def staff_examples(brand) -> list[str]:
    return Theme.objects.get(account=brand.account, key="staff").examples


def six_months(brand):
    return check_report_request(
        unit=brand.brand, start=dt.date(2026, 6, 9), end=NOW.date(), now=NOW
    )


def drain() -> None:
    while sweep.analyse_pending(now=NOW):
        pass


def given_answers(brand) -> list[Response]:
    stored = []
    for n in range(36):
        score, text = COMMENTS[n % len(COMMENTS)]
        unit = (brand.store, brand.other_store, brand.agent)[n % 3]
        day = NOW - dt.timedelta(days=n * 3, hours=n % 5)  # three months, some near midnight
        stored.append(answer(brand, unit, score, text, n=n, at=day))
    drain()
    return stored


def requests(brand):
    """The brand, a region and a store, over a month (by week) and over six months (by
    month, whole months from month rows and the edges from day rows), one by touchpoint."""
    for unit in (brand.brand, brand.north, brand.store):
        for start in (dt.date(2026, 10, 22), dt.date(2026, 6, 9)):
            yield check_report_request(unit=unit, start=start, end=dt.date(2026, 11, 21), now=NOW)
    yield check_report_request(unit=brand.brand, touchpoint=brand.purchase, now=NOW)


def nonzero(tally) -> tuple:
    """The tally less what adds up to nothing (a rollup row an edit took back to zero)."""
    return (
        {theme: h for theme, h in tally.per_theme.items() if any(h)},
        {key: n for key, n in tally.feeling.items() if n},
        tally.analysed,
        {
            t: {p: n for p, n in by.items() if n}
            for t, by in tally.by_period.items()
            if any(by.values())
        },
        {p: n for p, n in tally.analysed_by_period.items() if n},
    )


def assert_rollups_count_what_the_answers_say(brand) -> None:
    for request in requests(brand):
        grain = trend_grain(request).grain
        assert nonzero(tally_rollups(request, grain)) == nonzero(tally_answers(request, grain))


def stored_rollups(account) -> set[tuple]:
    rows = ThemeRollup.objects.filter(account=account).exclude(
        s0=0, s1=0, s2=0, s3=0, s4=0, s5=0, s6=0, s7=0, s8=0, s9=0, s10=0, negative=0, positive=0
    )
    comments = CommentRollup.objects.filter(account=account)
    return {
        tuple(row)
        for row in rows.values_list(
            "unit", "grain", "period", "touchpoint", "channel", "theme", "s2", "s9", "negative"
        )
    } | {
        tuple(row)
        for row in comments.exclude(
            s0=0, s1=0, s2=0, s3=0, s4=0, s5=0, s6=0, s7=0, s8=0, s9=0, s10=0
        ).values_list("unit", "grain", "period", "touchpoint", "channel", "s2", "s9")
    }


def test_the_theme_rollups_count_what_the_answers_say(themed):
    given_answers(themed)
    assert ThemeRollup.objects.filter(account=themed.account).exists()
    assert_rollups_count_what_the_answers_say(themed)


def test_the_rollups_stay_exact_through_edits_rescoring_and_retagging(themed):
    stored = given_answers(themed)
    first, second, third = stored[0], stored[1], stored[3]
    Response.objects.filter(pk=first.pk).update(comment="Lovely staff after all")
    Response.objects.filter(pk=second.pk).update(score=3)
    Response.objects.filter(pk=third.pk).update(comment="")  # erased
    request_analysis([first.pk, second.pk, third.pk])
    drain()
    assert_rollups_count_what_the_answers_say(themed)
    edit_theme(themed.account, "staff", ", ".join(["patient", *staff_examples(themed)]))
    drain()
    assert_rollups_count_what_the_answers_say(themed)
    before = stored_rollups(themed.account)
    assert rollups.rebuild(themed.account) == 30 - 1  # analysed with a comment, one erased
    assert stored_rollups(themed.account) == before


def test_the_rollups_follow_answers_changed_and_restated_through_the_door(themed):
    # Given analysed answers at a store of the north region, and elsewhere
    stored = given_answers(themed)
    at_store = [r for r in stored if r.unit_id == themed.store.pk]
    # When one answer's score changes, another's comment, and a third's follow-ups only
    with time_machine.travel(NOW, tick=False):
        do_change_answer(stored[0], score=8)
        do_change_answer(stored[1], comment="The queue took ages")
        do_change_answer(stored[2], answers={"reason": "price"})
        relay()
        drain()
    # Then the first two are analysed again, and every answer counts with its score now
    runs = dict(CommentAnalysis.objects.values_list("response_id", "runs"))
    assert (runs[stored[0].pk], runs[stored[1].pk], runs[stored[2].pk]) == (2, 2, 1)
    counted = CommentAnalysis.objects.filter(counted_score__isnull=False)
    assert all(a.counted_score == a.response.score for a in counted.select_related("response"))
    assert_rollups_count_what_the_answers_say(themed)

    # When the store moves to a new region and its past is restated there
    east = do_create_unit(
        account=themed.account, kind="region", code="east", name="East", parent=themed.brand
    )
    do_move_unit(unit=themed.store, new_parent=east)
    assert do_restate_history(unit=east) == len(at_store)
    # Then its themes count in the new region at once, none are left in the old one, and
    # a worker analysing one of its answers afterwards takes it from where it is now
    themed.store.refresh_from_db()
    assert_rollups_count_what_the_answers_say(themed)
    east_request = check_report_request(
        unit=east, start=dt.date(2026, 6, 9), end=NOW.date(), now=NOW
    )
    grain = trend_grain(east_request).grain
    assert nonzero(tally_rollups(east_request, grain)) == nonzero(
        tally_answers(east_request, grain)
    )
    assert tally_rollups(east_request, grain).analysed == len([r for r in at_store if r.comment])
    request_analysis([at_store[0].pk])
    drain()
    assert_rollups_count_what_the_answers_say(themed)
    before = stored_rollups(themed.account)
    rollups.rebuild(themed.account)
    assert stored_rollups(themed.account) == before


def test_pages_read_the_rollups_and_find_what_the_answers_find(themed):
    given_answers(themed)
    request = check_report_request(
        unit=themed.brand, start=dt.date(2026, 6, 9), end=NOW.date(), now=NOW
    )
    fast = theme_report(request, examples=2)
    slow = theme_report(request, examples=2, source="answers")
    assert [(r.theme.key, r.mentions, r.negative, r.trend) for r in fast.rows] == [
        (r.theme.key, r.mentions, r.negative, r.trend) for r in slow.rows
    ]
    assert (fast.commented, fast.analysed) == (slow.commented, slow.analysed) == (30, 30)
    waiting = next(r for r in fast.rows if r.theme.key == "waiting")
    assert len(waiting.examples) == 2 and any(hit for _, hit in waiting.examples[0][1])


def test_kept_key_drivers_are_used_while_fresh_and_redone_after_a_theme_change(themed):
    given_answers(themed)
    request = check_report_request(
        unit=themed.brand, start=dt.date(2026, 6, 9), end=NOW.date(), now=NOW
    )
    first = drivers.driver_report(request, now=NOW)
    assert first.computed_at is None and first.n == 30
    kept = drivers.driver_report(request, now=NOW + dt.timedelta(minutes=30))
    assert kept.computed_at == NOW
    assert [asdict(r) for r in kept.rows] == [asdict(r) for r in first.rows]
    assert drivers.driver_report(request, now=NOW + dt.timedelta(hours=2)).computed_at is None
    edit_theme(themed.account, "staff", "staff, patient")
    assert (
        drivers.driver_report(request, now=NOW + dt.timedelta(hours=2, minutes=1)).computed_at
        is None
    )


def test_a_large_selection_gets_its_drivers_from_the_worker(
    themed, monkeypatch, django_capture_on_commit_callbacks
):
    given_answers(themed)
    monkeypatch.setattr(drivers, "INLINE_DRIVERS", 10)
    request = check_report_request(
        unit=themed.brand, start=dt.date(2026, 6, 9), end=NOW.date(), now=NOW
    )
    with django_capture_on_commit_callbacks(execute=False) as queued:
        waiting = drivers.driver_report(request, now=NOW)
    assert waiting.note == "computing" and len(queued) == 1
    [row] = DriverResult.objects.none() or [None]
    with time_machine.travel(NOW, tick=False):
        key = drivers._driver_key(request, "en")
        assert drivers.compute_drivers_later.func(themed.brand.pk, key) == 30
    assert DriverResult.objects.filter(unit=themed.brand).count() == 1
    with time_machine.travel(NOW + dt.timedelta(minutes=5), tick=False):
        done = drivers.driver_report(request)
    assert done.n == 30 and done.rows and done.computed_at is not None and row is None


def test_lmg_from_weighted_patterns_is_lmg_of_the_repeated_rows():
    rng = np.random.default_rng(11)
    patterns = (rng.random((40, 4)) < 0.4).astype(float)
    scores = rng.integers(0, 11, 40).astype(float)
    weights = rng.integers(1, 6, 40)
    x, y = np.repeat(patterns, weights, axis=0), np.repeat(scores, weights)
    r2, shares = lmg_drivers.lmg(x, y)
    corr = lmg_drivers._correlation(np.column_stack([patterns, scores]), weights.astype(float))
    weighted = lmg_drivers._shares(lmg_drivers._subset_r2(corr[None]), 4)[0]
    assert np.allclose(weighted, shares) and np.isclose(weighted.sum(), r2)
