"""Segment rollups stay exact: for a declared dimension, every figure read from its rollups
(filtered on its values, grouped by it, with the changes still in the log or folded) equals
a count over the raw answers' segment snapshots, through moves, restatements, erasures,
changed scores, backfills and rebuilds; and declaring or dropping one changes no other
figure."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.segment_history import History
from tests.test_report_queries import brute
from tests.test_rollups import fold
from touchpoint.accounts.actions import do_create_unit
from touchpoint.accounts.models import Account
from touchpoint.contacts.models import Contact
from touchpoint.lib.bulk import bulk_insert
from touchpoint.lib.segments import snapshot
from touchpoint.reports import counting, figures, folding, recount
from touchpoint.reports.dimensions import do_declare_dimension, do_drop_dimension
from touchpoint.reports.models import (
    Dimension,
    DimensionValue,
    Rollup,
    RollupTotal,
    SegmentRollup,
    SegmentTotal,
)
from touchpoint.reports.params import check_group_by, check_report_request
from touchpoint.responses.actions import attribution_for
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Touchpoint

pytestmark = pytest.mark.django_db
_accounts = itertools.count()
NOW = dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC)
TIERS = ["gold", "silver", "bronze", "steel", "tin"]


def finish_backfills(account) -> None:
    while Dimension.objects.filter(account=account, state="backfilling").exists():
        folding.fold_account(account.pk, backfill=7)


def value_of(response: Response, name: str) -> str:
    return response.segments.get(name, "")


def stored_segments(account) -> dict[tuple, list[int]]:
    out = {}
    for model, detailed in ((SegmentRollup, True), (SegmentTotal, False)):
        for r in model.objects.filter(account=account):
            if any(r.histogram):
                key = (r.unit_id, r.grain, r.period, r.dimension_id, r.value_id)
                key += (r.touchpoint_id, r.channel) if detailed else (None, "")
                out[key] = r.histogram
    return out


def brute_segments(account) -> dict[tuple, list[int]]:
    """Each answer at every unit of its path, day and month, under the value rollups its
    snapshot's value has (the dimension's values as admitted; the rest "other")."""
    zone = ZoneInfo(account.time_zone)
    counts: Counter = Counter()
    for dimension in Dimension.objects.filter(account=account):
        ids, other = {}, None
        for v in DimensionValue.objects.filter(dimension=dimension):
            if v.is_other:
                other = v.pk
            else:
                ids[v.value] = v.pk
        for r in Response.objects.filter(account=account):
            text = value_of(r, dimension.name)
            value_id = ids.get(text, other)
            assert value_id is not None, f"{text!r} has no rollups"
            day = r.answered_at.astimezone(zone).date()
            for part in r.unit_path.strip("/").split("/"):
                for grain, period in (("day", day), ("month", day.replace(day=1))):
                    for tp, ch in ((r.touchpoint_id, r.channel), (None, "")):
                        key = (int(part), grain, period, dimension.pk, value_id, tp, ch)
                        counts[(*key, r.score)] += 1
    out: dict[tuple, list[int]] = {}
    for (*key, score), n in counts.items():
        out.setdefault(tuple(key), [0] * 11)[score] = n
    return out


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_figure_from_a_dimensions_rollups_equals_a_count_of_the_raw_answers(data):
    history = History(
        data,
        # The last contact has no tier (hypothesis draws the first one most often).
        attributes=lambda i: {} if i == 4 else {"tier": data.draw(st.sampled_from(TIERS))},
        deliveries=["home", "store"],
    )
    account, units, touchpoints = history.account, history.units, history.touchpoints
    zone = ZoneInfo(history.zone)
    history.answers(data.draw(st.integers(0, 20)))
    cap = data.draw(st.integers(2, 4))  # small, so that "other" happens
    tier, _ = do_declare_dimension(account, "contact.tier", cap=cap, now=NOW)
    do_declare_dimension(account, "interaction.delivery", now=NOW)
    history.steps(max_size=6, fold_limits=(1, 10))
    finish_backfills(account)
    responses = list(Response.objects.filter(account=account))

    # Figures (rollups and the log together) equal the raw count, before and after folding.
    unit = data.draw(st.sampled_from(units))
    unit.refresh_from_db()
    start = dt.date(2026, 1, 15) + dt.timedelta(data.draw(st.integers(0, 40)))
    end = start + dt.timedelta(data.draw(st.integers(0, 40)))
    touchpoint = data.draw(st.sampled_from([None, *touchpoints]))
    declared = counting.plan(
        check_report_request(unit=unit, start=start, end=end, now=NOW), ("contact.tier",)
    )[1]
    admitted = sorted(v for v in declared.ids if v) if declared else []
    chosen = (
        data.draw(st.lists(st.sampled_from(admitted), min_size=1, max_size=2, unique=True))
        if admitted
        else []
    )
    for folded in (False, True):
        if folded:
            fold(account)
        request = check_report_request(
            unit=unit,
            start=start,
            end=end,
            touchpoint=touchpoint,
            segments={"contact.tier": chosen} if chosen else None,
            now=NOW,
        )
        if chosen:
            assert request.source == "segment rollups"

        picked = [r for r in responses if not chosen or value_of(r, "contact.tier") in chosen]
        report = figures.report(request, comments=0)
        filters = {"touchpoint": touchpoint}
        assert list(report.headline.histogram) == brute(
            picked, unit.pk, start, end, zone, **filters
        )
        before = report.previous_request
        assert list(report.previous.histogram) == brute(
            picked, unit.pk, before.start, before.end, zone, **filters
        )
        for figure in report.by_channel:
            only = {**filters, "channel": figure.key}
            assert list(figure.histogram) == brute(picked, unit.pk, start, end, zone, **only)
        for point in figures.trend(request, "week"):
            assert list(point.figure.histogram) == brute(
                picked, unit.pk, point.start, point.end, zone, **filters
            )
        for _, board in report.leaderboard:
            for row in board:
                assert list(row.figure.histogram) == brute(
                    picked, row.unit.pk, start, end, zone, **filters
                )
        # Grouped by the dimension: each value (or "other") as the raw snapshots say.
        plain = check_report_request(
            unit=unit, start=start, end=end, touchpoint=touchpoint, now=NOW
        )
        assert counting.plan(plain, ("contact.tier",))[0] == "segments"
        _, groups = figures.grouped(plain, check_group_by(plain, "contact.tier"))
        fresh = plain.dimension("contact.tier", fresh=True)
        expected: dict = {}
        for r in responses:
            text = value_of(r, "contact.tier")
            key = text if text in fresh.ids or fresh.other is None else counting.OTHER
            histogram = brute([r], unit.pk, start, end, zone, **filters)
            if any(histogram):
                expected[key] = [
                    a + b for a, b in zip(expected.get(key, [0] * 11), histogram, strict=True)
                ]
        assert {g.key: list(g.histogram) for g in groups} == expected
    assert stored_segments(account) == brute_segments(account)
    assert (
        len(DimensionValue.objects.filter(dimension=tier, is_other=False).exclude(value="")) <= cap
    )
    before = stored_segments(account)
    folding.rebuild(account)
    assert stored_segments(account) == before


@settings(max_examples=200, deadline=None)
@given(
    zone_name=st.sampled_from(
        ["Europe/Paris", "Pacific/Auckland", "Australia/Lord_Howe", "America/St_Johns", "UTC"]
    ),
    start=st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 1, 1)),
    days=st.integers(0, 800),
    probe=st.floats(0, 1),
)
def test_the_recounts_utc_offsets_give_each_instant_its_local_day(zone_name, start, days, probe):
    # The rebuild's SQLite path: the zone's offsets as spans, as the CASE it writes reads them.
    zone = ZoneInfo(zone_name)
    first = start.replace(tzinfo=dt.UTC)
    last = first + dt.timedelta(days=days, seconds=37)
    spans = recount._offsets(zone, first, last)
    at = first + (last - first) * probe
    minutes = next((m for until, m in spans[:-1] if at < until), spans[-1][1])
    assert (at + dt.timedelta(minutes=minutes)).date() == at.astimezone(zone).date()
    assert all(a[0] < b[0] for a, b in itertools.pairwise(spans))


def test_rollups_without_database_constraints_go_with_their_dimension_unit_and_touchpoint():
    # The rollup tables have no foreign keys in the database (a rebuild's commit would check
    # every row): the ORM's cascade alone removes them with what they count.
    account = Account.objects.create(name="D", slug=f"d{next(_accounts)}", time_zone="UTC")
    brand = do_create_unit(account=account, kind="brand", code="b", name="B")
    store = do_create_unit(account=account, kind="store", code="s", name="S", parent=brand)
    touchpoint = Touchpoint.objects.create(account=account, slug="t", name="T")
    contact = Contact.objects.create(
        account=account, email="c@x.example", attributes={"tier": "gold"}
    )
    bulk_insert(
        [
            Response(
                account=account,
                unit=store,
                unit_path=store.path,
                attribution=attribution_for(store),
                touchpoint=touchpoint,
                contact=contact,
                channel="email",
                score=score,
                answered_at=NOW - dt.timedelta(days=score),
                segments=snapshot(contact.attributes, {"delivery": "home"}),
            )
            for score in range(11)
        ]
    )
    tier, _ = do_declare_dimension(account, "contact.tier", now=NOW)
    delivery, _ = do_declare_dimension(account, "interaction.delivery", now=NOW)
    assert folding.rebuild(account) == 11
    tables = (Rollup, RollupTotal, SegmentRollup, SegmentTotal)
    assert all(model.objects.filter(account=account).exists() for model in tables)

    do_drop_dimension(tier)
    for model in (SegmentRollup, SegmentTotal):
        assert not model.objects.filter(dimension_id=tier.pk).exists()
        assert model.objects.filter(dimension=delivery).exists()

    # Units and touchpoints outlive their answers' rollups only until they are deleted.
    Response.objects.filter(account=account).delete()
    store_id, touchpoint_id = store.pk, touchpoint.pk
    store.delete()
    touchpoint.delete()
    for model in tables:
        assert not model.objects.filter(unit_id=store_id).exists()
    for model in (Rollup, SegmentRollup):
        assert not model.objects.filter(touchpoint_id=touchpoint_id).exists()
    assert RollupTotal.objects.filter(unit=brand).exists()
