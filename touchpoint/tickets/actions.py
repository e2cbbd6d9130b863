"""The closed loop: opening tickets from answers, assigning, working, escalating, following up.

Every change is a `do_*` function that runs in one transaction with its audit event and its
notifications (written as outbox rows, sent by the worker), so a rollback leaves no trace and
a crash loses no notice. `sweep_tickets` is safe with any number of workers: each warning and
each escalation step is claimed by one conditional UPDATE and notified once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from touchpoint.accounts.access import paths_q, top_units
from touchpoint.accounts.models import ApiKey, Membership, Unit
from touchpoint.lib import links, nps
from touchpoint.lib.compiled import CompiledQuery
from touchpoint.notifications.actions import do_queue_email
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Touchpoint
from touchpoint.surveys.wording import direction, language_for, wording_for
from touchpoint.tickets.models import Priority, RootCause, Ticket, TicketEvent, TicketRule
from touchpoint.tickets.notices import (
    follow_up_said,
    mail_domain,
    notify,
    others,
    person_of,
    record_event,
)

User = get_user_model()
State, Kind = Ticket.State, TicketEvent.Kind
RESPONSIBLE_ROLES = (Membership.Role.MANAGER, Membership.Role.ADMIN)
WARN_FRACTION = 0.25  # warn when a quarter of the window is left
FOLLOW_UP = "follow_up"  # the purpose of follow-up links (touchpoint/lib/links.py)

# Which states a ticket may move to from each state. Resolved and closed tickets reopen
# to "in progress".
TRANSITIONS: dict[str, tuple[str, ...]] = {
    State.NEW: (State.IN_PROGRESS, State.WAITING, State.RESOLVED),
    State.IN_PROGRESS: (State.WAITING, State.RESOLVED),
    State.WAITING: (State.IN_PROGRESS, State.RESOLVED),
    State.RESOLVED: (State.CLOSED, State.IN_PROGRESS),
    State.CLOSED: (State.IN_PROGRESS,),
}


class TicketError(ValueError):
    """A change that is not allowed; the message is shown to the person who tried it."""


# --- Rules ----------------------------------------------------------------------------------


def rule_for(touchpoint) -> TicketRule:
    """The touchpoint's ticket rule, or the default one (not saved) when it has none. Read
    from the touchpoint when it came loaded with it (the answer's door loads it with the
    invitation it locks: `tickets.apps`), else with a query."""
    if Touchpoint.ticket_rule.is_cached(touchpoint):
        rule = getattr(touchpoint, "ticket_rule", None)
    else:
        rule = TicketRule.objects.filter(touchpoint=touchpoint).first()
    return rule or TicketRule(touchpoint=touchpoint)


def ticket_reason(rule: TicketRule, score: int, comment: str) -> str | None:
    """Why this answer needs a ticket under the rule, or None if it does not."""
    if rule.open_on == TicketRule.OpenOn.NEVER:
        return None
    category = nps.classify(score)
    if rule.open_on == TicketRule.OpenOn.DETRACTORS and category == "detractor":
        return f"detractor (score {score})"
    if rule.open_on == TicketRule.OpenOn.NOT_PROMOTERS and category != "promoter":
        return f"{category} (score {score})"
    text = comment.lower()
    for keyword in rule.keyword_list:
        if keyword in text:
            return f'comment mentions "{keyword}"'
    return None


# --- Who is responsible ---------------------------------------------------------------------


def responsible_users(unit_ids: Iterable[int]) -> dict[int, list]:
    """Users holding a manager (or account admin) role on each of these units."""
    ids = list(unit_ids)
    out: dict[int, list] = {}
    if not ids:
        return out
    for membership in _memberships(len(ids)).all(ids):
        if membership.user.is_active:
            out.setdefault(membership.unit_id, []).append(membership.user)
    return out


@cache
def _memberships(units: int) -> CompiledQuery[Membership]:
    """The responsible memberships of `units` units, with what their notices read (the
    user's language and how they want to hear of tickets): SQL compiled once per number of
    units (a unit and its ancestors: a handful), which the ORM did on every detractor."""
    return CompiledQuery(
        lambda ids: (
            Membership.objects.filter(unit_id__in=ids, role__in=RESPONSIBLE_ROLES)
            .select_related("user__profile", "user__notification_preference")
            .order_by("user__username")
        ),
        stand_in=tuple(range(-1, -units - 1, -1)),
        each=True,
    )


def holder_for(unit: Unit, *, above: Unit | None = None) -> tuple[Unit, list] | None:
    """The nearest unit at or above `unit` (strictly above `above`, if given) whose managers
    can take a ticket, with those managers. None if there is no such unit."""
    ids = unit.ancestor_ids
    if above is not None:
        ids = [i for i in ids if i in above.ancestor_ids and i != above.pk]
    users_by_unit = responsible_users(ids)
    loaded = unit.loaded_ancestors()
    for unit_id in reversed(ids):
        if users_by_unit.get(unit_id):
            holder = loaded.get(unit_id) or Unit.objects.get(pk=unit_id)
            return holder, users_by_unit[unit_id]
    return None


# --- Scope ----------------------------------------------------------------------------------


def scoped_tickets(user) -> QuerySet[Ticket]:
    """Tickets about units in the user's part of the tree; nothing else exists for them."""
    return Ticket.objects.filter(paths_q(top_units(user), field="unit_path"))


def scoped_tickets_for_key(key: ApiKey) -> QuerySet[Ticket]:
    """An API key sees its account's tickets, or its unit's subtree if it is scoped to one."""
    tickets = Ticket.objects.filter(account_id=key.account_id)
    unit = getattr(key, "unit", None)
    return tickets.filter(unit_path__startswith=unit.path) if unit is not None else tickets


def access_ticket(user, pk: int) -> Ticket:
    ticket = (
        scoped_tickets(user)
        .filter(pk=pk)
        .select_related("account", "touchpoint", "unit", "holder", "contact", "response")
        .first()
    )
    if ticket is None:
        raise Http404("No such ticket.")
    return ticket


def can_act(user, ticket: Ticket) -> bool:
    """Managers and admins at or above the ticket's unit work tickets; viewers only read."""
    return Membership.objects.filter(
        user=user, unit_id__in=_unit_ids_of(ticket), role__in=RESPONSIBLE_ROLES
    ).exists()


def assignable_users(ticket: Ticket, actor) -> list:
    """People the actor may hand the ticket to: managers who can see it, inside the actor's
    own part of the tree."""
    actor_paths = [unit.path for unit in top_units(actor) if unit.account_id == ticket.account_id]
    units = Unit.objects.filter(pk__in=_unit_ids_of(ticket))
    allowed = [u.pk for u in units if any(u.path.startswith(p) for p in actor_paths)]
    people = {u.pk: u for users in responsible_users(allowed).values() for u in users}
    return sorted(people.values(), key=lambda u: (u.get_full_name() or u.username).lower())


def _unit_ids_of(ticket: Ticket) -> list[int]:
    return [int(part) for part in ticket.unit_path.strip("/").split("/") if part]


# --- Opening --------------------------------------------------------------------------------


@transaction.atomic(savepoint=False)  # joins the answer's transaction: no extra round trips
def on_response_saved(response: Response, *, created: bool) -> Ticket | None:
    """Open, or update, the ticket of a response that was just stored or changed. Runs in the
    transaction that stores the answer (a subscriber of its events, `tickets.subscribers`):
    the ticket exists exactly when the answer does."""
    now = timezone.now()
    ticket = None if created else Ticket.objects.filter(response=response).first()
    if ticket is not None:
        record_event(
            ticket, None, Kind.UPDATED, f"New score {response.score}", {"score": response.score}
        )
        notify(ticket, "ticket.updated", f"updated:{response.updated_at.isoformat()}")
        return ticket
    rule = rule_for(response.touchpoint)
    reason = ticket_reason(rule, response.score, response.comment)
    if reason is None:
        return None
    return do_open_ticket(response, rule=rule, reason=reason, now=now)


@transaction.atomic(savepoint=False)
def do_open_ticket(response: Response, *, rule: TicketRule, reason: str, now) -> Ticket:
    """Open a response's ticket, assigned to the managers of the nearest unit that has some,
    with its trail's first entry, its notices and its event. On the answer's path: the units,
    the touchpoint and the account come loaded with the answer, so this reads only who the
    managers are and writes the ticket, its assignees, its trail, its event and its emails."""
    found = holder_for(response.unit)
    if found is None:
        root_id = response.unit.ancestor_ids[0]
        root = response.unit.loaded_ancestors().get(root_id) or Unit.objects.get(pk=root_id)
        found = root, []
    holder, users = found
    first_due = now + dt.timedelta(hours=rule.first_response_hours)
    ticket = Ticket(
        account_id=response.account_id,
        response=response,
        touchpoint_id=response.touchpoint_id,
        contact_id=response.contact_id,
        unit_id=response.unit_id,
        unit_path=response.unit_path,
        holder=holder,
        priority=rule.priority,
        reason=reason,
        opened_at=now,
        first_response_due_at=first_due,
        resolution_due_at=now + dt.timedelta(hours=rule.resolution_hours),
        escalate_at=first_due,
        warn_at=_warn_at(now, first_due),
    )
    ticket.save(force_insert=True)
    # What its trail, notices and event read, already in memory.
    ticket.account, ticket.touchpoint = response.account, response.touchpoint
    ticket.unit, ticket.response = response.unit, response
    if users:  # a new ticket has no assignees yet: one INSERT, no read of the current ones
        Assignee = Ticket.assignees.through
        Assignee.objects.bulk_create([Assignee(ticket=ticket, user=user) for user in users])
    _know_assignees(ticket, users)
    names = ", ".join(u.get_full_name() or u.username for u in users) or "nobody yet"
    record_event(ticket, None, Kind.OPENED, f"Opened: {reason}. Assigned to {names}.")
    notify(ticket, "ticket.opened", "opened", users=users)
    return ticket


def _know_assignees(ticket: Ticket, users: list) -> None:
    """Let `ticket.assignees.all()` answer from memory, as a `prefetch_related` would have."""
    assignees = ticket.assignees.all()
    assignees._result_cache, assignees._prefetch_done = list(users), True
    ticket._prefetched_objects_cache = {"assignees": assignees}


def _warn_at(start: dt.datetime, due: dt.datetime) -> dt.datetime:
    return due - (due - start) * WARN_FRACTION


# --- Working a ticket -----------------------------------------------------------------------


def check_can_act(actor, ticket: Ticket) -> None:
    """A person needs a manager role over the ticket; an API key, the ticket in its scope."""
    if isinstance(actor, ApiKey):
        if scoped_tickets_for_key(actor).filter(pk=ticket.pk).exists():
            return
        raise TicketError(_("This API key cannot change this ticket."))
    if not can_act(actor, ticket):
        raise TicketError(_("Only managers of this part of the organisation can change tickets."))


def _locked(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update().select_related("account", "touchpoint").get(pk=ticket.pk)
    )


def _responded(ticket: Ticket, actor, now) -> None:
    """The first action by a person stops the first-response clock; the ticket now climbs
    only if it is not resolved in time."""
    if ticket.first_responded_at is None and actor is not None:
        ticket.first_responded_at = now
        if ticket.is_open and ticket.escalation_level == 0:
            ticket.escalate_at = ticket.resolution_due_at
            ticket.warn_at = _warn_at(ticket.opened_at, ticket.resolution_due_at)


def do_add_note(ticket: Ticket, *, actor, text: str) -> TicketEvent:
    text = (text or "").strip()
    if not text:
        raise TicketError(_("Write something in the note."))
    check_can_act(actor, ticket)
    now = timezone.now()
    with transaction.atomic():
        ticket = _locked(ticket)
        _responded(ticket, actor, now)
        ticket.save()
        event = record_event(ticket, actor, Kind.NOTE, text)
        notify(
            ticket,
            "ticket.note",
            f"note:{event.pk}",
            users=others(ticket, actor),
            actor=actor,
            text=text,
        )
    return event


def do_change_state(ticket: Ticket, *, actor, state: str, root_cause_id: int | None = None):
    """Move a ticket along its workflow; resolving may send the customer a follow-up."""
    check_can_act(actor, ticket)
    now = timezone.now()
    with transaction.atomic():
        ticket = _locked(ticket)
        if state not in TRANSITIONS.get(ticket.state, ()):
            target = State(state).label.lower() if state in State.values else repr(state)
            raise TicketError(
                _("This ticket is {state}; it cannot move to {target}.").format(
                    state=str(ticket.get_state_display()).lower(), target=target
                )
            )
        if root_cause_id:
            cause = RootCause.objects.filter(account=ticket.account, pk=root_cause_id).first()
            if cause is None:
                raise TicketError(_("Choose a root cause from the list."))
            ticket.root_cause = cause
            record_event(ticket, actor, Kind.ROOT_CAUSE, cause.name, {"root_cause": cause.code})
        old = ticket.state
        ticket.state = state
        _responded(ticket, actor, now)
        if state == State.RESOLVED:
            ticket.resolved_at = now
            ticket.escalate_at = ticket.warn_at = None
        elif state == State.CLOSED:
            ticket.closed_at = now
            ticket.escalate_at = ticket.warn_at = None
        elif old in (State.RESOLVED, State.CLOSED):  # reopened: a fresh resolution window
            rule = rule_for(ticket.touchpoint)
            ticket.resolved_at = ticket.closed_at = None
            ticket.resolution_due_at = now + dt.timedelta(hours=rule.resolution_hours)
            ticket.escalate_at = ticket.resolution_due_at
            ticket.warn_at = _warn_at(now, ticket.resolution_due_at)
        ticket.save()
        label = Ticket.State(state).label
        event = record_event(ticket, actor, Kind.STATE, label, {"from": old, "to": state})
        if state == State.RESOLVED:
            _send_follow_up(ticket, now)
        notify(
            ticket, "ticket.state", f"state:{event.pk}", users=others(ticket, actor), actor=actor
        )
    return ticket


def do_set_priority(ticket: Ticket, *, actor, priority: str) -> Ticket:
    check_can_act(actor, ticket)
    if priority not in Priority.values:
        raise TicketError(_("Choose a priority: low, normal, high or urgent."))
    with transaction.atomic():
        ticket = _locked(ticket)
        old, ticket.priority = ticket.priority, priority
        ticket.save()
        record_event(ticket, actor, Kind.PRIORITY, ticket.get_priority_display(), {"from": old})
    return ticket


def do_assign(ticket: Ticket, *, actor, user_ids: Iterable[int]) -> Ticket:
    """Hand the ticket to other managers, among those the actor may choose."""
    if person_of(actor) is None:
        raise TicketError(_("Only a person can reassign a ticket."))
    check_can_act(actor, ticket)
    allowed = {u.pk: u for u in assignable_users(ticket, actor)}
    chosen = [allowed.get(int(pk)) for pk in user_ids]
    if not chosen or None in chosen:
        raise TicketError(_("Choose people from the list of managers who can take this ticket."))
    with transaction.atomic():
        ticket = _locked(ticket)
        before = set(ticket.assignees.values_list("pk", flat=True))
        ticket.assignees.set(chosen)
        _responded(ticket, actor, timezone.now())
        ticket.save()
        names = ", ".join(u.get_full_name() or u.username for u in chosen)
        event = record_event(ticket, actor, Kind.ASSIGNED, f"Assigned to {names}")
        new = [u for u in chosen if u.pk not in before and u.pk != actor.pk]
        notify(ticket, "ticket.assigned", f"assigned:{event.pk}", users=new, actor=actor)
    return ticket


def do_reply_to_customer(ticket: Ticket, *, actor, text: str) -> TicketEvent:
    """Email the customer from the ticket, threaded; their reply goes to the actor."""
    text = (text or "").strip()
    if not text:
        raise TicketError(_("Write the reply first."))
    if person_of(actor) is None:
        raise TicketError(_("Only a person can reply to the customer."))
    check_can_act(actor, ticket)
    contact = ticket.contact
    if contact is None or not contact.email:
        raise TicketError(_("This customer has no email address; log a call instead."))
    now = timezone.now()
    with transaction.atomic():
        ticket = _locked(ticket)
        _responded(ticket, actor, now)
        ticket.contacted_at = ticket.contacted_at or now
        if ticket.state in (State.NEW, State.IN_PROGRESS):
            ticket.state = State.WAITING
        ticket.save()
        event = record_event(ticket, actor, Kind.REPLY, text, {"to": contact.email})
        domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1]
        thread = f"<ticket-{ticket.pk}@{domain}>"
        lang, texts = customer_texts(ticket)
        context = {
            "ticket": ticket,
            "text": text,  # the manager's own words, sent as written
            "actor": actor,
            "contact": contact,
            "texts": texts,
            "lang": lang,
            "dir": direction(lang),
        }
        do_queue_email(
            account=ticket.account,
            event_type="ticket.reply",
            dedupe_key=f"ticket:{ticket.pk}:reply:{event.pk}",
            to_email=contact.email,
            subject=texts["reply_subject"],
            body_text=render_to_string("tickets/email/reply.txt", context),
            body_html=render_to_string("tickets/email/reply.html", context),
            headers={
                "Message-ID": f"<ticket-{ticket.pk}.{event.pk}@{domain}>",
                "In-Reply-To": thread,
                "References": thread,
                "Reply-To": actor.email or ticket.account.reply_to or "",
                "Content-Language": lang,
            },
        )
        notify(ticket, "ticket.replied", f"reply:{event.pk}", users=others(ticket, actor))
    return event


def do_log_call(ticket: Ticket, *, actor, text: str) -> TicketEvent:
    text = (text or "").strip()
    if not text:
        raise TicketError(_("Say how the call went."))
    check_can_act(actor, ticket)
    now = timezone.now()
    with transaction.atomic():
        ticket = _locked(ticket)
        _responded(ticket, actor, now)
        ticket.contacted_at = ticket.contacted_at or now
        ticket.save()
        return record_event(ticket, actor, Kind.CALL, text)


# --- Escalation -----------------------------------------------------------------------------


def sweep_tickets(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Send due SLA warnings and escalate tickets whose time ran out. Idempotent."""
    now = now or timezone.now()
    counts = {"warned": 0, "escalated": 0}
    warn = Ticket.objects.filter(state__in=Ticket.OPEN_STATES, warn_at__lte=now)
    for pk, warn_at, escalate_at in warn.values_list("pk", "warn_at", "escalate_at"):
        with transaction.atomic():
            if not Ticket.objects.filter(pk=pk, warn_at=warn_at).update(warn_at=None):
                continue  # another worker sent it
            if escalate_at is None or escalate_at <= now:
                continue  # it climbs right away instead
            ticket = Ticket.objects.select_related("account", "touchpoint").get(pk=pk)
            if not rule_for(ticket.touchpoint).escalate:
                continue  # its rule keeps it where it is: nothing to warn about
            hours = max(1, round((escalate_at - now).total_seconds() / 3600))
            record_event(
                ticket, None, Kind.SLA_WARNING, f"Escalates in about {hours} h if not handled."
            )
            notify(ticket, "ticket.sla_warning", f"warning:{escalate_at.isoformat()}", hours=hours)
            counts["warned"] += 1
    due = Ticket.objects.filter(state__in=Ticket.OPEN_STATES, escalate_at__lte=now)
    for pk in list(due.values_list("pk", flat=True)):
        counts["escalated"] += _escalate(pk, now)
    return counts


def _escalate(pk: int, now: dt.datetime) -> int:
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update()
            .select_related("account", "touchpoint", "holder")
            .get(pk=pk)
        )
        if not ticket.is_open or ticket.escalate_at is None or ticket.escalate_at > now:
            return 0  # handled meanwhile, or another worker escalated it
        rule = rule_for(ticket.touchpoint)
        if not rule.escalate:  # overdue, but its rule keeps it with its holders
            ticket.escalate_at = ticket.warn_at = None
            ticket.save()
            return 0
        found = holder_for(ticket.unit, above=ticket.holder)
        if found is None:  # nobody higher: it stays with the top, noted once
            ticket.escalate_at = ticket.warn_at = None
            ticket.save()
            note = "Overdue, and there is no one higher to escalate to."
            record_event(ticket, None, Kind.ESCALATED, note)
            return 0
        holder, users = found
        window = dt.timedelta(hours=rule.first_response_hours)
        previous = ticket.holder
        ticket.holder = holder
        ticket.escalation_level += 1
        ticket.escalate_at = now + window
        ticket.warn_at = _warn_at(now, ticket.escalate_at)
        ticket.save()
        ticket.assignees.add(*users)
        record_event(
            ticket,
            None,
            Kind.ESCALATED,
            f"Overdue at {previous.name}; escalated to {holder.name} "
            f"(level {ticket.escalation_level}).",
            {"from_unit": previous.pk, "to_unit": holder.pk, "level": ticket.escalation_level},
        )
        notify(
            ticket,
            "ticket.escalated",
            f"escalated:{ticket.escalation_level}",
            users=list(ticket.assignees.all()),
            previous=previous,
        )
        return 1


# --- Follow-up ------------------------------------------------------------------------------


def customer_texts(ticket: Ticket) -> tuple[str, dict[str, str]]:
    """The language the customer answered the survey in (else their locale, else the
    account's), and what they read in it: the built-in texts with the touchpoint's wording."""
    contact, account = ticket.contact, ticket.account
    lang = language_for(
        ticket.response.locale, contact.locale if contact else "", account.default_locale
    )
    texts = wording_for(
        ticket.touchpoint,
        lang,
        brand=account.name,
        unit=ticket.unit.name,
        name=contact.name if contact else "",
    )
    return lang, texts


def _send_follow_up(ticket: Ticket, now) -> None:
    """Once per ticket, on its first resolution, if the rule asks for it and we may."""
    rule = rule_for(ticket.touchpoint)
    contact = ticket.contact
    if (
        rule.follow_up == TicketRule.FollowUp.NONE
        or ticket.follow_up_sent_at is not None
        or contact is None
        or not contact.email
        or contact.opted_out_of("email")
    ):
        return
    # The email waits in the notifications queue with a placeholder for the token, which
    # is rebuilt from the nonce only when the email is composed for the mail server.
    nonce, ticket.follow_up_hash = links.mint(FOLLOW_UP)
    ticket.follow_up_kind = rule.follow_up
    ticket.follow_up_sent_at = now
    ticket.save()
    url = f"{settings.SITE_URL}/f/{links.placeholder(FOLLOW_UP)}"
    lang, texts = customer_texts(ticket)
    context = {
        "ticket": ticket,
        "contact": contact,
        "texts": texts,
        "lang": lang,
        "dir": direction(lang),
        "url": url,
        "scores": [(n, f"{url}?score={n}") for n in range(11)],
        "solved": rule.follow_up == TicketRule.FollowUp.SOLVED,
    }
    do_queue_email(
        account=ticket.account,
        event_type="ticket.follow_up",
        dedupe_key=f"ticket:{ticket.pk}:follow_up",
        to_email=contact.email,
        subject=texts["follow_up_subject"],
        body_text=render_to_string("tickets/email/follow_up.txt", context),
        body_html=render_to_string("tickets/email/follow_up.html", context),
        headers={"In-Reply-To": f"<ticket-{ticket.pk}@{mail_domain()}>", "Content-Language": lang},
        links={FOLLOW_UP: links.spec(FOLLOW_UP, nonce, ticket.follow_up_hash)},
    )
    record_event(ticket, None, Kind.FOLLOW_UP_SENT, f"Follow-up sent to {contact.email}")


def access_follow_up(token: str) -> Ticket:
    """The ticket behind a follow-up link (looked up by the token's hash), else 404."""
    token_hash = links.lookup_hash(token)
    ticket = (
        Ticket.objects.filter(follow_up_hash=token_hash)
        .select_related("account", "contact", "response", "touchpoint", "unit")
        .first()
        if token_hash
        else None
    )
    if ticket is None:
        raise Http404("No such follow-up.")
    return ticket


def do_record_follow_up(ticket: Ticket, *, score: int | None = None, solved: bool | None = None):
    """Store the customer's follow-up answer (again if they change it)."""
    if ticket.follow_up_kind == TicketRule.FollowUp.SOLVED:
        if solved is None:
            raise TicketError(_("Choose yes or no."))
        score = None
    elif score is None or not 0 <= score <= 10:
        raise TicketError(_("Choose a score from 0 to 10."))
    with transaction.atomic():
        ticket = _locked(ticket)
        ticket.follow_up_score, ticket.follow_up_solved = score, solved
        ticket.follow_up_answered_at = timezone.now()
        ticket.save()
        said = f"score {score}" if score is not None else ("solved" if solved else "not solved")
        event = record_event(
            ticket, None, Kind.FOLLOW_UP_ANSWERED, f"The customer answered: {said}."
        )
        notify(
            ticket,
            "ticket.follow_up_answered",
            f"follow_up:{event.pk}",
            said=lazy(follow_up_said, str)(score, solved),
        )
    return ticket
