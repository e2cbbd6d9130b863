"""Keeping rollups exact: every stored, changed or imported answer moves its histograms (per
touchpoint and channel, and their totals) in the same transaction, and `rebuild` recomputes
them from the responses alone.

An answer counts at each unit of its attribution path (the snapshot taken when it was first
stored), for its local day and month in the account's time zone.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from touchpoint.accounts.models import Account
from touchpoint.reports.models import HISTOGRAM, Histogram, Rollup, RollupTotal
from touchpoint.responses.models import Response

# (unit_id, grain, period, touchpoint_id, channel); a total's key has touchpoint_id None and
# channel "" (every touchpoint and channel together).
Key = tuple[int, str, dt.date, int | None, str]
Deltas = dict[Key, list[int]]

DAY, MONTH = Rollup.Grain.DAY.value, Rollup.Grain.MONTH.value


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


def apply(account: Account, deltas: Deltas) -> None:
    """Add the changes to the stored histograms: one upsert statement per few hundred rows,
    rollups and totals each into their own table."""
    detailed = [(key, h) for key, h in deltas.items() if key[3] is not None]
    totals = [(key[:3], h) for key, h in deltas.items() if key[3] is None]
    _upsert(account, Rollup, ["unit_id", "grain", "period", "touchpoint_id", "channel"], detailed)
    _upsert(account, RollupTotal, ["unit_id", "grain", "period"], totals)


def _upsert(account: Account, model: type[Histogram], key: list[str], items: list) -> None:
    if not items:
        return
    ops = connection.ops
    table = ops.quote_name(model._meta.db_table)
    columns = ["account_id", *key, *HISTOGRAM]
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    update = ", ".join(
        f"{ops.quote_name(c)} = {table}.{ops.quote_name(c)} + excluded.{ops.quote_name(c)}"
        for c in HISTOGRAM
    )
    per_statement = 999 // len(columns)
    with connection.cursor() as cursor:
        for start in range(0, len(items), per_statement):
            chunk = items[start : start + per_statement]
            params: list = []
            for values, histogram in chunk:
                params += [account.pk, *values, *histogram]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(ops.quote_name(c) for c in columns)}) "  # noqa: S608
                f"VALUES {', '.join([row] * len(chunk))} "
                f"ON CONFLICT ({', '.join(ops.quote_name(c) for c in key)}) "
                f"DO UPDATE SET {update}",
                params,
            )


def add_responses(account: Account, responses: Iterable[Response], sign: int = 1) -> None:
    rows = ((r.unit_path, r.touchpoint_id, r.channel, r.answered_at, r.score) for r in responses)
    apply(account, deltas_for(rows, account.time_zone, sign))


def change_score(account: Account, response: Response, old_score: int) -> None:
    """An answer changed from `old_score` to its current score: move one count."""
    if old_score == response.score:
        return
    row = (response.unit_path, response.touchpoint_id, response.channel, response.answered_at)
    deltas = deltas_for([(*row, response.score)], account.time_zone)
    for histogram in deltas.values():
        histogram[old_score] -= 1
    apply(account, deltas)


@transaction.atomic
def rebuild(account: Account, *, batch: int = 20_000) -> int:
    """Recompute every rollup of the account from its responses; returns the answers counted.

    Responses are read in answer order a batch at a time and their changes applied per
    batch, so memory stays bounded by one batch's keys.
    """
    Rollup.objects.filter(account=account).delete()
    RollupTotal.objects.filter(account=account).delete()
    rows = (
        Response.objects.filter(account=account)
        .order_by("answered_at", "pk")
        .values_list("unit_path", "touchpoint_id", "channel", "answered_at", "score")
    )
    counted = 0
    pending: list = []
    for row in rows.iterator(chunk_size=batch):
        pending.append(row)
        if len(pending) >= batch:
            apply(account, deltas_for(pending, account.time_zone))
            counted += len(pending)
            pending = []
    apply(account, deltas_for(pending, account.time_zone))
    return counted + len(pending)
