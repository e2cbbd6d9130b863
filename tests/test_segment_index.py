"""The segment index stays exact: every figure it answers (one segment or several together,
declared or not, grouped by unit, touchpoint, channel, period or another segment) equals the
count over the raw answers' snapshots, with changes still in the log or folded, while its
build is interleaved with new answers, changed scores, moves, restatements and erasures; a
rebuild writes the same entries; a fold that fails leaves it as it was."""

from __future__ import annotations

import datetime as dt
import itertools
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import now as django_now
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import answer as conftest_answer
from tests.conftest import fold_rollups
from tests.segment_history import History
from tests.test_rollups import fold
from touchpoint.accounts.actions import do_create_unit
from touchpoint.accounts.models import Account
from touchpoint.lib.bulk import bulk_insert
from touchpoint.reports import counting, folding, rollups, segment_index
from touchpoint.reports.models import FoldState, SegmentEntry
from touchpoint.reports.params import check_report_request
from touchpoint.responses.actions import attribution_for
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Touchpoint

pytestmark = pytest.mark.django_db
_accounts = itertools.count()
NOW = dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC)
TIERS = ["gold", "silver", "bronze"]
CITIES = ["Lille", "Lyon", "Nice"]
DELIVERIES = ["home", "store"]


def entries(account) -> set[tuple]:
    return {
        (
            e.response_id,
            e.term.name,
            e.term.value,
            e.day,
            e.unit_path,
            e.touchpoint_id,
            e.channel,
            e.score,
        )
        for e in SegmentEntry.objects.filter(term__account=account).select_related("term")
    }


def expected_entries(account) -> set[tuple]:
    """What the index holds once every change is folded: each answer under each value."""
    zone = account.time_zone
    return {
        (
            r.pk,
            name,
            value,
            rollups.local_day(r.answered_at, zone),
            r.unit_path,
            r.touchpoint_id,
            r.channel,
            r.score,
        )
        for r in Response.objects.filter(account=account)
        for name, value in r.segments.items()
    }


def build_index(account, batch: int) -> None:
    """Finish the index's build a batch at a time, folding nothing (changes stay in the log)."""
    while not FoldState.objects.filter(account=account, indexed=True).exists():
        folding.fold_account(account.pk, limit=0, backfill=batch)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_figure_from_the_segment_index_equals_a_count_of_the_raw_answers(data):
    history = History(
        data,
        attributes=lambda i: (
            {}  # the last contact has none
            if i == 4
            else {
                "tier": data.draw(st.sampled_from(TIERS)),
                "city": data.draw(st.sampled_from(CITIES)),
            }
        ),
        deliveries=DELIVERIES,
    )
    account, units, touchpoints = history.account, history.units, history.touchpoints
    history.answers(data.draw(st.integers(10, 30)))  # enough for combinations to match
    history.steps(max_size=7, fold_limits=(0, 10))
    build_index(account, data.draw(st.integers(1, 10)))

    unit = data.draw(st.sampled_from([units[0], *units]))  # the brand: half the time
    unit.refresh_from_db()
    start = dt.date(2026, 1, 15) + dt.timedelta(data.draw(st.integers(0, 30)))
    end = start + dt.timedelta(data.draw(st.integers(10, 60)))
    touchpoint = data.draw(st.sampled_from([None, *touchpoints]))
    channel = data.draw(st.sampled_from(["", "email"]))
    pools = {
        "contact.tier": TIERS,
        "contact.city": CITIES,
        "interaction.delivery": DELIVERIES,
    }
    names = data.draw(st.lists(st.sampled_from(sorted(pools)), min_size=1, max_size=3, unique=True))
    chosen = {
        name: data.draw(st.lists(st.sampled_from(pools[name]), min_size=1, max_size=3, unique=True))
        for name in names
    }
    by = tuple(
        data.draw(
            st.lists(
                st.sampled_from(["touchpoint", "channel", "unit", *sorted(pools)]),
                max_size=2,
                unique=True,
            )
        )
    )
    time = data.draw(st.sampled_from([None, "day", "week", "month"]))
    for folded in (False, True):
        if folded:
            fold(account)
            assert entries(account) == expected_entries(account)
        request = check_report_request(
            unit=unit,
            start=start,
            end=end,
            touchpoint=touchpoint,
            channel=channel,
            segments=chosen,
            now=NOW,
        )
        assert request.source == "segment index"
        units_asked = [u.pk for u in units] if "unit" in by else None
        from_answers = counting._from_responses(request, by, units=units_asked, time=time)
        # A combination both ways: probing each answer's other values by key, or lists.
        for probe_cost in (0, 10**6):
            with mock.patch.object(segment_index, "_PROBED", probe_cost):
                from_index = counting._from_index(request, by, units=units_asked, time=time)
            assert {k: h for k, h in from_index.items() if any(h)} == {
                k: h for k, h in from_answers.items() if any(h)
            }
        if len(chosen) > 1:
            assert counting.plan(request, by)[0] == "index"
            assert counting.histograms(request, by, units=units_asked, time=time) == from_index
    before = entries(account)
    folding.rebuild(account)
    assert entries(account) == before


@pytest.fixture
def shop():
    account = Account.objects.create(name="F", slug="f", time_zone="Europe/Paris")
    brand = do_create_unit(account=account, kind="brand", code="b", name="B")
    touchpoint = Touchpoint.objects.create(account=account, slug="t", name="T")
    return account, brand, touchpoint


def answer(shop, score: int, segments: dict) -> Response:
    account, brand, touchpoint = shop
    response = Response(
        account=account,
        unit=brand,
        unit_path=brand.path,
        attribution=attribution_for(brand),
        touchpoint=touchpoint,
        channel="email",
        score=score,
        answered_at=NOW,
        segments=segments,
    )
    bulk_insert([response])
    rollups.record(account, [rollups.change_of(response, account.time_zone, plus=score)])
    return response


def gold_and_home_request(shop):
    """The brand in March, gold contacts delivered at home."""
    return check_report_request(
        unit=shop[1],
        start=dt.date(2026, 3, 1),
        end=dt.date(2026, 3, 31),
        segments={"contact.tier": ["gold"], "interaction.delivery": ["home"]},
        now=NOW,
    )


def gold_and_home(shop):
    return counting.summed(counting.histograms(gold_and_home_request(shop)))


def test_a_fold_that_fails_leaves_the_index_and_the_log_as_they_were(shop, monkeypatch):
    account = shop[0]
    answer(shop, 9, {"contact.tier": "gold", "interaction.delivery": "home"})
    fold(account)
    second = answer(shop, 3, {"contact.tier": "gold", "interaction.delivery": "home"})
    before = entries(account)
    assert gold_and_home(shop)[9] == 1 and gold_and_home(shop)[3] == 1

    filed = segment_index.file_changes

    def file_then_die(*args, **kwargs):
        filed(*args, **kwargs)
        raise RuntimeError("the worker died mid-fold")

    monkeypatch.setattr(segment_index, "file_changes", file_then_die)
    with pytest.raises(RuntimeError), transaction.atomic():
        folding.fold_account(account.pk)
    assert entries(account) == before  # the failed fold filed nothing
    assert gold_and_home(shop)[3] == 1  # counted from the log still
    monkeypatch.undo()
    fold(account)
    assert (second.pk, "contact.tier", "gold") in {e[:3] for e in entries(account)}
    assert gold_and_home(shop)[9] == 1 and gold_and_home(shop)[3] == 1


def test_until_the_index_is_built_reports_read_the_raw_answers_and_say_so(shop):
    account = shop[0]
    answer(shop, 10, {"contact.tier": "gold", "interaction.delivery": "home"})
    FoldState.objects.update_or_create(account=account, defaults={"indexed": False})
    request = gold_and_home_request(shop)
    path, _ = counting.plan(request)
    why = counting.provenance(request).why
    assert path == "responses" and request.source == "responses"
    assert "several segments together" in why and "segment index is still being built" in why
    assert segment_index.state(account.pk).percent == 0
    fold(account)
    assert segment_index.state(account.pk).ready
    request = gold_and_home_request(shop)  # a new request looks the index up afresh
    assert counting.plan(request)[0] == "index" and request.source == "segment index"
    assert counting.provenance(request).label == "segment index"
    assert gold_and_home(shop)[10] == 1


def test_an_answer_changed_before_the_build_reaches_it_is_filed_as_folded(shop):
    account = shop[0]
    both = {"contact.tier": "gold", "interaction.delivery": "home"}
    a, b, c = (answer(shop, score, both) for score in (9, 6, 10))
    FoldState.objects.update_or_create(account=account, defaults={"indexed": False})
    # The worker folds the three answers, and files the first one only.
    folding.fold_account(account.pk, limit=10, backfill=1)
    assert FoldState.objects.get(account=account).indexed_to == a.pk
    assert {e[0] for e in entries(account)} == {a.pk}
    # b's score changes: its change waits in the log while the build files b and c.
    Response.objects.filter(pk=b.pk).update(score=2)
    b.refresh_from_db()
    rollups.record(account, [rollups.change_of(b, account.time_zone, plus=2, minus=6)])
    build_index(account, 1)
    assert {(e[0], e[-1]) for e in entries(account)} == {(a.pk, 9), (b.pk, 6), (c.pk, 10)}
    histogram = gold_and_home(shop)
    assert (histogram[9], histogram[6], histogram[2], histogram[10]) == (1, 0, 1, 1)
    fold(account)
    assert entries(account) == expected_entries(account)
    assert gold_and_home(shop) == histogram


def test_the_explorers_headline_for_combined_segments_comes_from_the_index(brand, people):
    when = django_now() - dt.timedelta(days=2)
    given = [("gold", "home", 10), ("gold", "store", 9), ("gold", "home", 2), ("silver", "home", 0)]
    for n, (tier, delivery, score) in enumerate(given):
        conftest_answer(
            brand,
            brand.store,
            score,
            f"Answer {n}",
            n=n,
            at=when - dt.timedelta(minutes=n),
            attributes={"tier": tier},
            properties={"delivery": delivery},
        )
    fold_rollups()
    client = Client()
    client.force_login(people["brand_admin"])
    asked = {"attr": "contact.tier=gold; interaction.delivery=home"}
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/responses/", asked).content.decode()
    assert '<strong class="count">2</strong> answers' in page
    assert any("reports_segmententry" in q["sql"] for q in queries.captured_queries)
    # A filter no report can ask (a score) counts the selected answers themselves.
    page = client.get("/responses/", {**asked, "score": "2"}).content.decode()
    assert '<strong class="count">1</strong> answer' in page


def test_a_rebuild_that_makes_the_read_index_again_files_the_same_entries(shop):
    account = shop[0]
    for score in (10, 4, 7):
        answer(shop, score, {"contact.tier": "gold", "interaction.delivery": "home"})
    fold(account)
    before = entries(account)
    with transaction.atomic():
        rollups.locked(account.pk, wait=True)
        assert segment_index.rebuild(account.pk, account.time_zone, reindex_from=0) == 3
    assert entries(account) == before == expected_entries(account)
    with connection.cursor() as cursor:  # the read index is there again
        names = {
            index
            for index, info in connection.introspection.get_constraints(
                cursor, SegmentEntry._meta.db_table
            ).items()
            if info["index"]
        }
    assert "segment_entry_read" in names


def test_a_combination_counts_the_answers_with_every_value_both_ways(shop):
    account = shop[0]
    given = [(10, "gold", "home"), (9, "gold", "store"), (3, "silver", "home")]
    for score, tier, delivery in given:
        answer(shop, score, {"contact.tier": tier, "interaction.delivery": delivery})
    fold(account)
    answer(shop, 6, {"contact.tier": "gold", "interaction.delivery": "home"})  # in the log
    for probe_cost in (0, 10**6):  # probing each answer's values by key, or lists
        with mock.patch.object(segment_index, "_PROBED", probe_cost):
            histogram = gold_and_home(shop)
        assert (sum(histogram), histogram[10], histogram[6]) == (2, 1, 1)
