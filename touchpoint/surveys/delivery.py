"""Survey invitations through the outbox engine: how an invitation is composed, checked
at the last moment (expiry, opt-out) and recorded; and the sweep that expires what is stale.

Claims, leases, hand-offs, retries, circuits and the recovery of dead workers are the
engine's (`touchpoint.outbox.engine`), the same for every outbound message.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Sequence

from django.db.models import Q, QuerySet
from django.utils import timezone

from touchpoint.accounts.actions import unit_time_zone
from touchpoint.contacts import suppressions
from touchpoint.contacts.actions import do_opt_out
from touchpoint.lib import links
from touchpoint.outbox import engine
from touchpoint.outbox.circuits import Circuits
from touchpoint.outbox.transports import (
    TWILIO_UNSUBSCRIBED,
    TransportError,
    Transports,
    smtp_destination,
)
from touchpoint.surveys import reminders, rules
from touchpoint.surveys.compose import compose_sms, prepare_email
from touchpoint.surveys.models import Invitation
from touchpoint.surveys.tokens import PURPOSE, LinkLost, new_link, survey_token

log = logging.getLogger("touchpoint.delivery")

# An SMS invitation costs at most this many segments (two: 306 GSM-7 or 134 UCS-2 characters).
SMS_MAX_SEGMENTS = 2
State, Reason = Invitation.State, Invitation.Reason


def _address_suppressed(invitation: Invitation) -> bool:
    """As read for its batch just before (`before_compose`), or now."""
    known = getattr(invitation, "address_suppressed", None)
    if known is None:
        return suppressions.is_suppressed(invitation.contact, invitation.channel)
    return known


class InvitationQueue(engine.Queue):
    model = Invitation
    name = "invitation"
    waiting = State.SCHEDULED
    lease = dt.timedelta(minutes=5)
    # Wait before attempt 2, 3, 4, 5; after the fifth failure the invitation is "failed".
    backoff = (
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=5),
        dt.timedelta(minutes=30),
        dt.timedelta(hours=2),
    )
    related = ("account", "contact", "touchpoint", "unit", "interaction")

    def without(self, rows: QuerySet, down: set[str]) -> QuerySet:
        if smtp_destination() in down:
            rows = rows.exclude(channel="email")
        accounts = [int(d.split(":", 1)[1]) for d in down if d.startswith("sms:")]
        if accounts:
            rows = rows.exclude(Q(channel="sms") & Q(account_id__in=accounts))
        return rows

    def before_compose(self, invitations: Sequence[Invitation]) -> None:
        """Which of the batch's addresses are on the suppression list: one query per
        account and channel, not one per message (a tenth of a worker's time per email)."""
        by_list: dict[tuple[int, str], list[Invitation]] = defaultdict(list)
        for invitation in invitations:
            by_list[(invitation.account_id, invitation.channel)].append(invitation)
        for (account_id, channel), group in by_list.items():
            if channel not in suppressions.CHANNELS:
                continue
            addresses = {i.pk: suppressions.contact_address(i.contact, channel) for i in group}
            found = suppressions.suppressed(account_id, channel, addresses.values())
            for invitation in group:
                address = addresses[invitation.pk]
                invitation.address_suppressed = bool(address) and (
                    suppressions.normalise(channel, address) in found
                )

    def compose(self, invitation: Invitation, transports: Transports):
        now = timezone.now()
        if now >= invitation.expires_at:
            return _finish(invitation, State.EXPIRED, Reason.STALE, "not sent before its expiry")
        if invitation.contact.opted_out_of(invitation.channel):
            return _finish(
                invitation, State.SUPPRESSED, Reason.OPTED_OUT, "opted out before sending"
            )
        if _address_suppressed(invitation):
            return _finish(
                invitation,
                State.SUPPRESSED,
                Reason.SUPPRESSED_ADDRESS,
                "the address is on the suppression list",
            )
        if invitation.channel not in ("sms", "email"):
            return _finish(
                invitation,
                State.SUPPRESSED,
                Reason.CHANNEL_UNAVAILABLE,
                f"{invitation.get_channel_display()} is not sent by the outbox",
            )
        try:
            survey_token(invitation)
        except LinkLost:
            # Never delivered (a row waiting to be sent has not reached anyone), so a new
            # link replaces the one that cannot be rebuilt (a SECRET_KEY changed with no
            # fallback, a row planned before links were derived).
            new_link(invitation)
            if not _relink(invitation):
                return None  # not ours any more
        if invitation.channel == "sms":
            transport = transports.sms(invitation.account)
            if transport is None:
                return _finish(
                    invitation,
                    State.SUPPRESSED,
                    Reason.CHANNEL_UNAVAILABLE,
                    "no SMS transport is set up",
                )
            return transport, compose_sms(invitation)
        return transports.email(), prepare_email(invitation)

    def sent(self, invitation: Invitation, provider_id, now: dt.datetime) -> dict:
        log.info("invitation %s sent (attempt %s)", invitation.pk, invitation.attempts)
        return {
            "state": State.SENT,
            "sent_at": now,
            "expires_at": now + dt.timedelta(days=invitation.touchpoint.expiry_days),
            "provider_message_id": provider_id or "",
            "reason": "",
            "detail": "",
        }

    def after_sent(self, invitation: Invitation) -> None:
        if invitation.touchpoint.reminder_count:
            invitation.refresh_from_db(fields=["sent_at", "expires_at", "state"])
            reminders.plan_reminders(invitation)

    def retry(self, invitation, error: TransportError, wait, now) -> dict:
        detail = f"attempt {invitation.attempts} failed, retry in {wait}: {error}"
        return {"reason": Reason.DELIVERY_ERROR, "detail": detail[:500]}

    def failed(self, invitation, error: TransportError, reason: str, now) -> dict:
        if error.code == TWILIO_UNSUBSCRIBED:
            # The person texted STOP to the provider directly: our opt-out too (below).
            return {
                "state": State.SUPPRESSED,
                "reason": Reason.OPTED_OUT,
                "detail": f"provider: {error}"[:500],
            }
        if error.address_refused:
            return {
                "state": State.FAILED,
                "reason": Reason.ADDRESS_REFUSED,
                "detail": f"attempt {invitation.attempts}: {error}"[:500],
            }
        reasons = {
            engine.INTERRUPTED: Reason.HANDOFF_INTERRUPTED,
            engine.RETRIES_EXHAUSTED: Reason.RETRIES_EXHAUSTED,
            engine.REFUSED: Reason.DELIVERY_ERROR,
        }
        return {
            "state": State.FAILED,
            "reason": reasons[reason],
            "detail": f"attempt {invitation.attempts}: {error}"[:500],
        }

    def after_failure(self, invitation, error: TransportError) -> None:
        if error.code == TWILIO_UNSUBSCRIBED:
            do_opt_out(contact=invitation.contact, channel="sms")
            return
        if error.address_refused:
            suppressions.do_suppress_refused(
                contact=invitation.contact, channel=invitation.channel, detail=str(error)
            )
        if not error.maybe_delivered:  # an interrupted hand-off may have gone out
            fall_back(invitation)

    def interrupted(self, now: dt.datetime) -> dict:
        return {
            "state": State.FAILED,
            "reason": Reason.HANDOFF_INTERRUPTED,
            "detail": "the worker stopped while handing the message to the mail server; it may "
            "have been delivered, so it is not sent again",
        }


QUEUE = InvitationQueue()
LEASE = QUEUE.lease
MAX_ATTEMPTS = QUEUE.max_attempts


def send_due_invitations(*, limit: int = 200) -> int:
    """Send up to `limit` invitations that are due; returns how many were sent."""
    return engine.send_due(QUEUE, limit=limit)


def claim(pk: int) -> Invitation | None:
    """Take one invitation for this worker, or None if it is not due or someone has it."""
    claimed = engine.claim(QUEUE, [pk])
    return claimed[0] if claimed else None


def deliver(pk: int) -> bool:
    """Claim one invitation and send it. Returns True if it was sent."""
    with Transports() as transports:
        invitation = claim(pk)
        if invitation is None:
            return False
        return engine.deliver(QUEUE, invitation, transports=transports, circuits=Circuits.load())


def _mark_handoff(invitation: Invitation) -> None:
    """Record the hand-off of a claimed invitation (what the engine does before sending)."""
    Invitation.objects.filter(pk=invitation.pk, state=State.SENDING).update(
        handed_off_at=timezone.now()
    )


def _relink(invitation: Invitation) -> bool:
    """Store the invitation's new link, if this worker still holds it."""
    return bool(
        Invitation.objects.filter(
            pk=invitation.pk, state=State.SENDING, claimed_by=invitation.claimed_by
        ).update(token_nonce=invitation.token_nonce, token_hash=invitation.token_hash)
    )


def _finish(invitation: Invitation, state: str, reason: str, detail: str) -> None:
    """The invitation is done without being sent (expired, opted out, no transport)."""
    Invitation.objects.filter(
        pk=invitation.pk, state=State.SENDING, claimed_by=invitation.claimed_by
    ).update(
        state=state,
        reason=reason,
        detail=detail[:500],
        lease_expires_at=None,
        claimed_by="",
        updated_at=timezone.now(),
    )


def fall_back(invitation: Invitation) -> Invitation | None:
    """After a failure for good, the same survey on the touchpoint's fallback channel, if it
    has one and the contact can be reached there. At most one per interaction and channel
    (a unique constraint), so a repeated failure never makes two."""
    channel = invitation.touchpoint.fallback_channel
    contact = invitation.contact
    address = {"email": contact.email, "sms": contact.phone}.get(channel)
    now = timezone.now()
    if not channel or channel == invitation.channel or not address:
        return None
    if contact.opted_out_of(channel) or invitation.expires_at <= now:
        return None
    touchpoint = invitation.touchpoint
    send_at = rules.plan_send_at(
        occurred_at=now,
        delay=dt.timedelta(0),
        time_zone=contact.time_zone or unit_time_zone(invitation.unit),
        quiet_start=touchpoint.quiet_hours_start,
        quiet_end=touchpoint.quiet_hours_end,
    )
    if send_at >= invitation.expires_at:
        return None
    nonce, token_hash = links.mint(PURPOSE)
    fallback, created = Invitation.objects.get_or_create(
        interaction_id=invitation.interaction_id,
        channel=channel,
        defaults={
            "account_id": invitation.account_id,
            "contact_id": contact.pk,
            "touchpoint_id": touchpoint.pk,
            "unit_id": invitation.unit_id,
            "token_nonce": nonce,
            "token_hash": token_hash,
            "send_at": send_at,
            "expires_at": invitation.expires_at,
            "detail": f"fallback after the {invitation.get_channel_display()} invitation failed",
        },
    )
    if created:
        log.info("invitation %s failed; fallback %s on %s", invitation.pk, fallback.pk, channel)
    return fallback if created else None


def sweep() -> dict[str, int]:
    """Recover from dead workers (the engine's sweep) and expire what is stale. Idempotent;
    every worker runs it.

    - A claim whose lease ran out before the hand-off: scheduled again.
    - A lease that ran out after the hand-off: the message may have gone out; it is failed
      with that reason rather than risk a second one.
    - Invitations not sent, or not answered, before their expiry become expired.
    """
    now = timezone.now()
    counts = engine.sweep(QUEUE)
    counts["expired_unsent"] = Invitation.objects.filter(
        state=State.SCHEDULED, expires_at__lte=now
    ).update(
        state=State.EXPIRED,
        reason=Reason.STALE,
        detail="not sent before its expiry",
        updated_at=now,
    )
    counts["expired_unanswered"] = Invitation.objects.filter(
        state=State.SENT, expires_at__lte=now
    ).update(state=State.EXPIRED, reason=Reason.NOT_ANSWERED, updated_at=now)
    if counts["expired_unsent"] or counts["expired_unanswered"]:
        log.info("sweep: %s", counts)
    return counts
