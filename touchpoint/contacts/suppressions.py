"""The suppression list: addresses and numbers an account must not survey on a channel.

Filled automatically (a mail server refusing a recipient for good, a provider saying a number
cannot take SMS, a complaint or bounce reported to the feedback hook) or by an admin, and read
by the planner and by the sender at the last moment. Lifting one is recorded, never deleted.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from touchpoint.accounts.models import Account
from touchpoint.contacts.feedback import Report
from touchpoint.contacts.models import Contact, FeedbackKey, Suppression
from touchpoint.lib import bulk  # noqa: F401 (registers the `in_plain` lookup used below)

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


def do_suppress_refused(*, contact: Contact, channel: str, detail: str) -> Suppression | None:
    """The mail server or SMS provider refused the contact's address for good (an SMTP 5xx
    to the recipient, a number that cannot take SMS): no later message of the account goes
    there until an admin lifts it."""
    return do_suppress(
        account_id=contact.account_id,
        channel=channel,
        address=contact_address(contact, channel),
        reason=Reason.HARD_BOUNCE if channel == "email" else Reason.INVALID_NUMBER,
        detail=detail,
        source="SMTP server" if channel == "email" else "SMS provider",
    )


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


def contact_address(contact: Contact, channel: str) -> str:
    """Where a message on this channel goes: the contact's email or phone ("" otherwise)."""
    field = {"email": "email", "sms": "phone"}.get(channel)
    return (getattr(contact, field) or "") if field else ""


def is_suppressed(contact: Contact, channel: str) -> bool:
    """Is the contact's address for this channel on its account's suppression list?"""
    address = contact_address(contact, channel)
    return bool(address) and bool(suppressed(contact.account_id, channel, [address]))


def suppressed(account: Account | int, channel: str, addresses: Iterable[str]) -> set[str]:
    """Which of these addresses are suppressed on the channel (one query, for a whole intake
    chunk: `in_plain` passes its thousands of plain strings to the driver as they are)."""
    account_id = account if isinstance(account, int) else account.pk
    wanted = {normalise(channel, a) for a in addresses if a}
    if not wanted:
        return set()
    return set(
        active(account_id)
        .filter(channel=channel, address__in_plain=wanted)
        .values_list("address", flat=True)
    )


def record_reports(account_id: int, reports: Sequence[Report]) -> int:
    """Suppress every address a provider reported (a hard bounce, a complaint); returns how
    many were newly suppressed. Already suppressed addresses stay as they are."""
    added = 0
    for report in reports:
        if not report.address.strip():
            continue
        if do_suppress(
            account_id=account_id,
            channel=report.channel,
            address=report.address,
            reason=report.reason,
            detail=report.detail,
            source=f"feedback hook ({report.source})",
        ):
            added += 1
    return added


# --- the keys of the feedback hook --------------------------------------------------------------


@dataclass(frozen=True)
class NewFeedbackKey:
    key: FeedbackKey
    secret: str  # shown once, never stored


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def do_create_feedback_key(*, account: Account, name: str) -> NewFeedbackKey:
    """Mint the secret of a bounce-and-complaint address (256 random bits)."""
    secret = "fb_" + secrets.token_urlsafe(32)
    key = FeedbackKey.objects.create(
        account=account,
        name=name,
        prefix=secret[:11],
        key_hash=_hash(secret),
        created_at=timezone.now(),
    )
    return NewFeedbackKey(key, secret)


def do_revoke_feedback_key(*, key: FeedbackKey) -> None:
    FeedbackKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def access_feedback_key(secret: str) -> FeedbackKey | None:
    """The live key this secret opens, or None."""
    if not secret.startswith("fb_") or len(secret) > 100:
        return None
    key = (
        FeedbackKey.objects.filter(prefix=secret[:11], revoked_at__isnull=True)
        .select_related("account")
        .first()
    )
    if key is None or not secrets.compare_digest(key.key_hash, _hash(secret)):
        return None
    FeedbackKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key
