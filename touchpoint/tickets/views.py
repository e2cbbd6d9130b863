"""Ticket pages: the inbox, a ticket, the customer's follow-up, notification settings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from touchpoint.accounts.access import (
    access_unit,
    identity_paths,
    paths_q,
    sees_identity,
    top_units,
)
from touchpoint.accounts.models import Unit
from touchpoint.lib import periods
from touchpoint.notifications.actions import do_set_preference, preference_of
from touchpoint.notifications.models import Preference
from touchpoint.reports import labels
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Touchpoint
from touchpoint.surveys.questions import labelled_answers
from touchpoint.surveys.wording import direction
from touchpoint.tickets import actions, metrics
from touchpoint.tickets.metrics import loop_metrics
from touchpoint.tickets.models import RootCause, Ticket, TicketRule

VIEWS = {
    "mine": gettext_lazy("Assigned to me"),
    "open": gettext_lazy("All open"),
    "overdue": gettext_lazy("Overdue"),
    "done": gettext_lazy("Resolved and closed"),
}


@dataclass(frozen=True)
class Period:
    preset: str
    label: str
    since: dt.datetime
    until: dt.datetime


def _period(request: HttpRequest, account, now: dt.datetime) -> Period:
    """One of the report presets (default: the last 3 months), in local days of the account."""
    preset = request.GET.get("period")
    if preset not in periods.PRESETS:
        preset = periods.DEFAULT_PRESET
    zone = ZoneInfo(account.time_zone if account else "UTC")
    start, end = periods.preset_range(preset, now.astimezone(zone).date())
    return Period(
        preset,
        labels.label(start, end, preset),
        dt.datetime.combine(start, dt.time(), zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone),
    )


def _filtered(request: HttpRequest):
    """The person's tickets narrowed by the unit and touchpoint filters: what the tiles, the
    tabs and their counts all read, so they agree."""
    tickets = actions.scoped_tickets(request.user)
    unit = None
    if request.GET.get("unit", "").isascii() and request.GET.get("unit", "").isdigit():
        unit = access_unit(request.user, int(request.GET["unit"]))
        tickets = tickets.filter(unit_path__startswith=unit.path)
    tops = top_units(request.user)
    touchpoints = Touchpoint.objects.filter(account_id__in={u.account_id for u in tops}).order_by(
        "name"
    )
    touchpoint = touchpoints.filter(slug=request.GET.get("touchpoint", "")).first()
    if touchpoint:
        tickets = tickets.filter(touchpoint=touchpoint)
    account = unit.account if unit else (tops[0].account if tops else None)
    return tickets, unit, touchpoint, touchpoints, tops, account


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Mine / all open / overdue / done, filtered by unit and touchpoint, most urgent first.
    Open and overdue counts are the same figures as the tabs, the digest and the API
    (`metrics.ticket_counts`)."""
    now = timezone.now()
    base, unit, touchpoint, touchpoints, tops, account = _filtered(request)
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else "mine"
    mine = base.filter(metrics.open_q(), assignees=request.user)
    if view == "mine":
        tickets = mine
    elif view == "open":
        tickets = base.filter(metrics.open_q())
    elif view == "overdue":
        tickets = base.filter(metrics.overdue_q(now))
    else:
        tickets = base.filter(state__in=(Ticket.State.RESOLVED, Ticket.State.CLOSED))
    tickets = tickets.select_related("unit", "touchpoint", "response", "holder")
    if view == "done":
        tickets = tickets.order_by("-resolved_at", "-pk")
    else:
        tickets = metrics.by_next_due(tickets)
    page = Paginator(tickets, 50).get_page(request.GET.get("page"))
    period = _period(request, account, now)
    loop = loop_metrics(
        base.filter(opened_at__gte=period.since, opened_at__lt=period.until), now=now
    )
    counts = metrics.ticket_counts(base, now=now)
    return render(
        request,
        "tickets/inbox.html",
        {
            "page": page,
            "view": view,
            "views": VIEWS,
            "counts": counts,
            "mine_count": mine.count(),
            "unit": unit,
            "units": tops,
            "touchpoints": touchpoints,
            "touchpoint": touchpoint,
            "metrics": loop,
            "period": period,
            "periods": dict(labels.presets()),
            "now": now,
        },
    )


@login_required
def root_causes(request: HttpRequest) -> HttpResponse:
    """Resolved tickets by root cause, for a unit (default: all of one's own) and a period,
    with the recovery rate per cause; and the same per unit below."""
    now = timezone.now()
    base, unit, touchpoint, touchpoints, tops, account = _filtered(request)
    period = _period(request, account, now)
    resolved = base.filter(resolved_at__gte=period.since, resolved_at__lt=period.until)
    children = []
    for child in Unit.objects.filter(parent=unit).order_by("name") if unit else tops:
        rows = metrics.root_causes(resolved.filter(unit_path__startswith=child.path))
        if rows:
            children.append((child, rows))
    return render(
        request,
        "tickets/root_causes.html",
        {
            "rows": metrics.root_causes(resolved),
            "children": children,
            "unit": unit,
            "units": tops,
            "touchpoints": touchpoints,
            "touchpoint": touchpoint,
            "period": period,
            "periods": dict(labels.presets()),
        },
    )


ACTIONS = {"note", "state", "assign", "reply", "call", "priority"}


@login_required
@require_http_methods(["GET", "POST"])
def ticket_page(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = actions.access_ticket(request.user, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        user = request.user
        try:
            if action == "note":
                actions.do_add_note(ticket, actor=user, text=request.POST.get("text", ""))
                messages.success(request, _("Note added."))
            elif action == "reply":
                actions.do_reply_to_customer(ticket, actor=user, text=request.POST.get("text", ""))
                messages.success(request, _("Reply sent to the customer."))
            elif action == "call":
                actions.do_log_call(ticket, actor=user, text=request.POST.get("text", ""))
                messages.success(request, _("Call logged."))
            elif action == "state":
                cause = request.POST.get("root_cause", "")
                actions.do_change_state(
                    ticket,
                    actor=user,
                    state=request.POST.get("state", ""),
                    root_cause_id=int(cause) if (cause.isascii() and cause.isdigit()) else None,
                )
                messages.success(request, _("Ticket updated."))
            elif action == "assign":
                actions.do_assign(ticket, actor=user, user_ids=request.POST.getlist("assignees"))
                messages.success(request, _("Ticket reassigned."))
            elif action == "priority":
                actions.do_set_priority(ticket, actor=user, priority=request.POST.get("priority"))
                messages.success(request, _("Priority changed."))
            else:
                messages.error(request, _("Unknown action."))
        except actions.TicketError as error:
            messages.error(request, str(error))
        return redirect("ticket", pk=ticket.pk)
    response = ticket.response
    history = (
        Response.objects.filter(contact_id=ticket.contact_id, account_id=ticket.account_id)
        .filter(paths_q(top_units(request.user), field="unit_path"))
        .exclude(pk=response.pk)
        .select_related("touchpoint", "unit")
        .order_by("-answered_at")[:10]
        if ticket.contact_id
        else []
    )
    can_act = actions.can_act(request.user, ticket)
    return render(
        request,
        "tickets/ticket.html",
        {
            "ticket": ticket,
            "response": response,
            "interaction": response.interaction,
            "follow_ups": labelled_answers(ticket.touchpoint.questions, response.answers or {}),
            "history": history,
            "show_contact": sees_identity(identity_paths(request.user), ticket.unit_path),
            "events": ticket.events.select_related("actor"),
            "assignees": list(ticket.assignees.all()),
            "can_act": can_act,
            "candidates": actions.assignable_users(ticket, request.user) if can_act else [],
            "next_states": [
                (
                    s,
                    "Reopen"
                    if not ticket.is_open and s == "in_progress"
                    else Ticket.State(s).label,
                )
                for s in actions.TRANSITIONS.get(ticket.state, ())
            ],
            "root_causes": RootCause.objects.filter(account=ticket.account, is_active=True),
            "priorities": Ticket._meta.get_field("priority").choices,
            "rule": actions.rule_for(ticket.touchpoint),
            "now": timezone.now(),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def follow_up(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's one-question follow-up after their ticket was resolved.

    A GET only pre-selects the answer clicked in the email (mail scanners follow links);
    the answer is stored on POST."""
    ticket = actions.access_follow_up(token)
    lang, texts = actions.customer_texts(ticket)
    page = {"ticket": ticket, "lang": lang, "dir": direction(lang), "texts": texts}
    solved_kind = ticket.follow_up_kind == TicketRule.FollowUp.SOLVED
    error = ""
    if request.method == "POST":
        raw = request.POST.get("answer", "")
        try:
            if solved_kind:
                actions.do_record_follow_up(ticket, solved={"yes": True, "no": False}.get(raw))
            else:
                score = int(raw) if (raw.isascii() and raw.isdigit()) else None
                actions.do_record_follow_up(ticket, score=score)
        except actions.TicketError:
            error = texts["choose_yes_no"] if solved_kind else texts["choose"]
        else:
            return render(request, "tickets/follow_up_thanks.html", page)
    selected = request.GET.get("solved" if solved_kind else "score", "")
    if ticket.follow_up_answered_at and not selected:
        if solved_kind:
            selected = "yes" if ticket.follow_up_solved else "no"
        else:
            selected = str(ticket.follow_up_score)
    return render(
        request,
        "tickets/follow_up.html",
        {
            **page,
            "solved_kind": solved_kind,
            "selected": selected,
            "scores": [str(n) for n in range(11)],
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            do_set_preference(request.user, request.POST.get("ticket_email", ""))
        except ValueError:
            messages.error(request, _("Choose one of the options."))
        else:
            messages.success(request, _("Saved."))
        return redirect("ticket-settings")
    return render(
        request,
        "tickets/settings.html",
        {"current": preference_of(request.user), "choices": Preference.Ticket.choices},
    )
