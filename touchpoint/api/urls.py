"""The JSON API, version 1. Views parse, authenticate, call the domain and shape the answer."""

from __future__ import annotations

import datetime as dt
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from touchpoint.accounts.actions import access_api_key
from touchpoint.accounts.models import ApiKey
from touchpoint.api.analysis import AnalyseIn
from touchpoint.api.analysis import router as analysis_router
from touchpoint.api.common import (
    BodyRefused,
    StrictJsonParser,
    add_common_responses,
    load_json,
    nul_in_request,
)
from touchpoint.api.connectors import router as connectors_router
from touchpoint.api.errors import ErrorOut
from touchpoint.api.hooks import router as hooks_router
from touchpoint.api.in_app import router as in_app_router
from touchpoint.api.reports import router as reports_router
from touchpoint.api.setup_org import router as setup_org_router
from touchpoint.api.setup_segments import router as setup_segments_router
from touchpoint.api.setup_suppressions import router as setup_suppressions_router
from touchpoint.api.setup_touchpoints import router as setup_touchpoints_router
from touchpoint.api.targets import router as targets_router
from touchpoint.api.tickets import router as tickets_router
from touchpoint.intake.actions import IntakeResult, ItemResult, record_interactions
from touchpoint.intake.schemas import InteractionBatchIn, InteractionIn, parse_payload
from touchpoint.lib.heap import collection_paused
from touchpoint.lib.inputs import JSON_ERRORS
from touchpoint.surveys.compose import survey_url_or_none


class ApiKeyAuth(HttpBearer):
    openapi_description = "An account API key: `Authorization: Bearer tpk_…`"

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        return access_api_key(token)


class TouchpointAPI(NinjaAPI):
    """Adds the request-body models that views parse themselves to the OpenAPI components,
    and the answers every operation can give (401, 400, 422) to each operation."""

    def create_temporal_response(self, request: HttpRequest) -> HttpResponse:
        """Called for every operation after the key is checked and before any parameter is
        read: a NUL character in the path or the query is refused here, once for all."""
        field = nul_in_request(request)
        if field:
            raise ValidationError(
                [{"loc": ("query", field), "msg": "must not contain the NUL character"}]
            )
        return super().create_temporal_response(request)

    def get_openapi_schema(self, **kwargs):  # type: ignore[override]
        schema = add_common_responses(super().get_openapi_schema(**kwargs))
        _, defs = models_json_schema(
            [
                (InteractionIn, "validation"),
                (InteractionBatchIn, "validation"),
                (AnalyseIn, "validation"),
            ],
            ref_template="#/components/schemas/{model}",
        )
        schema.setdefault("components", {}).setdefault("schemas", {}).update(defs["$defs"])
        return schema


api = TouchpointAPI(
    title="Touchpoint API",
    version="1",
    description="Send interactions, get surveys out, read answers. Errors are JSON "
    '`{"error": code, "detail": [{"field": ..., "message": ...}]}`.',
    auth=ApiKeyAuth(),
    parser=StrictJsonParser(),
    urls_namespace="api-v1",
)


# Intake's answers are plain pydantic models: ninja's Schema wraps every nested value to read
# ORM attributes, which cost a quarter of a 1,000-row request; the views give it dicts.
class InvitationOut(BaseModel):
    id: int
    channel: str
    state: str
    reason: str
    detail: str
    send_at: dt.datetime
    expires_at: dt.datetime
    survey_url: str | None


class InteractionOut(BaseModel):
    id: int
    external_id: str | None
    created: bool
    invitation: InvitationOut | None
    response_id: int | None


class IntakeOut(BaseModel):
    interactions: list[InteractionOut]


api.add_router("/", tickets_router)
api.add_router("/in-app", in_app_router)


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    return api.create_response(
        request,
        {"error": "unauthorized", "detail": "Send a valid API key: Authorization: Bearer tpk_…"},
        status=401,
    )


@api.exception_handler(HttpError)
def _http_error(request, exc):
    """A body ninja could not take: not JSON (400), or JSON that is no object or holds a NUL
    (422 naming the field)."""
    if isinstance(exc.__cause__, BodyRefused):
        detail = [{"field": exc.__cause__.field, "message": str(exc.__cause__)}]
        return api.create_response(
            request, {"error": "invalid_request", "detail": detail}, status=422
        )
    if exc.status_code == 400:
        body = {"error": "malformed_json", "detail": "The body is not JSON."}
    else:
        body = {"error": "http_error", "detail": exc.message}
    return api.create_response(request, body, status=exc.status_code)


def _field(loc) -> str:
    """`questions.0.type`: the place in the request, without where ninja found it (a body's
    parameter name, "query")."""
    parts = list(loc[1:])
    if loc and loc[0] == "body" and len(parts) > 1:
        parts = parts[1:]
    return ".".join(str(p) for p in parts) or "body"


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    detail = [{"field": _field(e.get("loc", ())), "message": e["msg"]} for e in exc.errors]
    return api.create_response(request, {"error": "invalid_request", "detail": detail}, status=422)


# How ninja's renderer (Django's JSON encoder) writes a datetime: milliseconds, "Z" for UTC.
_datetime_text = DjangoJSONEncoder().default


def _intake_answer(status: int, result: IntakeResult) -> HttpResponse:
    """The `IntakeOut` answer, written as ninja writes it, without ninja validating our own
    dicts once more and its encoder calling back into Python for each datetime: that was a
    tenth of a 1,000-row request's CPU."""
    body = {"interactions": [_item_out(item) for item in result.items]}
    return HttpResponse(json.dumps(body), status=status, content_type=api.get_content_type())


def _item_out(result: ItemResult) -> dict:
    invitation = result.invitation
    response = result.response
    return {
        "id": result.interaction.pk,
        "external_id": result.interaction.external_id,
        "created": result.created,
        "invitation": None
        if invitation is None
        else {
            "id": invitation.pk,
            "channel": invitation.channel,
            "state": invitation.state,
            "reason": invitation.reason,
            "detail": invitation.detail,
            "send_at": _datetime_text(invitation.send_at),
            "expires_at": _datetime_text(invitation.expires_at),
            "survey_url": survey_url_or_none(invitation)
            if invitation.channel not in ("email", "sms") and invitation.state == "sent"
            else None,
        },
        "response_id": response.pk if response else None,
    }


_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/InteractionIn"},
                        {"$ref": "#/components/schemas/InteractionBatchIn"},
                    ]
                }
            }
        },
    }
}


@api.post(
    "/interactions",
    response={
        200: IntakeOut,
        201: IntakeOut,
        400: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    openapi_extra=_BODY,
    summary="Record interactions",
    tags=["Interactions"],
)
def post_interactions(request: HttpRequest):
    """Record one interaction, or `{"interactions": [...]}` with up to 1,000.

    All or nothing: if any item is invalid, nothing is stored and every error is listed with
    the field at fault. Repeating an interaction with the same `external_id` and the same data
    returns the stored one (200, `created: false`); the same `external_id` with other data is a
    409. A unit code that names no unit the key may write to (unknown, or outside a
    unit-limited key's subtree) is a 404 naming the field. Answers 201 when anything new was
    stored.
    """
    with collection_paused():  # a 1,000-row body makes tens of thousands of objects
        return _post_interactions(request)


def _post_interactions(request: HttpRequest) -> Status | HttpResponse:
    try:
        data = load_json(request.body or b"")
    except JSON_ERRORS as error:
        return Status(400, {"error": "malformed_json", "detail": f"The body is not JSON: {error}"})
    except BodyRefused as refused:
        detail = [{"field": refused.field, "message": str(refused)}]
        return Status(422, {"error": "invalid_request", "detail": detail})
    items, errors = parse_payload(data)
    if errors:
        return Status(422, {"error": "invalid_request", "detail": errors})
    result = record_interactions(request.auth.account, items, within=request.auth.unit)
    if not result.ok:
        if result.conflict:
            status, error = 409, "conflict"
        elif result.unknown_unit:
            status, error = 404, "not_found"
        else:
            status, error = 422, "invalid_request"
        return Status(status, {"error": error, "detail": result.errors})
    status = 201 if any(item.created for item in result.items) else 200
    return _intake_answer(status, result)


api.add_router("/reports", reports_router)
api.add_router("/targets", targets_router)
api.add_router("/", setup_touchpoints_router)
api.add_router("/", setup_org_router)
api.add_router("/", setup_segments_router)
api.add_router("/", setup_suppressions_router)
api.add_router("/", analysis_router)
api.add_router("/", hooks_router)
api.add_router("/", connectors_router)
