"""Weekly digests: who gets one, when it is due, what it says, and sending it exactly once.

Steps, each safe with any number of workers:
1. `schedule_digests` creates this week's row for each recipient once their local Monday
   08:00 has come (within a day of it; a row is never created late for a past week).
   The unique (user, week) constraint makes this idempotent.
2. `send_due_digests` claims each due row with a conditional UPDATE (one worker wins),
   builds the digest from the rollups, and in one transaction marks it sent and puts the
   email in the outbox (a dedupe key per digest): the outbox engine sends it like every
   other message, exactly once or failed with the reason.
3. A row whose lease expired (its worker died before that transaction) goes back to
   scheduled and is built again: a crash never loses a digest nor sends it twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from touchpoint.accounts.actions import unit_time_zone
from touchpoint.accounts.languages import speaking
from touchpoint.digests.content import (
    DIGEST_ROLES,
    build_digest,
    digest_units,
    render_digest,
)
from touchpoint.digests.models import Digest, DigestOptOut
from touchpoint.notifications.actions import do_queue_email

log = logging.getLogger("touchpoint.digests")

SEND_WEEKDAY = 0  # Monday
SEND_TIME = dt.time(8, 0)
SEND_WINDOW = dt.timedelta(days=1)  # a worker down longer than this skips that week
LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 5
State = Digest.State


def recipients():
    """Active people with an email address, a digest role, and the digest left on."""
    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__role__in=DIGEST_ROLES)
        .exclude(email="")
        .exclude(pk__in=DigestOptOut.objects.values("user_id"))
        .distinct()
    )


def local_week(user, now: dt.datetime) -> tuple[dt.date, dt.datetime] | None:
    """(this week's local Monday, its send time) in the time zone of the person's first
    unit, or None if they hold no digest unit."""
    units = digest_units(user)
    if not units:
        return None
    tz = ZoneInfo(unit_time_zone(units[0]))
    today = now.astimezone(tz).date()
    monday = today - dt.timedelta(days=(today.weekday() - SEND_WEEKDAY) % 7)
    return monday, dt.datetime.combine(monday, SEND_TIME, tzinfo=tz)


def schedule_digests(*, now: dt.datetime | None = None, force: bool = False) -> int:
    """Create this week's digest row for each recipient whose send time has come. With
    `force`, due right now whatever the day (demo and tests). Returns rows created."""
    now = now or timezone.now()
    rows = []
    for user in recipients():
        week = local_week(user, now)
        if week is None:
            continue
        monday, due = week
        if force:
            due = now
        elif not (due <= now < due + SEND_WINDOW):
            continue
        rows.append(Digest(user=user, week=monday, due_at=due))
    before = Digest.objects.count()
    Digest.objects.bulk_create(rows, ignore_conflicts=True)
    return Digest.objects.count() - before


def recover_stale(*, now: dt.datetime | None = None) -> int:
    """Rows left `sending` by a worker that died go back to scheduled (or fail for good)."""
    now = now or timezone.now()
    stale = Digest.objects.filter(state=State.SENDING, lease_expires_at__lt=now)
    failed = stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        state=State.FAILED, detail="worker stopped mid-send too often"
    )
    return failed + stale.update(state=State.SCHEDULED, due_at=now)


def claim(pk: int, *, now: dt.datetime) -> Digest | None:
    taken = Digest.objects.filter(pk=pk, state=State.SCHEDULED, due_at__lte=now).update(
        state=State.SENDING, attempts=F("attempts") + 1, lease_expires_at=now + LEASE
    )
    if not taken:
        return None
    return Digest.objects.select_related("user").get(pk=pk)


def send_due_digests(*, limit: int = 100, now: dt.datetime | None = None) -> int:
    """Claim and send due digests; returns how many were sent."""
    now = now or timezone.now()
    recover_stale(now=now)
    due = list(
        Digest.objects.filter(state=State.SCHEDULED, due_at__lte=now)
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in due:
        digest = claim(pk, now=now)
        if digest is not None:
            sent += deliver(digest, now=now)
    return sent


def deliver(digest: Digest, *, now: dt.datetime) -> bool:
    user = digest.user
    if not user.is_active or not user.email or DigestOptOut.objects.filter(user=user).exists():
        _finish(digest, State.SKIPPED, "turned off or no address")
        return False
    units = digest_units(user)
    if not units:
        _finish(digest, State.SKIPPED, "no unit to report on")
        return False
    with speaking(user, account=units[0].account):  # its words, dates and times are theirs
        content = build_digest(user, digest.week, units, now=now)
        subject = content.subject
        text, html = render_digest(content)
    with transaction.atomic():
        if not Digest.objects.filter(pk=digest.pk, state=State.SENDING).update(
            state=State.SENT, detail="", sent_at=timezone.now(), lease_expires_at=None
        ):
            return False  # its lease ran out and another worker took it over
        do_queue_email(
            account=content.sections[0].unit.account,
            event_type="digest.weekly",
            dedupe_key=f"digest:{digest.pk}",
            to_email=user.email,
            subject=subject,
            body_text=text,
            body_html=html,
        )
    return True


def _finish(digest: Digest, state: str, detail: str) -> None:
    Digest.objects.filter(pk=digest.pk, state=State.SENDING).update(
        state=state,
        detail=detail,
        sent_at=timezone.now() if state == State.SENT else None,
        lease_expires_at=None,
    )


@transaction.atomic
def do_set_digest(*, user, enabled: bool) -> None:
    if enabled:
        DigestOptOut.objects.filter(user=user).delete()
    else:
        DigestOptOut.objects.get_or_create(user=user)
