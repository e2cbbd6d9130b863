"""`/api/v1/connectors`: the account's connectors as code — settings, write-only credentials
(shown as their last four characters), the inbound address and a new one on demand, a test
of the connection, the sync log and replays of parked events. Account-wide keys only (403
otherwise); every change is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from touchpoint.api.errors import ErrorOut
from touchpoint.api.setup_touchpoints import ERRORS, forbidden_or_none, invalid, not_found
from touchpoint.connectors.actions import connector_data, shown_inbound_url
from touchpoint.connectors.models import Connector, InboundEvent
from touchpoint.connectors.vendors import VENDORS
from touchpoint.setup import connectors
from touchpoint.setup.audit import SetupError

router = Router(tags=["Setup: connectors"])


class ConnectorIn(Schema):
    model_config = ConfigDict(extra="forbid")

    is_active: bool | None = None
    base_url: str | None = Field(None, max_length=300)
    settings: dict[str, Any] = Field(default_factory=dict, description="Only those to change.")
    credentials: dict[str, str] = Field(
        default_factory=dict, description="Write-only; an empty or absent one keeps the stored."
    )


class ConnectorOut(Schema):
    kind: str
    is_active: bool
    base_url: str
    settings: dict[str, Any]
    credentials: dict[str, str] = Field(description="Last four characters of each.")
    inbound_url: str | None = Field(
        description="The address the vendor posts events to (a secret); null for a kind that "
        "takes none, or when it is no longer shown (see inbound_note)."
    )
    inbound_note: str | None = Field(
        description="Why the inbound address is not shown, when it exists but is not."
    )
    disabled_reason: str | None


class AvailableOut(Schema):
    kind: str
    label: str
    configured: bool
    settings: list[str]
    credentials: list[str]


class TestOut(Schema):
    ok: bool
    message: str


class LogRow(Schema):
    direction: str
    id: int
    at: dt.datetime
    what: str
    state: str
    reason: str
    interaction_id: int | None = None
    repeats: int | None = None
    attempts: int | None = None
    operation: str | None = None


class LogFilters(Schema):
    limit: int = Field(50, ge=1, le=500)


NOT_SHOWN = (
    "The inbound address is no longer shown: only a fingerprint of its key is kept (it was "
    "made before this version, or SECRET_KEY has changed since). It keeps working; "
    "POST /api/v1/connectors/{kind}/inbound-address makes a new one, shown from then on."
)


def _out(connector: Connector) -> dict[str, Any]:
    inbound = VENDORS[connector.kind].inbound
    url = shown_inbound_url(connector) if inbound else None
    note = NOT_SHOWN.format(kind=connector.kind) if inbound and url is None else None
    return {**connector_data(connector), "inbound_url": url, "inbound_note": note}


def _own(request: HttpRequest, kind: str):
    if kind not in VENDORS:
        return None
    return connectors.access_connector(request.auth.account, kind)


@router.get("/connectors", response={200: list[AvailableOut], 403: ErrorOut})
def list_connectors(request: HttpRequest):
    """Every kind of connector, and whether this account has set it up."""
    if refused := forbidden_or_none(request):
        return refused
    configured = set(request.auth.account.connectors.values_list("kind", flat=True))
    return [
        {
            "kind": kind,
            "label": vendor.label,
            "configured": kind in configured,
            "settings": [s.name for s in vendor.settings],
            "credentials": [s.name for s in vendor.secrets],
        }
        for kind, vendor in VENDORS.items()
    ]


@router.get("/connectors/{kind}", response={200: ConnectorOut, **ERRORS})
def get_connector(request: HttpRequest, kind: str):
    if refused := forbidden_or_none(request):
        return refused
    connector = _own(request, kind)
    if connector is None:
        return not_found("kind", "This connector is not set up.")
    return _out(connector)


@router.put("/connectors/{kind}", response={200: ConnectorOut, 201: ConnectorOut, **ERRORS})
def put_connector(request: HttpRequest, kind: str, body: ConnectorIn):
    """Set up (201) or change (200) the connector: settings not given keep their value, a
    credential not given keeps the stored one."""
    if refused := forbidden_or_none(request):
        return refused
    if kind not in VENDORS:
        return not_found("kind", "No such connector; the kinds are " + ", ".join(VENDORS))
    existed = _own(request, kind) is not None
    try:
        saved = connectors.do_save_connector(
            account=request.auth.account,
            by=request.auth,
            kind=kind,
            values=body.model_dump(exclude_none=True),
        )
    except SetupError as error:
        return invalid(error)
    return Status(200 if existed else 201, _out(saved))


@router.post("/connectors/{kind}/inbound-address", response={200: ConnectorOut, **ERRORS})
def new_inbound_address(request: HttpRequest, kind: str):
    """A new inbound address (in `inbound_url`): the old one stops working at once, so give
    the new one to the vendor straight away."""
    if refused := forbidden_or_none(request):
        return refused
    connector = _own(request, kind)
    if connector is None:
        return not_found("kind", "This connector is not set up.")
    try:
        connectors.do_new_inbound_address(by=request.auth, connector=connector)
    except SetupError as error:
        return invalid(error)
    return _out(connector)


@router.post("/connectors/{kind}/test", response={200: TestOut, **ERRORS})
def test_connector(request: HttpRequest, kind: str):
    """One harmless call to the vendor with the stored credentials."""
    if refused := forbidden_or_none(request):
        return refused
    connector = _own(request, kind)
    if connector is None:
        return not_found("kind", "This connector is not set up.")
    result = connectors.do_test_connector(by=request.auth, connector=connector)
    return {"ok": result.ok, "message": result.message}


class ImportOut(Schema):
    run: str


@router.post("/connectors/{kind}/import", response={202: ImportOut, **ERRORS})
def import_audience(request: HttpRequest, kind: str):
    """Mailchimp: import the audience (or the chosen segment) as members of the chosen
    recurring survey, page by page in the background."""
    if refused := forbidden_or_none(request):
        return refused
    connector = _own(request, kind)
    if connector is None or kind != "mailchimp":
        return not_found("kind", "Only a Mailchimp connector that is set up imports.")
    try:
        run = connectors.do_import_audience(by=request.auth, connector=connector)
    except SetupError as error:
        return invalid(error)
    return Status(202, {"run": run})


@router.get("/connectors/{kind}/log", response={200: list[LogRow], **ERRORS})
def connector_log(request: HttpRequest, kind: str, filters: Query[LogFilters]):
    """The latest syncs, newest first: inbound events (recorded, parked with the reason,
    waiting for details) and outbound calls (done, waiting, failed with the reason)."""
    if refused := forbidden_or_none(request):
        return refused
    connector = _own(request, kind)
    if connector is None:
        return not_found("kind", "This connector is not set up.")
    return connectors.sync_log(connector, limit=filters.limit)


@router.post("/connectors/{kind}/events/{event_id}/replay", response={200: LogRow, **ERRORS})
def replay_event(request: HttpRequest, kind: str, event_id: int):
    """Map a parked event again with the connector's current settings."""
    if refused := forbidden_or_none(request):
        return refused
    connector = _own(request, kind)
    event = (
        InboundEvent.objects.filter(connector=connector, pk=event_id).first() if connector else None
    )
    if event is None:
        return not_found("event_id", "No such event.")
    try:
        replayed = connectors.do_replay_event(by=request.auth, event=event)
    except SetupError as error:
        return invalid(error)
    return {
        "direction": "in",
        "id": replayed.pk,
        "at": replayed.received_at,
        "what": replayed.vendor_id,
        "state": replayed.state,
        "reason": replayed.reason,
        "interaction_id": replayed.interaction_id,
        "repeats": replayed.repeats,
    }
