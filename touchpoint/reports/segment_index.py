"""The segment index: each answer filed under every segment value it carries, so that a
report filtered on segments reads only the answers with those values, whatever the segments
(declared or not) and however many are combined.

A declared dimension's rollups answer a filter or a group on one dimension in a few rows; the
index answers the rest (several segments together, an attribute nobody declared, a value
counted under "other") by reading the entries of one filter's values in the period (one
index range: value, day, then everything a report counts by) and, for each other filter,
either keeping the answers found in a list of that filter's answers (built once for the
statement) or probing the answer's own entries by key (answer, value): whichever reads less
for the counts of entries each filter has in the period (`_probe_cheaper`).

- `file_changes`: the fold's step. The entries hold the answers as the folded changes left
  them, like the rollups: in the fold's transaction, each answer a change touches loses its
  entries and gets those of its state after the change (a change's -1 removes the answer's
  state, its +1 sets it), so they are replaced, never counted twice.
- `build_batch`: the index of an account's past answers, built by the worker a batch at a
  time in id order under the fold lock, as a dimension's backfill is (`FoldState.indexed_to`);
  each batch files its answers less their changes still in the log, which folding files.
- `rebuild`: the whole index again, from the answers (`rebuild-rollups`).
- `counted`: a report's score counts from the index plus the log's unfolded changes, in one
  statement, so that a fold committing meanwhile changes nothing (as `counting` does for the
  rollups).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from touchpoint.reports.models import (
    HISTOGRAM,
    FoldState,
    RollupDelta,
    SegmentEntry,
    SegmentTerm,
)
from touchpoint.reports.recount import Bounds, local_day_sql, segment_text
from touchpoint.reports.rollups import Change
from touchpoint.responses.models import Response

# Statements are built from model metadata (quoted names) only; values are parameters.
# ruff: noqa: S608

BUILD_BATCH = 100_000  # past answers filed per pass of the worker
REINDEX_FROM = 200_000  # answers from which a rebuild on SQLite makes the read index again

_ENTRY_COLUMNS = [
    "response_id",
    "term_id",
    "day",
    "unit_path",
    "touchpoint_id",
    "channel",
    "score",
]


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _tables() -> tuple[str, str, str, str]:
    return (
        _q(SegmentEntry._meta.db_table),
        _q(SegmentTerm._meta.db_table),
        _q(Response._meta.db_table),
        _q(RollupDelta._meta.db_table),
    )


# --- State ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexState:
    ready: bool
    percent: int


def state(account_id: int) -> IndexState:
    """Whether reports can read the account's index, and how far its build has come."""
    found = FoldState.objects.filter(account_id=account_id).values_list("indexed", "indexed_to")
    row = found.first()
    if row is None:
        return IndexState(False, 0)
    indexed, upto = row
    if indexed:
        return IndexState(True, 100)
    ids = Response.objects.filter(account_id=account_id).values_list("pk", flat=True)
    first, last = ids.order_by("pk").first(), ids.order_by("-pk").first()
    if first is None or last is None or upto < first:
        return IndexState(False, 0)
    return IndexState(False, min(99, int(100 * (upto - first + 1) / (last - first + 1))))


# --- Terms ----------------------------------------------------------------------------------


def _term_ids(account_id: int, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The terms' ids, made for the pairs not seen before."""
    wanted = set(pairs)
    if not wanted:
        return {}

    def known() -> dict[tuple[str, str], int]:
        names = sorted({name for name, _ in wanted})
        rows = SegmentTerm.objects.filter(account_id=account_id, name__in=names)
        values = {value for _, value in wanted}
        if len(values) < 500:
            rows = rows.filter(value__in=values)
        return {
            (name, value): pk
            for pk, name, value in rows.values_list("pk", "name", "value")
            if (name, value) in wanted
        }

    found = known()
    missing = wanted - set(found)
    if missing:
        SegmentTerm.objects.bulk_create(
            [SegmentTerm(account_id=account_id, name=n, value=v) for n, v in sorted(missing)],
            ignore_conflicts=True,
        )
        found = known()
    return found


# --- Filing changes (the fold) --------------------------------------------------------------


@dataclass(frozen=True)
class _Filed:
    change: Change
    score: int


def progress(account_id: int) -> tuple[bool, int]:
    """(built, the answers filed so far: those with an id up to this) of the account's index."""
    row = FoldState.objects.filter(account_id=account_id).values_list("indexed", "indexed_to")
    return row.first() or (False, 0)


def file_changes(
    account_id: int, changes: Sequence[Change], built: tuple[bool, int] | None = None
) -> None:
    """File the folded changes (in the order they were made) in the index: each answer they
    touch gets the entries of its state after them. Only for the answers the index holds
    (`progress`, read here unless the caller has it); in the fold's transaction."""
    indexed, upto = built if built is not None else progress(account_id)
    states: dict[int, _Filed | None] = {}
    for change in changes:
        if not indexed and change.response_id > upto:
            continue  # the build files that answer as it stands when it gets there
        if any(n < 0 for n in change.histogram):
            states[change.response_id] = None
        plus = [score for score, n in enumerate(change.histogram) if n > 0]
        if plus:
            states[change.response_id] = _Filed(change, plus[0])
    _replace(account_id, states)


def _replace(account_id: int, states: dict[int, _Filed | None]) -> None:
    """Delete the answers' entries and write those of their given states."""
    if not states:
        return
    entries = _tables()[0]
    ids = sorted(states)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            cursor.execute(
                f"DELETE FROM {entries} WHERE response_id IN ({', '.join(['%s'] * len(chunk))})",
                chunk,
            )
    filed = [f for f in states.values() if f is not None]
    terms = _term_ids(
        account_id, ((name, value) for f in filed for name, value in f.change.segments.items())
    )
    rows = [
        (
            f.change.response_id,
            terms[(name, value)],
            f.change.day,
            f.change.unit_path,
            f.change.touchpoint_id,
            f.change.channel,
            f.score,
        )
        for f in filed
        for name, value in sorted(f.change.segments.items())
    ]
    _insert(rows)


def _insert(rows: list[tuple]) -> None:
    if not rows:
        return
    entries = _tables()[0]
    columns = ", ".join(_q(c) for c in _ENTRY_COLUMNS)
    row = "(" + ", ".join(["%s"] * len(_ENTRY_COLUMNS)) + ")"
    adapt = connection.ops.adapt_datefield_value
    per_statement = 999 // len(_ENTRY_COLUMNS)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params = [
                value for r in chunk for value in (r[0], r[1], adapt(r[2]), r[3], r[4], r[5], r[6])
            ]
            cursor.execute(
                f"INSERT INTO {entries} ({columns}) VALUES {', '.join([row] * len(chunk))}",
                params,
            )


# --- Building (past answers) ----------------------------------------------------------------


def build_batch(account_id: int, time_zone: str, batch: int | None = BUILD_BATCH) -> int:
    """File the next `batch` past answers (all of them: None) under the account's fold
    lock, in the caller's transaction, set-based; the last batch marks the index built.
    Returns the answers filed."""
    found = FoldState.objects.filter(account_id=account_id).values_list("indexed_to", flat=True)
    after = found.first() or 0
    upto = None
    if batch is not None:
        answers = Response.objects.filter(account_id=account_id, pk__gt=after).order_by("pk")
        upto = answers.values_list("pk", flat=True)[batch - 1 : batch].first()
    finished = upto is None
    if upto is None:
        upto = (
            Response.objects.filter(account_id=account_id)
            .order_by("-pk")
            .values_list("pk", flat=True)
            .first()
            or after
        )
    filed = _file_past(account_id, time_zone, after, upto) if upto > after else 0
    FoldState.objects.filter(account_id=account_id).update(indexed_to=upto, indexed=finished)
    return filed


def rebuild(account_id: int, time_zone: str, *, reindex_from: int = REINDEX_FROM) -> int:
    """The account's whole index again, from its answers (under the fold lock, in the
    caller's transaction). Returns the answers filed.

    On SQLite, for `reindex_from` answers or more, the read index is dropped for the build
    and made again after it: one sort of the entries instead of an insertion at a random
    place of it per entry, about twice as fast. Readers keep the index they read (WAL: they
    see the database as it was until the commit). Not on PostgreSQL, where dropping an index
    locks the table against every account's reports until the commit."""
    entries, terms, _, _ = _tables()
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {entries} WHERE term_id IN (SELECT id FROM {terms} "
            "WHERE account_id = %s)",
            [account_id],
        )
        cursor.execute(f"DELETE FROM {terms} WHERE account_id = %s", [account_id])
    FoldState.objects.filter(account_id=account_id).update(indexed_to=0, indexed=False)
    answers = Response.objects.filter(account_id=account_id)
    if connection.vendor != "sqlite" or not answers[reindex_from : reindex_from + 1].exists():
        return build_batch(account_id, time_zone, batch=None)
    index = SegmentEntry._meta.indexes[0]
    columns = ", ".join(_q(SegmentEntry._meta.get_field(f).column) for f in index.fields)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {_q(index.name)}")
        filed = build_batch(account_id, time_zone, batch=None)
        cursor.execute(f"CREATE INDEX {_q(index.name)} ON {entries} ({columns})")
    return filed


def _file_past(account_id: int, time_zone: str, after: int, upto: int) -> int:
    """File the answers with an id in (after, upto] as the folded changes left them: those
    with no change in the log as they stand (one INSERT … SELECT), those with changes as
    they were before the first of them (which folding then files)."""
    entries, terms, responses, deltas = _tables()
    bounds = Bounds(account_id, after, upto)
    where, params = bounds.where("r", "id")
    day, day_params = local_day_sql(time_zone, bounds)
    # Each answer's (key, value) pairs, then their terms by the unique index: CROSS JOIN is
    # how SQLite is told to take the tables in that order (it otherwise read every term in
    # the outer loop, twenty times slower); PostgreSQL plans it as a plain join.
    if connection.vendor == "postgresql":
        pairs = "jsonb_each_text(r.segments) j"
    else:
        pairs = "json_each(r.segments) j"
    key, value = "j.key", "j.value"
    pending = f"SELECT response_id FROM {deltas} WHERE account_id = %s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {terms} (account_id, name, value) SELECT * FROM ("
            f"SELECT DISTINCT %s, {key}, {value} FROM {responses} r, {pairs} WHERE {where}"
            ") found WHERE true ON CONFLICT (account_id, name, value) DO NOTHING",
            [account_id, *params],
        )
        cursor.execute(
            f"INSERT INTO {entries} ({', '.join(_q(c) for c in _ENTRY_COLUMNS)}) "
            f"SELECT r.id, t.id, {day}, r.unit_path, r.touchpoint_id, r.channel, r.score "
            f"FROM {responses} r CROSS JOIN {pairs} CROSS JOIN {terms} t "
            f"WHERE {where} AND t.account_id = %s "
            f"AND t.name = {key} AND t.value = {value} AND r.id NOT IN ({pending})",
            [*day_params, *params, account_id, account_id],
        )
        cursor.execute(
            f"SELECT COUNT(*) FROM {responses} r WHERE {where} AND r.id NOT IN ({pending})",
            [*params, account_id],
        )
        filed = cursor.fetchone()[0]
    return filed + _file_pending(account_id, after, upto)


def _file_pending(account_id: int, after: int, upto: int) -> int:
    """The answers in (after, upto] with changes in the log, filed as they were before the
    first of them: the state its -1 removes (none for a new answer)."""
    first: dict[int, RollupDelta] = {}
    rows = RollupDelta.objects.filter(
        account_id=account_id, response_id__gt=after, response_id__lte=upto
    ).order_by("pk")
    for delta in rows:
        first.setdefault(delta.response_id, delta)
    states: dict[int, _Filed | None] = {}
    for response_id, delta in first.items():
        histogram = [getattr(delta, name) for name in HISTOGRAM]
        minus = [score for score, n in enumerate(histogram) if n < 0]
        change = Change(
            response_id=response_id,
            unit_path=delta.unit_path,
            day=delta.day,
            touchpoint_id=delta.touchpoint_id,
            channel=delta.channel,
            histogram=histogram,
            segments=delta.segments or {},
        )
        states[response_id] = _Filed(change, minus[0]) if minus else None
    _replace(account_id, states)  # also the entries an answer changed since got above
    return sum(1 for s in states.values() if s is not None)


# --- Reading --------------------------------------------------------------------------------


def counted(
    account_id: int,
    *,
    start: dt.date,
    end: dt.date,
    unit_ids: Sequence[int],
    touchpoint_id: int | None,
    channel: str,
    filters: Sequence[tuple[str, Sequence[str]]],
    by: Sequence[str],
    time: bool,
) -> list[tuple]:
    """Rows (one value per `by` — a unit path for "unit", a segment's text ("" for none) for
    a segment name —, the local day when `time`, score, answers) for the answers at any of
    `unit_ids` in [start, end] with one of the given values of every filter: the index's
    entries and the log's unfolded changes, in one statement."""
    if not filters:
        raise ValueError("the segment index answers requests with a segment filter")
    deltas = _tables()[3]
    names = sorted({name for name, _ in filters} | {b for b in by if "." in b})
    ids: dict[tuple[str, str], int] = {}
    for pk, name, value in SegmentTerm.objects.filter(
        account_id=account_id, name__in=names
    ).values_list("pk", "name", "value"):
        ids[(name, value)] = pk
    wanted = [
        (name, [ids[(name, v)] for v in values if (name, v) in ids]) for name, values in filters
    ]
    adapt = connection.ops.adapt_datefield_value
    params: list[Any] = []
    branches = []
    if all(found for _, found in wanted):
        probe = False
        if len(wanted) > 1:
            sizes = {name: _entries_in(found, start, end) for name, found in wanted}
            wanted.sort(key=lambda item: sizes[item[0]])
            probe = _probe_cheaper(sorted(sizes.values()))
            if not probe:  # the largest read, the others looked up in lists built once
                wanted.insert(0, wanted.pop())
        branches.append(
            _entries_branch(
                account_id,
                wanted,
                start,
                end,
                unit_ids,
                touchpoint_id,
                channel,
                by,
                time,
                params,
                probe=probe,
            )
        )
    # The changes still in the log, signed, one row per score.
    select, where = [], ["d.account_id = %s"]
    select_params: list[Any] = []
    where_params: list[Any] = [account_id]
    for b in by:
        if b == "unit":
            select.append("d.unit_path")
        elif b == "touchpoint":
            select.append("d.touchpoint_id")
        elif b == "channel":
            select.append("d.channel")
        else:
            text = segment_text(connection, "d.segments", b, select_params)
            select.append(f"COALESCE({text}, '')")
    if time:
        select.append("d.day")
    where.append("d.day >= %s AND d.day <= %s")
    where_params += [adapt(start), adapt(end)]
    where.append("(" + " OR ".join(["d.unit_path LIKE %s"] * len(unit_ids)) + ")")
    where_params += [f"%/{pk}/%" for pk in unit_ids]
    if touchpoint_id is not None:
        where.append("d.touchpoint_id = %s")
        where_params.append(touchpoint_id)
    if channel:
        where.append("d.channel = %s")
        where_params.append(channel)
    for name, values in filters:
        text = segment_text(connection, "d.segments", name, where_params)
        where.append(f"{text} IN ({', '.join(['%s'] * len(values))})")
        where_params.extend(values)
    scores = " UNION ALL ".join(f"SELECT {n} AS v" for n in range(11))
    signed = " ".join(f"WHEN {n} THEN d.{_q(c)}" for n, c in enumerate(HISTOGRAM))
    keys = ", ".join([*select, "k.v"])
    branches.append(
        f"SELECT {keys}, SUM(CASE k.v {signed} END) FROM {deltas} d CROSS JOIN ({scores}) k "
        f"WHERE {' AND '.join(where)} GROUP BY {_positions(len(select) + 1)}"
    )
    params += select_params + where_params
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(branches), params)
        return cursor.fetchall()


def _entries_in(term_ids: list[int], start: dt.date, end: dt.date) -> int:
    """How many entries of these values the period holds: read first, the smallest filter
    bounds the rows read (counting them reads the index alone)."""
    if len(term_ids) == 0:
        return 0
    entries = _tables()[0]
    adapt = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {entries} WHERE term_id IN "
            f"({', '.join(['%s'] * len(term_ids))}) AND day >= %s AND day <= %s",
            [*term_ids, adapt(start), adapt(end)],
        )
        return cursor.fetchone()[0]


# Relative costs, per entry, on SQLite (PostgreSQL plans the joins itself): read in an index
# range, added to a list built for the statement, and probed by key in the whole index.
_READ, _LISTED, _PROBED = 1, 2, 10


def _probe_cheaper(sizes: list[int]) -> bool:
    """Whether a combination is counted faster by reading the smallest filter's entries and
    probing each answer's other values by key (one lookup in the whole index per answer
    and filter), than by reading the largest one's and looking the answer up in lists of
    the others' answers, each built once (`sizes` ascending). Lookups cost about ten rows
    read; a list entry, two: a rare value reads little either way, two common ones are
    counted several times faster from lists."""
    probed = sizes[0] * (_READ + _PROBED * (len(sizes) - 1))
    listed = sizes[-1] * _READ + sum(sizes[:-1]) * _LISTED
    return probed < listed


def _entries_branch(
    account_id: int,
    wanted: list[tuple[str, list[int]]],
    start: dt.date,
    end: dt.date,
    unit_ids: Sequence[int],
    touchpoint_id: int | None,
    channel: str,
    by: Sequence[str],
    time: bool,
    params: list,
    *,
    probe: bool,
) -> str:
    entries, terms, _, _ = _tables()
    adapt = connection.ops.adapt_datefield_value
    (_, driver), others = wanted[0], wanted[1:]
    select, joins = [], []
    for n, b in enumerate(by):
        if b == "unit":
            select.append("e.unit_path")
        elif b == "touchpoint":
            select.append("e.touchpoint_id")
        elif b == "channel":
            select.append("e.channel")
        else:  # the answer's value of a segment, by its own entry of that segment
            joins.append(
                f" LEFT JOIN {entries} g{n} ON g{n}.response_id = e.response_id AND "
                f"g{n}.term_id IN (SELECT id FROM {terms} WHERE account_id = %s AND name = %s)"
                f" LEFT JOIN {terms} gt{n} ON gt{n}.id = g{n}.term_id"
            )
            params += [account_id, b]
            select.append(f"COALESCE(gt{n}.value, '')")
    if time:
        select.append("e.day")

    def bounds(alias: str, term_ids: list[int]) -> tuple[list[str], list[Any]]:
        """The entries of these values at the units, in the period, touchpoint and channel."""
        where = [
            f"{alias}.term_id IN ({', '.join(['%s'] * len(term_ids))})",
            f"{alias}.day >= %s",
            f"{alias}.day <= %s",
            "(" + " OR ".join([f"{alias}.unit_path LIKE %s"] * len(unit_ids)) + ")",
        ]
        found: list[Any] = [*term_ids, adapt(start), adapt(end)]
        found += [f"%/{pk}/%" for pk in unit_ids]
        if touchpoint_id is not None:
            where.append(f"{alias}.touchpoint_id = %s")
            found.append(touchpoint_id)
        if channel:
            where.append(f"{alias}.channel = %s")
            found.append(channel)
        return where, found

    where, where_params = bounds("e", driver)
    for n, (_, found) in enumerate(others):
        if probe:  # the answer's own entry of one of these values, by key
            where.append(
                f"EXISTS (SELECT 1 FROM {entries} f{n} WHERE f{n}.response_id = e.response_id "
                f"AND f{n}.term_id IN ({', '.join(['%s'] * len(found))}))"
            )
            where_params += found
        else:  # in the list of the answers with one of these values (the same bounds: an
            # answer's entries share its day, path, touchpoint and channel). "+" keeps
            # SQLite from reading the answers' keys instead of the index range above.
            inner, inner_params = bounds(f"f{n}", found)
            where.append(
                f"+e.response_id IN (SELECT f{n}.response_id FROM {entries} f{n} "
                f"WHERE {' AND '.join(inner)})"
            )
            where_params += inner_params
    params += where_params
    keys = ", ".join([*select, "e.score"])
    return (
        f"SELECT {keys}, COUNT(*) FROM {entries} e{''.join(joins)} "
        f"WHERE {' AND '.join(where)} GROUP BY {_positions(len(select) + 1)}"
    )


def _positions(n: int) -> str:
    return ", ".join(str(i + 1) for i in range(n))


def why_not_ready(percent: int) -> str:
    return _("the segment index is still being built (%(percent)s %%)") % {"percent": percent}
