"""`/api/v1/touchpoints`, `/api/v1/root-causes`, `/api/v1/setup/changes`: a programme kept
in code. Each change goes through the same setup actions as the pages (same checks, same
audit, recorded as made by the key). Setup needs an account-wide key (403 otherwise)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from touchpoint.accounts.models import Unit
from touchpoint.api.common import StrictIn as Strict
from touchpoint.api.common import choice, page_field
from touchpoint.api.errors import ErrorOut
from touchpoint.setup import preview, rules
from touchpoint.setup.audit import SetupError, check_setup_key
from touchpoint.setup.models import SetupChange
from touchpoint.surveys.models import Channel, Touchpoint
from touchpoint.tickets.models import Priority, RootCause, TicketRule

router = Router(tags=["Setup: touchpoints"])

Category = Literal["promoter", "passive", "detractor"]
Text = str | dict[str, str]
HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


class OptionIn(Strict):
    key: str = Field(description="Lower-case letters, digits and _; answers store it.")
    label: Text = Field(description='A string, or {"en": ..., "de": ...}.')


class QuestionIn(Strict):
    key: str = Field(description="Stable once answered: answers are stored under it.")
    type: Literal["text", "single_choice", "multiple_choice", "scale"]
    text: Text
    show_to: list[Category] = ["promoter", "passive", "detractor"]
    required: bool = False
    retired: bool = Field(False, description="No longer asked; its answers stay.")
    options: list[OptionIn] | None = Field(None, description="For single and multiple choice.")


class WidgetRulesIn(Strict):
    delay_seconds: int = Field(0, ge=0, le=86400)
    min_page_views: int = Field(0, ge=0, le=1000)
    url_patterns: list[str] = Field(default_factory=list, description='e.g. ["/shop/*"]')


class TouchpointIn(Strict):
    """The whole survey rule (PUT). Fields left out take their defaults."""

    name: str = Field(max_length=200)
    kind: choice(Touchpoint.Kind) = Touchpoint.Kind.OTHER  # type: ignore[valid-type]
    is_active: bool = True
    channel: choice(Channel) = Channel.EMAIL  # type: ignore[valid-type]
    fallback_channel: Literal["", "email", "sms"] = ""
    delay_minutes: int = Field(0, ge=0, le=90 * 24 * 60)
    quiet_hours_start: str | None = Field(None, pattern=HHMM, description="e.g. 21:00")
    quiet_hours_end: str | None = Field(None, pattern=HHMM, description="e.g. 08:00")
    expiry_days: int = Field(30, ge=1, le=365)
    sampling_rate: float = Field(1, ge=0, le=1, description="1 surveys every interaction.")
    quarantine_days: int | None = Field(None, ge=0, le=3650, description="null: the account's.")
    reminder_count: int = Field(0, ge=0, le=3, description="Kept for the reminder sender.")
    reminder_after_days: int = Field(3, ge=1, le=30)
    widget_rules: WidgetRulesIn = Field(default_factory=WidgetRulesIn)
    wording: dict[str, dict[str, str]] = Field(
        default_factory=dict, description='Per language: {"de": {"question": "..."}}.'
    )
    questions: list[QuestionIn] = Field(default_factory=list)


class TouchpointPatch(Strict):
    """Only the fields given change."""

    slug: str | None = Field(None, max_length=60, description="Renames the touchpoint's code.")
    name: str | None = Field(None, max_length=200)
    kind: choice(Touchpoint.Kind) | None = None  # type: ignore[valid-type]
    is_active: bool | None = None
    channel: choice(Channel) | None = None  # type: ignore[valid-type]
    fallback_channel: Literal["", "email", "sms"] | None = None
    delay_minutes: int | None = Field(None, ge=0, le=90 * 24 * 60)
    quiet_hours_start: str | None = Field(None, pattern=HHMM)
    quiet_hours_end: str | None = Field(None, pattern=HHMM)
    expiry_days: int | None = Field(None, ge=1, le=365)
    sampling_rate: float | None = Field(None, ge=0, le=1)
    quarantine_days: int | None = Field(None, ge=0, le=3650)
    reminder_count: int | None = Field(None, ge=0, le=3)
    reminder_after_days: int | None = Field(None, ge=1, le=30)
    widget_rules: WidgetRulesIn | None = None
    wording: dict[str, dict[str, str]] | None = None
    questions: list[QuestionIn] | None = None


class TouchpointOut(Schema):
    slug: str
    name: str
    kind: str
    is_active: bool
    channel: str
    fallback_channel: str
    delay_minutes: int
    quiet_hours_start: str | None
    quiet_hours_end: str | None
    expiry_days: int
    sampling_rate: float
    quarantine_days: int | None
    reminder_count: int
    reminder_after_days: int
    widget_rules: dict
    wording: dict[str, dict[str, str]]
    questions: list[dict]


class PreviewIn(Strict):
    lang: Literal["en", "de", "es", "fr", "hi"] = "en"
    category: Category | None = Field(None, description="Whose follow-up questions to show.")
    unit: str | None = Field(None, description="A unit code (default: the brand).")


class SendTestIn(Strict):
    email: str = ""
    phone: str = ""
    locale: str = ""
    unit: str | None = Field(None, description="A unit code (default: the brand).")


class SendTestOut(Schema):
    sent: bool
    invitation_id: int
    state: str
    reason: str
    detail: str


class TicketRuleIn(Strict):
    open_on: choice(TicketRule.OpenOn) = TicketRule.OpenOn.DETRACTORS  # type: ignore[valid-type]
    keywords: list[str] = Field(default_factory=list, description="Words that open a ticket.")
    priority: choice(Priority) = Priority.NORMAL  # type: ignore[valid-type]
    first_response_hours: int = Field(24, ge=1, le=2160)
    resolution_hours: int = Field(72, ge=1, le=2160)
    escalate: bool = True
    follow_up: choice(TicketRule.FollowUp) = TicketRule.FollowUp.SCORE  # type: ignore[valid-type]


class TicketRuleOut(Schema):
    open_on: str
    keywords: list[str]
    priority: str
    first_response_hours: int
    resolution_hours: int
    escalate: bool
    follow_up: str


class RootCauseIn(Strict):
    name: str = Field(max_length=200)
    is_active: bool = True


class RootCauseOut(Schema):
    code: str
    name: str
    is_active: bool


class SetupChangeOut(Schema):
    at: dt.datetime
    actor: str
    subject: str
    key: str
    label: str
    action: str
    before: dict
    after: dict


class ChangePage(Schema):
    changes: list[SetupChangeOut]
    page: int
    total: int


class ChangeFilters(Schema):
    subject: SetupChange.Subject | None = None
    page: int = page_field()


def forbidden_or_none(request: HttpRequest):
    try:
        check_setup_key(request.auth)
    except SetupError as error:
        return Status(403, {"error": "forbidden", "detail": error.detail()})
    return None


def invalid(error: SetupError, prefix: str = ""):
    return Status(422, {"error": "invalid_request", "detail": error.detail(prefix)})


def not_found(field: str, message: str):
    return Status(404, {"error": "not_found", "detail": [{"field": field, "message": message}]})


def _touchpoint(request: HttpRequest, slug: str) -> Touchpoint | None:
    found = Touchpoint.objects.filter(account=request.auth.account, slug=slug).first()
    if found is not None:
        found.account = request.auth.account
    return found


def _values(data: dict) -> dict:
    if "widget_rules" in data and data["widget_rules"] is not None:
        rules_ = data["widget_rules"]
        data["widget_rules"] = {k: v for k, v in rules_.items() if v not in (0, [], None)}
    if data.get("questions") is not None:
        data["questions"] = [
            {k: v for k, v in q.items() if v is not None and not (k == "retired" and not v)}
            for q in data["questions"]
        ]
    return data


ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.get("/touchpoints", response={200: list[TouchpointOut], 403: ErrorOut})
def list_touchpoints(request: HttpRequest):
    if refused := forbidden_or_none(request):
        return refused
    found = Touchpoint.objects.filter(account=request.auth.account).order_by("slug")
    return [rules.rule_data(t) for t in found]


@router.get("/touchpoints/{slug}", response={200: TouchpointOut, **ERRORS})
def get_touchpoint(request: HttpRequest, slug: str):
    if refused := forbidden_or_none(request):
        return refused
    touchpoint = _touchpoint(request, slug)
    if touchpoint is None:
        return not_found("slug", "No such touchpoint.")
    return rules.rule_data(touchpoint)


@router.put("/touchpoints/{slug}", response={200: TouchpointOut, 201: TouchpointOut, **ERRORS})
def put_touchpoint(request: HttpRequest, slug: str, body: TouchpointIn):
    """Create the touchpoint, or replace its whole survey rule. Checked as a whole: with
    any error nothing changes. A question with answers cannot be left out (retire it)."""
    if refused := forbidden_or_none(request):
        return refused
    touchpoint = _touchpoint(request, slug)
    try:
        saved = rules.do_save_touchpoint(
            account=request.auth.account,
            by=request.auth,
            touchpoint=touchpoint,
            values={**_values(body.model_dump()), "slug": slug},
        )
    except SetupError as error:
        return invalid(error)
    return Status(200 if touchpoint else 201, rules.rule_data(saved))


@router.patch("/touchpoints/{slug}", response={200: TouchpointOut, **ERRORS})
def patch_touchpoint(request: HttpRequest, slug: str, body: TouchpointPatch):
    if refused := forbidden_or_none(request):
        return refused
    touchpoint = _touchpoint(request, slug)
    if touchpoint is None:
        return not_found("slug", "No such touchpoint.")
    values = _values(body.model_dump(exclude_unset=True))
    try:
        saved = rules.do_save_touchpoint(
            account=request.auth.account, by=request.auth, touchpoint=touchpoint, values=values
        )
    except SetupError as error:
        return invalid(error)
    return rules.rule_data(saved)


def _unit(request: HttpRequest, code: str | None) -> Unit | None:
    units = Unit.objects.filter(account=request.auth.account)
    return units.filter(code=code).first() if code else units.filter(depth=0).first()


@router.post("/touchpoints/{slug}/preview", response={200: dict, **ERRORS})
def preview_touchpoint(request: HttpRequest, slug: str, body: PreviewIn):
    """The email (subject, HTML, text), the SMS (text, encoding, characters, segments) and
    the survey page as the saved rule renders them in one language."""
    if refused := forbidden_or_none(request):
        return refused
    touchpoint = _touchpoint(request, slug)
    unit = _unit(request, body.unit)
    if touchpoint is None:
        return not_found("slug", "No such touchpoint.")
    if unit is None:
        return invalid(SetupError("no unit with this code", "unit"))
    shown = preview.preview(touchpoint, unit=unit, lang=body.lang, category=body.category or "")
    return shown.as_dict()


@router.post("/touchpoints/{slug}/test", response={200: SendTestOut, **ERRORS})
def test_touchpoint(request: HttpRequest, slug: str, body: SendTestIn):
    """Send the survey now to `email` (or `phone` for SMS) through the ordinary intake and
    sender; ignores the delay, quiet hours, sampling, quarantine and a pause."""
    if refused := forbidden_or_none(request):
        return refused
    touchpoint = _touchpoint(request, slug)
    unit = _unit(request, body.unit)
    if touchpoint is None:
        return not_found("slug", "No such touchpoint.")
    if unit is None:
        return invalid(SetupError("no unit with this code", "unit"))
    try:
        result = preview.do_send_test_survey(
            by=request.auth,
            touchpoint=touchpoint,
            unit=unit,
            email=body.email,
            phone=body.phone,
            locale=body.locale,
        )
    except SetupError as error:
        return invalid(error)
    invitation = result.invitation
    return {
        "sent": result.sent,
        "invitation_id": invitation.pk,
        "state": invitation.state,
        "reason": invitation.reason,
        "detail": result.detail,
    }


def _rule_out(rule: TicketRule) -> dict:
    return {**rules.ticket_rule_data(rule), "keywords": rule.keyword_list}


@router.get("/touchpoints/{slug}/ticket-rule", response={200: TicketRuleOut, **ERRORS})
def get_ticket_rule(request: HttpRequest, slug: str):
    if refused := forbidden_or_none(request):
        return refused
    touchpoint = _touchpoint(request, slug)
    if touchpoint is None:
        return not_found("slug", "No such touchpoint.")
    return _rule_out(rules.ticket_rule_of(touchpoint))


@router.put("/touchpoints/{slug}/ticket-rule", response={200: TicketRuleOut, **ERRORS})
def put_ticket_rule(request: HttpRequest, slug: str, body: TicketRuleIn):
    if refused := forbidden_or_none(request):
        return refused
    touchpoint = _touchpoint(request, slug)
    if touchpoint is None:
        return not_found("slug", "No such touchpoint.")
    values = body.model_dump()
    values["keywords"] = "\n".join(k.strip() for k in values["keywords"] if k.strip())
    try:
        rule = rules.do_save_ticket_rule(by=request.auth, touchpoint=touchpoint, values=values)
    except SetupError as error:
        return invalid(error)
    return _rule_out(rule)


@router.get("/root-causes", response={200: list[RootCauseOut], 403: ErrorOut})
def list_root_causes(request: HttpRequest):
    if refused := forbidden_or_none(request):
        return refused
    return list(RootCause.objects.filter(account=request.auth.account).order_by("code"))


@router.put("/root-causes/{code}", response={200: RootCauseOut, 201: RootCauseOut, **ERRORS})
def put_root_cause(request: HttpRequest, code: str, body: RootCauseIn):
    """Create a root cause, or rename / switch off one (its code never changes)."""
    if refused := forbidden_or_none(request):
        return refused
    account = request.auth.account
    cause = RootCause.objects.filter(account=account, code=code).first()
    try:
        saved = rules.do_save_root_cause(
            account=account,
            by=request.auth,
            cause=cause,
            code=code,
            name=body.name,
            is_active=body.is_active,
        )
    except SetupError as error:
        return invalid(error)
    return Status(200 if cause else 201, saved)


@router.get("/setup/changes", response={200: ChangePage, 403: ErrorOut}, tags=["Setup: audit"])
def list_changes(request: HttpRequest, filters: Query[ChangeFilters]):
    """Every setup change, newest first, 50 a page: who, when, before and after."""
    if refused := forbidden_or_none(request):
        return refused
    changes = SetupChange.objects.filter(account=request.auth.account)
    if filters.subject:
        changes = changes.filter(subject=filters.subject)
    start = (filters.page - 1) * 50
    return {
        "changes": [
            {
                "at": c.at,
                "actor": c.actor,
                "subject": c.subject,
                "key": c.subject_key,
                "label": c.subject_label,
                "action": c.action,
                "before": c.before,
                "after": c.after,
            }
            for c in changes[start : start + 50]
        ],
        "page": filters.page,
        "total": changes.count(),
    }
