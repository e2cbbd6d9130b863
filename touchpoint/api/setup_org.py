"""`/api/v1/units` (the organisation, in bulk by unit code), kiosks, widget keys, API keys,
webhook endpoints and SMS settings. Account-wide keys only (403 otherwise); secrets are in
the answer that mints them and never again."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from touchpoint.accounts.models import ApiKey, Unit
from touchpoint.api.common import StrictIn as Strict
from touchpoint.api.common import choice, page_field
from touchpoint.api.errors import ErrorOut
from touchpoint.api.setup_touchpoints import ERRORS, forbidden_or_none, invalid, not_found
from touchpoint.kiosks.models import Kiosk
from touchpoint.notifications.models import Endpoint
from touchpoint.outbox.models import SmsSettings
from touchpoint.setup import integrations
from touchpoint.setup import units as sync
from touchpoint.setup.audit import SetupError
from touchpoint.setup.unitrows import SyncRefused, UnitRow
from touchpoint.surveys.models import Touchpoint
from touchpoint.widget.models import PublishableKey

router = Router(tags=["Setup: organisation and connections"])
Scalar = str | int | float | bool | None


class ManagerIn(Strict):
    email: str
    role: Literal["admin", "manager", "viewer", "frontline"] = "manager"


class UnitIn(Strict):
    code: str
    name: str
    kind: choice(Unit.Kind)  # type: ignore[valid-type]
    parent: str | None = Field(None, description="The parent's code; null only for a brand.")
    time_zone: str = Field("", description="IANA, e.g. Europe/Berlin; empty: the parent's.")
    attributes: dict[str, Scalar] = Field(default_factory=dict)
    managers: list[ManagerIn] | None = Field(
        None, description="The unit's people; left out: its memberships are not touched."
    )


class UnitsIn(Strict):
    units: list[UnitIn] = Field(max_length=100_000)
    close_missing: bool = Field(False, description="Close active units not listed.")
    remove_missing_members: bool = Field(
        False, description="Remove people not listed for a unit that lists managers."
    )
    dry_run: bool = Field(False, description="Only return the plan.")


class PlanChangeOut(Schema):
    kind: str
    code: str
    label: str
    before: str
    after: str


class PlanOut(Schema):
    applied: bool
    counts: dict[str, int]
    unchanged: int
    changes: list[PlanChangeOut]


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    parent: str | None
    time_zone: str
    attributes: dict
    is_active: bool


class UnitPage(Schema):
    units: list[UnitOut]
    page: int
    per_page: int
    total: int


class UnitFilters(Schema):
    q: str | None = Field(None, description="Part of a name or code.")
    parent: str | None = Field(None, description="A unit code: its children.")
    include_closed: bool = False
    page: int = page_field()
    per_page: int = Field(100, ge=1, le=1000)


@router.get("/units", response={200: UnitPage, 403: ErrorOut, 404: ErrorOut})
def list_units(request: HttpRequest, filters: Query[UnitFilters]):
    if refused := forbidden_or_none(request):
        return refused
    units = Unit.objects.filter(account=request.auth.account).select_related("parent")
    if not filters.include_closed:
        units = units.filter(is_active=True)
    if filters.q:
        units = units.filter(Q(code__icontains=filters.q) | Q(name__icontains=filters.q))
    if filters.parent:
        parent = Unit.objects.filter(account=request.auth.account, code=filters.parent).first()
        if parent is None:
            return not_found("parent", "No such unit.")
        units = units.filter(parent=parent)
    start = (filters.page - 1) * filters.per_page
    return {
        "units": [
            {
                "code": u.code,
                "name": u.name,
                "kind": u.kind,
                "parent": u.parent.code if u.parent else None,
                "time_zone": u.time_zone,
                "attributes": u.attributes,
                "is_active": u.is_active,
            }
            for u in units.order_by("path")[start : start + filters.per_page]
        ],
        "page": filters.page,
        "per_page": filters.per_page,
        "total": units.count(),
    }


@router.put("/units", response={200: PlanOut, **ERRORS})
def put_units(request: HttpRequest, body: UnitsIn):
    """Sync the organisation by unit code: add, rename, move, change, reopen; invite,
    re-role and (on request) remove people; close units left out only with `close_missing`.
    Checked as a whole (an unknown parent, a cycle, a repeated code or a bad time zone
    refuses it all, naming `units[i].field`), then applied in one transaction. `dry_run`
    returns the plan only. Sending the same list again changes nothing."""
    if refused := forbidden_or_none(request):
        return refused
    rows = [
        UnitRow(
            label=f"units[{n}]",
            code=u.code,
            name=u.name,
            kind=u.kind,
            parent=u.parent or "",
            time_zone=u.time_zone,
            attributes=u.attributes,
            managers=None
            if u.managers is None
            else [(m.email.strip().lower(), m.role) for m in u.managers],
        )
        for n, u in enumerate(body.units)
    ]
    options = {
        "close_missing": body.close_missing,
        "remove_missing_members": body.remove_missing_members,
    }
    account = request.auth.account
    try:
        if body.dry_run:
            plan = sync.prepare(account, rows, by=request.auth, **options)
        else:
            plan = sync.do_apply_sync(
                account, rows, by=request.auth, source="PUT /api/v1/units", **options
            )
    except SyncRefused as refused:
        return Status(422, {"error": "invalid_request", "detail": refused.errors})
    return {**plan.as_dict(), "applied": not body.dry_run and plan.has_changes}


# --- kiosks -----------------------------------------------------------------------------------


class KioskIn(Strict):
    name: str = Field(max_length=100)
    unit: str = Field(description="The store's code.")
    touchpoint: str = Field(description="A touchpoint's code.")
    locale: str = ""


class KioskOut(Schema):
    id: int
    name: str
    unit: str
    touchpoint: str
    locale: str
    active: bool
    last_used_at: dt.datetime | None


class NewKioskOut(KioskOut):
    url: str = Field(description="The tablet's secret link: shown this once.")


def _kiosk(kiosk: Kiosk) -> dict:
    return {
        "id": kiosk.pk,
        **integrations.kiosk_data(kiosk),
        "last_used_at": kiosk.last_used_at,
    }


def _refs(request: HttpRequest, unit: str | None, touchpoint: str | None):
    account = request.auth.account
    return (
        Unit.objects.filter(account=account, code=unit).first() if unit else None,
        Touchpoint.objects.filter(account=account, slug=touchpoint).first() if touchpoint else None,
    )


@router.get("/kiosks", response={200: list[KioskOut], 403: ErrorOut})
def list_kiosks(request: HttpRequest):
    if refused := forbidden_or_none(request):
        return refused
    found = Kiosk.objects.filter(account=request.auth.account).select_related("unit", "touchpoint")
    return [_kiosk(k) for k in found.order_by("pk")]


@router.post("/kiosks", response={201: NewKioskOut, **ERRORS})
def create_kiosk(request: HttpRequest, body: KioskIn):
    if refused := forbidden_or_none(request):
        return refused
    unit, touchpoint = _refs(request, body.unit, body.touchpoint)
    try:
        new = integrations.do_add_kiosk(
            account=request.auth.account,
            by=request.auth,
            name=body.name,
            unit=unit,
            touchpoint=touchpoint,
            locale=body.locale,
        )
    except SetupError as error:
        return invalid(error)
    return Status(201, {**_kiosk(new.kiosk), "url": integrations.kiosk_url(new)})


def _own_kiosk(request: HttpRequest, kiosk_id: int) -> Kiosk | None:
    return (
        Kiosk.objects.filter(account=request.auth.account, pk=kiosk_id)
        .select_related("account", "unit", "touchpoint")
        .first()
    )


@router.post("/kiosks/{kiosk_id}/link", response={200: NewKioskOut, **ERRORS})
def new_kiosk_link(request: HttpRequest, kiosk_id: int):
    """A new secret link (the old one stops working); shown this once."""
    if refused := forbidden_or_none(request):
        return refused
    kiosk = _own_kiosk(request, kiosk_id)
    if kiosk is None:
        return not_found("kiosk_id", "No such kiosk.")
    new = integrations.do_new_kiosk_link(by=request.auth, kiosk=kiosk)
    return {**_kiosk(new.kiosk), "url": integrations.kiosk_url(new)}


@router.post("/kiosks/{kiosk_id}/revoke", response={200: KioskOut, **ERRORS})
def revoke_kiosk(request: HttpRequest, kiosk_id: int):
    if refused := forbidden_or_none(request):
        return refused
    kiosk = _own_kiosk(request, kiosk_id)
    if kiosk is None:
        return not_found("kiosk_id", "No such kiosk.")
    integrations.do_revoke_kiosk(by=request.auth, kiosk=kiosk)
    kiosk.refresh_from_db()
    return _kiosk(kiosk)


# --- widget keys ------------------------------------------------------------------------------


class WidgetKeyIn(Strict):
    name: str = Field(max_length=100)
    touchpoint: str = Field(description="A touchpoint whose channel is the widget.")
    unit: str = Field(description="The unit anonymous answers count for.")
    origins: list[str] = Field(description='e.g. ["https://shop.example.com"]')


class WidgetKeyOut(Schema):
    id: int
    name: str
    key: str = Field(description="Public by design: it goes in your pages.")
    touchpoint: str
    unit: str
    origins: list[str]
    active: bool


def _widget_key(key: PublishableKey) -> dict:
    return {
        "id": key.pk,
        "name": key.name,
        "key": key.key,
        "touchpoint": key.touchpoint.slug,
        "unit": key.unit.code,
        "origins": sorted(key.origins),
        "active": key.is_active,
    }


@router.get("/widget-keys", response={200: list[WidgetKeyOut], 403: ErrorOut})
def list_widget_keys(request: HttpRequest):
    if refused := forbidden_or_none(request):
        return refused
    found = PublishableKey.objects.filter(account=request.auth.account)
    return [_widget_key(k) for k in found.select_related("touchpoint", "unit").order_by("pk")]


@router.post("/widget-keys", response={201: WidgetKeyOut, **ERRORS})
def create_widget_key(request: HttpRequest, body: WidgetKeyIn):
    if refused := forbidden_or_none(request):
        return refused
    unit, touchpoint = _refs(request, body.unit, body.touchpoint)
    try:
        key = integrations.do_add_widget_key(
            account=request.auth.account,
            by=request.auth,
            name=body.name,
            touchpoint=touchpoint,
            unit=unit,
            origins=body.origins,
        )
    except SetupError as error:
        return invalid(error)
    return Status(201, _widget_key(key))


@router.post("/widget-keys/{key_id}/revoke", response={200: WidgetKeyOut, **ERRORS})
def revoke_widget_key(request: HttpRequest, key_id: int):
    if refused := forbidden_or_none(request):
        return refused
    key = PublishableKey.objects.filter(account=request.auth.account, pk=key_id).first()
    if key is None:
        return not_found("key_id", "No such key.")
    integrations.do_revoke_widget_key(by=request.auth, key=key)
    key.refresh_from_db()
    return _widget_key(key)


# --- API keys ---------------------------------------------------------------------------------


class ApiKeyIn(Strict):
    name: str = Field(max_length=100)
    unit: str | None = Field(None, description="Limit the key to this unit's subtree.")


class ApiKeyOut(Schema):
    id: int
    name: str
    prefix: str
    unit: str | None
    active: bool
    created_at: dt.datetime
    last_used_at: dt.datetime | None


class NewApiKeyOut(ApiKeyOut):
    secret: str = Field(description="The key itself: shown this once.")


def _api_key(key: ApiKey) -> dict:
    return {
        "id": key.pk,
        "name": key.name,
        "prefix": key.prefix,
        "unit": key.unit.code if key.unit else None,
        "active": key.is_active,
        "created_at": key.created_at,
        "last_used_at": key.last_used_at,
    }


@router.get("/api-keys", response={200: list[ApiKeyOut], 403: ErrorOut})
def list_api_keys(request: HttpRequest):
    if refused := forbidden_or_none(request):
        return refused
    found = ApiKey.objects.filter(account=request.auth.account).select_related("unit")
    return [_api_key(k) for k in found.order_by("pk")]


@router.post("/api-keys", response={201: NewApiKeyOut, **ERRORS})
def create_api_key(request: HttpRequest, body: ApiKeyIn):
    if refused := forbidden_or_none(request):
        return refused
    unit, _touchpoint = _refs(request, body.unit, None)
    if body.unit and unit is None:
        return invalid(SetupError("no unit with this code", "unit"))
    try:
        new = integrations.do_add_api_key(
            account=request.auth.account, by=request.auth, name=body.name, unit=unit
        )
    except SetupError as error:
        return invalid(error)
    return Status(201, {**_api_key(new.api_key), "secret": new.secret})


@router.post("/api-keys/{key_id}/revoke", response={200: ApiKeyOut, **ERRORS})
def revoke_api_key(request: HttpRequest, key_id: int):
    if refused := forbidden_or_none(request):
        return refused
    key = ApiKey.objects.filter(account=request.auth.account, pk=key_id).first()
    if key is None:
        return not_found("key_id", "No such key.")
    integrations.do_revoke_key(by=request.auth, api_key=key)
    key.refresh_from_db()
    return _api_key(key)


# --- webhooks ---------------------------------------------------------------------------------


class WebhookIn(Strict):
    name: str = Field(max_length=100)
    kind: choice(Endpoint.Kind) = Endpoint.Kind.JSON  # type: ignore[valid-type]
    url: str = Field(max_length=500)
    events: list[str] = Field(default_factory=list, description="Empty: every event.")
    is_active: bool = True


class WebhookPatch(Strict):
    name: str | None = Field(None, max_length=100)
    kind: choice(Endpoint.Kind) | None = None  # type: ignore[valid-type]
    url: str | None = Field(None, max_length=500)
    events: list[str] | None = None
    is_active: bool | None = None


class WebhookOut(Schema):
    id: int
    name: str
    kind: str
    url: str
    events: list[str]
    is_active: bool
    secret: str = Field(description="Its last four characters.")


class NewSecretOut(WebhookOut):
    signing_secret: str = Field(description="The whole secret: shown this once.")


def _webhook(endpoint: Endpoint) -> dict:
    return {"id": endpoint.pk, **integrations.endpoint_data(endpoint)}


@router.get("/webhooks", response={200: list[WebhookOut], 403: ErrorOut})
def list_webhooks(request: HttpRequest):
    if refused := forbidden_or_none(request):
        return refused
    return [_webhook(e) for e in Endpoint.objects.filter(account=request.auth.account)]


@router.post("/webhooks", response={201: NewSecretOut, **ERRORS})
def create_webhook(request: HttpRequest, body: WebhookIn):
    if refused := forbidden_or_none(request):
        return refused
    try:
        saved = integrations.do_save_webhook(
            account=request.auth.account, by=request.auth, endpoint=None, values=body.model_dump()
        )
    except SetupError as error:
        return invalid(error)
    return Status(201, {**_webhook(saved.endpoint), "signing_secret": saved.secret})


@router.patch("/webhooks/{endpoint_id}", response={200: WebhookOut, **ERRORS})
def patch_webhook(request: HttpRequest, endpoint_id: int, body: WebhookPatch):
    if refused := forbidden_or_none(request):
        return refused
    endpoint = Endpoint.objects.filter(account=request.auth.account, pk=endpoint_id).first()
    if endpoint is None:
        return not_found("endpoint_id", "No such endpoint.")
    try:
        saved = integrations.do_save_webhook(
            account=request.auth.account,
            by=request.auth,
            endpoint=endpoint,
            values=body.model_dump(exclude_unset=True),
        )
    except SetupError as error:
        return invalid(error)
    return _webhook(saved.endpoint)


@router.post("/webhooks/{endpoint_id}/secret", response={200: NewSecretOut, **ERRORS})
def roll_webhook_secret(request: HttpRequest, endpoint_id: int):
    """A new signing secret, shown this once; the old one stops at once."""
    if refused := forbidden_or_none(request):
        return refused
    endpoint = Endpoint.objects.filter(account=request.auth.account, pk=endpoint_id).first()
    if endpoint is None:
        return not_found("endpoint_id", "No such endpoint.")
    endpoint.account = request.auth.account
    secret = integrations.do_roll_webhook_secret(by=request.auth, endpoint=endpoint)
    return {**_webhook(endpoint), "signing_secret": secret}


# --- SMS settings -----------------------------------------------------------------------------


class SmsIn(Strict):
    account_sid: str
    auth_token: str = Field("", description="Write-only; empty keeps the stored one.")
    from_number: str = ""
    messaging_service_sid: str = ""
    is_active: bool = True


class SmsOut(Schema):
    provider: str
    account_sid: str
    auth_token: str = Field(description="Its last four characters.")
    from_number: str
    messaging_service_sid: str
    is_active: bool


@router.get("/sms-settings", response={200: SmsOut, **ERRORS})
def get_sms_settings(request: HttpRequest):
    if refused := forbidden_or_none(request):
        return refused
    current = SmsSettings.objects.filter(account=request.auth.account).first()
    if current is None:
        return not_found("sms", "SMS is not set up.")
    return integrations.sms_data(current)


@router.put("/sms-settings", response={200: SmsOut, **ERRORS})
def put_sms_settings(request: HttpRequest, body: SmsIn):
    if refused := forbidden_or_none(request):
        return refused
    try:
        saved = integrations.do_save_sms_settings(
            account=request.auth.account, by=request.auth, values=body.model_dump()
        )
    except SetupError as error:
        return invalid(error)
    return integrations.sms_data(saved)
