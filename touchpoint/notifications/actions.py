"""Writing notifications: one call per event, inside the transaction of the change itself.

`do_notify` renders each recipient's email now (what they read is what was true when it
happened), skips people who turned ticket mail off and holds it for those who take a daily
digest. A `dedupe_key` makes the whole call idempotent: calling it twice notifies once.
Webhooks are not written here: every domain event reaches the endpoints that want it through
the events outbox (`notifications.subscribers`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from touchpoint.accounts.languages import speaking
from touchpoint.accounts.models import Account
from touchpoint.notifications.models import Delivery, Preference


def preference_of(user) -> str:
    loaded = getattr(type(user), "notification_preference", None)
    if loaded is not None and loaded.is_cached(user):  # loaded with the user
        row = getattr(user, "notification_preference", None)
    else:
        row = Preference.objects.filter(user=user).only("ticket_email").first()
    return row.ticket_email if row else Preference.Ticket.IMMEDIATE


def do_set_preference(user, ticket_email: str) -> None:
    if ticket_email not in Preference.Ticket.values:
        raise ValueError(f"unknown preference {ticket_email!r}")
    Preference.objects.update_or_create(user=user, defaults={"ticket_email": ticket_email})


def do_notify(
    *,
    account: Account,
    event_type: str,
    dedupe_key: str,
    users: Iterable = (),
    template: str = "",
    context: dict | None = None,
) -> list[Delivery]:
    """Queue an event's email for `users` (template `<template>.txt/.html/_subject.txt`),
    each rendered in its recipient's language with the account's time zone."""
    now = timezone.now()
    event_id = uuid.uuid4()
    rows: list[Delivery] = []
    for user in users:
        preference = preference_of(user)
        if not user.email or preference == Preference.Ticket.OFF:
            continue
        ctx = {"user": user, "account": account, "site_url": settings.SITE_URL, **(context or {})}
        with speaking(user, account=account):  # in their language, the account's time
            subject = " ".join(render_to_string(f"{template}_subject.txt", ctx).split())
            body_text = render_to_string(f"{template}.txt", ctx)
            body_html = render_to_string(f"{template}.html", ctx)
        rows.append(
            Delivery(
                account=account,
                event_type=event_type,
                event_id=event_id,
                dedupe_key=f"{dedupe_key}:user:{user.pk}",
                channel=Delivery.Channel.EMAIL,
                user=user,
                to_email=user.email,
                subject=subject[:300],
                body_text=body_text,
                body_html=body_html,
                state=(
                    Delivery.State.HELD
                    if preference == Preference.Ticket.DIGEST
                    else Delivery.State.PENDING
                ),
                send_at=now,
            )
        )
    # A repeat of the same event (same dedupe key) is silently skipped, never sent twice.
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    return rows


def do_queue_email(
    *,
    account: Account,
    event_type: str,
    dedupe_key: str,
    to_email: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    headers: dict | None = None,
    links: dict[str, dict[str, str]] | None = None,
) -> None:
    """Queue one email to someone who is not a user (a customer), sent by the worker.

    A secret link (touchpoint/lib/links.py) is written in the bodies as its placeholder,
    with its nonce and hash in `links`: the token is rebuilt only when the email is composed
    for the mail server, so the queued row does not open it."""
    Delivery.objects.bulk_create(
        [
            Delivery(
                account=account,
                event_type=event_type,
                dedupe_key=dedupe_key,
                channel=Delivery.Channel.EMAIL,
                to_email=to_email,
                subject=subject[:300],
                body_text=body_text,
                body_html=body_html,
                headers=headers or {},
                payload={"links": links} if links else {},
                send_at=timezone.now(),
            )
        ],
        ignore_conflicts=True,
    )
