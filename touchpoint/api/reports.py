"""Reports API: NPS with counts and interval for a unit, period and filters, grouped by one
dimension. Same request checks and figures as the dashboard (`reports.params`,
`reports.figures`)."""

from __future__ import annotations

from dataclasses import replace

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from touchpoint.accounts.access import access_unit_for_key
from touchpoint.accounts.models import Unit
from touchpoint.api.errors import ErrorOut
from touchpoint.lib import nps
from touchpoint.reports import counting, figures, league
from touchpoint.reports.params import (
    PRESETS,
    SEGMENT_SOURCES,
    TIME_GROUPS,
    ReportError,
    check_group_by,
    parse_report_params,
)
from touchpoint.surveys.models import Channel

router = Router(tags=["Reports"])


class FigureOut(Schema):
    key: str | int | None
    label: str
    n: int
    promoters: int
    passives: int
    detractors: int
    nps: float | None
    margin_of_error: float
    low: float
    high: float
    mean_score: float | None
    few_answers: bool
    tiny_sample: bool = False  # under 10 answers: read [low, high], not nps
    # Trend groups (day, week, month) only:
    lower_limit: float | None = None
    upper_limit: float | None = None
    shift: bool | None = None  # outside the control limits, on 10 answers or more


class ComparisonOut(Schema):
    verdict: str  # "up", "down", "none" (no real change) or "unknown" (a side has no answers)
    points: float | None
    p_value: float | None
    significant: bool


class GrainOut(Schema):
    grain: str
    reason: str


class ProvenanceOut(Schema):
    path: str  # rollups, segments (a declared dimension's rollups), index or responses (raw)
    label: str
    why: str  # on the index or raw path: why not from rollups
    dimension: str | None
    as_of: str  # every answer stored before this instant is counted
    waiting: int  # answers' changes not folded into the rollups yet (counted all the same)


class ReportOut(Schema):
    unit: dict
    filters: dict
    source: str  # rollups, segment rollups, segment index or responses
    provenance: ProvenanceOut
    group_by: str | None
    total: FigureOut
    previous: FigureOut
    change: ComparisonOut
    grain: GrainOut | None = None  # how the trend would be cut (and the grain of time groups)
    groups: list[FigureOut]


class LeagueRowOut(Schema):
    rank: int | None
    unit: dict
    ranked_nps: float
    figure: FigureOut
    previous_nps: float | None
    change: ComparisonOut


class LeagueOut(Schema):
    unit: dict
    filters: dict
    kind: str
    units: int
    rows: list[LeagueRowOut]


_PARAMS = [
    ("unit", "Unit code (default: the key's unit, or the account's brand)."),
    ("period", f"A preset: {', '.join(PRESETS)} (default 3m). Or from and to."),
    ("from", "First local day, YYYY-MM-DD (account time zone), inclusive."),
    ("to", "Last local day, YYYY-MM-DD, inclusive."),
    ("touchpoint", "Touchpoint slug."),
    ("channel", "Channel: " + ", ".join(Channel.values) + "."),
    (
        "group_by",
        "unit (child units), touchpoint, channel, day, week, month, "
        "contact.<attribute> or interaction.<attribute>.",
    ),
]
_OPENAPI = {
    "parameters": [
        {
            "name": name,
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
            "description": text,
        }
        for name, text in _PARAMS
    ]
    + [
        {
            "name": "contact.{attribute}",
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
            "description": "Segment filter on a contact attribute, e.g. contact.tier=gold "
            "(repeat for several values). interaction.{property} filters on the interaction's "
            "properties. A filter on a declared segment reads its rollups; other segment filters, "
            "alone or together, read the segment index (see provenance).",
        }
    ]
}


def _error(status: int, error: str, field: str, message: str) -> Status:
    return Status(status, {"error": error, "detail": [{"field": field, "message": message}]})


@router.get(
    "/nps",
    response={200: ReportOut, 404: ErrorOut, 422: ErrorOut},
    summary="NPS for a unit and period",
    openapi_extra=_OPENAPI,
)
def nps_report(request: HttpRequest):
    """NPS with n, promoter / passive / detractor counts, margin of error and adjusted-Wald
    95 % interval, for a unit's answers (attribution snapshot) over local days, optionally
    grouped. A key limited to a unit sees that unit and below; any other unit is a 404.
    Unknown parameters, reversed or absurd periods, unknown touchpoints, channels and
    attributes are 422 errors naming the parameter."""
    params = request.GET.copy()
    code = params.pop("unit", [""])[-1]
    group_by = params.pop("group_by", [""])[-1]
    try:
        unit = access_unit_for_key(request.auth, code or None)
    except Http404:
        return _error(
            404,
            "not_found",
            "unit",
            f"no unit {code!r} for this key" if code else "give a unit code",
        )
    try:
        report_request = parse_report_params(unit, params, now=timezone.now())
        if group_by:
            group_by = check_group_by(report_request, group_by)
    except ReportError as invalid:
        return _error(422, "invalid_request", invalid.field, invalid.message)
    segment = group_by and group_by.partition(".")[0] in SEGMENT_SOURCES
    answered = counting.provenance(report_request, (group_by,) if segment else ())
    seen = figures.overview(report_request)
    _, groups = figures.grouped(report_request, group_by or None)
    grain = {"grain": seen.grain.grain, "reason": seen.grain.reason}
    if group_by in TIME_GROUPS:
        grain = {"grain": group_by, "reason": "Asked for by group_by."}
    return {
        "unit": {"code": unit.code, "name": unit.name, "kind": unit.kind},
        "filters": report_request.describe(),
        "source": {
            "rollups": "rollups",
            "segments": "segment rollups",
            "index": "segment index",
        }.get(answered.path, "responses"),
        "provenance": answered.as_dict(),
        "group_by": group_by or None,
        "total": replace(seen.current, key="total").as_dict(),
        "previous": seen.previous.as_dict(),
        "change": change_out(seen.change),
        "grain": grain,
        "groups": [g.as_dict() for g in groups],
    }


def change_out(change: nps.Change) -> dict:
    c = change.comparison
    return {
        "verdict": change.verdict,
        "points": None if change.points is None else round(change.points, 4),
        "p_value": None if c is None else c.p_value,
        "significant": change.real,
    }


_LEAGUE = {
    "parameters": [p for p in _OPENAPI["parameters"] if p["name"] != "group_by"]
    + [
        {
            "name": "kind",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "enum": list(Unit.Kind.values)},
            "description": "The kind of unit to rank (default: the most numerous below the unit).",
        }
    ]
}


@router.get(
    "/league",
    response={200: LeagueOut, 404: ErrorOut, 422: ErrorOut},
    summary="League table of the units of a kind below a unit",
    openapi_extra=_LEAGUE,
)
def league_table(request: HttpRequest):
    """Every unit of `kind` (default: the most numerous kind below the unit) ranked by its
    shrunk estimate (empirical Bayes among them), with raw NPS, n, interval, the change
    against the previous period and `few_answers`; units without answers last, unranked.
    Same filters as `/nps`."""
    params = request.GET.copy()
    code = params.pop("unit", [""])[-1]
    kind = params.pop("kind", [""])[-1]
    try:
        unit = access_unit_for_key(request.auth, code or None)
    except Http404:
        return _error(404, "not_found", "unit", f"no unit {code!r} for this key")
    try:
        report_request = parse_report_params(unit, params, now=timezone.now())
    except ReportError as invalid:
        return _error(422, "invalid_request", invalid.field, invalid.message)
    if kind and kind not in Unit.Kind.values:
        return _error(
            422, "invalid_request", "kind", f"must be one of {', '.join(Unit.Kind.values)}"
        )
    table = league.league(report_request, kind or None)
    return {
        "unit": {"code": unit.code, "name": unit.name, "kind": unit.kind},
        "filters": report_request.describe(),
        "kind": table.kind,
        "units": len(table.rows),
        "rows": [
            {
                "rank": row.rank,
                "unit": {"code": row.unit.code, "name": row.unit.name},
                "ranked_nps": round(row.shrunk.mean, 4),
                "figure": row.figure.as_dict(),
                "previous_nps": row.previous.estimate.nps,
                "change": change_out(row.change),
            }
            for row in table.rows
        ],
    }
