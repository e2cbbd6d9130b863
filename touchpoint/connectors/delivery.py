"""Calls to vendors through the outbox engine: composed and recorded here; claims, leases,
retries, circuits (one per connector, paused for exactly a vendor's `Retry-After`) and
sweeps are the engine's.

A call that may go twice (a PUT of the same values, a read) simply goes again after its
worker died mid-call; one that may not (a note on a helpdesk ticket) is failed as
interrupted rather than risk a second note. A vendor refusing the credentials (401) switches
its connector off and tells the account's admins once: its calls wait, spending nothing,
until an admin saves working credentials.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import requests
from django.db.models import Q, QuerySet

from touchpoint.connectors import actions
from touchpoint.connectors.models import Connector, ConnectorCall
from touchpoint.connectors.vault import Unreadable, unseal
from touchpoint.connectors.vendors import VENDORS
from touchpoint.connectors.vendors.base import Vendor
from touchpoint.outbox import engine
from touchpoint.outbox.transports import TransportError, Transports

log = logging.getLogger("touchpoint.connectors")
State = ConnectorCall.State


class ConnectorTransport:
    """One connector's vendor API with its credentials, for one call."""

    def __init__(self, vendor: Vendor, connector: Connector, secrets: dict) -> None:
        self.vendor, self.connector, self.secrets = vendor, connector, secrets

    def destination_of(self, call: ConnectorCall) -> str:
        return self.connector.destination

    def send(self, call: ConnectorCall, *, before_handoff: Callable[[], None]) -> dict:
        session: requests.Session = self.vendor.session(self.connector, self.secrets)
        try:
            return self.vendor.perform(
                self.connector,
                self.secrets,
                call,
                before_handoff=before_handoff,
                session=session,
            )
        finally:
            session.close()

    def close(self) -> None:
        pass


class ConnectorQueue(engine.Queue):
    model = ConnectorCall
    name = "connector call"
    waiting = State.PENDING
    lease = dt.timedelta(minutes=2)
    backoff = (
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=5),
        dt.timedelta(minutes=30),
        dt.timedelta(hours=2),
        dt.timedelta(hours=6),
    )
    resendable = Q(idempotent=True)
    related = ("connector", "account")

    def due(self, now: dt.datetime) -> QuerySet:
        # A connector switched off, or waiting for working credentials, holds its calls.
        return (
            super().due(now).filter(connector__is_active=True, connector__disabled_at__isnull=True)
        )

    def without(self, rows: QuerySet, down: set[str]) -> QuerySet:
        paused = [int(d.split(":", 1)[1]) for d in down if d.startswith("connector:")]
        return rows.exclude(connector_id__in=paused) if paused else rows

    def compose(self, call: ConnectorCall, transports: Transports):
        connector = call.connector
        if Connector.objects.filter(pk=connector.pk, disabled_at__isnull=False).exists():
            engine.give_back(self, call)  # switched off since it was claimed
            return None
        try:
            secrets = unseal(connector.credentials)
        except Unreadable as error:
            engine.give_back(self, call)
            actions.do_disable(connector, str(error))
            return None
        return ConnectorTransport(VENDORS[connector.kind], connector, secrets), call

    def hand_off(self, call: ConnectorCall, now: dt.datetime) -> bool:
        # Checked again at the last moment: calls are composed a few ahead, and a 401 to an
        # earlier one of the pass switches the connector off.
        if Connector.objects.filter(pk=call.connector_id, disabled_at__isnull=False).exists():
            engine.give_back(self, call)
            return False
        return super().hand_off(call, now)

    def sent(self, call: ConnectorCall, result, now: dt.datetime) -> dict:
        kept = actions.after_call(call, result or {})
        return {
            "state": State.SENT,
            "sent_at": now,
            "result": kept,
            "response_status": None,
            "last_error": "",
        }

    def retry(self, call, error: TransportError, wait, now) -> dict:
        return {
            "response_status": error.status,
            "last_error": f"attempt {call.attempts}: {error}; retry in {wait}"[:500],
        }

    def failed(self, call, error: TransportError, reason: str, now) -> dict:
        if error.status == 401:
            # Not this call's fault: it waits for working credentials, its attempts intact.
            return {
                "state": State.PENDING,
                "attempts": 0,
                "send_at": now,
                "handed_off_at": None,
                "response_status": 401,
                "last_error": f"{error}; waiting for new credentials"[:500],
            }
        return {
            "state": State.FAILED,
            "response_status": error.status,
            "last_error": f"attempt {call.attempts}: {error}"[:500],
        }

    def after_failure(self, call: ConnectorCall, error: TransportError) -> None:
        if error.status == 401:
            actions.do_disable(call.connector, str(error))
        else:
            actions.after_failed_call(call, str(error))

    def interrupted(self, now: dt.datetime) -> dict:
        return {
            "state": State.FAILED,
            "last_error": "the worker stopped while making the call; it may have reached the "
            "vendor, so it is not made again",
        }


QUEUE = ConnectorQueue()


def send_due_calls(*, limit: int = 200) -> int:
    """Make up to `limit` due vendor calls; returns how many were made."""
    return engine.send_due(QUEUE, limit=limit)


def sweep() -> dict[str, int]:
    """Recover calls whose worker died mid-call (the engine's sweep)."""
    return engine.sweep(QUEUE)
