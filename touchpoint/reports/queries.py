"""Report queries: the one home for every NPS figure a page, export or API call shows.

A report request (a unit, a period of local days, a touchpoint, a channel and segment filters)
is checked once by `check_report_request` (or parsed from a query string by
`parse_report_params`), then answered by `report` (the dashboard's whole query set) or
`grouped` (one breakdown, for the API).

Where the figures come from:
- without segment filters, from the rollups: whole months from the month rows, the days at
  either edge from the day rows, so a year costs a dozen rows per touchpoint and channel;
- with segment filters (contact or interaction attributes), from the raw responses, because
  rollups do not keep attributes. This is slower and the report says so (`source`).

Periods are local days in the account's time zone, the zone the rollups are cut in. Answers
count where they were given (attribution snapshot): a unit moved later keeps its past.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db import connections, router
from django.db.models import Count, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import TruncDate

from touchpoint.accounts.models import Unit
from touchpoint.contacts.models import Contact
from touchpoint.lib import nps
from touchpoint.reports.models import HISTOGRAM, Rollup, RollupTotal
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Channel, Interaction, Touchpoint

EARLIEST = dt.date(2000, 1, 1)
MAX_DAYS = 5 * 366  # a longer range is a typo, not a question
SEGMENT_SOURCES = {"contact": "contact__attributes", "interaction": "interaction__properties"}
TIME_GROUPS = ("day", "week", "month")
GROUPS = ("unit", "touchpoint", "channel", *TIME_GROUPS)
# Query-string keys that are not filters but that pages and exports may carry.
PAGE_KEYS = frozenset({"format"})
DASH = "\u2009\u2013\u2009"  # thin spaces around an en dash

PRESETS = {
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "month": "This month",
    "last-month": "Last month",
    "3m": "Last 3 months",
    "12m": "Last 12 months",
    "ytd": "Year to date",
}
DEFAULT_PRESET = "3m"


class ReportError(ValueError):
    """A report request that cannot be answered; `field` names the parameter at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# ---------------------------------------------------------------------------------------------
# The request


@dataclass(frozen=True)
class ReportRequest:
    unit: Unit
    start: dt.date  # first local day, inclusive
    end: dt.date  # last local day, inclusive
    touchpoint: Touchpoint | None = None
    channel: str = ""
    segments: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (("contact.tier", ("gold",)),)
    preset: str = ""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.unit.account.time_zone)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def source(self) -> str:
        """ "rollups" when the figures can be summed from rollups, else "responses"."""
        return "responses" if self.segments else "rollups"

    @property
    def channel_label(self) -> str:
        return channel_labels().get(self.channel, self.channel)

    @property
    def label(self) -> str:
        span = f"{self.start:%-d %b %Y}{DASH}{self.end:%-d %b %Y}"
        return f"{PRESETS[self.preset]} ({span})" if self.preset else span

    def previous(self) -> ReportRequest:
        """The period just before, of the same shape: a month-aligned period moves back by its
        number of months (1 to 23 Nov against 1 to 23 Oct), any other by its number of days."""
        if self.start.day == 1:
            months = _month_index(self.end) - _month_index(self.start) + 1
            start = _add_months(self.start, -months)
            end = _add_months(self.end, -months)
            if _month_end(self.end) == self.end:
                end = _month_end(end)
            return replace(self, start=start, end=end, preset="")
        return replace(
            self,
            start=self.start - dt.timedelta(self.days),
            end=self.start - dt.timedelta(1),
            preset="",
        )

    def params(self, **changes: str | None) -> list[tuple[str, str]]:
        """The request as query-string pairs (what a link must carry to show the same view)."""
        pairs: dict[str, Any] = {}
        if self.preset:
            pairs["period"] = self.preset
        else:
            pairs["from"], pairs["to"] = self.start.isoformat(), self.end.isoformat()
        if self.touchpoint is not None:
            pairs["touchpoint"] = self.touchpoint.slug
        if self.channel:
            pairs["channel"] = self.channel
        for name, values in self.segments:
            pairs[name] = list(values)
        for key, value in changes.items():
            pairs.pop(key, None)
            if value:
                pairs[key] = value
        return [
            (k, v)
            for k, values in pairs.items()
            for v in (values if isinstance(values, list) else [values])
        ]

    def query_string(self, **changes: str | None) -> str:
        return urlencode(self.params(**changes))

    def describe(self) -> dict:
        """The filters as plain data (API answers, export headers)."""
        return {
            "unit": self.unit.code,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "touchpoint": self.touchpoint.slug if self.touchpoint else None,
            "channel": self.channel or None,
            "segments": {name: list(values) for name, values in self.segments},
        }


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier), clipped to the end of a shorter month."""
    year, month = divmod(_month_index(day) + months, 12)
    first = dt.date(year, month + 1, 1)
    return first.replace(day=min(day.day, _month_end(first).day))


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def local_today(unit: Unit, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(unit.account.time_zone)).date()


def preset_range(preset: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """Presets end today; the longer ones start on the first of a month, so they read whole
    months from the month rollups."""
    if preset == "7d":
        return today - dt.timedelta(6), today
    if preset == "30d":
        return today - dt.timedelta(29), today
    if preset == "month":
        return today.replace(day=1), today
    if preset == "last-month":
        end = today.replace(day=1) - dt.timedelta(1)
        return end.replace(day=1), end
    if preset == "3m":
        return _add_months(today.replace(day=1), -2), today
    if preset == "12m":
        return _add_months(today.replace(day=1), -11), today
    if preset == "ytd":
        return today.replace(month=1, day=1), today
    raise ReportError("period", f"must be one of {', '.join(PRESETS)}, or give from and to")


def check_segment(account_id: int, name: str) -> str:
    """A segment name ("contact.tier", "interaction.phone_model") whose attribute exists in
    the account; returns it, or raises ReportError naming it."""
    source, _, key = name.partition(".")
    if source not in SEGMENT_SOURCES or not key:
        raise ReportError(name, "is not a known filter")
    if not key.replace("_", "").replace("-", "").isalnum() or len(key) > 60:
        raise ReportError(name, "is not a valid attribute name")
    if key in known_attributes(account_id).get(source, {}):
        return name
    model = Contact if source == "contact" else Interaction
    column = "attributes" if source == "contact" else "properties"
    if not model.objects.filter(account_id=account_id, **{f"{column}__has_key": key}).exists():
        raise ReportError(name, f"no {source} in this account has the attribute {key!r}")
    return name


def known_attributes(account_id: int, sample: int = 500) -> dict[str, dict[str, list[str]]]:
    """Attribute names and their most frequent values among the latest contacts and
    interactions: what the segment filters offer. A sample, so two cheap queries."""
    out: dict[str, dict[str, list[str]]] = {}
    for source, model, column in (
        ("contact", Contact, "attributes"),
        ("interaction", Interaction, "properties"),
    ):
        values: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        rows = (
            model.objects.filter(account_id=account_id)
            .order_by("-pk")
            .values_list(column, flat=True)[:sample]
        )
        for attributes in rows:
            for key, value in (attributes or {}).items():
                if isinstance(value, str):  # numbers are measures, not segments
                    values[key][value] += 1
        out[source] = {
            key: sorted(seen, key=lambda v: (-seen[v], v)) for key, seen in sorted(values.items())
        }
    return out


def segment_choices(account_id: int, most: int = 30) -> list[tuple[str, str, list[str]]]:
    """(parameter, label, values) for the filters form: attributes with few distinct values
    (a tier, a phone model, a city), not identifiers."""
    out = []
    for source, attributes in known_attributes(account_id).items():
        for key, values in attributes.items():
            if 1 < len(values) <= most:
                label = f"{key.replace('_', ' ').capitalize()} ({source})"
                out.append((f"{source}.{key}", label, sorted(values)))
    return out


def check_report_request(
    *,
    unit: Unit,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    preset: str = "",
    touchpoint: str | Touchpoint | None = None,
    channel: str | None = None,
    segments: Mapping[str, Iterable[str]] | None = None,
    now: dt.datetime,
) -> ReportRequest:
    """Validate a report request; raise ReportError naming the field at fault.

    Dates are local days in the account's time zone, both ends included. Without dates the
    preset (default: the last three months) decides."""
    today = local_today(unit, now)
    if start is None and end is None:
        preset = preset or DEFAULT_PRESET
        start, end = preset_range(preset, today)
    elif preset:
        raise ReportError("period", "give either a period or from and to, not both")
    else:
        start, end = _date("from", start), _date("to", end)
    if start > end:
        raise ReportError("from", f"{start} is after {end}: the period is reversed")
    if start < EARLIEST:
        raise ReportError("from", f"must be on or after {EARLIEST}")
    if end > today + dt.timedelta(366):
        raise ReportError("to", "must be within a year from today")
    if (end - start).days + 1 > MAX_DAYS:
        raise ReportError("to", f"a report covers at most {MAX_DAYS} days")
    found_touchpoint = None
    if isinstance(touchpoint, Touchpoint):
        found_touchpoint = touchpoint
    elif touchpoint:
        found_touchpoint = Touchpoint.objects.filter(
            account_id=unit.account_id, slug=touchpoint
        ).first()
        if found_touchpoint is None:
            raise ReportError("touchpoint", f"{touchpoint!r} is not a touchpoint of this account")
    if channel and channel not in Channel.values:
        raise ReportError("channel", f"must be one of {', '.join(Channel.values)}")
    checked = []
    for name, values in sorted((segments or {}).items()):
        values = tuple(sorted({str(v) for v in values if str(v) != ""}))
        if not values:
            continue
        checked.append((check_segment(unit.account_id, name), values))
    return ReportRequest(
        unit=unit,
        start=start,
        end=end,
        touchpoint=found_touchpoint,
        channel=channel or "",
        segments=tuple(checked),
        preset=preset if preset in PRESETS else "",
    )


def _date(name: str, value: dt.date | str | None) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if not value:
        raise ReportError(name, "is required when the other end of the period is given")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ReportError(name, f"{value!r} is not a date (YYYY-MM-DD)") from None


def parse_report_params(
    unit: Unit,
    params: Any,
    *,
    now: dt.datetime,
    extra: Iterable[str] = (),
    dates_win: bool = False,
) -> ReportRequest:
    """A report request from a query string (a QueryDict or a mapping of lists). Any key
    that is not a filter (nor in `extra`) is an error, so a typo never silently widens a
    report. A period preset together with dates is an error, unless `dates_win` (the
    dashboard's form always sends its period menu)."""
    getlist = params.getlist if hasattr(params, "getlist") else lambda k: list(params[k])
    allowed = {"period", "from", "to", "touchpoint", "channel", *PAGE_KEYS, *extra}
    segments: dict[str, list[str]] = {}
    for key in params:
        if key in allowed:
            continue
        if key.partition(".")[0] in SEGMENT_SOURCES:
            segments[key] = [v for v in getlist(key) if v != ""]
            continue
        raise ReportError(key, "is not a known filter")
    one = {k: (getlist(k) or [""])[-1] for k in ("period", "from", "to", "touchpoint", "channel")}
    custom = one["from"] or one["to"]
    return check_report_request(
        unit=unit,
        start=one["from"] or None if custom else None,
        end=one["to"] or None if custom else None,
        preset="" if custom and (dates_win or one["period"] in ("", "custom")) else one["period"],
        touchpoint=one["touchpoint"] or None,
        channel=one["channel"] or None,
        segments=segments,
        now=now,
    )


def check_group_by(request: ReportRequest, group_by: str) -> str:
    if group_by in GROUPS:
        return group_by
    if group_by.partition(".")[0] in SEGMENT_SOURCES:
        return check_segment(request.unit.account_id, group_by)
    raise ReportError(
        "group_by",
        f"must be one of {', '.join(GROUPS)}, contact.<attribute> or interaction.<attribute>",
    )


# ---------------------------------------------------------------------------------------------
# Counting: rollups or raw responses, into score histograms keyed by what was asked


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
        edge_end = _month_end(edge)
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
            key += (_period_start(day, time),)
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


def _period_start(day: dt.date, grain: str) -> dt.date:
    if grain == "week":
        return day - dt.timedelta(day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def _responses(request: ReportRequest):
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
    rows = _responses(request)
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
            key.append(_period_start(row["local_day"], time))
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
    return nps.Counts.from_histogram(_total(histograms(request)))


def _total(found: Histograms) -> list[int]:
    total = [0] * 11
    for histogram in found.values():
        for i, count in enumerate(histogram):
            total[i] += count
    return total


# ---------------------------------------------------------------------------------------------
# Figures


@dataclass(frozen=True)
class Figure:
    """One NPS figure: its histogram, counts, estimate (NPS, margin, interval) and mean."""

    key: Any
    label: str
    histogram: tuple[int, ...]
    counts: nps.Counts
    estimate: nps.Estimate
    mean: float | None

    @classmethod
    def of(cls, key: Any, label: str, histogram: Iterable[int]) -> Figure:
        histogram = tuple(histogram)
        counts = nps.Counts.from_histogram(histogram)
        total = counts.n
        mean = sum(s * c for s, c in enumerate(histogram)) / total if total else None
        return cls(key, label, histogram, counts, nps.estimate(counts), mean)

    @property
    def shares(self) -> dict[str, float]:
        """Percent promoters, passives and detractors (all 0 without answers)."""
        return self.counts.percentages or {"promoters": 0.0, "passives": 0.0, "detractors": 0.0}

    def as_dict(self) -> dict:
        e = self.estimate
        return {
            "key": self.key.isoformat() if isinstance(self.key, dt.date) else self.key,
            "label": self.label,
            "n": e.n,
            "promoters": e.promoters,
            "passives": e.passives,
            "detractors": e.detractors,
            "nps": None if e.nps is None else round(e.nps, 4),
            "margin_of_error": round(e.margin_of_error, 4),
            "low": round(e.low, 4),
            "high": round(e.high, 4),
            "mean_score": None if self.mean is None else round(self.mean, 4),
            "few_answers": e.few_answers,
        }


@dataclass(frozen=True)
class TrendPoint:
    start: dt.date
    end: dt.date
    label: str
    figure: Figure
    control: nps.ControlPoint


@dataclass(frozen=True)
class LeaderRow:
    unit: Unit
    shrunk: nps.ShrunkEstimate
    figure: Figure


@dataclass
class Report:
    request: ReportRequest
    headline: Figure
    previous_request: ReportRequest
    previous: Figure
    change: nps.Comparison
    trend_grain: str
    trend: list[TrendPoint]
    by_touchpoint: list[Figure]
    by_channel: list[Figure]
    leaderboard: list[tuple[str, list[LeaderRow]]]
    comments: list[Response] = field(default_factory=list)

    @property
    def source(self) -> str:
        return self.request.source

    @property
    def shifts(self) -> list[TrendPoint]:
        return [p for p in self.trend if p.control.out_of_control]

    @property
    def change_points(self) -> float | None:
        """Raw NPS now minus raw NPS before; None when either period has no answers."""
        now, before = self.headline.estimate.nps, self.previous.estimate.nps
        return None if now is None or before is None else now - before


def trend_grain(request: ReportRequest) -> str:
    """Days for three weeks or less, weeks up to six months, months beyond."""
    if request.days <= 21:
        return "day"
    if request.days <= 183:
        return "week"
    return "month"


def _periods(request: ReportRequest, grain: str) -> list[tuple[dt.date, dt.date, dt.date]]:
    """(key, first day, last day) of each period of the grain, clipped to the request."""
    out = []
    key = _period_start(request.start, grain)
    while key <= request.end:
        if grain == "day":
            following = key + dt.timedelta(1)
        elif grain == "week":
            following = key + dt.timedelta(7)
        else:
            following = _month_end(key) + dt.timedelta(1)
        out.append((key, max(key, request.start), min(following - dt.timedelta(1), request.end)))
        key = following
    return out


def _period_label(key: dt.date, first: dt.date, last: dt.date, grain: str) -> str:
    if grain == "day":
        return f"{key:%a %-d %b}"
    if grain == "month":
        label = f"{key:%b %Y}"
        whole = first == key and last == _month_end(key)
        return label if whole else f"{label} ({first:%-d}\u2013{last:%-d})"
    if first == last:
        return f"{first:%-d %b}"
    if first.month == last.month:
        return f"{first.day}\u2013{last:%-d %b}"
    return f"{first:%-d %b}{DASH}{last:%-d %b}"


def trend(request: ReportRequest, grain: str | None = None) -> list[TrendPoint]:
    """NPS per day, week or month with its interval and control limits (Laney p'): a point
    outside the limits is a real shift, not noise."""
    grain = grain or trend_grain(request)
    found = histograms(request, time=grain)
    periods = _periods(request, grain)
    figures = [
        Figure.of(key, _period_label(key, first, last, grain), found.get((key,), [0] * 11))
        for key, first, last in periods
    ]
    controls = nps.control_limits([f.counts for f in figures])
    return [
        TrendPoint(first, last, figure.label, figure, control)
        for (_, first, last), figure, control in zip(periods, figures, controls, strict=True)
    ]


def _children(unit: Unit) -> list[Unit]:
    """The unit's children, through a plain statement: through the ORM, building the query
    took longer than answering it (0.7 ms against 0.26 ms for a store, which has none, on
    PostgreSQL)."""
    table, quote = Unit._meta.db_table, connections[router.db_for_read(Unit)].ops.quote_name
    return list(
        Unit.objects.raw(
            f"SELECT * FROM {quote(table)} WHERE parent_id = %s AND account_id = %s",  # noqa: S608
            [unit.pk, unit.account_id],
        )
    )


def leaderboard(request: ReportRequest) -> list[tuple[str, list[LeaderRow]]]:
    """The unit's children ranked among their own kind by shrunk NPS (empirical Bayes), so
    three promoters do not top a list of busy stores; raw NPS, n and interval beside it."""
    children = {child.pk: child for child in _children(request.unit)}
    if not children:
        return []
    found = histograms(request, ("unit",), units=list(children))
    kinds = dict(Unit.Kind.choices)
    figures: dict[str, dict[int, Figure]] = {}
    for (unit_id,), histogram in found.items():
        if not sum(histogram):
            continue
        child = children[unit_id]
        figures.setdefault(kinds[child.kind], {})[unit_id] = Figure.of(
            child.code, child.name, histogram
        )
    return [
        (
            kind,
            [
                LeaderRow(children[unit_id], shrunk, board[unit_id])
                for unit_id, shrunk in nps.rank({k: f.counts for k, f in board.items()})
            ],
        )
        for kind, board in sorted(figures.items())
    ]


SMALL_SUBTREE = 50  # units; below this, comments are found through the unit index


def latest_comments(request: ReportRequest, count: int = 8) -> list[Response]:
    """The newest comments given at or below the unit. A small subtree (a store, a team) is
    read through the responsible-unit index, since walking every answer of the account
    backwards in time to find a quiet store's few would be slow; a big one (a brand, a region)
    has comments every day, so walking back in time finds them at once."""
    rows = _responses(request).filter(unit_path__contains=f"/{request.unit.pk}/")
    subtree = list(
        Unit.objects.filter(
            account_id=request.unit.account_id, path__startswith=request.unit.path
        ).values_list("pk", flat=True)[: SMALL_SUBTREE + 1]
    )
    if len(subtree) <= SMALL_SUBTREE:
        rows = rows.filter(unit_id__in=subtree)
    return list(
        rows.exclude(comment="")
        .select_related("touchpoint", "unit")
        .order_by("-answered_at", "-pk")[:count]
    )


def _touchpoint_names(account_id: int) -> dict[int, str]:
    return dict(Touchpoint.objects.filter(account_id=account_id).values_list("pk", "name"))


def _split(found: Histograms, position: int, labels: Mapping[Any, str]) -> list[Figure]:
    merged: dict[Any, list[int]] = defaultdict(lambda: [0] * 11)
    for key, histogram in found.items():
        for i, count in enumerate(histogram):
            merged[key[position]][i] += count
    figures = [Figure.of(key, labels.get(key, str(key)), h) for key, h in merged.items() if sum(h)]
    return sorted(figures, key=lambda f: (-f.estimate.n, f.label))


def channel_labels() -> dict[str, str]:
    return {str(value): str(label) for value, label in Channel.choices}


def report(request: ReportRequest, *, comments: int = 8) -> Report:
    """Everything a dashboard shows for a request: headline, previous period and the change's
    significance, trend with control limits, by touchpoint, by channel, child leaderboard and
    latest comments. On the rollup path: one statement per grain and period range for each
    of current, previous, trend and leaderboard (at most 3 each, bounded by the rollup index),
    plus touchpoint names, child units and comments; never a scan of raw answers for figures,
    whatever the unit."""
    current = histograms(request, ("touchpoint", "channel"))
    previous_request = request.previous()
    previous = Figure.of("previous", previous_request.label, _total(histograms(previous_request)))
    headline = Figure.of("current", request.label, _total(current))
    grain = trend_grain(request)
    return Report(
        request=request,
        headline=headline,
        previous_request=previous_request,
        previous=previous,
        change=nps.compare(headline.counts, previous.counts),
        trend_grain=grain,
        trend=trend(request, grain),
        by_touchpoint=_split(current, 0, _touchpoint_names(request.unit.account_id)),
        by_channel=_split(current, 1, channel_labels()),
        leaderboard=leaderboard(request),
        comments=latest_comments(request, comments) if comments else [],
    )


def grouped(request: ReportRequest, group_by: str | None) -> tuple[Figure, list[Figure]]:
    """The total and one breakdown (API): by child unit, touchpoint, channel, day, week,
    month, or a contact or interaction attribute."""
    total = Figure.of("total", request.label, _total(histograms(request)))
    if not group_by:
        return total, []
    if group_by in TIME_GROUPS:
        return total, [point.figure for point in trend(request, group_by)]
    if group_by == "unit":
        return total, [row.figure for _, board in leaderboard(request) for row in board]
    if group_by == "touchpoint":
        labels = _touchpoint_names(request.unit.account_id)
        slugs = dict(
            Touchpoint.objects.filter(account_id=request.unit.account_id).values_list("pk", "slug")
        )
        return total, [
            replace(f, key=slugs.get(f.key, f.key), label=labels.get(f.key, ""))
            for f in _split(histograms(request, ("touchpoint",)), 0, labels)
        ]
    if group_by == "channel":
        return total, _split(histograms(request, ("channel",)), 0, channel_labels())
    found = histograms(request, (group_by,))
    return total, _split(found, 0, {k: str(k) for (k,) in found})
