"""Writing calls to the connectors' outbox queue."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone

from touchpoint.connectors.models import ConnectorCall


def queue_calls(calls: Sequence[ConnectorCall]) -> None:
    """Write calls to the queue; a dedupe key already there is skipped (relays repeat)."""
    now = timezone.now()
    for call in calls:
        call.send_at = call.send_at or now
        call.account_id = call.account_id or call.connector.account_id
    ConnectorCall.objects.bulk_create(list(calls), ignore_conflicts=True)
