"""A ticket's trail and its notices: each change is an audit event, an email to the people
who hold the ticket (in their preference) and a domain event for webhooks and connectors."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from touchpoint.accounts.models import ApiKey
from touchpoint.events import actions as events
from touchpoint.notifications.actions import do_notify
from touchpoint.tickets.models import Ticket, TicketEvent


def person_of(actor):
    """The person behind an action, or None for the system and for API keys."""
    return None if actor is None or isinstance(actor, ApiKey) else actor


def name_of(actor) -> str:
    if actor is None:
        return "Touchpoint"
    if isinstance(actor, ApiKey):
        return _("API key “{name}”").format(name=actor.name)
    return actor.get_full_name() or actor.get_username()


def record_event(ticket: Ticket, actor, kind: str, text: str = "", data: dict | None = None):
    data = dict(data or {})
    if isinstance(actor, ApiKey):
        data["api_key"] = actor.name
    return TicketEvent.objects.create(
        ticket=ticket,
        actor=person_of(actor),
        kind=kind,
        text=text,
        data=data,
        created_at=timezone.now(),
    )


def others(ticket: Ticket, actor) -> list:
    """Everyone on the ticket but the person acting."""
    user = person_of(actor)
    return [u for u in ticket.assignees.all() if user is None or u.pk != user.pk]


def mail_domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1]


def notify(ticket: Ticket, event_type: str, key: str, *, users=None, **context) -> None:
    """Email `users` (the assignees by default), and publish the domain event (webhooks and
    connectors hear of it through the outbox)."""
    if users is None:
        users = list(ticket.assignees.all())
    url = f"{settings.SITE_URL}/tickets/{ticket.pk}/"
    response = ticket.response
    with translation.override(settings.LANGUAGE_CODE):  # webhooks and connectors: English
        summary = f"{headline(ticket, event_type, context)} — score {response.score}, "
        summary += f"{ticket.touchpoint.name} <{url}>"
    # Worded again for each recipient, in their language (do_notify renders in it).
    title = lazy(headline, str)(ticket, event_type, context)
    who = lazy(name_of, str)(context.get("actor"))
    events.publish(
        [
            events.new(
                event_type,
                account_id=ticket.account_id,
                subject=ticket,
                data=ticket_data(ticket),
                summary=summary,
            )
        ]
    )
    do_notify(
        account=ticket.account,
        event_type=event_type,
        dedupe_key=f"ticket:{ticket.pk}:{key}",
        users=users,
        template="tickets/email/notice",
        context={
            "ticket": ticket,
            "response": response,
            "url": url,
            "headline": title,
            "event_type": event_type,
            "who": who,
            **context,
        },
    )


def headline(ticket: Ticket, event_type: str, context: dict) -> str:
    """What happened, in the active language."""
    who = name_of(context.get("actor"))
    where = ticket.unit.name
    n = ticket.pk
    if event_type == "ticket.opened":
        return _("New ticket #{n} at {where}: {reason}").format(
            n=n, where=where, reason=ticket.reason_label
        )
    if event_type == "ticket.updated":
        return _("Ticket #{n} at {where}: the customer changed their answer").format(
            n=n, where=where
        )
    if event_type == "ticket.note":
        return _("{who} added a note to ticket #{n} ({where})").format(who=who, n=n, where=where)
    if event_type == "ticket.state":
        return _("{who} set ticket #{n} ({where}) to {state}").format(
            who=who, n=n, where=where, state=str(ticket.get_state_display()).lower()
        )
    if event_type == "ticket.assigned":
        return _("{who} assigned ticket #{n} ({where}) to you").format(who=who, n=n, where=where)
    if event_type == "ticket.replied":
        return _("{who} replied to the customer on ticket #{n} ({where})").format(
            who=who, n=n, where=where
        )
    if event_type == "ticket.sla_warning":
        return _("Ticket #{n} at {where} escalates in about {hours} h").format(
            n=n, where=where, hours=context.get("hours")
        )
    if event_type == "ticket.escalated":
        return _("Ticket #{n} at {where} is overdue and escalated to {holder}").format(
            n=n, where=where, holder=ticket.holder.name
        )
    if event_type == "ticket.follow_up_answered":
        return _("Follow-up on ticket #{n} ({where}): {said}").format(
            n=n, where=where, said=context.get("said")
        )
    return _("Ticket #{n} at {where}").format(n=n, where=where)


def follow_up_said(score: int | None, solved: bool | None) -> str:
    """The customer's follow-up answer, in the active language."""
    if score is not None:
        return _("score {score}").format(score=score)
    return _("solved") if solved else _("not solved")


def ticket_data(ticket: Ticket) -> dict:
    """The JSON shape of a ticket, shared by webhooks and the API."""
    response = ticket.response
    return {
        "id": ticket.pk,
        "state": ticket.state,
        "priority": ticket.priority,
        "reason": ticket.reason,
        "unit": {"id": ticket.unit_id, "code": ticket.unit.code, "name": ticket.unit.name},
        "holder": {"id": ticket.holder_id, "code": ticket.holder.code},
        "escalation_level": ticket.escalation_level,
        "touchpoint": ticket.touchpoint.slug,
        "response": {
            "id": response.pk,
            "score": response.score,
            "comment": response.comment,
            "channel": response.channel,
            "answered_at": response.answered_at.isoformat(),
        },
        "assignees": [u.email or u.username for u in ticket.assignees.all()],
        "opened_at": ticket.opened_at.isoformat(),
        "first_response_due_at": ticket.first_response_due_at.isoformat(),
        "resolution_due_at": ticket.resolution_due_at.isoformat(),
        "first_responded_at": _iso(ticket.first_responded_at),
        "resolved_at": _iso(ticket.resolved_at),
        "root_cause": ticket.root_cause.code if ticket.root_cause_id else None,
        "url": f"{settings.SITE_URL}/tickets/{ticket.pk}/",
    }


def _iso(value) -> str | None:
    return value.isoformat() if value else None
