"""Ticket pages: the inbox, a ticket, the customer's follow-up, notification settings."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from touchpoint.accounts.access import (
    access_unit,
    identity_paths,
    paths_q,
    sees_identity,
    top_units,
)
from touchpoint.notifications.actions import do_set_preference, preference_of
from touchpoint.notifications.models import Preference
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Touchpoint
from touchpoint.surveys.wording import direction
from touchpoint.tickets import actions
from touchpoint.tickets.metrics import loop_metrics
from touchpoint.tickets.models import RootCause, Ticket, TicketRule

VIEWS = {
    "mine": "Assigned to me",
    "open": "All open",
    "overdue": "Overdue",
    "done": "Resolved and closed",
}
PERIODS = {"7": "7 days", "30": "30 days", "90": "90 days", "365": "12 months"}


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Mine / my team's / overdue / done, filtered by unit, touchpoint and state."""
    now = timezone.now()
    scoped = actions.scoped_tickets(request.user)
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else "mine"
    tickets = scoped
    if view == "mine":
        tickets = tickets.filter(assignees=request.user, state__in=Ticket.OPEN_STATES)
    elif view == "open":
        tickets = tickets.filter(state__in=Ticket.OPEN_STATES)
    elif view == "overdue":
        tickets = tickets.filter(actions.overdue_q(now))
    else:
        tickets = tickets.filter(state__in=(Ticket.State.RESOLVED, Ticket.State.CLOSED))
    unit = None
    if request.GET.get("unit", "").isdigit():
        unit = access_unit(request.user, int(request.GET["unit"]))
        tickets = tickets.filter(unit_path__startswith=unit.path)
    touchpoints = Touchpoint.objects.filter(
        account_id__in={u.account_id for u in top_units(request.user)}
    ).order_by("name")
    touchpoint = touchpoints.filter(slug=request.GET.get("touchpoint", "")).first()
    if touchpoint:
        tickets = tickets.filter(touchpoint=touchpoint)
    order = "-opened_at" if view == "done" else "escalate_at"
    tickets = tickets.select_related("unit", "touchpoint", "response", "holder").order_by(
        order, "-pk"
    )
    page = Paginator(tickets, 50).get_page(request.GET.get("page"))
    period = request.GET.get("days") if request.GET.get("days") in PERIODS else "30"
    base = scoped.filter(unit_path__startswith=unit.path) if unit else scoped
    metrics = loop_metrics(
        base.filter(opened_at__gte=now - dt.timedelta(days=int(period))), now=now
    )
    counts = {
        "mine": scoped.filter(assignees=request.user, state__in=Ticket.OPEN_STATES).count(),
        "overdue": scoped.filter(actions.overdue_q(now)).count(),
    }
    return render(
        request,
        "tickets/inbox.html",
        {
            "page": page,
            "view": view,
            "views": VIEWS,
            "counts": counts,
            "unit": unit,
            "units": top_units(request.user),
            "touchpoints": touchpoints,
            "touchpoint": touchpoint,
            "metrics": metrics,
            "period": period,
            "periods": PERIODS,
            "now": now,
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
                messages.success(request, "Note added.")
            elif action == "reply":
                actions.do_reply_to_customer(ticket, actor=user, text=request.POST.get("text", ""))
                messages.success(request, "Reply sent to the customer.")
            elif action == "call":
                actions.do_log_call(ticket, actor=user, text=request.POST.get("text", ""))
                messages.success(request, "Call logged.")
            elif action == "state":
                cause = request.POST.get("root_cause", "")
                actions.do_change_state(
                    ticket,
                    actor=user,
                    state=request.POST.get("state", ""),
                    root_cause_id=int(cause) if cause.isdigit() else None,
                )
                messages.success(request, "Ticket updated.")
            elif action == "assign":
                actions.do_assign(ticket, actor=user, user_ids=request.POST.getlist("assignees"))
                messages.success(request, "Ticket reassigned.")
            elif action == "priority":
                actions.do_set_priority(ticket, actor=user, priority=request.POST.get("priority"))
                messages.success(request, "Priority changed.")
            else:
                messages.error(request, "Unknown action.")
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
                score = int(raw) if raw.isdigit() else None
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
            messages.error(request, "Choose one of the options.")
        else:
            messages.success(request, "Saved.")
        return redirect("ticket-settings")
    return render(
        request,
        "tickets/settings.html",
        {"current": preference_of(request.user), "choices": Preference.Ticket.choices},
    )
