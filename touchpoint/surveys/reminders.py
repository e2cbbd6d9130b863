"""Reminders to people who have not answered: planned when their invitation goes out, sent
by the outbox engine like every message, cancelled by an answer or an opt-out.

Rules: at most the touchpoint's `reminder_count`, each `reminder_after_days` after the
previous message, on the invitation's channel, out of quiet hours in the contact's time zone,
and only before the invitation expires. A reminder is never sent after an answer: the
answer's transaction locks the invitation row, and a reminder's hand-off checks the
invitation under that same lock (SQLite takes the whole database for a write transaction),
so one of the two comes first and the other sees it. The worker then cancels the answered
invitation's waiting reminders (relayed after the answer commits, off its hot path).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from touchpoint.accounts.actions import unit_time_zone
from touchpoint.contacts.suppressions import do_suppress_refused, is_suppressed
from touchpoint.events.models import Event
from touchpoint.outbox import engine
from touchpoint.outbox.transports import TransportError, Transports, smtp_destination
from touchpoint.surveys import rules
from touchpoint.surveys.compose import compose_sms, prepare_email
from touchpoint.surveys.models import Invitation, Reminder, Touchpoint
from touchpoint.surveys.tokens import LinkLost, survey_token

log = logging.getLogger("touchpoint.reminders")
State = Reminder.State


def plan_reminders(invitation: Invitation) -> list[Reminder]:
    """The reminders of an invitation that has just gone out (none when its touchpoint asks
    for none). Idempotent: a reminder number is planned once."""
    touchpoint = invitation.touchpoint
    if not touchpoint.reminder_count or invitation.sent_at is None:
        return []
    zone = invitation.contact.time_zone or unit_time_zone(invitation.unit)
    planned, after = [], invitation.sent_at
    for number in range(1, touchpoint.reminder_count + 1):
        send_at = rules.plan_send_at(
            occurred_at=after,
            delay=dt.timedelta(days=touchpoint.reminder_after_days),
            time_zone=zone,
            quiet_start=touchpoint.quiet_hours_start,
            quiet_end=touchpoint.quiet_hours_end,
        )
        if send_at >= invitation.expires_at:
            break
        planned.append(Reminder(invitation=invitation, number=number, send_at=send_at))
        after = send_at
    Reminder.objects.bulk_create(planned, ignore_conflicts=True)
    return planned


def cancel(reminders: QuerySet[Reminder], why: str) -> int:
    """Waiting reminders that are no longer needed (a claimed one is stopped at its hand-off)."""
    return reminders.filter(state=State.PENDING).update(
        state=State.CANCELLED, detail=why, updated_at=timezone.now()
    )


# --- Subscribers --------------------------------------------------------------------------------


def on_answered(events: list[Event]) -> None:
    """An answer makes its invitation's waiting reminders unneeded. Relayed by the worker
    after the answer commits, in one statement for a batch of answers, not in the answer's
    own transaction: no reminder can go after an answer whichever comes first, since a
    reminder's hand-off finds the invitation answered under its lock (`_needless`)."""
    answers = [e.subject_id for e in events if e.subject_id is not None]
    if answers:
        cancel(Reminder.objects.filter(invitation__response__in=answers), "answered")


def on_unsubscribed(events: list[Event]) -> None:
    """An opt-out cancels the contact's waiting reminders (in the opt-out's transaction)."""
    for event in events:
        waiting = Reminder.objects.filter(invitation__contact_id__in=[event.subject_id])
        if event.data["channel"]:
            waiting = waiting.filter(invitation__channel=event.data["channel"])
        cancel(waiting, "opted out")


# --- The queue -----------------------------------------------------------------------------------


class ReminderQueue(engine.Queue):
    model = Reminder
    name = "reminder"
    waiting = State.PENDING
    lease = dt.timedelta(minutes=5)
    backoff = (dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2))
    related = (
        "invitation__account",
        "invitation__contact",
        "invitation__touchpoint",
        "invitation__unit",
    )

    def without(self, rows: QuerySet, down: set[str]) -> QuerySet:
        if smtp_destination() in down:
            rows = rows.exclude(invitation__channel="email")
        accounts = [int(d.split(":", 1)[1]) for d in down if d.startswith("sms:")]
        if accounts:
            rows = rows.exclude(
                Q(invitation__channel="sms") & Q(invitation__account_id__in=accounts)
            )
        return rows

    def compose(self, reminder: Reminder, transports: Transports):
        invitation = reminder.invitation
        why = _needless(invitation)
        if not why and is_suppressed(invitation.contact, invitation.channel):
            why = "the address is on the suppression list"  # checked once, not at the hand-off
        if why:
            _finish(reminder, State.CANCELLED, why)
            return None
        try:
            survey_token(invitation)  # the link of the first message, rebuilt
        except LinkLost as lost:
            _finish(reminder, State.CANCELLED, str(lost))
            return None
        if invitation.channel == "sms":
            transport = transports.sms(invitation.account)
            if transport is None:
                _finish(reminder, State.CANCELLED, "no SMS transport is set up")
                return None
            return transport, compose_sms(invitation, reminder=reminder.number)
        return transports.email(), prepare_email(invitation, reminder=reminder.number)

    def hand_off(self, reminder: Reminder, now: dt.datetime) -> bool:
        with transaction.atomic():
            invitation = Invitation.objects.select_for_update().get(pk=reminder.invitation_id)
            why = _needless(invitation)
            if why:
                _finish(reminder, State.CANCELLED, f"{why} (at the last moment)")
                return False
            return bool(engine.held(self, reminder).update(handed_off_at=now))

    def sent(self, reminder: Reminder, provider_id, now: dt.datetime) -> dict:
        return {
            "state": State.SENT,
            "sent_at": now,
            "provider_message_id": provider_id or "",
            "detail": "",
        }

    def retry(self, reminder: Reminder, error: TransportError, wait, now) -> dict:
        return {"detail": f"attempt {reminder.attempts} failed, retry in {wait}: {error}"[:500]}

    def failed(self, reminder: Reminder, error: TransportError, reason: str, now) -> dict:
        return {"state": State.FAILED, "detail": f"{reason}: {error}"[:500]}

    def after_failure(self, reminder: Reminder, error: TransportError) -> None:
        if error.address_refused:
            invitation = reminder.invitation
            do_suppress_refused(
                contact=invitation.contact, channel=invitation.channel, detail=str(error)
            )

    def interrupted(self, now: dt.datetime) -> dict:
        return {
            "state": State.FAILED,
            "detail": "the worker stopped while handing it over; it may have gone out, so it "
            "is not sent again",
        }


def _needless(invitation: Invitation) -> str:
    """Why a reminder of this invitation must not go (blank: it may)."""
    if invitation.state == Invitation.State.ANSWERED:
        return "answered"
    if invitation.state != Invitation.State.SENT or timezone.now() >= invitation.expires_at:
        return "the survey is closed"
    if invitation.contact.opted_out_of(invitation.channel):
        return "opted out"
    return ""


def _finish(reminder: Reminder, state: str, detail: str) -> None:
    Reminder.objects.filter(
        pk=reminder.pk, state=State.SENDING, claimed_by=reminder.claimed_by
    ).update(
        state=state,
        detail=detail[:500],
        lease_expires_at=None,
        claimed_by="",
        updated_at=timezone.now(),
    )


QUEUE = ReminderQueue()


def send_due_reminders(*, limit: int = 200) -> int:
    return engine.send_due(QUEUE, limit=limit)


def sweep() -> dict[str, int]:
    return engine.sweep(QUEUE)


# --- What reminders bring ------------------------------------------------------------------------


def answer_rates(touchpoints: Sequence[Touchpoint], *, since: dt.datetime) -> dict[int, dict]:
    """Per touchpoint, of its invitations sent since `since`: how many, how many answered,
    and the answer rate without reminders (answered before any reminder went) and with them
    (all answers)."""
    reminded_before_answer = Reminder.objects.filter(
        invitation=OuterRef("pk"),
        state=State.SENT,
        sent_at__lt=OuterRef("response__answered_at"),
    )
    rows = (
        Invitation.objects.filter(
            touchpoint__in=touchpoints, sent_at__gte=since, channel__in=("email", "sms")
        )
        .annotate(after_reminder=Exists(reminded_before_answer))
        .values("touchpoint_id")
        .annotate(
            invited=Count("pk"),
            answered=Count("pk", filter=Q(state=Invitation.State.ANSWERED)),
            after=Count("pk", filter=Q(state=Invitation.State.ANSWERED, after_reminder=True)),
        )
    )
    out = {}
    for row in rows:
        invited = row["invited"]
        out[row["touchpoint_id"]] = {
            "invited": invited,
            "answered": row["answered"],
            "without_reminders": 100 * (row["answered"] - row["after"]) / invited,
            "with_reminders": 100 * row["answered"] / invited,
        }
    return out
