"""Rollups stay exact: every figure read from them equals a count over the raw answers."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import answer, draw_answers, interaction
from touchpoint.accounts.actions import do_create_unit, do_move_unit
from touchpoint.accounts.models import Account
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import InteractionIn
from touchpoint.lib.bulk import bulk_insert
from touchpoint.reports import folding, rollups
from touchpoint.reports.models import HISTOGRAM, Rollup, RollupDelta, RollupTotal
from touchpoint.responses.actions import do_answer_invitation
from touchpoint.responses.models import Response
from touchpoint.surveys import delivery
from touchpoint.surveys.models import Touchpoint

pytestmark = pytest.mark.django_db
_accounts = itertools.count()


def fold(account) -> None:
    """What the worker does within a second: fold the account's waiting changes."""
    while folding.fold_account(account.pk, limit=100_000):
        pass
    assert not RollupDelta.objects.filter(account=account).exists()


def stored(account) -> dict[tuple, list[int]]:
    """Rollups and totals (keyed with touchpoint None and channel "") as `deltas_for` keys
    them, once the waiting changes are folded."""
    fold(account)
    return tables(account)


def tables(account) -> dict[tuple, list[int]]:
    """What the rollup tables hold now."""
    out = {
        (r.unit_id, r.grain, r.period, r.touchpoint_id, r.channel): r.histogram
        for r in Rollup.objects.filter(account=account)
        if any(r.histogram)
    }
    for r in RollupTotal.objects.filter(account=account):
        if any(r.histogram):
            out[(r.unit_id, r.grain, r.period, None, "")] = r.histogram
    return out


def brute_force(account) -> dict[tuple, list[int]]:
    """Each answer counted at every unit whose id appears in its attribution path."""
    zone = ZoneInfo(account.time_zone)
    counts: Counter = Counter()
    units = list(account.units.values_list("pk", flat=True))
    for r in Response.objects.filter(account=account):
        day = r.answered_at.astimezone(zone).date()
        for unit_id in units:
            if f"/{unit_id}/" in r.unit_path:
                for grain, period in (("day", day), ("month", day.replace(day=1))):
                    counts[(unit_id, grain, period, r.touchpoint_id, r.channel, r.score)] += 1
                    counts[(unit_id, grain, period, None, "", r.score)] += 1
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
def test_rollups_equal_a_brute_force_count_through_answers_changes_and_moves(data):
    zone = data.draw(st.sampled_from(["UTC", "Europe/Paris", "Pacific/Auckland", "America/Denver"]))
    account = Account.objects.create(name="P", slug=f"p{next(_accounts)}", time_zone=zone)
    units = [do_create_unit(account=account, kind="brand", code="b", name="B")]
    for i in range(data.draw(st.integers(0, 8))):
        parent = data.draw(st.sampled_from(units))
        units.append(
            do_create_unit(account=account, kind="region", code=f"u{i}", name="U", parent=parent)
        )
    touchpoints = [
        Touchpoint.objects.create(account=account, slug=f"t{i}", name="T") for i in range(2)
    ]
    start = dt.datetime(2026, 1, 31, 0, 0, tzinfo=dt.UTC)

    def answers(count: int) -> list[Response]:
        return draw_answers(
            data, account, count, units=units, touchpoints=touchpoints, start=start, days=40
        )

    given_answers = answers(data.draw(st.integers(0, 30)))
    for response in (
        data.draw(st.lists(st.sampled_from(given_answers), max_size=5)) if given_answers else []
    ):
        old = response.score
        response.score = data.draw(st.integers(0, 10))
        response.save(update_fields=["score"])
        if old != response.score:
            change = rollups.change_of(response, zone, plus=response.score, minus=old)
            rollups.record(account, [change])
        if data.draw(st.booleans()):
            fold(account)  # some changes folded, others still waiting
    if len(units) > 2:
        moved = data.draw(st.sampled_from(units[1:]))
        target = data.draw(st.sampled_from(units))
        moved.refresh_from_db()
        target.refresh_from_db()
        if not target.path.startswith(moved.path):
            do_move_unit(unit=moved, new_parent=target)
    answers(data.draw(st.integers(0, 10)))  # answers after the move follow the new tree

    assert stored(account) == brute_force(account)
    before = stored(account)
    assert folding.rebuild(account) == Response.objects.filter(account=account).count()
    assert stored(account) == before


@time_machine.travel(dt.datetime(2026, 11, 20, 9, 5, tzinfo=dt.UTC), tick=True)
def test_answers_from_the_survey_page_and_the_intake_move_the_rollups(brand, smtp):
    result = record_interactions(
        brand.account,
        [
            InteractionIn(**interaction(brand)),
            InteractionIn(
                **interaction(
                    brand,
                    external_id="p-1",
                    touchpoint="support-call",
                    unit="agent-431",
                    contact={"email": "p@example.com"},
                    response={"score": 2, "channel": "phone"},
                )
            ),
        ],
    )
    delivery.send_due_invitations()
    invitation = result.items[0].invitation
    invitation.refresh_from_db()
    do_answer_invitation(invitation, score=9)
    do_answer_invitation(invitation, score=6)  # changed their mind
    fold(brand.account)

    def month(unit, touchpoint, channel) -> list[int]:
        row = Rollup.objects.get(
            unit=unit,
            grain="month",
            period=dt.date(2026, 11, 1),
            touchpoint=touchpoint,
            channel=channel,
        )
        return row.histogram

    assert month(brand.store, brand.purchase, "email")[6] == 1
    assert sum(month(brand.store, brand.purchase, "email")) == 1
    assert month(brand.brand, brand.purchase, "email") == month(
        brand.north, brand.purchase, "email"
    )
    assert month(brand.agent, brand.support, "phone")[2] == 1
    assert month(brand.vendor, brand.support, "phone")[2] == 1
    assert not Rollup.objects.filter(unit=brand.other_store).exists()
    assert stored(brand.account) == brute_force(brand.account)


def test_the_rebuild_command_agrees_with_the_live_rollups(brand, capsys):
    unit = brand.store
    made = [
        Response(
            account=brand.account,
            unit=unit,
            unit_path=unit.path,
            touchpoint=brand.purchase,
            channel="email",
            score=s,
            answered_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        )
        for s in (0, 9, 10)
    ]
    bulk_insert(made)
    folding.add_responses(brand.account, made)
    before = stored(brand.account)
    call_command("rebuild-rollups", "--account", "nimbus")
    assert "rebuilt from 3 answers" in capsys.readouterr().out
    assert stored(brand.account) == before
    assert set(HISTOGRAM) == {f"s{n}" for n in range(11)}


def test_restating_history_moves_past_answers_to_the_units_new_place(brand, people):
    from tests.test_tickets import respond
    from touchpoint.responses.actions import do_restate_history
    from touchpoint.tickets.models import Ticket

    with time_machine.travel(dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC), tick=False):
        past = respond(brand, 2, "Before the move")  # store-012, in North: opens a ticket
        respond(brand, 9, n=2, unit_code="store-040")  # elsewhere: untouched
    east = do_create_unit(
        account=brand.account, kind="region", code="east", name="East", parent=brand.brand
    )
    do_move_unit(unit=brand.store, new_parent=east)
    brand.store.refresh_from_db()

    assert do_restate_history(unit=east) == 1
    assert do_restate_history(unit=east) == 0  # idempotent
    fold(brand.account)
    past.refresh_from_db()
    assert past.unit_path == brand.store.path
    assert past.attribution["region"]["code"] == "east"
    assert Ticket.objects.get(response=past).unit_path == brand.store.path
    by_unit = Counter()
    for row in Rollup.objects.filter(grain="month"):
        by_unit[row.unit_id] += sum(getattr(row, h) for h in HISTOGRAM)
    assert by_unit[east.pk] == 1 and by_unit[brand.north.pk] == 0
    restated = stored(brand.account)
    folding.rebuild(brand.account)
    assert stored(brand.account) == restated  # exactly what a rebuild from the answers gives


@pytest.mark.django_db(transaction=True)
def test_the_totals_migration_fills_totals_from_the_existing_rollups(brand):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    for n, score in enumerate((0, 6, 9, 10)):
        answer(brand, brand.store, score, n=n)
    answer(brand, brand.agent, 7, touchpoint=brand.support, channel="sms")
    expected = stored(brand.account)
    executor = MigrationExecutor(connection)
    executor.migrate([("reports", "0002_rollups_read_without_parallel_workers")])
    executor.loader.build_graph()
    executor.migrate([("reports", "0003_rollup_totals")])
    assert tables(brand.account) == expected
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes("reports"))  # as the other tests expect
    assert RollupTotal.objects.filter(unit=brand.brand, grain="month").get().histogram == [
        1, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1
    ]  # fmt: skip
