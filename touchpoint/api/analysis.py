"""Comment analysis over the API: analyse comments with the account's themes, and the
themes and key-drivers reports (same filters and checks as `/reports/nps`)."""

from __future__ import annotations

from typing import Literal

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from pydantic import StrictInt, StrictStr
from pydantic import ValidationError as PydanticError

from touchpoint.accounts.access import access_unit_for_key
from touchpoint.analysis import queries
from touchpoint.analysis.models import Theme
from touchpoint.analysis.sweep import compiled
from touchpoint.api.errors import ErrorOut
from touchpoint.api.reports import _OPENAPI as REPORT_PARAMETERS
from touchpoint.lib.text import analyse
from touchpoint.reports.params import ReportError, parse_report_params

router = Router(tags=["Comment analysis"])
MAX_COMMENTS = 1000
Language = Literal["en", "de", "es", "fr", "hi"]


class CommentIn(Schema):
    id: StrictStr | StrictInt = Field(..., description="Your identifier, echoed back.")
    text: str = Field(..., description="The comment; cut at 10,000 characters.")
    language: Language | None = Field(None, description="Omit to detect it.")


class AnalyseIn(Schema):
    comments: list[CommentIn] = Field(..., min_length=1, max_length=MAX_COMMENTS)


class SentimentOut(Schema):
    label: Literal["negative", "neutral", "positive"]
    score: float = Field(..., ge=-1, le=1)


class ThemeOut(Schema):
    key: str
    name: str
    phrase: str
    start: int
    end: int
    sentiment: Literal["negative", "neutral", "positive"]


class CommentOut(Schema):
    id: str
    language: str | None
    sentiment: SentimentOut
    themes: list[ThemeOut]


class AnalyseOut(Schema):
    comments: list[CommentOut]


_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AnalyseIn"}}},
    }
}


def _field(loc: tuple) -> str:
    """comments[3].text, as the intake API names fields."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


@router.post(
    "/comments/analyse",
    response={200: AnalyseOut, 400: ErrorOut, 422: ErrorOut},
    summary="Analyse comments: language, sentiment, themes",
    openapi_extra=_BODY,
)
def analyse_comments(request: HttpRequest):
    """Up to 1,000 comments a request, analysed on this server with the key's account
    themes: language (given or detected among en, de, es, fr, hi), sentiment (label and
    score from -1 to 1) and each theme found with the phrase that matched (offsets into the
    text as sent). Nothing is stored. Empty, emoji-only or HTML-laden text is analysed as
    text (tags are ignored); a missing or invalid field is a 422 naming it."""
    try:
        payload = AnalyseIn.model_validate_json(request.body or b"")
    except PydanticError as invalid:
        errors = invalid.errors()
        if errors and errors[0]["type"] == "json_invalid":
            return Status(400, {"error": "malformed_json", "detail": "The body is not JSON."})
        detail = [{"field": _field(e["loc"]), "message": e["msg"]} for e in errors]
        return Status(422, {"error": "invalid_request", "detail": detail})
    _version, matcher, _ids = compiled(request.auth.account_id)
    names = _theme_names(request.auth.account_id)
    out = []
    for item in payload.comments:
        found = analyse(item.text, matcher, language=item.language)
        out.append(
            {
                "id": str(item.id),
                "language": found.language or None,
                "sentiment": {"label": found.sentiment, "score": found.score},
                "themes": [
                    {
                        "key": m.theme,
                        "name": names.get(m.theme, m.theme),
                        "phrase": m.phrase,
                        "start": m.start,
                        "end": m.end,
                        "sentiment": m.sentiment,
                    }
                    for m in found.mentions
                ],
            }
        )
    return {"comments": out}


def _theme_names(account_id: int) -> dict[str, str]:
    return {t.key: t.name() for t in Theme.objects.filter(account_id=account_id)}


_FILTERS = {"parameters": [p for p in REPORT_PARAMETERS["parameters"] if p["name"] != "group_by"]}


def _error(status: int, error: str, field: str, message: str) -> Status:
    return Status(status, {"error": error, "detail": [{"field": field, "message": message}]})


def _report_request(request: HttpRequest):
    params = request.GET.copy()
    code = params.pop("unit", [""])[-1]
    try:
        unit = access_unit_for_key(request.auth, code or None)
    except Http404:
        message = f"no unit {code!r} for this key" if code else "give a unit code"
        return None, _error(404, "not_found", "unit", message)
    try:
        return parse_report_params(unit, params, now=timezone.now()), None
    except ReportError as invalid:
        return None, _error(422, "invalid_request", invalid.field, invalid.message)


class ThemeFigureOut(Schema):
    key: str
    name: str
    mentions: int
    share_of_comments: float
    nps: float | None
    margin_of_error: float
    impact: float | None
    impact_low: float | None
    impact_high: float | None
    few_mentions: bool
    negative: int
    positive: int
    trend: list[dict]


class ThemesOut(Schema):
    unit: dict
    filters: dict
    answers: int
    nps: float | None
    comments: int
    analysed: int
    themes: list[ThemeFigureOut]


@router.get(
    "/reports/themes",
    response={200: ThemesOut, 404: ErrorOut, 422: ErrorOut},
    summary="Themes: volume, NPS, impact",
    openapi_extra=_FILTERS,
)
def themes_report(request: HttpRequest):
    """Themes by the number of answers mentioning them: NPS among those answers, impact in
    NPS points (NPS of all answers minus NPS of those not mentioning the theme) with its 95 %
    bootstrap interval, few mentions (under 30) flagged, sentiment of the mentions, trend.
    Same filters as `/reports/nps`; a key limited to a unit sees that subtree only."""
    report_request, failure = _report_request(request)
    if failure is not None:
        return failure
    report = queries.theme_report(report_request, examples=0, limit=100)
    unit = report_request.unit
    return {
        "unit": {"code": unit.code, "name": unit.name, "kind": unit.kind},
        "filters": report_request.describe(),
        "answers": report.everyone.n,
        "nps": report.everyone.nps,
        "comments": report.commented,
        "analysed": report.analysed,
        "themes": [row.as_dict() for row in report.rows],
    }


class DriverOut(Schema):
    key: str
    label: str
    kind: Literal["theme", "answer"]
    present: int
    importance: float = Field(..., description="% of the score's variance explained (LMG).")
    low: float
    high: float
    sign: int
    effect_points: float


class DriversOut(Schema):
    unit: dict
    filters: dict
    n: int
    r2: float = Field(..., description="% of the score's variance all drivers explain.")
    drivers: list[DriverOut]


@router.get(
    "/reports/drivers",
    response={200: DriversOut, 404: ErrorOut, 422: ErrorOut},
    summary="Key drivers of the score (LMG)",
    openapi_extra=_FILTERS,
)
def drivers_report(request: HttpRequest):
    """Relative importance of the themes and (with `touchpoint`) its follow-up answers for
    the 0-10 score: LMG / Shapley decomposition of R² with 95 % bootstrap intervals, the sign
    and size of each driver's effect. Same filters as `/reports/nps`."""
    report_request, failure = _report_request(request)
    if failure is not None:
        return failure
    report = queries.driver_report(report_request)
    unit = report_request.unit
    return {
        "unit": {"code": unit.code, "name": unit.name, "kind": unit.kind},
        "filters": report_request.describe(),
        "n": report.n,
        "r2": round(report.r2, 4),
        "drivers": [row.as_dict() for row in report.rows],
    }
