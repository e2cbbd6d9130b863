"""Counting: score histograms for a report request, from the rollups or the raw answers.

- Without segment filters, from the rollups: whole months from the month rows, the days at
  either edge from the day rows, so a year costs a dozen rows per touchpoint and channel.
- Filtered on, or grouped by, one declared dimension that is ready: from its segment rollups,
  the same way.
- Anything else filtered on segments (several together, an attribute not declared, a
  dimension still being backfilled, a value counted under "other"): from the segment index
  (`reports.segment_index`), which reads only the answers with the filters' values.
- Without a segment filter but grouped by an undeclared segment, or while the index is
  being built: from the raw answers' segment snapshots. This is slower and the report says
  so (`plan`, `ReportRequest.source`).

Both rollup paths add the changes still in the delta log (`reports.folding`), in the same
statement, so every figure is exact whether or not the worker has folded them yet.

Answers count where they were given (attribution snapshot): a unit moved later keeps its past.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Count, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from touchpoint.accounts.models import Unit
from touchpoint.lib import nps
from touchpoint.lib.compiled import prepared_cursor
from touchpoint.lib.periods import month_end, period_start
from touchpoint.reports import segment_index
from touchpoint.reports.dimensions import Declared
from touchpoint.reports.models import (
    HISTOGRAM,
    Rollup,
    RollupDelta,
    RollupTotal,
    SegmentRollup,
    SegmentTotal,
)
from touchpoint.reports.params import ReportRequest, segment_q
from touchpoint.reports.recount import segment_text
from touchpoint.responses.models import Response

Histograms = dict[tuple, list[int]]


def _rollup_span(
    start: dt.date, end: dt.date, *, days_only: bool = False
) -> list[tuple[str, dt.date, dt.date, int]]:
    """The rollup rows whose sum is [start, end], as (grain, first period, last period, sign):
    whole months from month rows; a month the period covers in part either from its days in
    the period, or from its month row less its days outside the period, whichever is fewer
    days. A period ending today so takes this month's row less the days to come, which have
    no rows: a handful of rows per unit, whatever the period.

    Exact, because every answer is counted in both its day's and its month's row. Each part is
    its own SELECT (of one UNION ALL): with one grain and one period range per SELECT the
    (unit, grain, period) index bounds the rows read, where an OR of ranges would make the
    database read every row of the unit."""
    day, month = Rollup.Grain.DAY.value, Rollup.Grain.MONTH.value
    if days_only:
        return [(day, start, end, 1)]
    parts: list[tuple[str, dt.date, dt.date, int]] = []
    first_month, last_month = start.replace(day=1), end.replace(day=1)
    months_from, months_to = first_month, last_month  # the month rows read
    for edge in dict.fromkeys((first_month, last_month)):  # one edge if within one month
        edge_end = month_end(edge)
        inside = (max(start, edge), min(end, edge_end))
        outside = [
            (a, b)
            for a, b in (
                (edge, inside[0] - dt.timedelta(1)),
                (inside[1] + dt.timedelta(1), edge_end),
            )
            if a <= b
        ]
        if sum((b - a).days + 1 for a, b in outside) < (inside[1] - inside[0]).days + 1:
            parts += [(day, a, b, -1) for a, b in outside]  # the month row, less the rest
            continue
        parts.append((day, *inside, 1))  # the days themselves, not the month row
        if edge == first_month:
            months_from = edge_end + dt.timedelta(1)
        if edge == last_month:
            months_to = (edge - dt.timedelta(1)).replace(day=1)
    if months_from <= months_to:
        parts.insert(0, (month, months_from, months_to, 1))
    elif len(parts) == 2 and parts[0][3] == parts[1][3] == 1:  # days either side of a month end
        return [(day, start, end, 1)]
    return parts


_ROLLUP_FIELDS = {"touchpoint": "touchpoint_id", "channel": "channel", "unit": "unit_id"}
# The group key of a dimension's "other" bucket (its values beyond the cap, together).
OTHER = None
PATHS = {
    "rollups": "rollups",
    "segments": "segment rollups",
    "index": "segment index",
    "responses": "raw answers",
}


class _Undecided(Exception):
    """Changes still in the log bring new values of a dimension close to its cap: which of
    them will get rollups of their own is the fold's to decide. Counted from raw answers."""


def plan(request: ReportRequest, by: tuple[str, ...] = ()) -> tuple[str, Declared | None]:
    """Where the request's figures are summed from: "rollups" (no segment), "segments" (one
    declared, ready dimension: filtered on values with rollups of their own, grouped by, or
    both), else "index" (the segment index, for any segment filter: combinations,
    undeclared attributes, a dimension still being backfilled, a value counted under
    "other"), or "responses" (the raw answers: grouped by an undeclared segment without a
    filter, or the index still being built)."""
    path, dimension, _ = _planned(request, by)
    return path, dimension


def _planned(request: ReportRequest, by: tuple[str, ...]) -> tuple[str, Declared | None, str]:
    names = [name for name, _ in request.segments]
    grouped = [b for b in by if b not in _ROLLUP_FIELDS]
    if not names and not grouped:
        return "rollups", None, ""
    if len({*names, *grouped}) != 1:
        return _unrolled(request, _("several segments together"))
    name = (names or grouped)[0]
    dimension = request.dimension(name)
    if dimension is None:
        return _unrolled(request, _("%(name)s is not a declared segment") % {"name": name})
    if not dimension.ready:
        return _unrolled(
            request,
            _("%(name)s is declared, its past answers still being counted (%(percent)s %%)")
            % {"name": name, "percent": dimension.percent},
        )
    for value in dict(request.segments).get(name, ()):
        if value not in dimension.ids:
            return _unrolled(
                request,
                _("%(value)s is not one of the values %(name)s keeps rollups for")
                % {"value": value, "name": name},
            )
    return "segments", dimension, ""


def _unrolled(request: ReportRequest, why: str) -> tuple[str, None, str]:
    """Without rollups to read (`why`): the segment index when the request filters on a
    segment and the index is built, else the raw answers."""
    if not request.segments:
        return "responses", None, why
    index = request.index_state()
    if not index.ready:
        return "responses", None, f"{why}; {segment_index.why_not_ready(index.percent)}"
    return "index", None, why


@dataclass(frozen=True)
class Provenance:
    """Which path answered a request, and how fresh its figures are."""

    path: str  # "rollups", "segments" or "responses" (PATHS)
    why: str  # for the raw answers: why not from rollups
    name: str  # the declared dimension read, on the segment path
    as_of: dt.datetime  # figures count every answer stored before this instant
    waiting: int  # answers' changes not folded yet (counted all the same)

    @property
    def label(self) -> str:
        return PATHS[self.path]

    def as_dict(self) -> dict:
        return {
            "path": self.path,
            "label": self.label,
            "why": self.why,
            "dimension": self.name or None,
            "as_of": self.as_of.isoformat(),
            "waiting": self.waiting,
        }


def provenance(
    request: ReportRequest, by: tuple[str, ...] = (), *, now: dt.datetime | None = None
) -> Provenance:
    path, dimension, why = _planned(request, by)
    waiting = 0
    if path != "responses":
        waiting = RollupDelta.objects.filter(account_id=request.unit.account_id).count()
    return Provenance(
        path=path,
        why=why,
        name=dimension.name if dimension else "",
        as_of=now or timezone.now(),
        waiting=waiting,
    )


def _from_rollups(
    request: ReportRequest,
    by: tuple[str, ...],
    *,
    units: list[int] | None = None,
    time: str | None = None,
    dimension: Declared | None = None,
) -> Histograms:
    """Summed histograms from the rollups of the unit (or of `units`), keyed by `by`
    (touchpoint, channel, unit, and a declared dimension's name) and, when `time` is a grain,
    by the period's start; plus the changes still in the delta log. Without a touchpoint or
    channel to filter or group by, from the totals (one row per unit and period); with a
    declared dimension, from its segment rollups.

    One statement: each part of the period (`_rollup_span`) is its own branch of a UNION ALL,
    so the index still bounds each range, and the log is the last branch. A figure costs one
    round trip instead of up to five (on a busy server each round trip waits its turn), and
    rollups and log are read at one instant: a fold moving changes from one to the other
    commits at once, so the sum is the same before and after it. The statement is written here
    rather than through the ORM: compiling three branches of eleven sums took three times as
    long as running them (3 ms of a 5 ms figure on PostgreSQL; see benchmarks/reports.py).
    """
    connection = connections[router.db_for_read(Rollup)]
    quote = connection.ops.quote_name
    detailed = (
        request.touchpoint is not None or request.channel or {"touchpoint", "channel"} & {*by}
    )
    if dimension is None:
        table = (Rollup if detailed else RollupTotal)._meta.db_table
    else:
        table = (SegmentRollup if detailed else SegmentTotal)._meta.db_table
    if units is not None and not units:
        return {}
    group = dimension is not None and dimension.name in by
    values = dict(request.segments).get(dimension.name, ()) if dimension else ()

    # The rollup branches.
    fields = [quote(_ROLLUP_FIELDS[b]) for b in by if b in _ROLLUP_FIELDS]
    if group:
        fields += [quote("value_id"), f"CAST(NULL AS {_TEXT})"]
    if time:
        fields.append(quote("period"))
    where = ["account_id = %s"]
    params: list[Any] = [request.unit.account_id]
    if units is None:
        where.append("unit_id = %s")
        params.append(request.unit.pk)
    else:
        where.append(_in_list(connection, "unit_id", units, params))
    if dimension is not None:
        where.append("dimension_id = %s")
        params.append(dimension.id)
        if values:
            where.append(
                _in_list(connection, "value_id", [dimension.ids[v] for v in values], params)
            )
    if request.touchpoint is not None:
        where.append("touchpoint_id = %s")
        params.append(request.touchpoint.pk)
    if request.channel:
        where.append("channel = %s")
        params.append(request.channel)
    where.append("grain = %s AND period >= %s AND period <= %s")
    keys = ", ".join(fields) or quote("grain")  # a column to group by, even for none
    grouping = ", ".join(str(i + 1) for i in range(len(fields))) or quote("grain")

    def branch(sign: int) -> str:  # names from the model only; every value is a parameter
        sums = ", ".join(f"{'-' if sign < 0 else ''}SUM({quote(n)})" for n in HISTOGRAM)
        return (
            f"SELECT {keys}, {sums} FROM {quote(table)} "  # noqa: S608
            f"WHERE {' AND '.join(where)} GROUP BY {grouping}"
        )

    adapt = connection.ops.adapt_datefield_value
    spans = _rollup_span(request.start, request.end, days_only=time in ("day", "week"))
    branches = [branch(sign) for *_, sign in spans]
    all_params = [
        p for grain, first, last, _ in spans for p in (*params, grain, adapt(first), adapt(last))
    ]
    pending, pending_params = _pending_branch(
        connection, request, by, units=units, time=time, dimension=dimension, values=values
    )
    sql = " UNION ALL ".join([*branches, pending])
    out: Histograms = defaultdict(lambda: [0] * 11)
    # Prepared on PostgreSQL: the plans (an index range per branch) do not depend on the
    # values, and planning was half of a small figure's time.
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, all_params + pending_params)
        rows = cursor.fetchall()
    labels = _labels(request, dimension, rows, by) if group else {}
    for row in rows:
        key: list = []
        column = 0
        for b in by:
            if b in _ROLLUP_FIELDS:
                key.append(row[column])
                column += 1
            else:  # the dimension: a value's rollups, or a value still in the log
                value_id, text = row[column], row[column + 1]
                key.append(labels[("id", value_id) if value_id is not None else ("text", text)])
                column += 2
        if time:
            period = row[column]
            day = period if isinstance(period, dt.date) else dt.date.fromisoformat(period)
            key.append(period_start(day, time))
        histogram = out[tuple(key)]
        for i, count in enumerate(row[-11:]):
            histogram[i] += count
    return dict(out)


_TEXT = "varchar(200)"


def _in_list(connection, column: str, values: list, params: list) -> str:
    if connection.vendor == "postgresql":  # one array: planned faster than a long IN list
        params.append(list(values))
        return f"{column} = ANY(%s)"
    params.extend(values)
    return f"{column} IN ({', '.join(['%s'] * len(values))})"


def _pending_branch(
    connection,
    request: ReportRequest,
    by: tuple[str, ...],
    *,
    units: list[int] | None,
    time: str | None,
    dimension: Declared | None,
    values: tuple[str, ...],
) -> tuple[str, list]:
    """The changes still in the delta log, as one more branch of the same UNION ALL: counted
    at a unit when its id is on the change's path, on the change's local day."""
    quote = connection.ops.quote_name
    select: list[str] = []
    params: list[Any] = []
    joins = ""
    where = ["d.account_id = %s"]
    where_params: list[Any] = [request.unit.account_id]
    for b in by:
        if b == "unit":
            select.append("u.id")
        elif b in _ROLLUP_FIELDS:
            select.append(f"d.{quote(_ROLLUP_FIELDS[b])}")
        else:
            select.append("CAST(NULL AS bigint)")
            select.append(f"COALESCE({segment_text(connection, 'd.segments', b, params)}, '')")
    if time:
        select.append("d.day")
    if not select:  # as the rollup branches' grain: one group, or none without rows
        select.append("'day'")
    if units is None:
        where.append("d.unit_path LIKE %s")
        where_params.append(f"%/{request.unit.pk}/%")
    else:
        joins = (
            f" JOIN {quote(Unit._meta.db_table)} u ON "
            "d.unit_path LIKE '%%/' || CAST(u.id AS varchar(20)) || '/%%'"
        )
        where.append(_in_list(connection, "u.id", units, where_params))
    where.append("d.day >= %s AND d.day <= %s")
    adapt = connection.ops.adapt_datefield_value
    where_params += [adapt(request.start), adapt(request.end)]
    if request.touchpoint is not None:
        where.append("d.touchpoint_id = %s")
        where_params.append(request.touchpoint.pk)
    if request.channel:
        where.append("d.channel = %s")
        where_params.append(request.channel)
    if values:
        text = segment_text(connection, "d.segments", dimension.name, where_params)
        where.append(f"{text} IN ({', '.join(['%s'] * len(values))})")
        where_params.extend(values)
    sums = ", ".join(f"SUM(d.{quote(n)})" for n in HISTOGRAM)
    grouping = ", ".join(str(i + 1) for i in range(len(select)))
    sql = (
        f"SELECT {', '.join([*select, sums])} FROM {quote(RollupDelta._meta.db_table)} d"  # noqa: S608
        f"{joins} WHERE {' AND '.join(where)} GROUP BY {grouping}"
    )
    return sql, params + where_params


def _labels(
    request: ReportRequest, dimension: Declared, rows: list, by: tuple[str, ...]
) -> dict[tuple[str, Any], Any]:
    """The group key of each value id and each text still in the log: the value's text (""
    for none), or OTHER for the "other" bucket. A text in the log with no rollups yet gets
    its own group if the fold will give it rollups, OTHER if the dimension is full."""
    column = sum(1 for b in by[: by.index(dimension.name)] if b in _ROLLUP_FIELDS)
    ids = {row[column] for row in rows if row[column] is not None}
    texts = {row[column + 1] for row in rows if row[column] is None}
    known = dimension
    if ids - set(known.labels) - {known.other} or texts - set(known.ids):
        known = request.dimension(dimension.name, fresh=True) or dimension  # admitted since
    out: dict[tuple[str, Any], Any] = {("id", pk): text for pk, text in known.labels.items()}
    if known.other is not None:
        out[("id", known.other)] = OTHER
    new = {t for t in texts if t and t not in known.ids}
    room = known.cap - (len(known.ids) - ("" in known.ids))
    if new and known.other is None and len(new) > room:
        raise _Undecided
    for text in texts:
        if text in known.ids or text == "":
            out[("text", text)] = text
        else:
            out[("text", text)] = OTHER if known.other is not None or room <= 0 else text
    return out


def raw_responses(request: ReportRequest):
    """The raw answers of the request's local days and filters (callers pick the units: an
    answer counts at every unit on the attribution path it was given, as in the rollups)."""
    zone = request.zone
    start = dt.datetime.combine(request.start, dt.time(), zone)
    end = dt.datetime.combine(request.end + dt.timedelta(1), dt.time(), zone)
    rows = Response.objects.filter(
        account_id=request.unit.account_id, answered_at__gte=start, answered_at__lt=end
    )
    if request.touchpoint is not None:
        rows = rows.filter(touchpoint_id=request.touchpoint.pk)
    if request.channel:
        rows = rows.filter(channel=request.channel)
    for name, values in request.segments:
        rows = rows.filter(segment_q(name, values))
    return rows


def _from_responses(
    request: ReportRequest,
    by: tuple[str, ...],
    *,
    units: list[int] | None = None,
    time: str | None = None,
) -> Histograms:
    """The same histograms as `_from_rollups`, counted from the raw answers. With `units`,
    an answer counts for each of those units on its attribution path, as rollups count it."""
    rows = raw_responses(request)
    if units is None:
        rows = rows.filter(unit_path__contains=f"/{request.unit.pk}/")
    else:
        any_unit = Q(pk__in=[])
        for unit_id in units:
            any_unit |= Q(unit_path__contains=f"/{unit_id}/")
        rows = rows.filter(any_unit)
    fields, names = [], []
    for b in by:
        if b == "unit":
            fields.append("unit_path")
        elif b in _ROLLUP_FIELDS:
            fields.append(_ROLLUP_FIELDS[b])
        else:  # contact.tier, interaction.phone_model
            names.append(f"g{len(fields)}")
            fields.append(names[-1])
            rows = rows.annotate(**{names[-1]: KeyTextTransform(b, "segments")})
    if time:
        rows = rows.annotate(local_day=TruncDate("answered_at", tzinfo=request.zone))
        fields.append("local_day")
    found = rows.values(*fields, "score").annotate(answers=Count("pk")).order_by()
    return _assembled(
        ([row[f] for f in fields] + [row["score"], row["answers"]] for row in found),
        by,
        time=time,
        units=units,
    )


def _from_index(
    request: ReportRequest,
    by: tuple[str, ...],
    *,
    units: list[int] | None = None,
    time: str | None = None,
) -> Histograms:
    """The same histograms as `_from_responses`, from the segment index and the changes
    still in the log (`segment_index.counted`)."""
    if units is not None and not units:
        return {}
    rows = segment_index.counted(
        request.unit.account_id,
        start=request.start,
        end=request.end,
        unit_ids=units if units is not None else [request.unit.pk],
        touchpoint_id=request.touchpoint.pk if request.touchpoint is not None else None,
        channel=request.channel,
        filters=request.segments,
        by=by,
        time=bool(time),
    )
    return _assembled(rows, by, time=time, units=units)


def _assembled(
    rows, by: tuple[str, ...], *, time: str | None, units: list[int] | None
) -> Histograms:
    """Histograms from rows of (one value per `by`, the local day when `time`, score,
    answers); with "unit" in `by`, the value is an attribution path, and the answers count
    for each of `units` on it."""
    wanted = set(units or ())
    out: Histograms = defaultdict(lambda: [0] * 11)
    width = len(by)
    for row in rows:
        score, answers = row[-2], row[-1]
        if not answers:
            continue
        key = list(row[:width])
        if time:
            day = row[width]
            day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)[:10])
            key.append(period_start(day, time))
        if "unit" in by:
            i = by.index("unit")
            path = [int(p) for p in key[i].strip("/").split("/")]
            for unit_id in wanted.intersection(path):
                key[i] = unit_id
                out[tuple(key)][score] += answers
            continue
        out[tuple(_plain(k) for k in key)][score] += answers
    return dict(out)


def _plain(value: Any) -> Any:
    return "" if value is None else value


def histograms(
    request: ReportRequest,
    by: tuple[str, ...] = (),
    *,
    units: list[int] | None = None,
    time: str | None = None,
) -> Histograms:
    """Score histograms for the request keyed by `by`, from the rollups, a declared
    dimension's segment rollups, or the raw answers (`plan`)."""
    path, dimension = plan(request, by)
    if path in ("rollups", "segments"):
        try:
            return _from_rollups(request, by, units=units, time=time, dimension=dimension)
        except _Undecided:
            pass
    if request.segments and request.index_state().ready:
        return _from_index(request, by, units=units, time=time)
    return _from_responses(request, by, units=units, time=time)


def counts(request: ReportRequest) -> nps.Counts:
    """The request's answers as promoters, passives and detractors (a digest's headline)."""
    return nps.Counts.from_histogram(summed(histograms(request)))


def summed(found: Histograms) -> list[int]:
    total = [0] * 11
    for histogram in found.values():
        for i, count in enumerate(histogram):
            total[i] += count
    return total
