"""Demo tickets: the recent detractors of the seeded history, worked the way a real team works
them, so that a newcomer opens a living inbox (new, in progress, waiting, overdue and escalated,
resolved with follow-ups, closed) with a believable audit trail behind every ticket.

History is written directly with its own dates, like the seeded responses themselves; the
rules it follows are the domain's (holders and escalation from `tickets.actions`).
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction

from touchpoint.accounts.models import Account, Membership, Unit
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import ContactIn, InteractionIn
from touchpoint.lib import links
from touchpoint.responses.actions import do_answer_invitation
from touchpoint.responses.models import Response
from touchpoint.tickets.actions import FOLLOW_UP, holder_for, rule_for, ticket_reason
from touchpoint.tickets.models import RootCause, Ticket, TicketEvent, TicketRule

ROOT_CAUSES = (
    ("stock", "Damaged or missing stock"),
    ("queue", "Long wait or queue"),
    ("staff", "Staff attitude or knowledge"),
    ("policy", "Returns or warranty policy"),
    ("product", "Product fault"),
    ("billing", "Billing or pricing error"),
    ("process", "Process failure (lost repair, missed callback)"),
)
NOTES = (
    "Checked the till records: the customer was served by a trainee, coaching booked.",
    "Spoke with the shift lead; the queue was caused by two people off sick.",
    "The device came from a batch with known scuffs; pulled the rest of the batch.",
    "Customer was promised a callback that never happened. Logged with the vendor.",
    "Repair ticket shows the part arrived late from the warehouse.",
    "Looked at the call recording: the agent followed the script but did not solve it.",
)
REPLIES = (
    "I am sorry about your visit. I have looked into it and would like to put it right: "
    "come back to the store and ask for me, we will swap the device on the spot.",
    "Thank you for telling us. The wait you had is not acceptable; we have changed the "
    "rota for weekends. I have added a 20 € voucher to your account.",
    "I am sorry the repair took so long. Your device is now ready and we will deliver it "
    "free of charge tomorrow.",
)
CALLS = (
    "Called the customer, apologised, offered a replacement. Customer accepted.",
    "Called twice, no answer; left a voicemail with my direct number.",
    "Long call; customer mainly wanted to be heard. Explained what we changed.",
)
RULES = {  # touchpoint slug: ticket rule
    "store-purchase": {"keywords": "refund\nscratched\nrude", "follow_up": "score"},
    "support-call": {"open_on": "detractors", "priority": "high", "first_response_hours": 8},
    "repair": {"follow_up": "solved", "resolution_hours": 120},
    "cancellation": {"open_on": "not_promoters", "follow_up": "none"},
}


FIRST = (
    "Amira",
    "Ben",
    "Carla",
    "Dev",
    "Elena",
    "Felix",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Kemi",
    "Luca",
    "Maya",
    "Nils",
    "Olga",
    "Pablo",
    "Rosa",
    "Tariq",
    "Uma",
    "Viktor",
)
LAST = (
    "Adams",
    "Berg",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ivanova",
    "Jensen",
    "Khan",
    "Lopez",
    "Moreau",
    "Novak",
    "Owens",
    "Petit",
    "Quinn",
    "Rossi",
)
MANAGED_KINDS = ("region", "store", "vendor", "team", "repair_centre")


def ensure_managers(account: Account, *, password: str, rng: random.Random) -> int:
    """A manager for every region, store, vendor, team and repair centre that has none
    (store-009 and a few teams stay without one, to show tickets passing to the next level)."""
    users = get_user_model()
    made = 0
    for unit in Unit.objects.filter(account=account, kind__in=MANAGED_KINDS).order_by("path"):
        if unit.code in UNMANAGED or Membership.objects.filter(unit=unit, role="manager").exists():
            continue
        username = f"mgr-{unit.code}"
        if users.objects.filter(username=username).exists():
            continue
        user = users.objects.create_user(
            username,
            f"{username}@nimbus.example",
            password,
            first_name=rng.choice(FIRST),
            last_name=rng.choice(LAST),
        )
        Membership.objects.create(user=user, unit=unit, role="manager")
        made += 1
    return made


UNMANAGED = {"store-009", "store-017", "team-callco-2", "team-talkwell-1"}


def ensure_ticket_setup(account: Account) -> None:
    for code, name in ROOT_CAUSES:
        RootCause.objects.get_or_create(account=account, code=code, defaults={"name": name})
    for slug, values in RULES.items():
        touchpoint = account.touchpoints.filter(slug=slug).first()
        if touchpoint is not None:
            TicketRule.objects.get_or_create(touchpoint=touchpoint, defaults=values)


@transaction.atomic
def seed_tickets(account: Account, *, now: dt.datetime, rng: random.Random, days: int = 45) -> int:
    """Tickets for the answers of the last `days` days that the rules say need one."""
    ensure_ticket_setup(account)
    if Ticket.objects.filter(account=account).exists():
        return 0
    causes = list(RootCause.objects.filter(account=account))
    responses = (
        Response.objects.filter(account=account, answered_at__gte=now - dt.timedelta(days=days))
        .select_related("touchpoint", "unit", "contact")
        .order_by("answered_at")
    )
    holders: dict[int, tuple] = {}
    made = 0
    for response in responses.iterator(chunk_size=1000):
        rule = rule_for(response.touchpoint)
        reason = ticket_reason(rule, response.score, response.comment)
        if reason is None:
            continue
        if response.unit_id not in holders:
            holders[response.unit_id] = holder_for(response.unit) or (response.unit, [])
        _work(response, rule, reason, holders[response.unit_id], causes, now=now, rng=rng)
        made += 1
    return made


def _work(response, rule, reason, found, causes, *, now, rng) -> None:
    holder, users = found
    opened = response.answered_at + dt.timedelta(seconds=rng.randint(5, 90))
    first_due = opened + dt.timedelta(hours=rule.first_response_hours)
    resolution_due = opened + dt.timedelta(hours=rule.resolution_hours)
    ticket = Ticket.objects.create(
        account_id=response.account_id,
        response=response,
        touchpoint=response.touchpoint,
        contact=response.contact,
        unit=response.unit,
        unit_path=response.unit_path,
        holder=holder,
        priority="urgent" if response.score <= 1 else rule.priority,
        reason=reason,
        opened_at=opened,
        first_response_due_at=first_due,
        resolution_due_at=resolution_due,
        escalate_at=first_due,
    )
    ticket.assignees.set(users)
    events = [_ev(ticket, None, "opened", f"Opened: {reason}.", opened)]
    actor = users[0] if users else None
    age = now - opened
    # How fast this team answers: a few hours usually, sometimes never in time.
    ignored = rng.random() < (0.12 if age > dt.timedelta(days=3) else 0.3)
    if actor is None or ignored:
        # Most old tickets are picked up by the level they climbed to.
        rescued = age > dt.timedelta(days=3) and rng.random() < 0.85
        until = first_due + dt.timedelta(minutes=1) if rescued else now
        climbed_to = _escalate(ticket, events, rule, until)
        if rescued and climbed_to:
            at = first_due + dt.timedelta(hours=min(rng.lognormvariate(0.8, 0.7), 20))
            _respond(ticket, events, climbed_to[0], at, rule, causes, now=now, rng=rng)
    else:
        responded = opened + dt.timedelta(hours=min(rng.lognormvariate(1.0, 0.9), 40))
        if responded < now:
            _respond(ticket, events, actor, responded, rule, causes, now=now, rng=rng)
        else:
            _escalate(ticket, events, rule, now)
    TicketEvent.objects.bulk_create(events)


def _respond(ticket, events, actor, at, rule, causes, *, now, rng) -> None:
    ticket.first_responded_at = at
    ticket.escalate_at = ticket.resolution_due_at
    ticket.state = "in_progress"
    events.append(_ev(ticket, actor, "state", "In progress", at, {"from": "new"}))
    events.append(_ev(ticket, actor, "note", rng.choice(NOTES), at + dt.timedelta(minutes=3)))
    contact_at = at + dt.timedelta(minutes=rng.randint(10, 240))
    if contact_at < now and ticket.contact and rng.random() < 0.85:
        ticket.contacted_at = contact_at
        if ticket.contact.email and rng.random() < 0.5:
            events.append(_ev(ticket, actor, "reply", rng.choice(REPLIES), contact_at))
            ticket.state = "waiting"
        else:
            events.append(_ev(ticket, actor, "call", rng.choice(CALLS), contact_at))
    resolved = contact_at + dt.timedelta(hours=rng.lognormvariate(2.6, 0.9))
    young = now - ticket.opened_at < dt.timedelta(days=4)
    if resolved >= now or (young and rng.random() < 0.3):
        ticket.save()
        return  # still being worked on
    cause = rng.choice(causes)
    ticket.root_cause = cause
    ticket.state, ticket.resolved_at = "resolved", resolved
    ticket.escalate_at = ticket.warn_at = None
    events.append(
        _ev(ticket, actor, "root_cause", cause.name, resolved, {"root_cause": cause.code})
    )
    events.append(_ev(ticket, actor, "state", "Resolved", resolved, {"to": "resolved"}))
    contact = ticket.contact
    if rule.follow_up != TicketRule.FollowUp.NONE and contact and contact.email:
        ticket.follow_up_kind = rule.follow_up
        ticket.follow_up_sent_at = resolved
        # A link no one holds (no email went out); the draw keeps the seeded sequence.
        rng.getrandbits(64)
        ticket.follow_up_hash = links.mint(FOLLOW_UP)[1]
        events.append(
            _ev(ticket, None, "follow_up_sent", f"Follow-up sent to {contact.email}", resolved)
        )
        answered = resolved + dt.timedelta(hours=rng.uniform(1, 48))
        if answered < now and rng.random() < 0.55:
            ticket.follow_up_answered_at = answered
            won = rng.random() < 0.6
            if rule.follow_up == TicketRule.FollowUp.SOLVED:
                ticket.follow_up_solved = won
                said = "solved" if won else "not solved"
            else:
                ticket.follow_up_score = rng.choice((9, 10)) if won else rng.randint(3, 8)
                said = f"score {ticket.follow_up_score}"
            events.append(
                _ev(ticket, None, "follow_up_answered", f"The customer answered: {said}.", answered)
            )
    closed = resolved + dt.timedelta(days=7)
    if closed < now:
        ticket.state, ticket.closed_at = "closed", closed
        events.append(_ev(ticket, actor, "state", "Closed", closed, {"to": "closed"}))
    ticket.save()


def _escalate(ticket, events, rule, until) -> list:
    """Nobody acted: climb one level per missed window until `until`, as the sweep would
    have. Returns the managers of the last level reached."""
    users: list = []
    while ticket.escalate_at is not None and ticket.escalate_at <= until:
        found = holder_for(ticket.unit, above=ticket.holder)
        at = ticket.escalate_at
        if found is None:
            ticket.escalate_at = None
            break
        previous, (ticket.holder, users) = ticket.holder, found
        ticket.escalation_level += 1
        ticket.escalate_at = at + dt.timedelta(hours=rule.first_response_hours)
        ticket.assignees.add(*users)
        events.append(
            _ev(
                ticket,
                None,
                "escalated",
                f"Overdue at {previous.name}; escalated to {ticket.holder.name} "
                f"(level {ticket.escalation_level}).",
                at,
            )
        )
    ticket.save()
    return users


def _ev(ticket, actor, kind, text, at, data=None) -> TicketEvent:
    return TicketEvent(
        ticket=ticket, actor=actor, kind=kind, text=text, data=data or {}, created_at=at
    )


# Answers that arrive "just now" through the real path (intake, then the customer's answer),
# so the demo's newest tickets, and their notification emails, come from the product itself.
FRESH = (
    (
        "store-purchase",
        "store-001",
        "Hannah Price",
        2,
        "Waited 35 minutes and the phone I "
        "bought was already scratched. Nobody offered to swap it.",
        25,
    ),
    (
        "store-purchase",
        "store-001",
        "Omar Haddad",
        5,
        "Staff were friendly but they had no cases for the X5 in stock.",
        70,
    ),
    (
        "support-call",
        "agent-100",
        "Ruth Morgan",
        3,
        "Third call about the same billing error. I was promised a callback that never came.",
        40,
    ),
    (
        "store-purchase",
        "store-004",
        "Daniel Brooks",
        4,
        "The card payment failed twice and I had to come back the next day.",
        15,
    ),
    (
        "repair",
        "repair-01",
        "Sofia Marino",
        1,
        "My repair took three weeks and the screen still flickers.",
        55,
    ),
)


FRESH_PREFIX = "answered-"


def seed_fresh_answers(account: Account, *, now: dt.datetime) -> int:

    items = []
    for n, (touchpoint, unit, name, score, comment, minutes) in enumerate(FRESH, start=1):
        external_id = f"{FRESH_PREFIX}{n:02d}"
        if account.interactions.filter(external_id=external_id).exists():
            continue
        given, family = name.lower().split(" ", 1)
        items.append(
            (
                InteractionIn(
                    external_id=external_id,
                    touchpoint=touchpoint,
                    unit=unit,
                    occurred_at=now - dt.timedelta(minutes=minutes + 30),
                    contact=ContactIn(
                        email=f"{given}.{family}@example.net",
                        name=name,
                        locale="en",
                        attributes={"phone_model": "Nimbus X5", "tier": "plus"},
                    ),
                    properties={"source": "demo"},
                ),
                score,
                comment,
            )
        )
    if not items:
        return 0
    result = record_interactions(account, [item for item, _, _ in items])
    if not result.ok:
        raise RuntimeError(f"the demo intake was refused: {result.errors}")
    for stored, (_, score, comment) in zip(result.items, items, strict=True):
        if stored.invitation is not None:
            do_answer_invitation(stored.invitation, score=score, comment=comment)
    return len(items)
