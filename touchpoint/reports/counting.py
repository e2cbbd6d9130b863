"""Counting: score histograms for a report request, from the rollups or the raw answers.

- Without segment filters, from the rollups: whole months from the month rows, the days at
  either edge from the day rows, so a year costs a dozen rows per touchpoint and channel.
- With segment filters (contact or interaction attributes), from the raw responses, because
  rollups do not keep attributes. This is slower and the report says so (`source`).

Answers count where they were given (attribution snapshot): a unit moved later keeps its past.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import connections, router
from django.db.models import Count, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import TruncDate

from touchpoint.lib import nps
from touchpoint.lib.periods import month_end, period_start
from touchpoint.reports.models import HISTOGRAM, Rollup, RollupTotal
from touchpoint.reports.params import SEGMENT_SOURCES, ReportRequest
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


def _from_rollups(
    request: ReportRequest,
    by: tuple[str, ...],
    *,
    units: list[int] | None = None,
    time: str | None = None,
) -> Histograms:
    """Summed histograms from the rollups of the unit (or of `units`), keyed by `by`
    (touchpoint, channel, unit) and, when `time` is a grain, by the period's start. Without a
    touchpoint or channel to filter or group by, from the rollup totals (one row per unit and
    period).

    One statement: each part of the period (`_rollup_span`) is its own branch of a UNION ALL,
    so the index still bounds each range, and a figure costs one round trip instead of up to
    five (on a busy server each round trip waits its turn). The statement is written here
    rather than through the ORM: compiling three branches of eleven sums took three times as
    long as running them (3 ms of a 5 ms figure on PostgreSQL; see benchmarks/reports.py).
    """
    connection = connections[router.db_for_read(Rollup)]
    quote = connection.ops.quote_name
    detailed = (
        request.touchpoint is not None or request.channel or {"touchpoint", "channel"} & {*by}
    )
    table = (Rollup if detailed else RollupTotal)._meta.db_table
    fields = [_ROLLUP_FIELDS[b] for b in by] + (["period"] if time else [])
    where = ["account_id = %s"]
    params: list[Any] = [request.unit.account_id]
    if units is None:
        where.append("unit_id = %s")
        params.append(request.unit.pk)
    elif not units:
        return {}
    elif connection.vendor == "postgresql":  # one array: planned faster than a long IN list
        where.append("unit_id = ANY(%s)")
        params.append(list(units))
    else:
        where.append(f"unit_id IN ({', '.join(['%s'] * len(units))})")
        params.extend(units)
    if request.touchpoint is not None:
        where.append("touchpoint_id = %s")
        params.append(request.touchpoint.pk)
    if request.channel:
        where.append("channel = %s")
        params.append(request.channel)
    where.append("grain = %s AND period >= %s AND period <= %s")
    keys = ", ".join(quote(f) for f in fields) or quote("grain")

    def branch(sign: int) -> str:  # names from the model only; every value is a parameter
        sums = ", ".join(f"{'-' if sign < 0 else ''}SUM({quote(n)})" for n in HISTOGRAM)
        return (
            f"SELECT {keys}, {sums} FROM {quote(table)} "  # noqa: S608
            f"WHERE {' AND '.join(where)} GROUP BY {keys}"
        )

    adapt = connection.ops.adapt_datefield_value
    spans = _rollup_span(request.start, request.end, days_only=time in ("day", "week"))
    sql = " UNION ALL ".join(branch(sign) for *_, sign in spans)
    params = [
        p for grain, first, last, _ in spans for p in (*params, grain, adapt(first), adapt(last))
    ]
    out: Histograms = defaultdict(lambda: [0] * 11)
    keyed = len(by)
    with _rollup_cursor(connection) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for row in rows:
        key = row[:keyed]
        if time:
            period = row[keyed]
            day = period if isinstance(period, dt.date) else dt.date.fromisoformat(period)
            key += (period_start(day, time),)
        histogram = out[key]
        for i, count in enumerate(row[-11:]):
            histogram[i] += count
    return dict(out)


def _rollup_cursor(connection):
    """A cursor for rollup statements. On PostgreSQL one that binds parameters server-side,
    which psycopg prepares from a statement's second run on a connection (prepare_threshold,
    settings.py): their plans (an index range per branch) do not depend on the values, and
    planning was half of a small figure's time. Django's own cursors bind client-side and are
    never prepared, so a query whose best plan does depend on its values (a LIKE prefix on the
    unit path) keeps being planned for them."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    # As connection.cursor() wraps its own: query logging, error translation, thread checks.
    return connection._prepare_cursor(ServerBindingCursor(connection.connection))


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
        source, _, key = name.partition(".")
        rows = rows.filter(**{f"{SEGMENT_SOURCES[source]}__{key}__in": list(values)})
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
            source, _, key = b.partition(".")
            names.append(f"g{len(fields)}")
            fields.append(names[-1])
            rows = rows.annotate(**{names[-1]: _key_transform(source, key)})
    if time:
        rows = rows.annotate(local_day=TruncDate("answered_at", tzinfo=request.zone))
        fields.append("local_day")
    wanted = set(units or ())
    out: Histograms = defaultdict(lambda: [0] * 11)
    for row in rows.values(*fields, "score").annotate(answers=Count("pk")).order_by():
        key = [row[f] for f in fields[: len(by)]]
        if time:
            key.append(period_start(row["local_day"], time))
        if "unit" in by:
            i = by.index("unit")
            path = [int(p) for p in key[i].strip("/").split("/")]
            for unit_id in wanted.intersection(path):
                key[i] = unit_id
                out[tuple(key)][row["score"]] += row["answers"]
            continue
        out[tuple(_plain(k) for k in key)][row["score"]] += row["answers"]
    return dict(out)


def _key_transform(source: str, key: str) -> KeyTextTransform:
    return KeyTextTransform(key, SEGMENT_SOURCES[source])


def _plain(value: Any) -> Any:
    return "" if value is None else value


def histograms(
    request: ReportRequest,
    by: tuple[str, ...] = (),
    *,
    units: list[int] | None = None,
    time: str | None = None,
) -> Histograms:
    """Score histograms for the request keyed by `by`, from the rollups when the request
    allows it, else from the raw answers. Grouping by an attribute needs the raw answers."""
    if request.source == "rollups" and all(b in _ROLLUP_FIELDS for b in by):
        return _from_rollups(request, by, units=units, time=time)
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
