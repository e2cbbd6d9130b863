"""Recording answers, with the attribution snapshot that keeps reports right over time."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from touchpoint.accounts.models import Unit
from touchpoint.delighted import webhooks as delighted_webhooks
from touchpoint.reports import rollups
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Invitation
from touchpoint.tickets import actions as tickets


class InvalidAnswer(ValueError):
    """An answer that cannot be stored; the message is shown to the person answering."""

    def __init__(self, message: str, *, field: str = "score") -> None:
        super().__init__(message)
        self.field = field


def check_score(raw: object) -> int:
    """A score from a form or API: a whole number from 0 to 10, nothing else."""
    if isinstance(raw, bool):
        raise InvalidAnswer("Choose a score from 0 to 10.")
    if isinstance(raw, str):
        raw = raw.strip()
        if not raw.isdigit():
            raise InvalidAnswer("Choose a score from 0 to 10.")
        raw = int(raw)
    if not isinstance(raw, int) or not 0 <= raw <= 10:
        raise InvalidAnswer("Choose a score from 0 to 10.")
    return raw


def attribution_for(unit: Unit, units_by_id: Mapping[int, Unit] | None = None) -> dict:
    """The unit and its ancestors, keyed by kind: {"store": {"id", "code", "name"}, ...}.

    The nearest unit of each kind wins (a sub-region under a region keeps the sub-region).
    """
    ids = unit.ancestor_ids
    if units_by_id is None or any(i not in units_by_id for i in ids):
        units_by_id = {u.pk: u for u in Unit.objects.filter(pk__in=ids)}
    out: dict[str, dict] = {}
    for unit_id in reversed(ids):
        ancestor = units_by_id[unit_id]
        out.setdefault(
            ancestor.kind, {"id": ancestor.pk, "code": ancestor.code, "name": ancestor.name}
        )
    return out


def do_record_anonymous_response(
    *, touchpoint, unit: Unit, channel: str, score: object, comment: str = "", locale: str = ""
) -> Response:
    """An answer from someone we do not know (website widget, kiosk): no contact, no
    invitation; attributed to the unit the embedding chose."""
    score = check_score(score)
    comment = (comment or "").strip()
    if len(comment) > 10000:
        raise InvalidAnswer("Please keep your comment under 10,000 characters.", field="comment")
    with transaction.atomic():
        response = Response.objects.create(
            account_id=touchpoint.account_id,
            touchpoint=touchpoint,
            channel=channel,
            score=score,
            comment=comment,
            locale=locale,
            unit=unit,
            unit_path=unit.path,
            attribution=attribution_for(unit),
            answered_at=timezone.now(),
        )
        rollups.add_responses(touchpoint.account, [response])
    return response


def do_record_answers(*, response: Response, answers: dict, asked: list[str]) -> Response:
    """Store follow-up answers under their question keys (checked by `questions.check_answers`).

    The questions asked this time are answered afresh (one left empty is removed); answers
    to other questions (asked before a changed score) are kept.
    """
    with transaction.atomic():
        response = Response.objects.select_for_update().get(pk=response.pk)
        kept = {k: v for k, v in response.answers.items() if k not in asked}
        response.answers = {**kept, **answers}
        response.save(update_fields=["answers", "updated_at"])
    return response


def do_record_response(
    *,
    invitation,
    score: object,
    comment: str = "",
    answers: dict | None = None,
    locale: str = "",
    interviewer=None,
) -> tuple[Response, bool]:
    """Store the answer to an invitation, or update it when the contact answers again.

    The invitation row is locked so two quick submissions cannot create two responses.
    `interviewer` is the person who took the answer down on the contact's behalf (a phone
    interview). Returns the response and whether it was created.
    """
    score = check_score(score)
    comment = (comment or "").strip()
    if len(comment) > 10000:
        raise InvalidAnswer("Please keep your comment under 10,000 characters.", field="comment")
    now = timezone.now()
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().select_related("unit").get(pk=invitation.pk)
        )
        response = Response.objects.filter(invitation=invitation).first()
        if response is not None:
            old_score = response.score
            response.score, response.comment = score, comment
            response.answers = answers if answers is not None else response.answers
            response.locale = locale or response.locale
            response.interviewer = interviewer or response.interviewer
            response.save(
                update_fields=["score", "comment", "answers", "locale", "interviewer", "updated_at"]
            )
            rollups.change_score(invitation.account, response, old_score)
            tickets.on_response_saved(response, created=False)
            delighted_webhooks.notify_response(response, created=False)
            return response, False
        response = Response.objects.create(
            account_id=invitation.account_id,
            invitation=invitation,
            interaction_id=invitation.interaction_id,
            contact_id=invitation.contact_id,
            touchpoint_id=invitation.touchpoint_id,
            channel=invitation.channel,
            score=score,
            comment=comment,
            answers=answers or {},
            locale=locale,
            interviewer=interviewer,
            unit_id=invitation.unit_id,
            unit_path=invitation.unit.path,
            attribution=attribution_for(invitation.unit),
            answered_at=now,
        )
        rollups.add_responses(invitation.account, [response])
        tickets.on_response_saved(response, created=True)
        delighted_webhooks.notify_response(response, created=True)
        Invitation.objects.filter(pk=invitation.pk).update(
            state=Invitation.State.ANSWERED, reason="", detail="", updated_at=now
        )
        return response, True


def do_restate_history(*, unit: Unit, batch: int = 5_000) -> int:
    """Count every past answer given at `unit` or below under the tree as it is now.

    Normally an answer stays where it was given (its attribution snapshot), so moving a store
    to another region leaves its past with the old region. An admin who decides the move
    should rewrite the past calls this: each answer's path and attribution are taken anew from
    its responsible unit, its rollups move from the old ancestors to the new ones, and its
    ticket follows. One transaction; returns how many answers changed.
    """
    from touchpoint.tickets.models import Ticket

    account = unit.account
    subtree = {u.pk: u for u in Unit.objects.filter(account=account, path__startswith=unit.path)}
    ancestors = {
        u.pk: u
        for u in Unit.objects.filter(pk__in={a for u in subtree.values() for a in u.ancestor_ids})
    }
    changed = 0
    with transaction.atomic():
        stale = (
            Response.objects.filter(account=account, unit_id__in=list(subtree))
            .exclude(unit_path__in=[u.path for u in subtree.values()])
            .order_by("pk")
        )
        while chunk := list(stale.select_for_update()[:batch]):
            rollups.add_responses(account, chunk, sign=-1)
            for response in chunk:
                now_at = subtree[response.unit_id]
                response.unit_path = now_at.path
                response.attribution = attribution_for(now_at, ancestors)
            Response.objects.bulk_update(chunk, ["unit_path", "attribution"])
            rollups.add_responses(account, chunk)
            by_path: dict[str, list[int]] = {}
            for response in chunk:
                by_path.setdefault(response.unit_path, []).append(response.pk)
            for path, ids in by_path.items():
                Ticket.objects.filter(response_id__in=ids).update(unit_path=path)
            changed += len(chunk)
    return changed
