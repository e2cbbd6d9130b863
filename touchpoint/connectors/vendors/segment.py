"""Segment-style event intake: `POST /integrations/segment/<key>` takes Segment and
RudderStack `track` and `identify` calls (one, or `{"batch": [...]}`).

A mapping turns chosen `track` events into interactions (`"Order Completed"` → touchpoint
`online-purchase` at the unit its `store` property names, or a fixed unit); `identify`
traits become contact attributes (those listed, or every scalar trait). The secret address
authenticates the source; with a shared secret set, Segment's `X-Signature` (hex HMAC-SHA1
of the body) is required too. Idempotent on each call's `messageId`. Nothing goes out.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from touchpoint.connectors.models import Connector
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

MAX_CALLS = 500
SCALAR = str | int | float | bool


def _scalars(values: Any, keep: list[str] | None = None) -> dict[str, Any]:
    if not isinstance(values, dict):
        return {}
    return {
        str(k)[:60]: v
        for k, v in values.items()
        if isinstance(v, SCALAR) and (keep is None or k in keep) and k not in ("email", "name")
    }


class Segment(Vendor):
    kind = "segment"
    label = "Segment / RudderStack"
    settings = (
        Setting(
            "events",
            _("Events"),
            _(
                'Which track events are interactions: {"Order Completed": {"touchpoint": '
                '"online-purchase", "unit_property": "store"}} (or "unit": a fixed unit code).'
            ),
            required=True,
            kind="json",
            default={},
        ),
        Setting(
            "traits",
            _("Traits kept"),
            _(
                "Trait names an identify call stores as contact attributes, one per line; "
                "empty keeps every scalar trait."
            ),
            kind="lines",
            default=[],
        ),
    )
    secrets = (
        Setting(
            "shared_secret",
            _("Shared secret"),
            _("Optional: Segment's webhook shared secret; its X-Signature is then required."),
        ),
    )

    def check(self, config: dict, secrets: dict, *, has_base_url: bool) -> dict[str, str]:
        for name, rule in (config.get("events") or {}).items():
            if not isinstance(rule, dict) or not rule.get("touchpoint"):
                return {
                    "settings.events": gettext("%(event)s: give at least a touchpoint")
                    % {"event": name}
                }
            if not rule.get("unit") and not rule.get("unit_property"):
                return {
                    "settings.events": gettext("%(event)s: give a unit or a unit_property")
                    % {"event": name}
                }
            if set(rule) - {"touchpoint", "unit", "unit_property"}:
                return {
                    "settings.events": gettext("%(event)s: only touchpoint, unit, unit_property")
                    % {"event": name}
                }
        return {}

    def test(self, connector: Connector, secrets: dict) -> str:
        return "Nothing to call: Segment sends to this connector's inbound address."

    def parse(self, connector: Connector, secrets: dict, request: HttpRequest) -> list[Incoming]:
        shared = secrets.get("shared_secret", "")
        if shared:
            given = request.headers.get("X-Signature", "")
            expected = hmac.new(shared.encode(), request.body, hashlib.sha1).hexdigest()
            if not given or not hmac.compare_digest(expected, given):
                raise Refused(401, "missing or wrong X-Signature")
        try:
            data = json.loads(request.body or b"")
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise Refused(400, f"the body is not JSON: {error}") from error
        calls = data.get("batch") if isinstance(data, dict) and "batch" in data else [data]
        if not isinstance(calls, list) or not calls or len(calls) > MAX_CALLS:
            raise Refused(400, f"batch must be a list of 1 to {MAX_CALLS} calls")
        found: list[Incoming] = []
        for index, call in enumerate(calls):
            where = f"batch[{index}]" if len(calls) > 1 or "batch" in data else "body"
            if not isinstance(call, dict) or not text(call.get("messageId")):
                raise Refused(400, f"{where}.messageId is required")
            if call.get("type") not in ("track", "identify", "page", "screen", "group", "alias"):
                raise Refused(400, f"{where}.type must be track or identify")
            incoming = self._call(connector, call)
            if incoming is not None:
                found.append(incoming)
        if not found:
            raise Ignored("no mapped track event and no identify with a user")
        return found

    def _call(self, connector: Connector, call: dict) -> Incoming | None:
        context = call.get("context") if isinstance(call.get("context"), dict) else {}
        traits = call.get("traits") if isinstance(call.get("traits"), dict) else {}
        traits = traits or (
            context.get("traits") if isinstance(context.get("traits"), dict) else {}
        )
        properties = call.get("properties") if isinstance(call.get("properties"), dict) else {}
        contact = {
            "external_id": text(call.get("userId")),
            "email": text(traits.get("email") or properties.get("email"), 254).lower(),
            "name": text(traits.get("name")),
            "locale": locale_or_blank(context.get("locale")),
        }
        if not contact["external_id"] and not contact["email"]:
            return None  # an anonymous visitor: nobody to survey
        message_id = text(call["messageId"])
        occurred_at = iso_or_now(call.get("timestamp") or call.get("sentAt"), timezone.now())
        if call["type"] == "identify":
            keep = connector.config.get("traits") or None
            return Incoming(
                vendor_id=f"identify-{message_id}",
                occurred_at=occurred_at,
                contact=contact,
                attributes=_scalars(traits, keep),
                only_contact=True,
            )
        rule = (connector.config.get("events") or {}).get(call.get("event"))
        if call["type"] != "track" or not rule:
            return None
        unit = rule.get("unit") or text(properties.get(rule.get("unit_property", "")), 80)
        return Incoming(
            vendor_id=f"track-{message_id}",
            occurred_at=occurred_at,
            contact=contact,
            touchpoint=rule["touchpoint"],
            unit=unit,  # none: parked, the event names no unit
            properties={"event": text(call.get("event")), **_scalars(properties)},
        )
