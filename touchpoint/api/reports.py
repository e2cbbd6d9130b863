"""Reports API: NPS with counts and interval for a unit, period and filters, grouped by one
dimension. Same request checks and figures as the dashboard (`reports.params`,
`reports.figures`)."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from touchpoint.accounts.access import access_unit_for_key
from touchpoint.api.errors import ErrorOut
from touchpoint.reports import figures
from touchpoint.reports.params import (
    PRESETS,
    SEGMENT_SOURCES,
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


class ReportOut(Schema):
    unit: dict
    filters: dict
    source: str
    group_by: str | None
    total: FigureOut
    groups: list[FigureOut]


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
            "properties. Segment filters are counted from the raw answers.",
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
    total, groups = figures.grouped(report_request, group_by or None)
    return {
        "unit": {"code": unit.code, "name": unit.name, "kind": unit.kind},
        "filters": report_request.describe(),
        "source": "responses"
        if group_by.partition(".")[0] in SEGMENT_SOURCES
        else report_request.source,
        "group_by": group_by or None,
        "total": total.as_dict(),
        "groups": [g.as_dict() for g in groups],
    }
