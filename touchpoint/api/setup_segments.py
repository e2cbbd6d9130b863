"""`/api/v1/segments`: reportable segments (declared dimensions) kept in code, with the same
checks and audit as the setup page. An account-wide key only (a key limited to a unit gets
403)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from touchpoint.api.errors import ErrorOut
from touchpoint.api.setup_touchpoints import forbidden_or_none, invalid, not_found
from touchpoint.reports.models import Dimension
from touchpoint.setup import segments
from touchpoint.setup.audit import SetupError

router = Router(tags=["Setup: segments"])


class SegmentOut(Schema):
    name: str = Field(description="contact.<attribute> or interaction.<property>")
    state: str = Field(description="backfilling (past answers being counted) or ready")
    progress: int = Field(description="Percent of the past answers counted")
    cap: int = Field(description="Values with rollups of their own; the rest count as other")
    values: int
    other: bool = Field(description="More values than the cap: the rest count as other")
    declared_at: dt.datetime
    declared_by: str
    ready_at: dt.datetime | None


class SegmentIn(Schema):
    cap: int | None = Field(default=None, description="Default 200; fixed once declared")


def _out(account, name: str) -> dict | None:
    for row in segments.segment_rows(account):
        if row.dimension.name == name:
            return row.as_dict()
    return None


@router.get("/segments", response={200: list[SegmentOut], 403: ErrorOut})
def list_segments(request: HttpRequest):
    if refused := forbidden_or_none(request):
        return refused
    return [row.as_dict() for row in segments.segment_rows(request.auth.account)]


@router.put(
    "/segments/{name}", response={200: SegmentOut, 201: SegmentOut, 403: ErrorOut, 422: ErrorOut}
)
def put_segment(request: HttpRequest, name: str, body: SegmentIn | None = None):
    """Declare a segment reportable (201); declaring it again changes nothing (200). Its
    past answers are counted in the background: `state` says when reports read it."""
    if refused := forbidden_or_none(request):
        return refused
    account = request.auth.account
    try:
        dimension, made = segments.do_declare_segment(
            account, by=request.auth, name=name, cap=body.cap if body else None
        )
    except SetupError as error:
        return invalid(error)
    return Status(201 if made else 200, _out(account, dimension.name))


@router.delete("/segments/{name}", response={204: None, 403: ErrorOut, 404: ErrorOut})
def delete_segment(request: HttpRequest, name: str):
    """Drop a declared segment and its rollups; no other figure changes."""
    if refused := forbidden_or_none(request):
        return refused
    account = request.auth.account
    dimension = Dimension.objects.filter(account=account, name=name).first()
    if dimension is None:
        return not_found("name", f"{name!r} is not a declared segment")
    segments.do_drop_segment(account, by=request.auth, dimension=dimension)
    return Status(204, None)
