"""`/api/v1/suppressions`: the suppression list as on Setup: read it, add to it, lift one
with a reason. Account-wide keys only (setup)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from touchpoint.api.common import StrictIn, page_field
from touchpoint.api.errors import ErrorOut
from touchpoint.api.setup_touchpoints import ERRORS, forbidden_or_none, invalid, not_found
from touchpoint.contacts.models import Suppression
from touchpoint.setup import deliverability
from touchpoint.setup.audit import SetupError

router = Router(tags=["Setup: suppression list"])


class SuppressionOut(Schema):
    id: int
    channel: Literal["email", "sms"]
    address: str
    reason: Suppression.Reason
    detail: str
    source: str
    created_at: dt.datetime
    lifted_at: dt.datetime | None
    lifted_by: str
    lift_reason: str


class SuppressionPage(Schema):
    suppressions: list[SuppressionOut]
    page: int
    per_page: int
    total: int


class SuppressionFilters(Schema):
    q: str = Field("", max_length=254, description="Part of an address or of its detail.")
    channel: Literal["", "email", "sms"] = ""
    reason: Literal["", "hard_bounce", "complaint", "invalid_number", "manual"] = ""
    state: Literal["active", "lifted", "all"] = "active"
    page: int = page_field()
    per_page: int = Field(100, ge=1, le=1000)


class SuppressionIn(StrictIn):
    channel: Literal["email", "sms"]
    address: str = Field(max_length=254, description="An email address, or an E.164 number.")
    detail: str = Field("", max_length=500)


class LiftIn(StrictIn):
    reason: str = Field(max_length=500, description="Why the address may be surveyed again.")


def _out(row: Suppression) -> dict:
    return {
        field: getattr(row, field) for field in SuppressionOut.model_fields if field != "id"
    } | {"id": row.pk}


@router.get("/suppressions", response={200: SuppressionPage, 403: ErrorOut})
def list_suppressions(request: HttpRequest, filters: Query[SuppressionFilters]):
    if refused := forbidden_or_none(request):
        return refused
    rows, _chosen = deliverability.listed(
        request.auth.account,
        q=filters.q,
        channel=filters.channel,
        reason=filters.reason,
        state=filters.state,
    )
    start = (filters.page - 1) * filters.per_page
    return {
        "suppressions": [_out(r) for r in rows[start : start + filters.per_page]],
        "page": filters.page,
        "per_page": filters.per_page,
        "total": rows.count(),
    }


@router.post("/suppressions", response={201: SuppressionOut, **ERRORS})
def add_suppression(request: HttpRequest, body: SuppressionIn):
    if refused := forbidden_or_none(request):
        return refused
    try:
        row = deliverability.do_add_suppression(
            account=request.auth.account,
            by=request.auth,
            channel=body.channel,
            address=body.address,
            detail=body.detail,
        )
    except SetupError as error:
        return invalid(error)
    return Status(201, _out(row))


@router.post("/suppressions/{suppression_id}/lift", response={200: SuppressionOut, **ERRORS})
def lift_suppression(request: HttpRequest, suppression_id: int, body: LiftIn):
    if refused := forbidden_or_none(request):
        return refused
    row = Suppression.objects.filter(account=request.auth.account, pk=suppression_id).first()
    if row is None:
        return not_found("suppression_id", "No such suppression.")
    try:
        lifted = deliverability.do_lift_suppression(
            by=request.auth, suppression=row, reason=body.reason
        )
    except SetupError as error:
        return invalid(error)
    return _out(lifted)
