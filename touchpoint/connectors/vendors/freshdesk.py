"""Freshdesk: a resolved ticket becomes a support interaction; a detractor's Touchpoint ticket
adds a private note to the Freshdesk ticket, and (by configuration) reopens it and sets the
score and category in custom ticket fields. Plain HTTP against Freshdesk's documented REST
API v2 (API key auth; `POST /api/v2/tickets/{id}/notes`, `PUT /api/v2/tickets/{id}`).

Inbound: an automation rule ("Ticket is updated: status changed to Resolved") with a
"Trigger webhook" action, POST to the connector's inbound address, JSON body as in the
README. Freshdesk does not sign webhooks: the rule sends a shared token, as the custom
header `X-Touchpoint-Token` (or as the password of its "requires authentication" option),
compared in constant time; the secret address is the other half.
"""

from __future__ import annotations

import base64
import hmac

import requests
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from touchpoint.connectors import http
from touchpoint.connectors.models import Connector, ConnectorCall
from touchpoint.connectors.vendors.base import Incoming, Refused, Setting, Vendor
from touchpoint.connectors.vendors.zendesk import (
    HELPDESK_SETTINGS,
    body_json,
    helpdesk_incoming,
    note_text,
)

OPEN = 2  # Freshdesk's status codes: 2 open, 3 pending, 4 resolved, 5 closed


def _token_given(request: HttpRequest) -> str:
    if token := request.headers.get("X-Touchpoint-Token"):
        return token
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Basic "):
        try:
            return base64.b64decode(auth[6:]).decode().partition(":")[2]
        except (ValueError, UnicodeDecodeError):
            return ""
    return ""


class Freshdesk(Vendor):
    kind = "freshdesk"
    label = "Freshdesk"
    reacts_to = "ticket"
    settings = (
        Setting("domain", _("Freshdesk domain"), _("acme for acme.freshdesk.com.")),
        *HELPDESK_SETTINGS,
        Setting(
            "score_field",
            _("Score field"),
            _("A custom number field for the score, e.g. cf_nps_score."),
        ),
        Setting(
            "category_field",
            _("Category field"),
            _("A custom text or drop-down field for the category, e.g. cf_nps_category."),
        ),
    )
    secrets = (
        Setting(
            "api_key",
            _("API key"),
            _("Profile settings → Your API key (an agent who may add notes)."),
            required=True,
        ),
        Setting(
            "webhook_token",
            _("Webhook token"),
            _("Any long random text; the automation rule sends it as X-Touchpoint-Token."),
            required=True,
        ),
    )

    def default_base_url(self, config: dict) -> str:
        domain = config.get("domain") or ""
        return f"https://{domain}.freshdesk.com" if domain else ""

    def check(self, config: dict, secrets: dict, *, has_base_url: bool) -> dict[str, str]:
        errors = {}
        if not config.get("domain") and not has_base_url:
            errors["settings.domain"] = gettext("is required (or give another base URL)")
        for name in ("score_field", "category_field"):
            if config.get(name) and not str(config[name]).startswith("cf_"):
                errors[f"settings.{name}"] = gettext("a custom field's name starts with cf_")
        if len(secrets.get("webhook_token", "")) < 16:
            errors["credentials.webhook_token"] = gettext("use at least 16 random characters")
        return errors

    def session(self, connector: Connector, secrets: dict) -> requests.Session:
        session = super().session(connector, secrets)
        session.auth = (secrets.get("api_key", ""), "X")
        return session

    def ticket_operations(self, connector: Connector) -> list[tuple[str, bool]]:
        operations = [("freshdesk.note", False)]
        config = connector.config
        if (
            config.get("score_field")
            or config.get("category_field")
            or (config.get("on_detractor") == "reopen")
        ):
            operations.append(("freshdesk.fields", True))
        return operations

    def test(self, connector: Connector, secrets: dict) -> str:
        with self.session(connector, secrets) as session:
            answer = http.call(
                session,
                "Freshdesk",
                "GET",
                f"{self.base_url(connector)}/api/v2/agents/me",
                idempotent=True,
            )
        agent = http.json_of(answer).get("contact") or {}
        return f"Connected as {agent.get('name') or agent.get('email') or 'an agent'}"

    def parse(self, connector: Connector, secrets: dict, request: HttpRequest) -> list[Incoming]:
        expected = secrets.get("webhook_token", "")
        given = _token_given(request)
        if not expected or not given or not hmac.compare_digest(expected, given):
            raise Refused(401, "missing or wrong X-Touchpoint-Token")
        data = body_json(request)
        simple = data.get("freshdesk_webhook")
        if isinstance(simple, dict):  # the rule's "simple" payload of placeholders
            ticket = {
                "id": simple.get("ticket_id"),
                "status": simple.get("ticket_status"),
                "group": simple.get("ticket_group_name"),
                "assignee_email": simple.get("ticket_agent_email"),
                "updated_at": simple.get("ticket_updated_at"),
                "subject": simple.get("ticket_subject"),
            }
            requester = {
                "email": simple.get("ticket_contact_email"),
                "name": simple.get("ticket_contact_name"),
                "locale": simple.get("ticket_contact_language"),
            }
        elif isinstance(data.get("ticket"), dict):
            ticket = data["ticket"]
            requester = ticket.get("requester") if isinstance(ticket.get("requester"), dict) else {}
        else:
            raise Refused(400, "freshdesk_webhook (or ticket) is required; see the README")
        return [helpdesk_incoming(self.kind, ticket, requester=requester)]

    def perform(self, connector, secrets, call: ConnectorCall, *, before_handoff, session) -> dict:
        payload = call.payload
        ticket_url = f"{self.base_url(connector)}/api/v2/tickets/{payload['ticket']}"
        if call.operation == "freshdesk.note":
            html = "<br>".join(
                line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                for line in note_text(payload).splitlines()
            )
            answer = http.call(
                session,
                "Freshdesk",
                "POST",
                f"{ticket_url}/notes",
                idempotent=False,
                before_handoff=before_handoff,
                json={"body": html, "private": True},
            )
            return {"note": http.json_of(answer).get("id")}
        config = connector.config
        fields = {}
        if config.get("score_field"):
            fields[config["score_field"]] = payload["score"]
        if config.get("category_field"):
            fields[config["category_field"]] = payload["category"]
        body: dict = {}
        if fields:
            body["custom_fields"] = fields
        if payload.get("reopen"):
            body["status"] = OPEN
        http.call(
            session,
            "Freshdesk",
            "PUT",
            ticket_url,
            idempotent=True,
            before_handoff=before_handoff,
            json=body,
        )
        return {"fields": sorted(fields), "reopened": bool(payload.get("reopen"))}
