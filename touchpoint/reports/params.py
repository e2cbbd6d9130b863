"""Report requests: what a page, export or API call asks for, checked once.

A report request is a unit, a period of local days in the account's time zone (the zone the
rollups are cut in), a touchpoint, a channel and segment filters. `check_report_request`
validates one from typed values, `parse_report_params` from a query string; any bad value is a
`ReportError` naming the field, so a typo never silently widens a report. Counting lives in
`reports.counting`, the figures built from the counts in `reports.figures`.
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
from django.db.models import Q

from touchpoint.accounts.models import Unit
from touchpoint.contacts.models import Contact
from touchpoint.lib import periods, segments
from touchpoint.reports import labels, segment_index
from touchpoint.reports.dimensions import Declared, declared
from touchpoint.reports.models import Dimension, DimensionValue
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Channel, Interaction, Touchpoint

EARLIEST = dt.date(2000, 1, 1)
MAX_DAYS = 5 * 366  # a longer range is a typo, not a question
SEGMENT_SOURCES = {"contact": "contact attribute", "interaction": "interaction property"}
TIME_GROUPS = ("day", "week", "month")
GROUPS = ("unit", "touchpoint", "channel", *TIME_GROUPS)
# Query-string keys that are not filters but that pages and exports may carry.
PAGE_KEYS = frozenset({"format"})
DASH = periods.DASH

PRESETS, DEFAULT_PRESET = periods.PRESETS, periods.DEFAULT_PRESET


class ReportError(ValueError):
    """A report request that cannot be answered; `field` names the parameter at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ReportRequest:
    unit: Unit
    start: dt.date  # first local day, inclusive
    end: dt.date  # last local day, inclusive
    touchpoint: Touchpoint | None = None
    channel: str = ""
    segments: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (("contact.tier", ("gold",)),)
    preset: str = ""
    # Declared dimensions looked up for this request (and the requests made from it).
    _declared: dict = field(default_factory=dict, compare=False, repr=False)
    # The account's segment index as looked up for this request (and those made from it).
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.unit.account.time_zone)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def source(self) -> str:
        """Where the figures are summed from: "rollups", "segment rollups" (one declared
        dimension), "segment index" (other segment filters) or "responses" (the raw answers,
        while the index is being built); `counting.plan` decides."""
        if not self.segments:
            return "rollups"
        names = {name for name, _ in self.segments}
        dimension = self.dimension(next(iter(names))) if len(names) == 1 else None
        values = self.segments[0][1]
        if dimension and dimension.ready and all(v in dimension.ids for v in values):
            return "segment rollups"
        return "segment index" if self.index_state().ready else "responses"

    def index_state(self) -> segment_index.IndexState:
        """The account's segment index: built or not (looked up once per request)."""
        if "state" not in self._index:
            self._index["state"] = segment_index.state(self.unit.account_id)
        return self._index["state"]

    def dimension(self, name: str, *, fresh: bool = False) -> Declared | None:
        """The declared dimension `name` of the account (None when it is not declared)."""
        if fresh or name not in self._declared:
            self._declared[name] = declared(self.unit.account_id, name)
        return self._declared[name]

    @property
    def channel_label(self) -> str:
        return channel_labels().get(self.channel, self.channel)

    @property
    def label(self) -> str:
        return labels.label(self.start, self.end, self.preset)  # in the reader's language

    def previous(self) -> ReportRequest:
        """The period just before, of the same shape (`periods.previous_range`)."""
        start, end = periods.previous_range(self.start, self.end)
        return replace(self, start=start, end=end, preset="")

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


def local_today(unit: Unit, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(unit.account.time_zone)).date()


def preset_range(preset: str, today: dt.date) -> tuple[dt.date, dt.date]:
    try:
        return periods.preset_range(preset, today)
    except periods.PeriodError as error:
        raise ReportError("period", f"{error}, or give from and to") from None


def check_segment(account_id: int, name: str) -> str:
    """A segment name ("contact.tier", "interaction.phone_model") that is a declared
    dimension or an attribute some answer, contact or interaction of the account has;
    returns it, or raises ReportError naming it."""
    source, key = segments.split(name)
    if name.partition(".")[0] not in SEGMENT_SOURCES:
        raise ReportError(name, "is not a known filter")
    if not source:
        raise ReportError(name, "is not a valid attribute name")
    if declared(account_id, name) is not None or key in known_attributes(account_id)[source]:
        return name
    model = Contact if source == "contact" else Interaction
    column = "attributes" if source == "contact" else "properties"
    if not model.objects.filter(account_id=account_id, **{f"{column}__has_key": key}).exists():
        raise ReportError(name, f"no {source} in this account has the attribute {key!r}")
    return name


def segment_q(name: str, values) -> Q:
    """The answers whose segment snapshot gives `name` one of `values`.

    On PostgreSQL as containment (`segments @> '{"contact.tier": "gold"}'`, one per value,
    OR-ed), which the GIN index of the snapshots answers (reports migration 0006): a
    combination of segments is then a BitmapAnd of a few index scans with the answered_at
    range, not a read of every answer of the period. SQLite has no GIN: it reads the key
    from a covering index of the period's answers (the same migration)."""
    if connections[router.db_for_read(Response)].vendor == "postgresql":
        found = Q(pk__in=[])
        for value in values:
            found |= Q(segments__contains={name: value})
        return found
    return Q(**{f"segments__{name}__in": list(values)})


def known_attributes(account_id: int, sample: int = 500) -> dict[str, dict[str, list[str]]]:
    """Attribute names and their most frequent values in the segment snapshots of the latest
    answers: what the segment filters offer. A sample, so one cheap query."""
    values: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        Response.objects.filter(account_id=account_id)
        .order_by("-pk")
        .values_list("segments", flat=True)[:sample]
    )
    for snapshot in rows:
        for name, value in (snapshot or {}).items():
            values[name][value] += 1
    out: dict[str, dict[str, list[str]]] = {source: {} for source in SEGMENT_SOURCES}
    for name, seen in sorted(values.items()):
        source, key = segments.split(name)
        if source:
            out[source][key] = sorted(seen, key=lambda v: (-seen[v], v))
    return out


def segment_choices(account_id: int, most: int = 30) -> list[tuple[str, str, list[str]]]:
    """(parameter, label, values) for the filters form: the declared dimensions with every
    value they keep rollups for (marked "reportable", first), then attributes of the latest
    answers with few distinct values (a tier, a phone model, a city), not identifiers."""
    out = []
    taken = set()
    known = known_attributes(account_id)
    for dimension in Dimension.objects.filter(account_id=account_id).order_by("name"):
        source, key = segments.split(dimension.name)
        values = sorted(
            DimensionValue.objects.filter(dimension=dimension, is_other=False)
            .exclude(value="")
            .values_list("value", flat=True)
        )
        if not values:  # still being counted: the values of the latest answers meanwhile
            values = sorted(known[source].get(key, ()))
        label = f"{key.replace('_', ' ').capitalize()} ({source}, reportable)"
        out.append((dimension.name, label, values))
        taken.add(dimension.name)
    for source, attributes in known.items():
        for key, values in attributes.items():
            if 1 < len(values) <= most and f"{source}.{key}" not in taken:
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


def channel_labels() -> dict[str, str]:
    return {str(value): str(label) for value, label in Channel.choices}
