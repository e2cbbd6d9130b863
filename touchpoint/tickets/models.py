"""Tickets: the closed loop. A response that needs action opens one, assigned to the managers
of its responsible unit, climbing the tree when nobody acts in time."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from touchpoint.accounts.models import Account, Unit
from touchpoint.contacts.models import Contact
from touchpoint.lib import nps
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Touchpoint


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class TicketRule(models.Model):
    """Per touchpoint: which answers open a ticket, how urgent, how fast, and the follow-up.

    A touchpoint without a rule uses the defaults: detractors open a normal ticket, first
    response within 24 hours, resolution within 72.
    """

    class OpenOn(models.TextChoices):
        DETRACTORS = "detractors", _("Detractors (0 to 6)")
        NOT_PROMOTERS = "not_promoters", _("Detractors and passives (0 to 8)")
        KEYWORDS_ONLY = "keywords", _("Only comments that match the words below")
        NEVER = "never", _("Never")

    class FollowUp(models.TextChoices):
        NONE = "none", _("No follow-up")
        SCORE = "score", _("Ask the 0 to 10 question again")
        SOLVED = "solved", _('Ask "Did we solve it?"')

    touchpoint = models.OneToOneField(
        Touchpoint, on_delete=models.CASCADE, related_name="ticket_rule"
    )
    open_on = models.CharField(max_length=16, choices=OpenOn.choices, default=OpenOn.DETRACTORS)
    keywords = models.TextField(
        blank=True,
        help_text="One word or phrase per line. Any answer whose comment contains one opens a "
        "ticket too, whatever the score (case-insensitive).",
    )
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    first_response_hours = models.PositiveIntegerField(default=24)
    resolution_hours = models.PositiveIntegerField(default=72)
    escalate = models.BooleanField(
        default=True,
        help_text="A ticket not handled in time climbs to the managers of the unit above. "
        "Off: it stays with its holders and is only marked overdue.",
    )
    follow_up = models.CharField(max_length=10, choices=FollowUp.choices, default=FollowUp.SCORE)

    def __str__(self) -> str:
        return f"Ticket rule for {self.touchpoint}"

    @property
    def keyword_list(self) -> list[str]:
        return [line.strip().lower() for line in self.keywords.splitlines() if line.strip()]


class RootCause(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="root_causes")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "code"], name="root_cause_code_unique")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    class State(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        WAITING = "waiting", _("Waiting for customer")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    OPEN_STATES = (State.NEW, State.IN_PROGRESS, State.WAITING)

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="tickets")
    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="ticket")
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.PROTECT)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    # The responsible unit, as the response was attributed (the snapshot), and the unit
    # whose managers hold the ticket now: the responsible unit's nearest managed ancestor,
    # then higher with each escalation.
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="tickets")
    unit_path = models.CharField(max_length=400, db_index=True)
    holder = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="held_tickets")
    escalation_level = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(max_length=12, choices=State.choices, default=State.NEW)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    reason = models.CharField(max_length=200, help_text="Why it was opened.")
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="assigned_tickets"
    )
    root_cause = models.ForeignKey(RootCause, null=True, blank=True, on_delete=models.SET_NULL)
    opened_at = models.DateTimeField()
    first_response_due_at = models.DateTimeField()
    resolution_due_at = models.DateTimeField()
    # When it climbs next if nothing happens; None once resolved or at the top.
    escalate_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # When the holders get a warning that it is about to climb; cleared once sent.
    warn_at = models.DateTimeField(null=True, blank=True, db_index=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    contacted_at = models.DateTimeField(
        null=True, blank=True, help_text="First reply to, or logged call with, the customer."
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The follow-up link: only the SHA-256 of its token, looked up by. The token is derived
    # from a nonce kept with the queued email until it is composed (touchpoint/lib/links.py),
    # so neither the ticket nor the email in the queue opens it.
    # Unique by a constraint (Meta): no LIKE index on PostgreSQL, which nothing searches by.
    follow_up_hash = models.CharField(  # noqa: DJ001 (NULL: no follow-up sent yet)
        max_length=64, null=True, blank=True, editable=False
    )
    follow_up_kind = models.CharField(max_length=10, blank=True)
    follow_up_sent_at = models.DateTimeField(null=True, blank=True)
    follow_up_score = models.PositiveSmallIntegerField(null=True, blank=True)
    follow_up_solved = models.BooleanField(null=True, blank=True)
    follow_up_answered_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follow_up_hash"], name="ticket_follow_up_hash_unique")
        ]
        indexes = [
            models.Index(fields=["account", "state"]),
            models.Index(fields=["account", "opened_at"]),
        ]

    def __str__(self) -> str:
        return f"Ticket #{self.pk}"

    @property
    def reason_label(self) -> str:
        """The stored reason (written in English by `actions.ticket_reason`) in the active
        language."""
        found = re.fullmatch(r"(detractor|passive) \(score (\d+)\)", self.reason)
        if found and found[1] == "detractor":
            return _("detractor (score {score})").format(score=found[2])
        if found:
            return _("passive (score {score})").format(score=found[2])
        found = re.fullmatch(r'comment mentions "(.*)"', self.reason, flags=re.S)
        if found:
            return _("comment mentions “{keyword}”").format(keyword=found[1])
        return self.reason

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def is_overdue(self) -> bool:
        now = timezone.now()
        return self.is_open and (
            self.resolution_due_at <= now
            or (self.first_responded_at is None and self.first_response_due_at <= now)
        )

    @property
    def recovered(self) -> bool | None:
        """Won back: the follow-up says solved, or the new score is a promoter's."""
        if self.follow_up_answered_at is None:
            return None
        if self.follow_up_score is not None:
            return nps.classify(self.follow_up_score) == "promoter"
        return bool(self.follow_up_solved)


class TicketEvent(models.Model):
    """The audit trail: every change to a ticket, who made it and when."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        UPDATED = "updated", _("Answer updated")
        ASSIGNED = "assigned", _("Assigned")
        STATE = "state", _("State changed")
        PRIORITY = "priority", _("Priority changed")
        ROOT_CAUSE = "root_cause", _("Root cause set")
        NOTE = "note", _("Internal note")
        REPLY = "reply", _("Reply to the customer")
        CALL = "call", _("Call with the customer")
        SLA_WARNING = "sla_warning", _("SLA warning")
        ESCALATED = "escalated", _("Escalated")
        FOLLOW_UP_SENT = "follow_up_sent", _("Follow-up sent")
        FOLLOW_UP_ANSWERED = "follow_up_answered", _("Follow-up answered")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on ticket #{self.ticket_id}"

    @property
    def text_label(self) -> str:
        """The text in the active language: what Touchpoint itself wrote (stored in English by
        `tickets.actions`) is worded again; what a person wrote stays as written."""
        return event_text(self.kind, self.text, self.data or {})


_SAID = {"solved": _("solved"), "not solved": _("not solved")}
_EVENT_TEXTS = [
    (
        re.compile(r"Opened: (?P<reason>.*)\. Assigned to (?P<names>.*)\.", re.S),
        _("Opened: {reason}. Assigned to {names}."),
    ),
    (re.compile(r"Assigned to (?P<names>.*)", re.S), _("Assigned to {names}")),
    (re.compile(r"New score (?P<score>\d+)"), _("New score {score}")),
    (re.compile(r"Follow-up sent to (?P<email>.*)", re.S), _("Follow-up sent to {email}")),
    (
        re.compile(r"Escalates in about (?P<hours>\d+) h if not handled\."),
        _("Escalates in about {hours} h if not handled."),
    ),
    (
        re.compile(
            r"Overdue at (?P<previous>.*); escalated to (?P<holder>.*) \(level (?P<level>\d+)\)\."
        ),
        _("Overdue at {previous}; escalated to {holder} (level {level})."),
    ),
    (
        re.compile(r"Overdue, and there is no one higher to escalate to\."),
        _("Overdue, and there is no one higher to escalate to."),
    ),
    (re.compile(r"The customer answered: (?P<said>.*)\."), _("The customer answered: {said}.")),
]
_SYSTEM_KINDS = {"opened", "updated", "assigned", "follow_up_sent", "sla_warning", "escalated"}


def event_text(kind: str, text: str, data: dict) -> str:
    if kind == TicketEvent.Kind.STATE and data.get("to") in Ticket.State.values:
        return str(Ticket.State(data["to"]).label)
    if kind == TicketEvent.Kind.PRIORITY:
        value = text.lower()  # stored as its English label: "High"
        return str(Priority(value).label) if value in Priority.values else text
    if kind not in _SYSTEM_KINDS and kind != TicketEvent.Kind.FOLLOW_UP_ANSWERED:
        return text  # a note, a reply, a call: a person's words
    for pattern, wording in _EVENT_TEXTS:
        found = pattern.fullmatch(text)
        if found:
            parts = found.groupdict()
            if "reason" in parts:
                parts["reason"] = Ticket(reason=parts["reason"]).reason_label
            if "said" in parts:
                score = re.fullmatch(r"score (\d+)", parts["said"])
                said = _SAID.get(parts["said"])
                parts["said"] = (
                    str(_("score {score}")).format(score=score[1])
                    if score
                    else str(said or parts["said"])
                )
            return str(wording).format(**parts)
    return text
