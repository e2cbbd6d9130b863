"""Sending due invitations: claim, send, record; and the sweep that keeps the queue honest.

Every step is safe with any number of workers on any number of machines: an invitation is
claimed by one conditional UPDATE, so only one worker ever sends it.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from touchpoint.accounts.actions import unit_time_zone
from touchpoint.contacts.actions import do_opt_out
from touchpoint.lib import sms
from touchpoint.surveys import rules
from touchpoint.surveys.actions import new_token
from touchpoint.surveys.models import Invitation
from touchpoint.surveys.transports import (
    TWILIO_UNSUBSCRIBED,
    SmsMessage,
    TransportError,
    Transports,
)
from touchpoint.surveys.wording import direction, language_for, wording_for

log = logging.getLogger("touchpoint.delivery")

LEASE = dt.timedelta(minutes=5)
# Wait before attempt 2, 3, 4, 5; after the fifth failure the invitation is "failed".
BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# An SMS invitation costs at most this many segments (two: 306 GSM-7 or 134 UCS-2 characters).
SMS_MAX_SEGMENTS = 2
State, Reason = Invitation.State, Invitation.Reason


def send_due_invitations(*, limit: int = 200) -> int:
    """Send up to `limit` invitations that are due; returns how many were sent."""
    now = timezone.now()
    due = (
        Invitation.objects.filter(state=State.SCHEDULED, send_at__lte=now)
        .order_by("send_at")
        .values_list("pk", flat=True)[:limit]
    )
    with Transports() as transports:  # one SMTP connection for the whole pass
        return sum(deliver(pk, transports=transports) for pk in list(due))


def claim(pk: int) -> Invitation | None:
    """Take the invitation for this worker, or None if it is not due or someone else has it."""
    now = timezone.now()
    taken = Invitation.objects.filter(pk=pk, state=State.SCHEDULED, send_at__lte=now).update(
        state=State.SENDING,
        attempts=F("attempts") + 1,
        lease_expires_at=now + LEASE,
        handed_off_at=None,
        updated_at=now,
    )
    if not taken:
        return None
    return Invitation.objects.select_related(
        "account", "contact", "touchpoint", "unit", "interaction"
    ).get(pk=pk)


def deliver(pk: int, *, transports: Transports | None = None) -> bool:
    """Claim one invitation and send it. Returns True if it was sent."""
    if transports is None:
        with Transports() as own:
            return deliver(pk, transports=own)
    invitation = claim(pk)
    if invitation is None:
        return False
    now = timezone.now()
    if now >= invitation.expires_at:
        _finish(invitation, State.EXPIRED, Reason.STALE, "not sent before its expiry")
        return False
    contact = invitation.contact
    if contact.opted_out_of(invitation.channel):
        _finish(invitation, State.SUPPRESSED, Reason.OPTED_OUT, "opted out before sending")
        return False
    transport = transports.for_channel(invitation.channel, invitation.account)
    if transport is None:
        _finish(
            invitation,
            State.SUPPRESSED,
            Reason.CHANNEL_UNAVAILABLE,
            f"no {invitation.get_channel_display()} transport is set up",
        )
        return False
    message = compose_sms(invitation) if invitation.channel == "sms" else compose_email(invitation)
    try:
        provider_id = transport.send(message, before_handoff=lambda: _mark_handoff(invitation))
    except TransportError as error:
        _after_failure(invitation, error)
        return False
    sent_at = timezone.now()
    expiry = dt.timedelta(days=invitation.touchpoint.expiry_days)
    Invitation.objects.filter(pk=invitation.pk, state=State.SENDING).update(
        state=State.SENT,
        sent_at=sent_at,
        expires_at=sent_at + expiry,
        lease_expires_at=None,
        provider_message_id=provider_id or "",
        reason="",
        detail="",
        updated_at=sent_at,
    )
    log.info("invitation %s sent (attempt %s)", invitation.pk, invitation.attempts)
    return True


def _mark_handoff(invitation: Invitation) -> None:
    Invitation.objects.filter(pk=invitation.pk, state=State.SENDING).update(
        handed_off_at=timezone.now()
    )


def _after_failure(invitation: Invitation, error: TransportError) -> None:
    if error.code == TWILIO_UNSUBSCRIBED:
        # The person texted STOP to the provider directly: record it as our opt-out too.
        _finish(invitation, State.SUPPRESSED, Reason.OPTED_OUT, f"provider: {error}")
        do_opt_out(contact=invitation.contact, channel="sms")
        return
    if error.maybe_delivered:
        _finish(invitation, State.FAILED, Reason.HANDOFF_INTERRUPTED, str(error))
        log.error("invitation %s may have been sent, not retried: %s", invitation.pk, error)
        return
    if error.retryable and invitation.attempts < MAX_ATTEMPTS:
        wait = BACKOFF[invitation.attempts - 1]
        now = timezone.now()
        Invitation.objects.filter(pk=invitation.pk, state=State.SENDING).update(
            state=State.SCHEDULED,
            send_at=now + wait,
            lease_expires_at=None,
            handed_off_at=None,
            reason=Reason.DELIVERY_ERROR,
            detail=f"attempt {invitation.attempts} failed, retry in {wait}: {error}"[:500],
            updated_at=now,
        )
        log.warning(
            "invitation %s attempt %s failed, retrying: %s",
            invitation.pk,
            invitation.attempts,
            error,
        )
        return
    reason = Reason.RETRIES_EXHAUSTED if error.retryable else Reason.DELIVERY_ERROR
    _finish(invitation, State.FAILED, reason, f"attempt {invitation.attempts}: {error}")
    fall_back(invitation)
    log.error("invitation %s failed: %s", invitation.pk, error)


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
    fallback, created = Invitation.objects.get_or_create(
        interaction_id=invitation.interaction_id,
        channel=channel,
        defaults={
            "account_id": invitation.account_id,
            "contact_id": contact.pk,
            "touchpoint_id": touchpoint.pk,
            "unit_id": invitation.unit_id,
            "token": new_token(),
            "send_at": send_at,
            "expires_at": invitation.expires_at,
            "detail": f"fallback after the {invitation.get_channel_display()} invitation failed",
        },
    )
    if created:
        log.info("invitation %s failed; fallback %s on %s", invitation.pk, fallback.pk, channel)
    return fallback if created else None


def _finish(invitation: Invitation, state: str, reason: str, detail: str) -> None:
    Invitation.objects.filter(pk=invitation.pk, state=State.SENDING).update(
        state=state,
        reason=reason,
        detail=detail[:500],
        lease_expires_at=None,
        updated_at=timezone.now(),
    )


def sweep() -> dict[str, int]:
    """Recover from dead workers and expire what is stale. Idempotent; run it every minute.

    - A claim whose lease ran out before the hand-off to the mail server: the worker died
      before sending, so the invitation is scheduled again.
    - A lease that ran out after the hand-off: the message may have gone out. It is marked
      failed with that reason rather than risk a second email.
    - Invitations not sent, or not answered, before their expiry become expired.
    """
    now = timezone.now()
    stale = Invitation.objects.filter(state=State.SENDING, lease_expires_at__lte=now)
    counts = {
        "reclaimed": stale.filter(handed_off_at__isnull=True).update(
            state=State.SCHEDULED,
            send_at=now,
            lease_expires_at=None,
            updated_at=now,
            detail="the worker stopped before sending; scheduled again",
        ),
        "interrupted": stale.filter(handed_off_at__isnull=False).update(
            state=State.FAILED,
            reason=Reason.HANDOFF_INTERRUPTED,
            lease_expires_at=None,
            detail="the worker stopped while handing the message to the mail server; it may "
            "have been delivered, so it is not sent again",
            updated_at=now,
        ),
        "expired_unsent": Invitation.objects.filter(
            state=State.SCHEDULED, expires_at__lte=now
        ).update(
            state=State.EXPIRED,
            reason=Reason.STALE,
            detail="not sent before its expiry",
            updated_at=now,
        ),
        "expired_unanswered": Invitation.objects.filter(
            state=State.SENT, expires_at__lte=now
        ).update(state=State.EXPIRED, reason=Reason.NOT_ANSWERED, updated_at=now),
    }
    if any(counts.values()):
        log.info("sweep: %s", counts)
    return counts


def survey_url(invitation: Invitation, score: int | None = None) -> str:
    url = f"{settings.SITE_URL}/s/{invitation.token}"
    return url if score is None else f"{url}?score={score}"


def unsubscribe_url(invitation: Invitation) -> str:
    return f"{settings.SITE_URL}/u/{invitation.token}"


def compose_email(invitation: Invitation) -> EmailMultiAlternatives:
    """The invitation email: multipart, localised, eleven one-click scores, unsubscribe."""
    account, contact = invitation.account, invitation.contact
    lang = language_for(contact.locale, account.default_locale)
    texts = wording_for(
        invitation.touchpoint,
        lang,
        brand=account.name,
        unit=invitation.unit.name,
        name=contact.name,
    )
    context = {
        "texts": texts,
        "lang": lang,
        "contact": contact,
        "account": account,
        "scores": [
            (n, survey_url(invitation, n), texts["out_of_ten"].replace("{score}", str(n)))
            for n in range(11)
        ],
        "dir": direction(lang),
        "survey_url": survey_url(invitation),
        "unsubscribe_url": unsubscribe_url(invitation),
    }
    sender = f"{account.sender_name or account.name} <{settings.DEFAULT_FROM_EMAIL}>"
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1]
    message = EmailMultiAlternatives(
        subject=texts["subject"],
        body=render_to_string("surveys/email/invitation.txt", context),
        from_email=sender,
        to=[contact.email],
        reply_to=[account.reply_to] if account.reply_to else None,
        headers={
            # The same id on every attempt: mail systems fold a rare duplicate into one.
            "Message-ID": f"<invitation-{invitation.pk}.{invitation.token[:12]}@{domain}>",
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "Content-Language": lang,
        },
    )
    message.attach_alternative(
        render_to_string("surveys/email/invitation.html", context), "text/html"
    )
    return message


def compose_sms(invitation: Invitation) -> SmsMessage:
    """The invitation SMS, in the contact's language, within SMS_MAX_SEGMENTS segments.

    The fullest text that fits is chosen: context, question, "reply with a number" and the
    survey link; then without the context; then the short question with the link or the
    reply instruction. Typographic look-alikes are folded to GSM-7 first, so one curly quote
    does not turn the message into UCS-2 and halve its room.
    """
    account, contact = invitation.account, invitation.contact
    lang = language_for(contact.locale, account.default_locale)
    texts = wording_for(invitation.touchpoint, lang, brand=account.name, unit=invitation.unit.name)
    with translation.override(lang):
        reply = gettext("Reply with a number from 0 to 10.")
        link = gettext("Or answer here: {url}").format(url=survey_url(invitation))
        stop = gettext("Reply STOP to opt out.")
    brand = f"{account.sender_name or account.name}:"
    variants = [
        [brand, texts["context"], texts["question"], reply, link, stop],
        [brand, texts["question"], reply, link, stop],
        [brand, texts["question"], reply, stop],
        [brand, texts["subject"], link, stop],
        [brand, texts["subject"], reply, stop],
    ]
    for parts in variants:
        body = sms.normalise(" ".join(part for part in parts if part))
        if sms.measure(body).segments <= SMS_MAX_SEGMENTS:
            break
    else:
        log.warning("invitation %s: SMS wording longer than %s segments", invitation.pk, 2)
    return SmsMessage(to=contact.phone, body=body)
