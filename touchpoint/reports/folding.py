"""Folding the delta log into the rollups and the segment index, backfilling declared
dimensions, building the index, rebuilding.

`fold_pending` is the worker's step (every pass, so within a second of an answer): for
each account with changes waiting, it takes the account's fold lock (another worker skips
the account), deletes a batch of the oldest changes and adds them to the rollups, totals and
segment rollups, and files them in the segment index, in the same transaction. A fold that
dies or rolls back leaves the changes in the log, untouched, for the next one; one that
commits has moved them: no change is ever counted twice or lost, and figures, which add the
log to the rollups in one statement, read the same numbers before, during and after.

A declared dimension is backfilled by the same step, a batch of past answers at a time in id
order, under the same lock: the answers up to `backfilled_to` are counted, and a change to
one of them counts for the dimension when folded; a change to a later answer does not, since
the backfill will count that answer as it stands when it reaches it. Each batch counts its
answers less their changes still in the log (read in the same statement), since folding
those adds them. An account's segment index is built for its past answers the same way
(`segment_index.build_batch`, `FoldState.indexed_to`). `rebuild` recomputes every rollup and
the index the same way, from the answers alone.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from touchpoint.accounts.models import Account
from touchpoint.reports import segment_index
from touchpoint.reports.dimensions import Buckets
from touchpoint.reports.models import (
    HISTOGRAM,
    Dimension,
    FoldState,
    Rollup,
    RollupDelta,
    RollupTotal,
    SegmentRollup,
    SegmentTotal,
)
from touchpoint.reports.recount import recount
from touchpoint.reports.rollups import (
    Change,
    SegmentRule,
    apply,
    apply_segments,
    change_of,
    counted,
    locked,
    segment_counted,
)
from touchpoint.responses.models import Response

log = logging.getLogger("touchpoint.reports")

BATCH = 5_000  # changes folded per account and pass
BACKFILL_BATCH = 100_000  # past answers counted per dimension and pass (set-based)

_DELTA_COLUMNS = ["response_id", "unit_path", "day", "touchpoint_id", "channel", *HISTOGRAM]


def fold_pending(*, limit: int = BATCH) -> int:
    """Fold each account's waiting changes and a batch of each backfill; returns how many
    changes and answers were counted (0: nothing to do)."""
    accounts = set(RollupDelta.objects.values_list("account_id", flat=True).distinct()[:1000])
    accounts |= set(
        Dimension.objects.filter(state=Dimension.State.BACKFILLING).values_list(
            "account_id", flat=True
        )
    )
    accounts |= set(FoldState.objects.filter(indexed=False).values_list("account_id", flat=True))
    done = 0
    for account_id in sorted(accounts):
        try:
            done += fold_account(account_id, limit=limit)
        except Exception:  # one account's trouble holds up no other
            log.exception("folding the rollups of account %s failed", account_id)
    return done


def fold_account(account_id: int, *, limit: int = BATCH, backfill: int = BACKFILL_BATCH) -> int:
    with transaction.atomic():
        if not locked(account_id, wait=False):
            return 0  # another worker is folding this account
        changes = claim(account_id, limit)
        dimensions = list(Dimension.objects.filter(account_id=account_id).order_by("pk"))
        index_progress = segment_index.progress(account_id)
        if changes:
            apply(account_id, counted(changes))
            apply_segments(account_id, segment_counted(changes, _rules(dimensions)))
            segment_index.file_changes(account_id, changes, index_progress)
            FoldState.objects.filter(account_id=account_id).update(
                folded_at=timezone.now(), folded=F("folded") + len(changes)
            )
        counted_past = 0
        for dimension in dimensions:
            if dimension.state == Dimension.State.BACKFILLING:
                counted_past += backfill_batch(dimension, backfill)
        if not index_progress[0]:  # not built yet: file a batch of past answers
            zone = Account.objects.values_list("time_zone", flat=True).get(pk=account_id)
            counted_past += segment_index.build_batch(account_id, zone, backfill)
    return len(changes) + counted_past


def claim(account_id: int, limit: int) -> list[Change]:
    """Delete the account's `limit` oldest changes and return them (one statement)."""
    quote = connection.ops.quote_name
    table = quote(RollupDelta._meta.db_table)
    columns = ", ".join(quote(c) for c in ["id", *_DELTA_COLUMNS, "segments"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE {quote('id')} IN (SELECT {quote('id')} FROM {table} "  # noqa: S608
            f"WHERE {quote('account_id')} = %s ORDER BY {quote('id')} LIMIT %s) "
            f"RETURNING {columns}",
            [account_id, limit],
        )
        rows = sorted(cursor.fetchall())
    return [_change(row[1:]) for row in rows]


def _change(row) -> Change:
    response_id, unit_path, day, touchpoint_id, channel, *rest = row
    *histogram, segments = rest
    return Change(
        response_id=response_id,
        unit_path=unit_path,
        day=day if isinstance(day, dt.date) else dt.date.fromisoformat(day),
        touchpoint_id=touchpoint_id,
        channel=channel,
        histogram=[int(n) for n in histogram],
        segments=_json(segments),
    )


def _json(value) -> dict:
    if isinstance(value, str):
        return json.loads(value)
    return value or {}


def _rules(dimensions: list[Dimension]) -> list[SegmentRule]:
    rules: list[SegmentRule] = []
    for dimension in dimensions:
        if dimension.state == Dimension.State.READY:
            rules.append((dimension.pk, dimension.name, Buckets.load(dimension), _always))
        else:
            upto = dimension.backfilled_to
            rules.append(
                (dimension.pk, dimension.name, Buckets.load(dimension), lambda pk, u=upto: pk <= u)
            )
    return rules


def _always(response_id: int) -> bool:
    return True


def backfill_batch(dimension: Dimension, batch: int = BACKFILL_BATCH) -> int:
    """Count the next `batch` past answers into a backfilling dimension's rollups (under the
    account's fold lock, in the caller's transaction), set-based (`reports.recount`).
    Returns the answers counted."""
    account = Account.objects.get(pk=dimension.account_id)
    after = dimension.backfilled_to
    upto = (
        Response.objects.filter(account=account, pk__gt=after)
        .order_by("pk")
        .values_list("pk", flat=True)[batch - 1 : batch]
        .first()
    )
    finished = upto is None
    if upto is None:  # the last batch: up to the latest answer
        upto = _latest(account) or after
    answers = recount(
        account.pk, account.time_zone, rollups=False, dimensions=[dimension], after=after, upto=upto
    )
    Dimension.objects.filter(pk=dimension.pk).update(
        backfilled_to=upto,
        backfill_done=F("backfill_done") + answers,
        state=Dimension.State.READY if finished else Dimension.State.BACKFILLING,
        ready_at=timezone.now() if finished else None,
    )
    return answers


def _latest(account: Account) -> int | None:
    return (
        Response.objects.filter(account=account)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )


def rebuild(account: Account) -> int:
    """Recompute every rollup, total and segment rollup of the account, and its segment
    index, from its responses (less the changes still in the log, which the next fold adds),
    set-based (`reports.recount`, `reports.segment_index`); returns the answers counted.
    Backfills in progress, and the index's build, are finished by it."""
    with transaction.atomic():
        locked(account.pk, wait=True)
        for model in (Rollup, RollupTotal, SegmentRollup, SegmentTotal):
            model.objects.filter(account=account).delete()
        dimensions = list(Dimension.objects.filter(account=account).order_by("pk"))
        last = _latest(account) or 0
        answers = recount(account.pk, account.time_zone, dimensions=dimensions, upto=last)
        Dimension.objects.filter(account=account, state=Dimension.State.BACKFILLING).update(
            state=Dimension.State.READY,
            ready_at=timezone.now(),
            backfilled_to=last,
            backfill_done=F("backfill_total"),
        )
        segment_index.rebuild(account.pk, account.time_zone)
    return answers


def add_responses(account: Account, responses, sign: int = 1) -> None:
    """Count stored answers into the rollups at once, without the log (the demo's seed and
    the benchmark's generator, which write history in bulk with nothing else running)."""
    changes = [
        change_of(r, account.time_zone, **{"plus" if sign > 0 else "minus": r.score})
        for r in responses
    ]
    if not changes:
        return
    with transaction.atomic():
        locked(account.pk, wait=True)
        apply(account, counted(changes))
        dimensions = list(Dimension.objects.filter(account=account).order_by("pk"))
        apply_segments(account, segment_counted(changes, _rules(dimensions)))
        segment_index.file_changes(account.pk, changes)
