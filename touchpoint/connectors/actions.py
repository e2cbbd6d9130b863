"""Connectors' state changes: settings checked and saved (credentials sealed, write-only), the
inbound address (its key never stored, see `inbound_url`), the test-connection call,
switching a connector off when its vendor refuses the credentials (and telling the admins
once), replays of parked events, and queueing calls.

Setup pages and the API call these through `setup.connectors`, which records each change in
the setup audit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from touchpoint.accounts.models import Account, Membership, Unit
from touchpoint.connectors import audience, inbound
from touchpoint.connectors.calls import queue_calls
from touchpoint.connectors.models import Connector, ConnectorCall, InboundEvent
from touchpoint.connectors.vault import Unreadable, hint, seal, unseal
from touchpoint.connectors.vendors import VENDORS
from touchpoint.connectors.vendors.base import Incoming, Setting
from touchpoint.lib import links
from touchpoint.notifications.actions import do_notify
from touchpoint.outbox.transports import TransportError

log = logging.getLogger("touchpoint.connectors")


class ConnectorError(ValueError):
    """Settings that cannot be saved: `errors` maps each field at fault to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


# --- Inbound address --------------------------------------------------------------------------

INBOUND = "connector-inbound"  # the purpose of inbound keys (lib/links.py)


def new_inbound_address(connector: Connector) -> None:
    """Give the connector a new inbound address (in memory: the caller saves `inbound_nonce`
    and `inbound_hash`). An earlier one stops reaching it."""
    connector.inbound_nonce, connector.inbound_hash = links.mint(INBOUND)


def inbound_url(connector: Connector) -> str:
    """The connector's inbound address, its key rebuilt in memory (only its hash is stored:
    a database dump cannot post events). LinkLost when it cannot be rebuilt: an address made
    before keys were derived (it keeps working, but its key is not stored anywhere), or
    SECRET_KEY changed without the former key in SECRET_KEY_FALLBACKS."""
    key = links.rebuild(INBOUND, connector.inbound_nonce, connector.inbound_hash)
    return f"{settings.SITE_URL}/integrations/{connector.kind}/{key}"


def shown_inbound_url(connector: Connector) -> str | None:
    """The inbound address to show, or None when it cannot be (see `inbound_url`)."""
    try:
        return inbound_url(connector)
    except links.LinkLost:
        return None


def access_inbound_connector(kind: str, key: str) -> Connector | None:
    """The active connector behind an inbound address, else None (unknown, switched off
    and replaced addresses look the same)."""
    vendor = VENDORS.get(kind)
    key_hash = links.lookup_hash(key)
    if vendor is None or not vendor.inbound or key_hash is None:
        return None
    return (
        Connector.objects.select_related("account")
        .filter(kind=kind, inbound_hash=key_hash, is_active=True)
        .first()
    )


def do_new_inbound_address(connector: Connector) -> str:
    """A new inbound address for the connector, returned; the old one stops working at once.
    (Setup pages and the API call it through `setup.connectors`, which audits it.)"""
    new_inbound_address(connector)
    connector.updated_at = timezone.now()
    Connector.objects.filter(pk=connector.pk).update(
        inbound_nonce=connector.inbound_nonce,
        inbound_hash=connector.inbound_hash,
        updated_at=connector.updated_at,
    )
    return inbound_url(connector)


def connector_data(connector: Connector) -> dict[str, Any]:
    """What pages, the API and the audit show: settings, and of each credential only its
    last four characters. Not the inbound address: the audit must not hold it."""
    vendor = VENDORS[connector.kind]
    return {
        "kind": connector.kind,
        "is_active": connector.is_active,
        "base_url": connector.base_url,
        "settings": {s.name: connector.config.get(s.name, s.default) for s in vendor.settings},
        "credentials": {s.name: connector.credential_hints.get(s.name, "") for s in vendor.secrets},
        "disabled_reason": connector.disabled_reason or None,
    }


# --- Settings ---------------------------------------------------------------------------------


def _setting(account: Account, setting: Setting, value: Any) -> Any:
    """One setting normalised, or ValueError with the message."""
    if setting.kind == "text":
        value = "" if value is None else str(value).strip()
        if len(value) > 300:
            raise ValueError(gettext("is longer than 300 characters"))
        return value
    if setting.kind == "number":
        if value in (None, ""):
            return None
        try:
            return int(str(value).strip())
        except ValueError:
            raise ValueError(gettext("must be a whole number")) from None
    if setting.kind == "choice":
        if value in (None, ""):
            return setting.default
        if value not in [c for c, _ in setting.choices]:
            raise ValueError(
                gettext("must be one of %(values)s")
                % {"values": ", ".join(c for c, _ in setting.choices)}
            )
        return value
    if setting.kind == "lines":
        if isinstance(value, str):
            value = value.splitlines()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(gettext("must be a list of names"))
        return [v.strip() for v in value if v.strip()]
    if setting.kind == "map":
        if value in (None, ""):
            return {}
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise ValueError(
                gettext('must map names to unit codes, e.g. {"group:Tier 1": "team-1"}')
            )
        value = {k.strip(): v.strip() for k, v in value.items() if k.strip()}
        known = set(
            Unit.objects.filter(account=account, code__in=set(value.values())).values_list(
                "code", flat=True
            )
        )
        if missing := sorted(set(value.values()) - known):
            raise ValueError(gettext("no unit with code %(code)s") % {"code": repr(missing[0])})
        return value
    if setting.kind == "fields":
        if value in (None, ""):
            return dict(setting.default or {})
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise ValueError(gettext('must map names to names, e.g. {"score": "nps_score"}'))
        return {k.strip(): v.strip() for k, v in value.items() if k.strip()}
    if setting.kind == "json":
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise ValueError(gettext("must be a JSON object"))
        return value
    raise ValueError(f"unknown kind of setting {setting.kind}")


def check_connector(
    account: Account,
    kind: str,
    *,
    current: Connector | None,
    values: dict[str, Any],
) -> Connector:
    """The connector as it would be saved (not saved), or ConnectorError naming each field.

    `values`: `is_active`, `base_url`, `settings` (by name; those not given keep their
    value) and `credentials` (by name; a blank one keeps the stored one).
    """
    vendor = VENDORS.get(kind)
    if vendor is None:
        raise ConnectorError({"kind": "one of " + ", ".join(VENDORS)})
    errors: dict[str, str] = {}
    unknown = set(values) - {"is_active", "base_url", "settings", "credentials"}
    for name in sorted(unknown):
        errors[name] = gettext("is not a known field")
    if current is None:
        target = Connector(account=account, kind=kind)
        new_inbound_address(target)
    else:
        target = current
    config = dict(target.config or {})
    given = values.get("settings") or {}
    names = {s.name: s for s in vendor.settings}
    for name, value in given.items():
        if name not in names:
            errors[f"settings.{name}"] = gettext("is not a setting of this connector")
            continue
        try:
            config[name] = _setting(account, names[name], value)
        except ValueError as error:
            errors[f"settings.{name}"] = str(error)
    for setting in vendor.settings:
        config.setdefault(setting.name, setting.default)
        if setting.required and config[setting.name] in ("", None, [], {}):
            errors.setdefault(f"settings.{setting.name}", gettext("is required"))
    base_url = values.get("base_url", target.base_url) or ""
    if base_url:
        try:
            URLValidator(schemes=["http", "https"])(base_url)
        except ValidationError:
            errors["base_url"] = gettext("enter a full address, e.g. https://proxy.example.com")
    try:
        secrets = unseal(target.credentials)
    except Unreadable:
        secrets = {}
    hints = dict(target.credential_hints or {})
    secret_names = {s.name for s in vendor.secrets}
    for name, value in (values.get("credentials") or {}).items():
        if name not in secret_names:
            errors[f"credentials.{name}"] = gettext("is not a credential of this connector")
        elif value:
            secrets[name] = str(value).strip()
            hints[name] = hint(secrets[name])
    for setting in vendor.secrets:
        if setting.required and not secrets.get(setting.name):
            errors.setdefault(f"credentials.{setting.name}", gettext("is required"))
    if not errors:
        errors.update(vendor.check(config, secrets, has_base_url=bool(base_url)))
    if errors:
        raise ConnectorError(errors)
    changed_secrets = target.credential_hints != hints or not target.credentials
    target.config = config
    target.base_url = base_url
    target.is_active = bool(values.get("is_active", target.is_active))
    target.credentials = seal(secrets)
    target.credential_hints = hints
    if changed_secrets or (current is not None and current.base_url != base_url):
        # New credentials (or a new address): the calls held for a refusal may go again.
        target.disabled_at, target.disabled_reason = None, ""
    return target


# --- Test connection --------------------------------------------------------------------------


@dataclass
class TestResult:
    ok: bool
    message: str


def do_test_connection(connector: Connector) -> TestResult:
    """One harmless call with the stored credentials; the result is kept on the connector.
    Success switches a connector that was waiting for working credentials back on."""
    vendor = VENDORS[connector.kind]
    try:
        secrets = unseal(connector.credentials)
        message = vendor.test(connector, secrets)
        ok = True
    except (TransportError, Unreadable) as error:
        ok, message = False, str(error)
    now = timezone.now()
    fields = {"last_test_at": now, "last_test_ok": ok, "last_test_message": message[:300]}
    if ok:
        fields.update(disabled_at=None, disabled_reason="")
    Connector.objects.filter(pk=connector.pk).update(**fields)
    for name, value in fields.items():
        setattr(connector, name, value)
    return TestResult(ok, message)


# --- Refused credentials ----------------------------------------------------------------------


def account_admins(account: Account) -> list:
    return list(
        get_user_model()
        .objects.filter(
            memberships__role=Membership.Role.ADMIN,
            memberships__unit__account=account,
            memberships__unit__depth=0,
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def do_disable(connector: Connector, reason: str) -> bool:
    """The vendor refused the credentials: hold the connector's calls and tell the account's
    admins, once per refusal (a conditional update: many calls failing at once notify
    once). True if this call switched it off."""
    now = timezone.now()
    with transaction.atomic():
        won = Connector.objects.filter(pk=connector.pk, disabled_at__isnull=True).update(
            disabled_at=now, disabled_reason=reason[:300]
        )
        if not won:
            return False
        connector.disabled_at, connector.disabled_reason = now, reason[:300]
        do_notify(
            account=connector.account,
            event_type="connector.disabled",
            dedupe_key=f"connector:{connector.pk}:disabled:{now.isoformat()}",
            users=account_admins(connector.account),
            template="connectors/email/disabled",
            context={
                "connector": connector,
                "reason": reason,
                "url": f"{settings.SITE_URL}/setup/connectors/{connector.kind}/",
            },
        )
    log.warning("connector %s (%s) switched off: %s", connector.pk, connector.kind, reason)
    return True


# --- Calls and their outcomes -----------------------------------------------------------------


def queue_lookup(event: InboundEvent) -> None:
    """Ask the vendor for what an event left out (a deal's contact and owner)."""
    incoming = Incoming.from_json(event.incoming)
    queue_calls(
        [
            ConnectorCall(
                connector=event.connector,
                account_id=event.account_id,
                operation=f"{event.connector.kind}.lookup",
                idempotent=True,
                payload={"inbound_event": event.pk, **incoming.lookup},
                dedupe_key=f"lookup:{event.pk}:{event.replays}",
                summary=f"Details of {incoming.object_id or incoming.vendor_id}",
            )
        ]
    )


def after_call(call: ConnectorCall, result: dict) -> dict:
    """What a finished call leads to; returns what its log keeps of the result."""
    if call.operation == "mailchimp.import":
        audience.do_import_page(call, result)
        # The log keeps counts, not the people read.
        return {"members": len(result.get("members", [])), "total": result.get("total", 0)}
    if call.operation.endswith(".lookup"):
        event = InboundEvent.objects.select_related("connector__account").filter(
            pk=call.payload.get("inbound_event")
        )
        if (found := event.first()) is not None:
            inbound.do_complete_lookup(found, result.get("details") or {})
    return result


def after_failed_call(call: ConnectorCall, reason: str) -> None:
    if call.operation.endswith(".lookup"):
        found = InboundEvent.objects.filter(pk=call.payload.get("inbound_event")).first()
        if found is not None:
            inbound.do_fail_lookup(found, f"the vendor's details could not be read: {reason}")


def do_receive(connector: Connector, incoming: Incoming) -> inbound.Outcome:
    """Keep an inbound event and record it, or ask the vendor for its details first."""
    outcome = inbound.do_receive(connector, incoming)
    if outcome.event is not None and not outcome.repeat and incoming.lookup:
        queue_lookup(outcome.event)
    return outcome


def do_replay(event: InboundEvent) -> InboundEvent:
    """Try a parked event again: its details fetched again if it never had them, else mapped
    again with the connector's current settings."""
    if event.state != InboundEvent.State.PARKED:
        return event
    if Incoming.from_json(event.incoming).lookup:
        with transaction.atomic():
            InboundEvent.objects.filter(pk=event.pk, state=InboundEvent.State.PARKED).update(
                state=InboundEvent.State.LOOKUP, reason="", replays=event.replays + 1
            )
            event.refresh_from_db()
            queue_lookup(event)
        return event
    return inbound.do_replay(event)
