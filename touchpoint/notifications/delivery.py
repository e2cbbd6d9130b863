"""Notifications through the outbox engine: emails to people and webhooks to endpoints,
composed and recorded here; claims, leases, retries, circuits and sweeps are the engine's.
And the daily digests of held ticket emails.

A webhook whose hand-off was interrupted is simply sent again (receivers drop a repeated
event id); an email whose hand-off was interrupted is marked failed rather than risk a
second copy.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import ngettext

from touchpoint.accounts.languages import speaking
from touchpoint.lib import links
from touchpoint.lib.links import LinkLost
from touchpoint.lib.numbers import format_count
from touchpoint.notifications.models import Delivery, Endpoint
from touchpoint.outbox import engine
from touchpoint.outbox.transports import (
    TransportError,
    Transports,
    WebhookMessage,
    smtp_destination,
    webhook_destination,
)

log = logging.getLogger("touchpoint.notifications")

DIGEST_HOUR = 8  # daily digests go out from 08:00 in the account's time zone
State = Delivery.State


class DeliveryQueue(engine.Queue):
    model = Delivery
    name = "delivery"
    waiting = State.PENDING
    lease = dt.timedelta(minutes=2)
    backoff = (
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=5),
        dt.timedelta(minutes=30),
        dt.timedelta(hours=2),
        dt.timedelta(hours=6),
    )
    resendable = Q(channel=Delivery.Channel.WEBHOOK)
    related = ("endpoint", "account")

    def without(self, rows: QuerySet, down: set[str]) -> QuerySet:
        if smtp_destination() in down:
            rows = rows.exclude(channel=Delivery.Channel.EMAIL)
        hosts = {d for d in down if d.startswith("webhook:")}
        if hosts:
            paused = [
                pk
                for pk, url in Endpoint.objects.values_list("pk", "url")
                if webhook_destination(url) in hosts
            ]
            rows = rows.exclude(endpoint_id__in=paused)
        return rows

    def compose(self, delivery: Delivery, transports: Transports):
        if delivery.channel == Delivery.Channel.EMAIL:
            try:
                return transports.email(), compose(delivery)
            except LinkLost as lost:
                return _give_up(delivery, str(lost))
        endpoint = delivery.endpoint
        if endpoint is None or not endpoint.is_active:
            return _give_up(delivery, "the endpoint was removed or turned off")
        message = WebhookMessage(
            url=endpoint.url,
            payload=delivery.payload,
            message_id=str(delivery.event_id),
            secret=endpoint.secret if endpoint.kind == Endpoint.Kind.JSON else None,
        )
        return transports.webhook(), message

    def sent(self, delivery: Delivery, status, now: dt.datetime) -> dict:
        return {"state": State.SENT, "sent_at": now, "response_status": status, "last_error": ""}

    def retry(self, delivery, error: TransportError, wait, now) -> dict:
        return {
            "response_status": error.status,
            "last_error": f"attempt {delivery.attempts}: {error}; retry in {wait}"[:500],
        }

    def failed(self, delivery, error: TransportError, reason: str, now) -> dict:
        return {
            "state": State.FAILED,
            "response_status": error.status,
            "last_error": f"attempt {delivery.attempts}: {error}"[:500],
        }

    def after_failure(self, delivery: Delivery, error: TransportError) -> None:
        # REST Hooks: a receiver answering 410 Gone has unsubscribed.
        if error.status == 410 and delivery.endpoint_id is not None:
            Endpoint.objects.filter(pk=delivery.endpoint_id).update(is_active=False)
            log.info("endpoint %s answered 410 Gone: unsubscribed", delivery.endpoint_id)

    def interrupted(self, now: dt.datetime) -> dict:
        return {
            "state": State.FAILED,
            "last_error": "the worker stopped while handing the email to the mail server; it "
            "may have been delivered, so it is not sent again",
        }


QUEUE = DeliveryQueue()
LEASE = QUEUE.lease
MAX_ATTEMPTS = QUEUE.max_attempts


def send_due_deliveries(*, limit: int = 200, transports: Transports | None = None) -> int:
    """Send up to `limit` due notifications; returns how many were sent."""
    return engine.send_due(QUEUE, limit=limit, transports=transports)


def _give_up(delivery: Delivery, why: str) -> None:
    Delivery.objects.filter(
        pk=delivery.pk, state=State.SENDING, claimed_by=delivery.claimed_by
    ).update(
        state=State.FAILED,
        last_error=why[:500],
        lease_expires_at=None,
        claimed_by="",
        updated_at=timezone.now(),
    )


def compose(delivery: Delivery) -> EmailMultiAlternatives:
    """The email of a delivery, its secret links filled in (in memory only); LinkLost when
    one cannot be rebuilt."""
    account = delivery.account
    sender = f"{account.sender_name or account.name} <{settings.DEFAULT_FROM_EMAIL}>"
    headers = {"Auto-Submitted": "auto-generated", **delivery.headers}
    reply_to = headers.pop("Reply-To", None)
    secret_links = delivery.payload.get("links", {}) if delivery.payload else {}
    message = EmailMultiAlternatives(
        subject=delivery.subject,
        body=links.fill(delivery.body_text, secret_links),
        from_email=sender,
        to=[delivery.to_email],
        reply_to=[reply_to] if reply_to else None,
        headers=headers,
    )
    if delivery.body_html:
        message.attach_alternative(links.fill(delivery.body_html, secret_links), "text/html")
    return message


def sweep() -> dict[str, int]:
    """Recover deliveries whose worker died mid-send (the engine's sweep)."""
    return engine.sweep(QUEUE)


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
            with speaking(first.user, account=first.account):
                subject = ngettext(
                    "{n} ticket update for {day}", "{n} ticket updates for {day}", len(rows)
                ).format(n=format_count(len(rows)), day=date_format(day, "DATE_FORMAT"))
                body_text = render_to_string("notifications/email/digest.txt", context)
                body_html = render_to_string("notifications/email/digest.html", context)
            Delivery.objects.create(
                account=first.account,
                event_type="digest.daily",
                dedupe_key=f"digest:{first.user_id}:{day.isoformat()}:{first.pk}",
                channel=Delivery.Channel.EMAIL,
                user=first.user,
                to_email=first.to_email,
                subject=subject,
                body_text=body_text,
                body_html=body_html,
                send_at=now,
            )
            made += 1
    return made
