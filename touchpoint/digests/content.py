"""What a weekly digest says, by the rules of NPS_STATISTICS.md for small units:

- a unit with at least 30 answers last week is reported on last week, against the week
  before; a smaller one on a named rolling window (the last 90 days, against the 90 days
  before), so two answers never make a headline;
- a figure under 10 answers is shown as its interval, the raw NPS in small print;
- a change is news ("up", "down") only when the two-group test says so, else "no real change";
- units below are named above or below their peers only when their ranked NPS is credibly
  apart from the pool of their kind (the posterior's 95 % interval excludes the pool's NPS),
  so two units with the same ranked NPS are never one "best" and one "needs attention";
- open and overdue tickets are the inbox's own counts (`tickets.metrics.ticket_counts`);
- dates are local days of the account, and times are shown in its time zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from touchpoint.accounts.languages import speaking
from touchpoint.accounts.models import Account, Membership, Unit
from touchpoint.analysis.dashboard import digest_themes
from touchpoint.lib import nps, periods
from touchpoint.lib.numbers import format_count, format_signed
from touchpoint.reports import counting, figures
from touchpoint.reports.params import ReportRequest
from touchpoint.responses.models import Response
from touchpoint.tickets.metrics import TicketCounts, ticket_counts
from touchpoint.tickets.models import Ticket

RANKING_DAYS = 28
DIGEST_ROLES = (Membership.Role.ADMIN, Membership.Role.MANAGER, Membership.Role.VIEWER)


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


@dataclass
class Section:
    unit: Unit
    window: str  # "last week" or "the last 90 days", in the recipient's language
    start: dt.date
    end: dt.date
    rolling: bool
    figure: nps.Estimate
    previous_window: str
    previous: nps.Estimate
    change: nps.Change
    week_answers: int  # answers last week, whatever the window
    boards: list[dict]  # per kind of unit below: {"kind", "above", "below", "ranked"}
    comments: list[Response]
    open_tickets: TicketCounts
    tickets_url: str
    url: str
    themes: list = field(default_factory=list)  # what customers talk about (4 weeks)

    @property
    def headline(self) -> nps.Headline:
        return nps.headline(self.figure)

    @property
    def previous_headline(self) -> nps.Headline:
        return nps.headline(self.previous)

    @property
    def min_n(self) -> int:
        return nps.MIN_N

    @property
    def split(self) -> list[tuple[str, int, str]]:
        """(label, percent, colour) of promoters, passives, detractors, for the bar."""
        n = self.figure.n or 1
        parts = [
            (_("Promoters"), self.figure.promoters, "#15803d"),
            (_("Passives"), self.figure.passives, "#a16207"),
            (_("Detractors"), self.figure.detractors, "#b91c1c"),
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
        """In the active language (composed inside `speaking(recipient)`)."""
        if not self.sections:
            return _("Your week on Touchpoint")
        s = self.sections[0]
        h = s.headline
        if not h.n:
            figure = _("no answers")
        elif h.tiny:
            figure = ngettext(
                "NPS between {low} and {high}, {n} answer",
                "NPS between {low} and {high}, {n} answers",
                h.n,
            ).format(low=format_signed(h.low), high=format_signed(h.high), n=format_count(h.n))
        else:
            figure = _("NPS {nps}").format(nps=format_signed(h.nps))
        if s.rolling:
            figure = _("{figure} over {window}").format(figure=figure, window=s.window)
        dates = _("{start} to {end}").format(
            start=date_format(self.start, "DATE_FORMAT"),
            end=date_format(self.end, "DATE_FORMAT"),
        )
        if len(self.sections) > 1:
            return ngettext(
                "Your week at {unit} and {more} more: {figure} ({dates})",
                "Your week at {unit} and {more} more: {figure} ({dates})",
                len(self.sections) - 1,
            ).format(unit=s.unit.name, more=len(self.sections) - 1, figure=figure, dates=dates)
        return _("Your week at {unit}: {figure} ({dates})").format(
            unit=s.unit.name, figure=figure, dates=dates
        )

    @property
    def account(self) -> Account | None:
        return self.sections[0].unit.account if self.sections else None


def _request(unit: Unit, start: dt.date, end: dt.date) -> ReportRequest:
    return ReportRequest(unit=unit, start=start, end=end)


def boards(unit: Unit, end: dt.date) -> list[dict]:
    """The units below, per kind, over the last four weeks: which stand credibly above or
    below their peers (ranked NPS with its 95 % posterior interval against the pool)."""
    ranking = _request(unit, end - dt.timedelta(days=RANKING_DAYS - 1), end)
    out = []
    for kind, rows in figures.leaderboard(ranking):
        pool = sum((r.figure.counts for r in rows), nps.Counts())
        centre = pool.nps or 0.0
        above, below = [], []
        for r in rows:
            item = {"unit": r.unit, "shrunk": r.shrunk, "estimate": r.figure.estimate}
            if r.shrunk.mean - nps.Z95 * r.shrunk.sd > centre:
                above.append(item)
            elif r.shrunk.mean + nps.Z95 * r.shrunk.sd < centre:
                below.append(item)
        out.append(
            {
                "kind": kind,
                "above": above[:3],
                "below": list(reversed(below))[:3],
                "ranked": len(rows),
                "pool": centre,
            }
        )
    return out


def section(user, unit: Unit, start: dt.date, end: dt.date, *, now: dt.datetime) -> Section:
    week = _request(unit, start, end)
    this = counting.counts(week)
    rolling = this.n < nps.MIN_N
    if rolling:
        first, last = periods.rolling_range(end)
        window = _request(unit, first, last)
        name, before_name = (
            _("the last {days} days").format(days=periods.ROLLING_DAYS),
            _("the {days} days before").format(days=periods.ROLLING_DAYS),
        )
    else:
        window, name, before_name = week, _("last week"), _("the week before")
    before_start, before_end = periods.previous_range(window.start, window.end)
    now_counts = this if not rolling else counting.counts(window)
    before = counting.counts(replace(window, start=before_start, end=before_end))
    tickets = Ticket.objects.filter(account_id=unit.account_id, unit_path__startswith=unit.path)
    query = urlencode({"from": window.start.isoformat(), "to": window.end.isoformat()})
    return Section(
        unit=unit,
        window=name,
        start=window.start,
        end=window.end,
        rolling=rolling,
        figure=nps.estimate(now_counts),
        previous_window=before_name,
        previous=nps.estimate(before),
        change=nps.change(now_counts, before),
        week_answers=this.n,
        boards=boards(unit, end),
        comments=figures.latest_comments(week, count=4),
        open_tickets=ticket_counts(tickets, now=now),
        tickets_url=settings.SITE_URL + reverse("tickets") + f"?view=open&unit={unit.pk}",
        url=settings.SITE_URL + reverse("unit", args=[unit.pk]) + f"?{query}",
        themes=digest_themes(unit, end),
    )


def build_digest(
    user, monday: dt.date, units: list[Unit] | None = None, *, now=None
) -> DigestContent:
    """The week before `monday` (Monday to Sunday, local days of the account) for each of
    `units` (default: the person's digest units)."""
    now = now or timezone.now()
    units = digest_units(user) if units is None else units
    start, end = monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)
    content = DigestContent(user=user, start=start, end=end)
    content.sections = [section(user, unit, start, end, now=now) for unit in units]
    return content


def render_digest(content: DigestContent) -> tuple[str, str]:
    """(text, html), times in the account's zone and dates in its language's format."""
    context = {
        "d": content,
        "site_url": settings.SITE_URL,
        "settings_url": settings.SITE_URL + reverse("digest-settings"),
        "responses_url": settings.SITE_URL + reverse("responses"),
    }
    with speaking(content.user, account=content.account):
        return (
            render_to_string("digests/email.txt", context),
            render_to_string("digests/email.html", context),
        )
