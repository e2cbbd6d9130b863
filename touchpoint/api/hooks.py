"""REST hooks for automation tools (Zapier, n8n, Make): `POST /api/v1/hooks` subscribes a URL
to events, `DELETE /api/v1/hooks/{id}` unsubscribes. A hook is a webhook endpoint like any
other (signed with Standard Webhooks headers, retried, logged, on Setup → Webhooks); its
receiver answering 410 Gone unsubscribes it too. Account-wide keys only (403 otherwise): a
hook hears every event of the account."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field, model_validator

from touchpoint.api.errors import ErrorOut
from touchpoint.api.setup_touchpoints import ERRORS, forbidden_or_none, invalid, not_found
from touchpoint.notifications.models import Endpoint
from touchpoint.setup import integrations
from touchpoint.setup.audit import SetupError

router = Router(tags=["REST hooks"])


class HookIn(Schema):
    model_config = ConfigDict(extra="forbid")

    target_url: str = Field(max_length=500, description="Where each event is POSTed.")
    event: str | None = Field(
        None, description="One event type (`response.created`) or family (`ticket.*`)."
    )
    events: list[str] | None = Field(None, description="Several; empty: every event.")

    @model_validator(mode="after")
    def _one_way(self) -> HookIn:
        if self.event is not None and self.events is not None:
            raise ValueError("give event or events, not both")
        return self


class HookOut(Schema):
    id: int
    target_url: str
    events: list[str]
    is_active: bool


class NewHookOut(HookOut):
    secret: str = Field(description="Verifies the signature of each event: shown this once.")


def _hook(endpoint: Endpoint) -> dict:
    return {
        "id": endpoint.pk,
        "target_url": endpoint.url,
        "events": list(endpoint.events),
        "is_active": endpoint.is_active,
    }


@router.post("/hooks", response={201: NewHookOut, **ERRORS}, summary="Subscribe")
def subscribe(request: HttpRequest, body: HookIn):
    """Subscribe `target_url` to events (REST Hooks). The answer's `id` unsubscribes it; its
    `secret` verifies each delivery's `webhook-signature` (Standard Webhooks)."""
    if refused := forbidden_or_none(request):
        return refused
    events = [body.event] if body.event is not None else list(body.events or [])
    host = urlsplit(body.target_url).netloc or body.target_url
    try:
        saved = integrations.do_save_webhook(
            account=request.auth.account,
            by=request.auth,
            endpoint=None,
            values={
                "name": f"REST hook: {host}"[:100],
                "kind": Endpoint.Kind.JSON,
                "url": body.target_url,
                "events": events,
                "is_active": True,
            },
        )
    except SetupError as error:
        return invalid(SetupError({_field(k): v for k, v in error.errors.items()}))
    return Status(201, {**_hook(saved.endpoint), "secret": saved.secret})


def _field(name: str) -> str:
    return {"url": "target_url", "name": "target_url"}.get(name, name)


@router.delete("/hooks/{hook_id}", response={204: None, 403: ErrorOut, 404: ErrorOut})
def unsubscribe(request: HttpRequest, hook_id: int):
    """Unsubscribe: no more events go to it (its delivery log stays)."""
    if refused := forbidden_or_none(request):
        return refused
    endpoint = Endpoint.objects.filter(account=request.auth.account, pk=hook_id).first()
    if endpoint is None or not endpoint.is_active:
        return not_found("hook_id", "No such hook.")
    endpoint.account = request.auth.account
    integrations.do_unsubscribe_hook(by=request.auth, endpoint=endpoint)
    return Status(204, None)
