"""Connectors as a CX team manages them (pages and the API): settings checked by the
connector's own rules, saved with an audit row in the same transaction; credentials
write-only (the audit, like every page, sees their last four characters); the inbound
address replaced (the audit never holds it); the connection tested; parked events
replayed."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from touchpoint.accounts.models import Account
from touchpoint.connectors import actions, audience
from touchpoint.connectors.models import Connector, ConnectorCall, InboundEvent
from touchpoint.connectors.vendors import VENDORS
from touchpoint.setup.audit import SetupError, record_change
from touchpoint.setup.models import SetupChange

Subject = SetupChange.Subject


def access_connector(account: Account, kind: str) -> Connector | None:
    return Connector.objects.filter(account=account, kind=kind).select_related("account").first()


def do_save_connector(*, account: Account, by, kind: str, values: dict[str, Any]) -> Connector:
    """Add or change the account's connector of this kind; SetupError names each field at
    fault and nothing is saved."""
    current = access_connector(account, kind)
    before = actions.connector_data(current) if current is not None else {}
    try:
        target = actions.check_connector(account, kind, current=current, values=values)
    except actions.ConnectorError as error:
        raise SetupError(error.errors) from error
    with transaction.atomic():
        target.save()
        record_change(
            account,
            by,
            Subject.CONNECTOR,
            "created" if current is None else "changed",
            key=kind,
            label=VENDORS[kind].label,
            before=before,
            after=actions.connector_data(target),
        )
    return target


def do_new_inbound_address(*, by, connector: Connector) -> str:
    """A new inbound address, returned; the old one stops working at once. SetupError for a
    connector that takes no inbound calls."""
    vendor = VENDORS[connector.kind]
    if not vendor.inbound:
        raise SetupError(_("this connector takes no inbound calls"), "kind")
    with transaction.atomic():
        url = actions.do_new_inbound_address(connector)
        record_change(
            connector.account,
            by,
            Subject.CONNECTOR,
            "new_address",
            key=connector.kind,
            label=vendor.label,
        )
    return url


def do_test_connector(*, by, connector: Connector) -> actions.TestResult:
    result = actions.do_test_connection(connector)
    record_change(
        connector.account,
        by,
        Subject.CONNECTOR,
        "tested",
        key=connector.kind,
        label=VENDORS[connector.kind].label,
        after={"ok": result.ok, "message": result.message[:200]},
    )
    return result


def do_replay_event(*, by, event: InboundEvent) -> InboundEvent:
    if event.state != InboundEvent.State.PARKED:
        raise SetupError(_("only a parked event can be replayed"), "event")
    replayed = actions.do_replay(event)
    record_change(
        event.account,
        by,
        Subject.CONNECTOR,
        "replayed",
        key=event.connector.kind,
        label=f"{VENDORS[event.connector.kind].label} event {event.vendor_id}",
        after={"state": replayed.state, "reason": replayed.reason},
    )
    return replayed


def do_import_audience(*, by, connector: Connector) -> str:
    """Start importing the audience as members of the chosen recurring survey."""
    try:
        run = audience.do_start_import(connector)
    except audience.ImportRefused as error:
        raise SetupError(str(error), "settings.import_survey") from error
    record_change(
        connector.account,
        by,
        Subject.CONNECTOR,
        "import",
        key=connector.kind,
        label=VENDORS[connector.kind].label,
        after={"run": run, "survey": connector.config.get("import_survey")},
    )
    return run


def sync_log(connector: Connector, *, limit: int = 50) -> list[dict[str, Any]]:
    """The connector's latest syncs, newest first: inbound events and outbound calls with
    their outcome."""
    rows: list[dict[str, Any]] = []
    for event in inbound_events(connector)[:limit]:
        rows.append(
            {
                "direction": "in",
                "id": event.pk,
                "at": event.received_at,
                "what": event.vendor_id,
                "state": event.state,
                "state_label": event.get_state_display(),
                "reason": event.reason,
                "interaction_id": event.interaction_id,
                "repeats": event.repeats,
                "replayable": event.state == InboundEvent.State.PARKED,
            }
        )
    for call in calls(connector)[:limit]:
        rows.append(
            {
                "direction": "out",
                "id": call.pk,
                "at": call.created_at,
                "what": call.summary or call.operation,
                "operation": call.operation,
                "state": call.state,
                "state_label": call.get_state_display(),
                "reason": call.last_error,
                "attempts": call.attempts,
                "sent_at": call.sent_at,
            }
        )
    rows.sort(key=lambda row: row["at"], reverse=True)
    return rows[:limit]


def inbound_events(connector: Connector) -> QuerySet[InboundEvent]:
    return InboundEvent.objects.filter(connector=connector).order_by("-received_at", "-pk")


def calls(connector: Connector) -> QuerySet[ConnectorCall]:
    return ConnectorCall.objects.filter(connector=connector).order_by("-created_at", "-pk")
