"""The suppression list: addresses and numbers an account must not survey on a channel.

Filled automatically (a mail server refusing a recipient for good, a provider saying a number
cannot take SMS, a complaint or bounce reported to the feedback hook) or by an admin, and read
by the planner and by the sender at the last moment. Lifting one is recorded, never deleted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from touchpoint.accounts.models import Account
from touchpoint.contacts.models import Suppression

log = logging.getLogger("touchpoint.contacts")
Reason = Suppression.Reason
CHANNELS = ("email", "sms")


class SuppressionError(ValueError):
    """A change to the list that is not allowed; the message says why."""


def normalise(channel: str, address: str) -> str:
    return address.strip().lower() if channel == "email" else address.strip()


def active(account_id: int):
    return Suppression.objects.filter(account_id=account_id, lifted_at__isnull=True)


def do_suppress(
    *,
    account_id: int,
    channel: str,
    address: str,
    reason: str,
    detail: str = "",
    source: str = "",
) -> Suppression | None:
    """Suppress an address on a channel (once: an active one stays as it is). Returns the new
    row, or None when it was already suppressed."""
    if channel not in CHANNELS or not address:
        raise SuppressionError("Suppress an email address or a phone number.")
    address = normalise(channel, address)
    try:
        with transaction.atomic():
            row = Suppression.objects.create(
                account_id=account_id,
                channel=channel,
                address=address,
                reason=reason,
                detail=detail[:500],
                source=source[:100],
                created_at=timezone.now(),
            )
    except IntegrityError:
        return None  # already suppressed
    log.info("account %s: %s address %s suppressed (%s)", account_id, channel, row.pk, reason)
    return row


def do_lift(*, suppression: Suppression, by: str, reason: str) -> Suppression:
    """Lift a suppression: the address may be surveyed again. The reason is required."""
    reason = reason.strip()
    if not reason:
        raise SuppressionError("Say why the address may be surveyed again.")
    lifted = Suppression.objects.filter(pk=suppression.pk, lifted_at__isnull=True).update(
        lifted_at=timezone.now(), lifted_by=by[:200], lift_reason=reason[:500]
    )
    if not lifted:
        raise SuppressionError("This address is not suppressed any more.")
    suppression.refresh_from_db()
    return suppression


def suppressed(account: Account | int, channel: str, addresses: Iterable[str]) -> set[str]:
    """Which of these addresses are suppressed on the channel (one query)."""
    account_id = account if isinstance(account, int) else account.pk
    wanted = {normalise(channel, a) for a in addresses if a}
    if not wanted:
        return set()
    return set(
        active(account_id)
        .filter(channel=channel, address__in=wanted)
        .values_list("address", flat=True)
    )
