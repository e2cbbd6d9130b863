"""The interviewers' queue: due phone invitations, one interviewer per call, and outcomes.

A phone invitation is live (state "sent") as soon as it is planned; its `send_at` is when it
is next due for a call. An interviewer claims one with a conditional UPDATE that only
succeeds when nobody holds it (or the holder's lease ran out), so two interviewers never call
the same person, on any number of web processes.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from touchpoint.accounts.access import paths_q
from touchpoint.accounts.actions import unit_time_zones
from touchpoint.accounts.models import Membership, Unit
from touchpoint.contacts.actions import do_opt_out
from touchpoint.interviews.models import Call
from touchpoint.responses.actions import do_answer_invitation
from touchpoint.responses.models import Response
from touchpoint.surveys import rules
from touchpoint.surveys.models import Invitation
from touchpoint.surveys.wording import language_for

State, Reason, Outcome = Invitation.State, Invitation.Reason, Call.Outcome
# How long a claimed call stays with its interviewer without any outcome recorded.
CALL_LEASE = dt.timedelta(minutes=15)
# Calls per invitation, all outcomes counted; after the last unanswered one it is "unreachable".
MAX_CALLS = 4
# After no answer, try again this much later (then moved out of the touchpoint's quiet hours).
NO_ANSWER_RETRY = (dt.timedelta(hours=2), dt.timedelta(days=1), dt.timedelta(days=2))
INTERVIEWER_ROLES = (Membership.Role.ADMIN, Membership.Role.MANAGER, Membership.Role.FRONTLINE)


class CallError(ValueError):
    """An outcome that cannot be recorded; the message is shown to the interviewer."""


def interviewer_units(user) -> list[Unit]:
    """The units whose customers a person may call: memberships other than viewer."""
    if not user.is_authenticated:
        return []
    held = sorted(
        (
            m.unit
            for m in Membership.objects.filter(
                user=user, role__in=INTERVIEWER_ROLES
            ).select_related("unit__account")
        ),
        key=lambda unit: unit.path,
    )
    top: list[Unit] = []
    for unit in held:
        if not any(unit.path.startswith(kept.path) for kept in top):
            top.append(unit)
    return top


def _in_scope(user) -> QuerySet[Invitation]:
    return Invitation.objects.filter(paths_q(interviewer_units(user), "unit__path"))


def due_calls(user, *, now: dt.datetime) -> QuerySet[Invitation]:
    """Phone invitations in the person's units that are due and held by nobody."""
    return (
        _in_scope(user)
        .filter(channel="phone", state=State.SENT, send_at__lte=now, expires_at__gt=now)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now))
        .order_by("send_at", "pk")
    )


def later_calls(user, *, now: dt.datetime) -> QuerySet[Invitation]:
    return _in_scope(user).filter(
        channel="phone", state=State.SENT, send_at__gt=now, expires_at__gt=now
    )


def held_call(user, *, now: dt.datetime) -> Invitation | None:
    return (
        _in_scope(user)
        .filter(channel="phone", state=State.SENT, held_by=user, lease_expires_at__gt=now)
        .first()
    )


def do_claim_next_call(user, *, now: dt.datetime | None = None) -> Invitation | None:
    """The call this person already holds, else the first due one nobody holds, now theirs."""
    now = now or timezone.now()
    held = held_call(user, now=now)
    if held is not None:
        return held
    for pk in list(due_calls(user, now=now).values_list("pk", flat=True)[:25]):
        claimed = (
            Invitation.objects.filter(
                pk=pk, channel="phone", state=State.SENT, send_at__lte=now, expires_at__gt=now
            )
            .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now))
            .update(held_by=user, lease_expires_at=now + CALL_LEASE, updated_at=now)
        )
        if claimed:
            return Invitation.objects.get(pk=pk)
    return None


def access_call(user, pk: int) -> Invitation:
    """A phone invitation in the person's units (404 otherwise), whoever holds it."""
    invitation = (
        _in_scope(user)
        .filter(pk=pk, channel="phone")
        .select_related("account", "contact", "touchpoint", "unit", "interaction")
        .first()
    )
    if invitation is None:
        raise Http404("No such call.")
    return invitation


def _lock_held(invitation: Invitation, user, now: dt.datetime) -> Invitation:
    locked = (
        Invitation.objects.select_for_update()
        .select_related("account", "contact", "touchpoint", "unit")
        .get(pk=invitation.pk)
    )
    if (
        locked.state != State.SENT
        or locked.held_by_id != user.pk
        or locked.lease_expires_at is None
        or locked.lease_expires_at <= now
    ):
        raise CallError(
            gettext(
                "This call is no longer yours: its time ran out or it was already recorded. "
                "Take the next call from the queue."
            )
        )
    return locked


def do_record_interview(
    *, invitation: Invitation, interviewer, score: object, comment: str = ""
) -> Response:
    """Store the answer the customer gave on the phone, on their behalf (channel phone,
    interviewer recorded), and close the call."""
    now = timezone.now()
    with transaction.atomic():
        locked = _lock_held(invitation, interviewer, now)
        lang = language_for(locked.contact.locale, locked.account.default_locale)
        response, _ = do_answer_invitation(
            locked, score=score, comment=comment, locale=lang, interviewer=interviewer
        )
        Invitation.objects.filter(pk=locked.pk).update(
            held_by=None, lease_expires_at=None, attempts=F("attempts") + 1, sent_at=now
        )
        Call.objects.create(
            invitation=locked, interviewer=interviewer, outcome=Outcome.ANSWERED, called_at=now
        )
    return response


def do_record_call_outcome(
    *,
    invitation: Invitation,
    interviewer,
    outcome: str,
    call_back_at: dt.datetime | None = None,
) -> Invitation:
    """A call that did not produce an answer.

    - no answer: due again later (2 hours, a day, two days; out of quiet hours), until the
      MAX_CALLS-th call, after which the invitation fails as unreachable;
    - call back later: due again at the time the customer asked for (within the expiry);
    - refused: the contact is opted out of phone interviews;
    - wrong number: the invitation fails, and so do the contact's other queued calls.
    """
    now = timezone.now()
    with transaction.atomic():
        locked = _lock_held(invitation, interviewer, now)
        calls = locked.attempts + 1
        changes: dict = {"held_by": None, "lease_expires_at": None, "attempts": calls}
        if outcome == Outcome.CALL_BACK:
            if call_back_at is None or call_back_at <= now:
                raise CallError(gettext("Give a call-back time in the future."))
            if call_back_at >= locked.expires_at:
                raise CallError(
                    gettext(
                        "The survey closes on {when}: choose an earlier call-back time."
                    ).format(
                        when=date_format(timezone.localtime(locked.expires_at), "DATETIME_FORMAT")
                    )
                )
        if outcome in (Outcome.NO_ANSWER, Outcome.CALL_BACK) and calls >= MAX_CALLS:
            changes.update(
                state=State.FAILED,
                reason=Reason.UNREACHABLE,
                detail=f"no answer after {calls} calls",
            )
        elif outcome == Outcome.NO_ANSWER:
            changes["send_at"] = _next_try(locked, now + NO_ANSWER_RETRY[calls - 1])
        elif outcome == Outcome.CALL_BACK:
            changes["send_at"] = call_back_at
        elif outcome == Outcome.REFUSED:
            changes.update(state=State.FAILED, reason=Reason.REFUSED, detail="refused on call")
        elif outcome == Outcome.WRONG_NUMBER:
            changes.update(
                state=State.FAILED,
                reason=Reason.WRONG_NUMBER,
                detail=f"wrong number ({locked.contact.phone})",
            )
        else:
            raise CallError(gettext("Choose what happened on the call."))
        Invitation.objects.filter(pk=locked.pk).update(**changes, updated_at=now)
        Call.objects.create(
            invitation=locked,
            interviewer=interviewer,
            outcome=outcome,
            call_back_at=call_back_at if outcome == Outcome.CALL_BACK else None,
            called_at=now,
        )
        if outcome == Outcome.REFUSED:
            do_opt_out(contact=locked.contact, channel="phone")
        elif outcome == Outcome.WRONG_NUMBER:
            Invitation.objects.filter(
                contact=locked.contact, channel="phone", state=State.SENT
            ).exclude(pk=locked.pk).update(
                state=State.FAILED,
                reason=Reason.WRONG_NUMBER,
                detail=f"wrong number ({locked.contact.phone})",
                held_by=None,
                lease_expires_at=None,
                updated_at=now,
            )
    locked.refresh_from_db()
    return locked


def do_release_call(*, invitation: Invitation, interviewer) -> None:
    """Put a held call back in the queue untouched (the interviewer did not call)."""
    Invitation.objects.filter(pk=invitation.pk, state=State.SENT, held_by=interviewer).update(
        held_by=None, lease_expires_at=None, updated_at=timezone.now()
    )


def contact_time_zone(invitation: Invitation) -> str:
    if invitation.contact.time_zone:
        return invitation.contact.time_zone
    return unit_time_zones(invitation.account, {invitation.unit_id})[invitation.unit_id]


def _next_try(invitation: Invitation, at: dt.datetime) -> dt.datetime:
    touchpoint = invitation.touchpoint
    return rules.plan_send_at(
        occurred_at=at,
        delay=dt.timedelta(0),
        time_zone=contact_time_zone(invitation),
        quiet_start=touchpoint.quiet_hours_start,
        quiet_end=touchpoint.quiet_hours_end,
    )


def local_call_back_time(invitation: Invitation, value: str) -> dt.datetime | None:
    """A datetime-local form value ("2026-11-21T14:30"), read in the contact's time zone."""
    try:
        naive = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=ZoneInfo(contact_time_zone(invitation)))
