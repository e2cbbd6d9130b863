"""Zendesk: a solved ticket becomes a support interaction; a detractor's Touchpoint ticket
puts a private note (score, comment, link) on the Zendesk ticket — or reopens it — and the
score and category in ticket fields.

Plain HTTP against Zendesk's documented REST API (API token auth, `PUT
/api/v2/tickets/{id}.json`) rather than `zenpy`: zenpy sleeps in-process through a 429 (a
worker would stall for the whole `Retry-After`), and its address can only be moved
process-wide through environment variables, not per account.

Inbound: a trigger ("Ticket status is Solved") notifies a webhook whose URL is the
connector's inbound address, signed by Zendesk (`X-Zendesk-Webhook-Signature`: base64
HMAC-SHA256 of the signature timestamp followed by the body, with the webhook's signing
secret), with the JSON body given in the README.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import requests
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from touchpoint.connectors import http
from touchpoint.connectors.models import Connector, ConnectorCall
from touchpoint.connectors.vendors.base import (
    Ignored,
    Incoming,
    Refused,
    Setting,
    Vendor,
    iso_or_now,
    locale_or_blank,
    text,
)

SIGNATURE = "X-Zendesk-Webhook-Signature"
TIMESTAMP = "X-Zendesk-Webhook-Signature-Timestamp"
SOLVED = {"solved", "closed", "resolved"}  # Zendesk, and Freshdesk

HELPDESK_SETTINGS = (
    Setting(
        "touchpoint",
        _("Touchpoint"),
        _("The touchpoint a solved ticket is an interaction of."),
        required=True,
        default="support-call",
    ),
    Setting(
        "units",
        _("Units"),
        _(
            "Which helpdesk agent or group is which unit: agent:EMAIL, group:NAME, or * for "
            "everything else."
        ),
        required=True,
        kind="map",
        default={},
    ),
    Setting(
        "on_detractor",
        _("On a detractor's ticket"),
        _("Add a private note, or add it and reopen the helpdesk ticket."),
        kind="choice",
        choices=(("note", _("Add a private note")), ("reopen", _("Add a note and reopen"))),
        default="note",
    ),
)


def helpdesk_incoming(kind: str, ticket: dict, *, requester: dict) -> Incoming:
    """A solved helpdesk ticket, as the trigger's JSON body reports it."""
    ticket_id = text(ticket.get("id"), 60)
    if not ticket_id:
        raise Refused(400, "ticket.id is required")
    status = text(ticket.get("status"), 40).lower()
    if status and status not in SOLVED and status not in ("4", "5"):
        raise Ignored(f"ticket status {status!r} is not solved")
    contact = {
        "email": text(requester.get("email"), 254).lower(),
        "external_id": text(requester.get("external_id"), 200),
        "name": text(requester.get("name")),
        "locale": locale_or_blank(requester.get("locale") or requester.get("language")),
    }
    properties = {
        f"{kind}_ticket": ticket_id,
        **({"subject": text(ticket.get("subject"))} if ticket.get("subject") else {}),
    }
    return Incoming(
        vendor_id=f"ticket-{ticket_id}",
        object_id=ticket_id,
        occurred_at=iso_or_now(ticket.get("updated_at") or ticket.get("solved_at"), timezone.now()),
        contact=contact,
        keys=[
            ["agent", text(ticket.get("assignee_email"), 254).lower()],
            ["agent", text(ticket.get("assignee_id"), 60)],
            ["group", text(ticket.get("group"))],
            ["group", text(ticket.get("group_id"), 60)],
            ["brand", text(ticket.get("brand"))],
        ],
        properties=properties,
    )


def note_text(payload: dict) -> str:
    """The note on the helpdesk ticket: the answer and where to act on it."""
    lines = [
        f"Touchpoint survey: {payload['category']}, score {payload['score']}/10",
        f"Comment: {payload['comment']}" if payload.get("comment") else "No comment.",
        f"Follow up in Touchpoint: {payload['url']}",
    ]
    return "\n".join(lines)


def body_json(request: HttpRequest) -> dict:
    try:
        data = json.loads(request.body or b"")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Refused(400, f"the body is not JSON: {error}") from error
    if not isinstance(data, dict):
        raise Refused(400, "the body must be a JSON object")
    return data


class Zendesk(Vendor):
    kind = "zendesk"
    label = "Zendesk"
    reacts_to = "ticket"
    settings = (
        Setting(
            "subdomain",
            _("Zendesk subdomain"),
            _("acme for acme.zendesk.com."),
        ),
        Setting("email", _("Agent email"), _("The agent the API token belongs to."), required=True),
        *HELPDESK_SETTINGS,
        Setting(
            "score_field",
            _("Score field id"),
            _("A numeric ticket field for the score."),
            kind="number",
            default=None,
        ),
        Setting(
            "category_field",
            _("Category field id"),
            _("A text or drop-down ticket field for promoter / passive / detractor."),
            kind="number",
            default=None,
        ),
    )
    secrets = (
        Setting(
            "api_token",
            _("API token"),
            _("Admin Center → Apps and integrations → Zendesk API."),
            required=True,
        ),
        Setting(
            "signing_secret",
            _("Webhook signing secret"),
            _("Admin Center → Webhooks → your webhook → Signing secret."),
            required=True,
        ),
    )

    def default_base_url(self, config: dict) -> str:
        subdomain = config.get("subdomain") or ""
        return f"https://{subdomain}.zendesk.com" if subdomain else ""

    def check(self, config: dict, secrets: dict, *, has_base_url: bool) -> dict[str, str]:
        if not config.get("subdomain") and not has_base_url:
            return {"settings.subdomain": gettext("is required (or give another base URL)")}
        return {}

    def session(self, connector: Connector, secrets: dict) -> requests.Session:
        session = super().session(connector, secrets)
        session.auth = (f"{connector.config.get('email', '')}/token", secrets.get("api_token", ""))
        return session

    def test(self, connector: Connector, secrets: dict) -> str:
        with self.session(connector, secrets) as session:
            answer = http.call(
                session,
                "Zendesk",
                "GET",
                f"{self.base_url(connector)}/api/v2/users/me.json",
                idempotent=True,
            )
        user = http.json_of(answer).get("user") or {}
        if not user.get("id"):
            raise http.refused("Zendesk", 401, {}, "the API token is not an agent's")
        return f"Connected as {user.get('name') or user.get('email')} ({user.get('role')})"

    def parse(self, connector: Connector, secrets: dict, request: HttpRequest) -> list[Incoming]:
        given = request.headers.get(SIGNATURE, "")
        timestamp = request.headers.get(TIMESTAMP, "")
        secret = secrets.get("signing_secret", "")
        if not given or not timestamp or not secret:
            raise Refused(401, "missing Zendesk webhook signature")
        signed = timestamp.encode() + request.body
        expected = base64.b64encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest())
        if not hmac.compare_digest(expected.decode(), given):
            raise Refused(401, "the Zendesk webhook signature does not match")
        data = body_json(request)
        ticket = data.get("ticket")
        if not isinstance(ticket, dict):
            raise Refused(400, "ticket is required (see the README for the trigger's body)")
        requester = ticket.get("requester") if isinstance(ticket.get("requester"), dict) else {}
        return [helpdesk_incoming(self.kind, ticket, requester=requester)]

    def perform(self, connector, secrets, call: ConnectorCall, *, before_handoff, session) -> dict:
        payload = call.payload
        fields = []
        if connector.config.get("score_field"):
            fields.append({"id": connector.config["score_field"], "value": payload["score"]})
        if connector.config.get("category_field"):
            fields.append({"id": connector.config["category_field"], "value": payload["category"]})
        ticket: dict = {"comment": {"body": note_text(payload), "public": False}}
        if fields:
            ticket["custom_fields"] = fields
        if payload.get("reopen"):
            ticket["status"] = "open"
        url = f"{self.base_url(connector)}/api/v2/tickets/{payload['ticket']}.json"
        answer = http.call(
            session,
            "Zendesk",
            "PUT",
            url,
            idempotent=False,
            before_handoff=before_handoff,
            json={"ticket": ticket},
        )
        audit = http.json_of(answer).get("audit") or {}
        return {"audit": audit.get("id")}
