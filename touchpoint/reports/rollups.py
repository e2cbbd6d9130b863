"""Rollup mechanics: what one answer's change counts, and writing it.

A change to anything a rollup counts (an answer stored, its score changed, its history
restated, its person erased) is one `Change`: a histogram difference (+1 at the new score,
-1 at the old) on the answer's local day, counted at each unit of an attribution path, for
the answer's segments. The answer's own transaction only appends it to the delta log
(`record`, one row, no lock anyone else waits for); the worker folds the log into the rollups
and segment rollups (`reports.folding`, which also rebuilds them); figures add the changes
not yet folded (`reports.counting`), so they are exact at every moment.

An answer counts at each unit of its attribution path (the snapshot taken when it was first
stored), for its local day and month in the account's time zone.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from touchpoint.accounts.models import Account
from touchpoint.lib.bulk import build, insert_few
from touchpoint.reports.models import (
    HISTOGRAM,
    FoldState,
    Histogram,
    Rollup,
    RollupDelta,
    RollupTotal,
    SegmentRollup,
    SegmentTotal,
)

# (unit_id, grain, period, touchpoint_id, channel); a total's key has touchpoint_id None and
# channel "" (every touchpoint and channel together).
Key = tuple[int, str, dt.date, int | None, str]
Deltas = dict[Key, list[int]]
# (unit_id, grain, period, dimension_id, value_id, touchpoint_id, channel), totals likewise.
SegmentKey = tuple[int, str, dt.date, int, int, int | None, str]
SegmentDeltas = dict[SegmentKey, list[int]]

DAY, MONTH = Rollup.Grain.DAY.value, Rollup.Grain.MONTH.value


@dataclass(slots=True)
class Change:
    response_id: int
    unit_path: str
    day: dt.date
    touchpoint_id: int
    channel: str
    histogram: list[int]
    segments: Mapping[str, str] = field(default_factory=dict)

    @property
    def units(self) -> list[int]:
        return [int(part) for part in self.unit_path.strip("/").split("/")]


def local_day(at: dt.datetime, time_zone: str) -> dt.date:
    return at.astimezone(ZoneInfo(time_zone)).date()


def change_of(
    response,
    time_zone: str,
    *,
    plus: int | None = None,
    minus: int | None = None,
    path: str | None = None,
    segments: Mapping[str, str] | None = None,
) -> Change:
    """A response's change: +1 at score `plus`, -1 at score `minus` (either may be None),
    counted on its attribution path (or `path`) and segments (or `segments`)."""
    histogram = [0] * 11
    if plus is not None:
        histogram[plus] += 1
    if minus is not None:
        histogram[minus] -= 1
    return Change(
        response_id=response.pk,
        unit_path=response.unit_path if path is None else path,
        day=local_day(response.answered_at, time_zone),
        touchpoint_id=response.touchpoint_id,
        channel=response.channel,
        histogram=histogram,
        segments=response.segments if segments is None else segments,
    )


def _keys(unit_path: str, touchpoint_id: int, channel: str, local_day: dt.date) -> list[Key]:
    month = local_day.replace(day=1)
    keys = []
    for part in unit_path.strip("/").split("/"):
        unit_id = int(part)
        keys.append((unit_id, DAY, local_day, touchpoint_id, channel))
        keys.append((unit_id, MONTH, month, touchpoint_id, channel))
        keys.append((unit_id, DAY, local_day, None, ""))
        keys.append((unit_id, MONTH, month, None, ""))
    return keys


def deltas_for(
    rows: Iterable[tuple[str, int, str, dt.datetime, int]], time_zone: str, sign: int = 1
) -> Deltas:
    """Histogram changes, of rollups and of their totals, for answers given as (unit_path,
    touchpoint_id, channel, answered_at, score) rows."""
    zone = ZoneInfo(time_zone)
    deltas: Deltas = defaultdict(lambda: [0] * 11)
    for unit_path, touchpoint_id, channel, answered_at, score in rows:
        day = answered_at.astimezone(zone).date()
        for key in _keys(unit_path, touchpoint_id, channel, day):
            deltas[key][score] += sign
    return deltas


def counted(changes: Iterable[Change], deltas: Deltas | None = None) -> Deltas:
    """The rollup and total changes of `changes` (added to `deltas` when given)."""
    out: Deltas = deltas if deltas is not None else defaultdict(lambda: [0] * 11)
    for change in changes:
        for key in _keys(change.unit_path, change.touchpoint_id, change.channel, change.day):
            histogram = out[key]
            for i, n in enumerate(change.histogram):
                if n:
                    histogram[i] += n
    return out


# A dimension as the fold sees it: its id and name, the bucket of a segment text, and
# whether a change of a given response counts for it yet (a backfill in progress leaves
# later answers to itself).
SegmentRule = tuple[int, str, Callable[[str], int], Callable[[int], bool]]


def segment_counted(
    changes: Iterable[Change], rules: Sequence[SegmentRule], deltas: SegmentDeltas | None = None
) -> SegmentDeltas:
    out: SegmentDeltas = deltas if deltas is not None else defaultdict(lambda: [0] * 11)
    if not rules:
        return out
    for change in changes:
        month = change.day.replace(day=1)
        units = change.units
        for dimension_id, name, bucket, counts in rules:
            if not counts(change.response_id):
                continue
            value_id = bucket(change.segments.get(name, ""))
            for unit_id in units:
                for grain, period in ((DAY, change.day), (MONTH, month)):
                    for touchpoint_id, channel in (
                        (change.touchpoint_id, change.channel),
                        (None, ""),
                    ):
                        key = (
                            unit_id,
                            grain,
                            period,
                            dimension_id,
                            value_id,
                            touchpoint_id,
                            channel,
                        )
                        histogram = out[key]
                        for i, n in enumerate(change.histogram):
                            if n:
                                histogram[i] += n
    return out


# --- Writing --------------------------------------------------------------------------------


def record(account: Account | int, changes: Sequence[Change]) -> None:
    """Append changes to the delta log (in the caller's transaction): one statement."""
    if not changes:
        return
    account_id = account if isinstance(account, int) else account.pk
    now = timezone.now()
    rows = []
    for c in changes:
        if not any(c.histogram):
            continue
        rows.append(
            build(
                RollupDelta,
                account_id=account_id,
                response_id=c.response_id,
                unit_path=c.unit_path,
                day=c.day,
                touchpoint_id=c.touchpoint_id,
                channel=c.channel,
                segments=dict(c.segments),
                created_at=now,
                **dict(zip(HISTOGRAM, c.histogram, strict=True)),
            )
        )
    insert_few(rows)


def apply(account: Account | int, deltas: Deltas) -> None:
    """Add the changes to the stored histograms: one upsert statement per few hundred rows,
    rollups and totals each into their own table, in key order (two writers lock rows in the
    same order, so they never wait for each other in a circle)."""
    detailed = sorted((key, h) for key, h in deltas.items() if key[3] is not None and any(h))
    totals = sorted((key[:3], h) for key, h in deltas.items() if key[3] is None and any(h))
    _upsert(account, Rollup, ["unit_id", "grain", "period", "touchpoint_id", "channel"], detailed)
    _upsert(account, RollupTotal, ["unit_id", "grain", "period"], totals)


def apply_segments(account: Account | int, deltas: SegmentDeltas) -> None:
    detailed = sorted((key, h) for key, h in deltas.items() if key[5] is not None and any(h))
    totals = sorted((key[:5], h) for key, h in deltas.items() if key[5] is None and any(h))
    names = ["unit_id", "grain", "period", "dimension_id", "value_id"]
    # The unique keys list the dimension before the grain (reads bound by unit and dimension).
    _upsert(
        account,
        SegmentRollup,
        [*names, "touchpoint_id", "channel"],
        detailed,
        conflict=[
            "unit_id",
            "dimension_id",
            "grain",
            "period",
            "value_id",
            "touchpoint_id",
            "channel",
        ],
    )
    _upsert(
        account,
        SegmentTotal,
        names,
        totals,
        conflict=["unit_id", "dimension_id", "grain", "period", "value_id"],
    )


def _upsert(
    account: Account | int,
    model: type[Histogram],
    key: list[str],
    items: list,
    *,
    conflict: list[str] | None = None,
) -> None:
    if not items:
        return
    account_id = account if isinstance(account, int) else account.pk
    ops = connection.ops
    table = ops.quote_name(model._meta.db_table)
    columns = ["account_id", *key, *HISTOGRAM]
    update = ", ".join(
        f"{ops.quote_name(c)} = {table}.{ops.quote_name(c)} + excluded.{ops.quote_name(c)}"
        for c in HISTOGRAM
    )
    insert = f"INSERT INTO {table} ({', '.join(ops.quote_name(c) for c in columns)}) "
    on_conflict = (
        f"ON CONFLICT ({', '.join(ops.quote_name(c) for c in conflict or key)}) "
        f"DO UPDATE SET {update}"
    )
    if connection.vendor == "postgresql":
        # One statement of column arrays: its SQL is short, so psycopg converts it once and
        # PostgreSQL prepares it, where a multi-row VALUES of hundreds of parameters was
        # parsed by psycopg in Python on every run (1.6 ms per 58 rows, most of a fold).
        arrays = ", ".join(
            f"%s::{model._meta.get_field(c).db_type(connection)}[]" for c in [*key, *HISTOGRAM]
        )
        keys = [list(column) for column in zip(*(k for k, _ in items), strict=True)]
        counts = [list(column) for column in zip(*(h for _, h in items), strict=True)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"{insert}SELECT %s, * FROM unnest({arrays}) {on_conflict}",  # noqa: S608
                [account_id, *keys, *counts],
            )
        return
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    per_statement = 999 // len(columns)
    with connection.cursor() as cursor:
        for start in range(0, len(items), per_statement):
            chunk = items[start : start + per_statement]
            params: list = []
            for values, histogram in chunk:
                params += [account_id, *values, *histogram]
            cursor.execute(
                f"{insert}VALUES {', '.join([row] * len(chunk))} {on_conflict}",
                params,
            )


def locked(account_id: int, *, wait: bool) -> bool:
    """Take the account's fold lock for the current transaction (folding, backfilling,
    rebuilding and dropping a dimension write rollups only under it). Without `wait`, False
    when another worker holds it. SQLite transactions take the database's one write lock
    up front (IMMEDIATE), which serialises these writers already."""
    if not connection.in_atomic_block:
        raise RuntimeError("the fold lock is held for a transaction: take it inside one")
    rows = FoldState.objects.filter(account_id=account_id).select_for_update(skip_locked=not wait)
    if list(rows.values_list("pk", flat=True)):
        return True
    _, made = FoldState.objects.get_or_create(account_id=account_id)
    # Made here (and so held): taken. Else another worker holds the row, or made it meanwhile.
    return made or bool(list(rows.values_list("pk", flat=True)))
