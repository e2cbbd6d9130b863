"""Weekly digests: who gets one, when it is due, what it says, and sending it exactly once.

Steps, each safe with any number of workers:
1. `schedule_digests` creates this week's row for each recipient once their local Monday
   08:00 has come (within a day of it; a row is never created late for a past week).
   The unique (user, week) constraint makes this idempotent.
2. `send_due_digests` claims each due row with a conditional UPDATE (one worker wins),
   builds the digest from the rollups at send time, sends it, and marks it sent.
3. A row whose lease expired (its worker died) goes back to scheduled and is sent again:
   a crash never loses a digest (it may, rarely, send one twice if the worker died between
   the SMTP server's acceptance and the update that follows).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from touchpoint.accounts.actions import unit_time_zone
from touchpoint.accounts.models import Membership, Unit
from touchpoint.analysis.dashboard import digest_themes
from touchpoint.digests.models import Digest, DigestOptOut
from touchpoint.lib import nps
from touchpoint.reports import queries
from touchpoint.responses.models import Response

log = logging.getLogger("touchpoint.digests")

SEND_WEEKDAY = 0  # Monday
SEND_TIME = dt.time(8, 0)
SEND_WINDOW = dt.timedelta(days=1)  # a worker down longer than this skips that week
LEASE = dt.timedelta(minutes=5)
RETRY = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 5
RANKING_DAYS = 28
DIGEST_ROLES = (Membership.Role.ADMIN, Membership.Role.MANAGER, Membership.Role.VIEWER)
State = Digest.State


def digest_units(user) -> list[Unit]:
    """The units whose digest this person gets: those they hold as admin, manager or viewer,
    without units inside another one of them. Frontline memberships get no digest."""
    held = sorted(
        (
            m.unit
            for m in Membership.objects.filter(user=user, role__in=DIGEST_ROLES).select_related(
                "unit__account"
            )
        ),
        key=lambda unit: unit.path,
    )
    top: list[Unit] = []
    for unit in held:
        if not any(unit.path.startswith(kept.path) for kept in top):
            top.append(unit)
    return top


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
    content = build_digest(user, digest.week)
    if not content.sections:
        _finish(digest, State.SKIPPED, "no unit to report on")
        return False
    try:
        notify_digest(user, content)
    except OSError as error:  # smtplib's errors are OSErrors
        if digest.attempts >= MAX_ATTEMPTS:
            _finish(digest, State.FAILED, f"{type(error).__name__}: {error}"[:500])
        else:
            Digest.objects.filter(pk=digest.pk, state=State.SENDING).update(
                state=State.SCHEDULED, due_at=now + RETRY, detail=str(error)[:500]
            )
        log.warning("digest %s not sent: %s", digest.pk, type(error).__name__)
        return False
    _finish(digest, State.SENT, "")
    return True


def _finish(digest: Digest, state: str, detail: str) -> None:
    Digest.objects.filter(pk=digest.pk, state=State.SENDING).update(
        state=state,
        detail=detail,
        sent_at=timezone.now() if state == State.SENT else None,
        lease_expires_at=None,
    )


# --- what a digest says ------------------------------------------------------------------------


@dataclass
class Section:
    unit: Unit
    week: nps.Estimate
    previous: nps.Estimate
    change: nps.Comparison | None
    boards: list[dict]  # per kind of unit below: {"kind", "best", "worst"}
    comments: list[Response]
    open_tickets: dict | None
    url: str
    themes: list = field(default_factory=list)  # what customers talk about (4 weeks)

    @property
    def delta(self) -> float | None:
        """Points gained or lost against the week before (raw headline NPS)."""
        if self.week.nps is None or self.previous.nps is None:
            return None
        return self.week.nps - self.previous.nps

    @property
    def few_marked(self) -> bool:
        return any(
            row["estimate"].few_answers for b in self.boards for row in b["best"] + b["worst"]
        )

    @property
    def min_n(self) -> int:
        return nps.MIN_N

    @property
    def split(self) -> list[tuple[str, int, str]]:
        """(label, percent, colour) of promoters, passives, detractors, for the bar."""
        n = self.week.n or 1
        parts = [
            ("Promoters", self.week.promoters, "#15803d"),
            ("Passives", self.week.passives, "#a16207"),
            ("Detractors", self.week.detractors, "#b91c1c"),
        ]
        return [(label, round(100 * count / n), colour) for label, count, colour in parts]


@dataclass
class DigestContent:
    user: object
    start: dt.date  # the week reported on: Monday ...
    end: dt.date  # ... to Sunday
    sections: list[Section] = field(default_factory=list)

    @property
    def subject(self) -> str:
        if not self.sections:
            return "Your week on Touchpoint"
        s = self.sections[0]
        figure = "no answers" if s.week.nps is None else f"NPS {s.week.nps:.0f}"
        more = f" and {len(self.sections) - 1} more" if len(self.sections) > 1 else ""
        dates = f"{self.start.day} {self.start:%b} to {self.end.day} {self.end:%b}"
        return f"Your week at {s.unit.name}{more}: {figure} ({dates})"


def open_tickets(user, unit: Unit, *, now: dt.datetime | None = None) -> dict | None:
    """TICKET HOOK: open tickets of answers given at or below `unit`: {"count", "overdue",
    "url"}. None (the slot is not shown) when the tickets app is not installed."""
    if not apps.is_installed("touchpoint.tickets"):
        return None
    from django.db.models import Count, Q

    from touchpoint.tickets.models import Ticket

    now = now or timezone.now()
    row = Ticket.objects.filter(
        account_id=unit.account_id,
        unit_path__startswith=unit.path,
        state__in=Ticket.OPEN_STATES,
    ).aggregate(
        count=Count("pk"),
        overdue=Count(
            "pk",
            filter=Q(resolution_due_at__lte=now)
            | Q(first_responded_at__isnull=True, first_response_due_at__lte=now),
        ),
    )
    return {**row, "url": settings.SITE_URL + reverse("tickets")}


def _best_and_worst(kind: str, board: list[dict]) -> dict:
    """Up to three best and three worst (worst first); a lone unit is just "best"."""
    if len(board) < 2:
        return {"kind": kind, "best": board, "worst": []}
    top = min(3, len(board) // 2)
    return {"kind": kind, "best": board[:top], "worst": list(reversed(board[-top:]))}


def build_digest(user, monday: dt.date) -> DigestContent:
    """The week before `monday` (Monday to Sunday, local days of the account) for each digest
    unit: NPS, change against the week before with its significance, best and worst units
    below (shrunk ranking over four weeks), latest comments, open tickets."""
    start, end = monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)
    content = DigestContent(user=user, start=start, end=end)
    for unit in digest_units(user):
        week = queries.ReportRequest(unit=unit, start=start, end=end)
        week_before = replace(week, start=start - dt.timedelta(7), end=start - dt.timedelta(1))
        this, before = queries.counts(week), queries.counts(week_before)
        change = nps.compare(this, before) if this.n and before.n else None
        ranking = queries.ReportRequest(
            unit=unit, start=end - dt.timedelta(days=RANKING_DAYS - 1), end=end
        )
        boards = [
            _best_and_worst(
                kind,
                [{"unit": r.unit, "shrunk": r.shrunk, "estimate": r.figure.estimate} for r in rows],
            )
            for kind, rows in queries.leaderboard(ranking)
        ]
        comments = queries.latest_comments(week, count=4)
        content.sections.append(
            Section(
                unit=unit,
                week=nps.estimate(this),
                previous=nps.estimate(before),
                change=change,
                boards=boards,
                comments=comments,
                open_tickets=open_tickets(user, unit),
                url=settings.SITE_URL + reverse("unit", args=[unit.pk]),
                themes=digest_themes(unit, end),
            )
        )
    return content


def render_digest(content: DigestContent) -> tuple[str, str]:
    context = {
        "d": content,
        "site_url": settings.SITE_URL,
        "settings_url": settings.SITE_URL + reverse("digest-settings"),
        "responses_url": settings.SITE_URL + reverse("responses"),
    }
    return (
        render_to_string("digests/email.txt", context),
        render_to_string("digests/email.html", context),
    )


def notify_digest(user, content: DigestContent) -> None:
    text, html = render_digest(content)
    message = EmailMultiAlternatives(subject=content.subject, body=text, to=[user.email])
    message.attach_alternative(html, "text/html")
    message.send()


@transaction.atomic
def do_set_digest(*, user, enabled: bool) -> None:
    if enabled:
        DigestOptOut.objects.filter(user=user).delete()
    else:
        DigestOptOut.objects.get_or_create(user=user)
