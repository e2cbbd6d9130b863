"""`/api/v1/targets`: read and set target NPS per unit or per kind of unit. A key limited to a
unit may set targets for its own subtree only (a kind's target covers the whole account)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from touchpoint.accounts.access import api_key_units
from touchpoint.api.errors import ErrorOut
from touchpoint.targets import actions

router = Router(tags=["Targets"])


class TargetIn(Schema):
    unit: str | None = Field(None, description="A unit code: this unit's own target.")
    kind: str | None = Field(None, description="Or a kind of unit: the target of each one.")
    nps: int = Field(..., ge=-100, le=100, description="Target NPS, -100 to 100.")


class TargetOut(Schema):
    unit: str | None
    kind: str | None
    nps: int
    updated_at: str


class TargetList(Schema):
    targets: list[TargetOut]


def _error(status: int, code: str, field: str, message: str):
    return Status(status, {"error": code, "detail": [{"field": field, "message": message}]})


def _out(t) -> dict:
    return {
        "unit": t.unit.code if t.unit_id else None,
        "kind": t.kind or None,
        "nps": t.nps,
        "updated_at": t.updated_at.isoformat(),
    }


def _where(request: HttpRequest, unit_code: str | None, kind: str | None):
    """(unit, kind) named by the request, or an error answer."""
    key = request.auth
    if bool(unit_code) == bool(kind):
        return None, "", _error(422, "invalid_request", "unit", "Give either unit or kind.")
    if unit_code:
        unit = api_key_units(key).filter(code=unit_code).first()
        if unit is None:
            return (
                None,
                "",
                _error(404, "not_found", "unit", f"No unit {unit_code!r} for this key."),
            )
        return unit, "", None
    if key.unit_id is not None:
        return (
            None,
            "",
            _error(404, "not_found", "kind", "A key limited to a unit cannot set a kind's target."),
        )
    try:
        return None, actions.check_kind(kind or ""), None
    except actions.TargetError as error:
        return None, "", _error(422, "invalid_request", error.field, error.message)


@router.get("", response={200: TargetList}, summary="List targets")
def list_targets(request: HttpRequest):
    """The account's targets (for a key limited to a unit: those of its subtree, and the
    kinds' targets, which apply to it)."""
    units = set(api_key_units(request.auth).values_list("pk", flat=True))
    rows = [
        t
        for t in actions.account_targets(request.auth.account_id)
        if not t.unit_id or t.unit_id in units
    ]
    return {"targets": [_out(t) for t in rows]}


@router.put("", response={200: TargetOut, 404: ErrorOut, 422: ErrorOut}, summary="Set a target")
def set_target(request: HttpRequest, body: TargetIn):
    unit, kind, error = _where(request, body.unit, body.kind)
    if error is not None:
        return error
    try:
        target = actions.do_set_target(
            account=request.auth.account, unit=unit, kind=kind, nps=body.nps
        )
    except actions.TargetError as failure:
        return _error(422, "invalid_request", failure.field, failure.message)
    return _out(target)


@router.delete("", response={204: None, 404: ErrorOut, 422: ErrorOut}, summary="Remove a target")
def delete_target(request: HttpRequest, unit: str | None = None, kind: str | None = None):
    found_unit, found_kind, error = _where(request, unit, kind)
    if error is not None:
        return error
    if not actions.do_clear_target(account=request.auth.account, unit=found_unit, kind=found_kind):
        return _error(404, "not_found", "unit" if unit else "kind", "No such target.")
    return Status(204, None)
