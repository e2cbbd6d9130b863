"""The interviewer's pages: the queue, and one call with its script and outcome buttons."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from touchpoint.interviews import actions
from touchpoint.interviews.models import Call
from touchpoint.responses.actions import InvalidAnswer
from touchpoint.surveys.wording import invitation_wording


@never_cache
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    context = {
        "due": actions.due_calls(request.user, now=now).count(),
        "later": actions.later_calls(request.user, now=now).order_by("send_at")[:20],
        "held": actions.held_call(request.user, now=now),
        "may_interview": bool(actions.interviewer_units(request.user)),
        "zone": timezone.get_current_timezone_name(),
        "dev_outbox": settings.DEV_OUTBOX,
    }
    return render(request, "interviews/queue.html", context)


@require_POST
@login_required
def next_call(request: HttpRequest) -> HttpResponse:
    invitation = actions.do_claim_next_call(request.user)
    if invitation is None:
        messages.info(request, gettext("Nobody is waiting for a call right now."))
        return redirect("interviews")
    return redirect("interview-call", pk=invitation.pk)


def _script(invitation) -> dict[str, str]:
    account = invitation.account
    lang, texts = invitation_wording(invitation, name=True)
    with translation.override(lang):
        texts["introduce"] = gettext(
            "I am calling on behalf of {brand}. Do you have one minute for two questions?"
        ).format(brand=account.name)
    texts["lang"] = lang
    return texts


@never_cache
@login_required
def call(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = actions.access_call(request.user, pk)
    now = timezone.now()
    if (
        invitation.held_by_id != request.user.pk
        or not (invitation.lease_expires_at and invitation.lease_expires_at > now)
        or invitation.state != "sent"
    ):
        messages.warning(request, gettext("That call is not yours any more. Take the next one."))
        return redirect("interviews")
    error, status = "", 200
    score, comment = request.POST.get("score"), request.POST.get("comment", "")
    if request.method == "POST":
        outcome = request.POST.get("outcome", "")
        try:
            if outcome == Call.Outcome.ANSWERED:
                actions.do_record_interview(
                    invitation=invitation, interviewer=request.user, score=score, comment=comment
                )
                messages.success(
                    request,
                    gettext("Answer recorded for {contact}.").format(contact=invitation.contact),
                )
            elif outcome == "release":
                actions.do_release_call(invitation=invitation, interviewer=request.user)
                messages.info(request, gettext("The call is back in the queue."))
            else:
                call_back_at = actions.local_call_back_time(
                    invitation, request.POST.get("call_back_at", "")
                )
                done = actions.do_record_call_outcome(
                    invitation=invitation,
                    interviewer=request.user,
                    outcome=outcome,
                    call_back_at=call_back_at,
                )
                recorded = gettext("{outcome} recorded for {contact}.").format(
                    outcome=Call.Outcome(outcome).label, contact=invitation.contact
                )
                if done.reason:
                    recorded = gettext("{outcome} recorded for {contact} ({reason}).").format(
                        outcome=Call.Outcome(outcome).label,
                        contact=invitation.contact,
                        reason=done.get_reason_display(),
                    )
                messages.success(request, recorded)
            return redirect("interviews")
        except (InvalidAnswer, actions.CallError) as problem:
            error, status = str(problem), 400
    context = {
        "invitation": invitation,
        "contact": invitation.contact,
        "script": _script(invitation),
        "scores": [str(n) for n in range(11)],
        "selected": score,
        "comment": comment,
        "error": error,
        "calls": invitation.calls.select_related("interviewer"),
        "call_number": invitation.attempts + 1,
        "max_calls": actions.MAX_CALLS,
        "time_zone": actions.contact_time_zone(invitation),
        "dev_outbox": settings.DEV_OUTBOX,
    }
    return render(request, "interviews/call.html", context, status=status)
