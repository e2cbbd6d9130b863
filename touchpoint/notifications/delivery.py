"""Sending queued notifications: claim, send, record; retries with back-off; daily digests.

Safe with any number of workers: a delivery is claimed by one conditional UPDATE. Webhooks
are sent at least once (a receiver drops a repeat by its event id); an email whose hand-off
to the mail server was interrupted is marked failed rather than risk a second copy.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from touchpoint.notifications.models import Delivery, Endpoint
from touchpoint.notifications.transports import WebhookTransport
from touchpoint.surveys.transports import EmailTransport, TransportError

log = logging.getLogger("touchpoint.notifications")

LEASE = dt.timedelta(minutes=2)
BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=6),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
DIGEST_HOUR = 8  # daily digests go out from 08:00 in the account's time zone
State = Delivery.State


def send_due_deliveries(*, limit: int = 200) -> int:
    """Send up to `limit` due notifications; returns how many were sent."""
    due = (
        Delivery.objects.filter(state=State.PENDING, send_at__lte=timezone.now())
        .order_by("send_at")
        .values_list("pk", flat=True)[:limit]
    )
    email, webhooks = EmailTransport(), WebhookTransport()
    try:
        return sum(deliver(pk, email=email, webhooks=webhooks) for pk in list(due))
    finally:
        email.close()


def claim(pk: int) -> Delivery | None:
    now = timezone.now()
    taken = Delivery.objects.filter(pk=pk, state=State.PENDING, send_at__lte=now).update(
        state=State.SENDING,
        attempts=F("attempts") + 1,
        lease_expires_at=now + LEASE,
        handed_off_at=None,
        updated_at=now,
    )
    if not taken:
        return None
    return Delivery.objects.select_related("endpoint", "account").get(pk=pk)


def deliver(pk: int, *, email: EmailTransport, webhooks: WebhookTransport) -> bool:
    delivery = claim(pk)
    if delivery is None:
        return False

    def mark_handoff() -> None:
        Delivery.objects.filter(pk=pk, state=State.SENDING).update(handed_off_at=timezone.now())

    status = None
    try:
        if delivery.channel == Delivery.Channel.EMAIL:
            email.send(compose(delivery), before_handoff=mark_handoff)
        else:
            endpoint = delivery.endpoint
            if endpoint is None or not endpoint.is_active:
                _finish(delivery, State.FAILED, "the endpoint was removed or turned off")
                return False
            status = webhooks.send(
                endpoint.url,
                delivery.payload,
                message_id=str(delivery.event_id),
                secret=endpoint.secret if endpoint.kind == Endpoint.Kind.JSON else None,
                before_handoff=mark_handoff,
            )
    except TransportError as error:
        _after_failure(delivery, error)
        return False
    now = timezone.now()
    Delivery.objects.filter(pk=pk, state=State.SENDING).update(
        state=State.SENT,
        sent_at=now,
        response_status=status,
        lease_expires_at=None,
        last_error="",
        updated_at=now,
    )
    return True


def compose(delivery: Delivery) -> EmailMultiAlternatives:
    account = delivery.account
    sender = f"{account.sender_name or account.name} <{settings.DEFAULT_FROM_EMAIL}>"
    headers = {"Auto-Submitted": "auto-generated", **delivery.headers}
    reply_to = headers.pop("Reply-To", None)
    message = EmailMultiAlternatives(
        subject=delivery.subject,
        body=delivery.body_text,
        from_email=sender,
        to=[delivery.to_email],
        reply_to=[reply_to] if reply_to else None,
        headers=headers,
    )
    if delivery.body_html:
        message.attach_alternative(delivery.body_html, "text/html")
    return message


def _after_failure(delivery: Delivery, error: TransportError) -> None:
    now = timezone.now()
    status = getattr(error.__cause__, "code", None)
    if error.retryable and delivery.attempts < MAX_ATTEMPTS:
        wait = BACKOFF[delivery.attempts - 1]
        Delivery.objects.filter(pk=delivery.pk, state=State.SENDING).update(
            state=State.PENDING,
            send_at=now + wait,
            lease_expires_at=None,
            handed_off_at=None,
            response_status=status,
            last_error=f"attempt {delivery.attempts}: {error}; retry in {wait}"[:500],
            updated_at=now,
        )
        log.warning("delivery %s attempt %s failed: %s", delivery.pk, delivery.attempts, error)
        return
    _finish(delivery, State.FAILED, f"attempt {delivery.attempts}: {error}", status=status)
    log.error("delivery %s failed: %s", delivery.pk, error)


def _finish(delivery: Delivery, state: str, error: str, *, status: int | None = None) -> None:
    Delivery.objects.filter(pk=delivery.pk, state=State.SENDING).update(
        state=state,
        last_error=error[:500],
        response_status=status,
        lease_expires_at=None,
        updated_at=timezone.now(),
    )


def sweep() -> dict[str, int]:
    """Recover deliveries whose worker died mid-send. Idempotent; run it every minute."""
    now = timezone.now()
    stale = Delivery.objects.filter(state=State.SENDING, lease_expires_at__lte=now)
    return {
        # Receivers drop a repeated event id, so a webhook is simply tried again.
        "webhooks_again": stale.filter(channel=Delivery.Channel.WEBHOOK).update(
            state=State.PENDING, send_at=now, lease_expires_at=None, updated_at=now
        ),
        "emails_again": stale.filter(
            channel=Delivery.Channel.EMAIL, handed_off_at__isnull=True
        ).update(state=State.PENDING, send_at=now, lease_expires_at=None, updated_at=now),
        "emails_interrupted": stale.filter(
            channel=Delivery.Channel.EMAIL, handed_off_at__isnull=False
        ).update(
            state=State.FAILED,
            lease_expires_at=None,
            last_error="the worker stopped while handing the email to the mail server; it "
            "may have been delivered, so it is not sent again",
            updated_at=now,
        ),
    }


def bundle_digests(*, now: dt.datetime | None = None) -> int:
    """Fold each user's held ticket emails into one daily digest email; returns how many.

    A digest goes out once the account's local time has passed DIGEST_HOUR, with everything
    held before that hour. The digest row's dedupe key (user and local date) and the state
    change of the held rows share one transaction, so two workers make one digest.
    """
    now = now or timezone.now()
    held = (
        Delivery.objects.filter(state=State.HELD)
        .select_related("account", "user")
        .order_by("created_at")
    )
    groups: dict[tuple[int, int], list[Delivery]] = defaultdict(list)
    for row in held:
        tz = zoneinfo.ZoneInfo(row.account.time_zone or "UTC")
        local_now = now.astimezone(tz)
        cutoff = local_now.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
        if local_now >= cutoff and row.created_at < cutoff:
            groups[(row.account_id, row.user_id)].append(row)
    made = 0
    for rows in groups.values():
        first = rows[0]
        tz = zoneinfo.ZoneInfo(first.account.time_zone or "UTC")
        day = now.astimezone(tz).date()
        with transaction.atomic():
            rows = list(
                Delivery.objects.select_for_update()
                .filter(pk__in=[r.pk for r in rows], state=State.HELD)
                .order_by("created_at")
            )
            if not rows:
                continue  # another worker bundled them
            Delivery.objects.filter(pk__in=[r.pk for r in rows]).update(
                state=State.BUNDLED, sent_at=now, updated_at=now
            )
            context = {
                "user": first.user,
                "account": first.account,
                "items": rows,
                "day": day,
                "site_url": settings.SITE_URL,
            }
            Delivery.objects.create(
                account=first.account,
                event_type="digest.daily",
                dedupe_key=f"digest:{first.user_id}:{day.isoformat()}:{first.pk}",
                channel=Delivery.Channel.EMAIL,
                user=first.user,
                to_email=first.to_email,
                subject=f"{len(rows)} ticket update{'s' if len(rows) != 1 else ''} "
                f"for {day:%A %d %B}",
                body_text=render_to_string("notifications/email/digest.txt", context),
                body_html=render_to_string("notifications/email/digest.html", context),
                send_at=now,
            )
            made += 1
    return made
