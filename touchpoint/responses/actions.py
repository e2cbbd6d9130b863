"""The one door for answers.

Every score that enters Touchpoint, and every change to one, goes through these functions,
whatever brought it (survey page, email click, SMS reply, widget, in-app, kiosk, phone
interview, intake with an answer, CSV and Delighted history, the Delighted API):

- `do_answer_invitation`: a contact answers the survey they were sent (or answers again);
- `do_answer_anonymously`: someone we do not know (website widget, in-store kiosk);
- `do_store_given`: answers collected elsewhere, stored in bulk with their interactions;
- `do_change_answer`: a stored answer changes (a later comment, follow-up answers, an edit
  through the Delighted API).

They validate alike (`check_score`, `check_comment`: one comment limit) and end in one place,
`_publish`, which writes one domain event per answer (`response.created` or
`response.updated`) in the same transaction. The features that must move with an answer
(rollups, ticket rules) subscribe to those events; the others hear of them through the
outbox. A repeat of the same input changes nothing and publishes nothing.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from touchpoint.accounts.models import Account, Unit
from touchpoint.contacts.models import Contact
from touchpoint.events import actions as events
from touchpoint.lib import segments
from touchpoint.lib.bulk import build, bulk_insert, insert_one
from touchpoint.lib.compiled import CompiledQuery, CompiledUpdate
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Interaction, Invitation, Touchpoint

MAX_COMMENT = 10_000
# An answer given longer ago than this when it is stored is history (an import): it counts
# in every report but opens no ticket. Subscribers read it as `event.data["history"]`.
HISTORY_AGE = dt.timedelta(days=7)

CREATED, UPDATED, RESTATED = "response.created", "response.updated", "response.restated"
ERASED = "response.erased"  # its words and its link to the person removed (the contact erased)


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
        if not (raw.isascii() and raw.isdigit()):  # "²" is a digit to isdigit, not to int
            raise InvalidAnswer("Choose a score from 0 to 10.")
        raw = int(raw)
    if not isinstance(raw, int) or not 0 <= raw <= 10:
        raise InvalidAnswer("Choose a score from 0 to 10.")
    return raw


def check_comment(raw: object) -> str:
    """A comment: text, trimmed, at most MAX_COMMENT characters (never cut silently)."""
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise InvalidAnswer("The comment must be text.", field="comment")
    comment = raw.strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidAnswer(
            f"Please keep your comment under {MAX_COMMENT:,} characters.", field="comment"
        )
    return comment


def attribution_for(unit: Unit, units_by_id: Mapping[int, Unit] | None = None) -> dict:
    """The unit and its ancestors, keyed by kind: {"store": {"id", "code", "name"}, ...}.

    The nearest unit of each kind wins (a sub-region under a region keeps the sub-region).
    """
    ids = unit.ancestor_ids
    if units_by_id is None or any(i not in units_by_id for i in ids):
        units_by_id = unit.loaded_ancestors()
    if any(i not in units_by_id for i in ids):
        units_by_id = {u.pk: u for u in Unit.objects.filter(pk__in=ids)}
    out: dict[str, dict] = {}
    for unit_id in reversed(ids):
        ancestor = units_by_id[unit_id]
        out.setdefault(
            ancestor.kind, {"id": ancestor.pk, "code": ancestor.code, "name": ancestor.name}
        )
    return out


# Relations loaded with the invitation an answer is for, in the one query that reads it:
# the answer's own (its unit and four levels of parents for the attribution, its contact and
# interaction for the segments, a response already given) and those a feature asks for to
# react without a round trip of its own (`load_with_answers`, e.g. the touchpoint's ticket
# rule), so that storing a promoter's answer costs five statements.
_ANSWER_RELATED = [
    "account",
    "unit__parent__parent__parent__parent",
    "contact",
    "interaction",
    "touchpoint",
    "response",
]


def load_with_answers(*relations: str) -> None:
    """Ask for relations of an invitation (`touchpoint__ticket_rule`) to be loaded in the
    query that locks it when it is answered; called from a feature's AppConfig.ready()."""
    for relation in relations:
        if relation not in _ANSWER_RELATED:
            _ANSWER_RELATED.append(relation)


# --- The doors --------------------------------------------------------------------------------


def do_answer_invitation(
    invitation: Invitation,
    *,
    score: object,
    comment: object = "",
    answers: dict | None = None,
    locale: str = "",
    interviewer=None,
) -> tuple[Response, bool]:
    """Store the answer to an invitation, or update it when the contact answers again.

    A first answer claims the invitation with one conditional UPDATE from the state it was
    read in, which also locks its row until the answer commits, so two quick submissions
    cannot make two responses: the second finds it answered and changes that answer. Pass
    the invitation loaded with `answer_relations()` (the survey page does) and storing a
    first answer reads nothing more.
    `interviewer` is the person who took the answer down on the contact's behalf (a phone
    interview). Returns the response and whether it was created.
    """
    score, comment = check_score(score), check_comment(comment)
    with transaction.atomic():
        if not loaded_for_answer(invitation):
            invitation = _for_answer.first(invitation.pk) or Invitation.objects.get(
                pk=invitation.pk
            )
        now = timezone.now()
        # The usual way: a first answer. The invitation is claimed by one conditional UPDATE
        # (it holds the row's lock until the answer commits), from the state it was read in:
        # a request that answered, or anything that moved it, since it was read wins.
        if getattr(invitation, "response", None) is None and _claim(invitation, now):
            return _store_first(invitation, score, comment, answers, locale, interviewer, now), True
        # Answered already (the contact answers again), or moved since it was read: the
        # locked row decides. (Rare.)
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related(*_ANSWER_RELATED)
            .get(pk=invitation.pk)
        )
        response = getattr(invitation, "response", None)
        if response is None and invitation.state == Invitation.State.ANSWERED:
            # Answered by a request that committed while this one waited for the lock: the
            # locked row is read afresh, the joined response was not.
            response = Response.objects.filter(invitation=invitation).first()
        if response is None:
            _claim(invitation, now, whatever_state=True)
            return _store_first(invitation, score, comment, answers, locale, interviewer, now), True
        response.account = invitation.account
        _change(
            response,
            score=score,
            comment=comment,
            answers=answers,
            locale=locale or None,
            interviewer=interviewer,
        )
        return response, False


def loaded_for_answer(invitation: Invitation) -> bool:
    """Whether the invitation came with every relation its answer reads (`answer_relations`),
    so answering it reads nothing more."""
    for relation in _ANSWER_RELATED:
        current: object = invitation
        for name in relation.split("__"):
            if current is None:
                break
            if not getattr(type(current), name).is_cached(current):
                return False
            current = getattr(current, name, None)
    return True


def answer_relations() -> tuple[str, ...]:
    """The relations to load an invitation with (`select_related`) before it is answered:
    a page that shows the survey and stores its answer reads the invitation once."""
    return tuple(_ANSWER_RELATED)


# The invitation an answer is for, with its relations, by id (its SQL compiled once).
_for_answer: CompiledQuery[Invitation] = CompiledQuery(
    lambda pk: Invitation.objects.select_related(*_ANSWER_RELATED).filter(pk=pk),  # type: ignore[misc]
    stand_in=-1,
)


_CLAIMED = ("state", "reason", "detail", "updated_at")
_claim_from = CompiledUpdate(Invitation, _CLAIMED, where=("id", "state"))
_claim_any = CompiledUpdate(Invitation, _CLAIMED, where=("id",))


def _claim(invitation: Invitation, now: dt.datetime, *, whatever_state: bool = False) -> bool:
    """Mark the invitation answered if it is still in the state it was read in (or in any
    state, under its lock); the UPDATE locks the row until the transaction ends."""
    if invitation.state == Invitation.State.ANSWERED and not whatever_state:
        return False
    answered = (Invitation.State.ANSWERED, "", "", now)
    if whatever_state:
        claimed = _claim_any.run(answered, [invitation.pk])
    else:
        claimed = _claim_from.run(answered, [invitation.pk, invitation.state])
    if claimed:
        invitation.state, invitation.reason, invitation.detail = Invitation.State.ANSWERED, "", ""
        invitation.updated_at = now
    return bool(claimed)


def _store_first(
    invitation: Invitation,
    score: int,
    comment: str,
    answers: dict | None,
    locale: str,
    interviewer,
    now: dt.datetime,
) -> Response:
    """The first answer to a claimed invitation, and its event."""
    response = Response(
        account=invitation.account,
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
        segments=segments.snapshot(
            invitation.contact.attributes if invitation.contact_id else None,
            invitation.interaction.properties if invitation.interaction_id else None,
        ),
        answered_at=now,
    )
    insert_one(response)
    # What subscribers read, already in memory (the ticket rule reads the touchpoint).
    response.touchpoint, response.unit = invitation.touchpoint, invitation.unit
    _publish(invitation.account, created=[response])
    return response


def do_answer_anonymously(
    *,
    touchpoint: Touchpoint,
    unit: Unit,
    channel: str,
    score: object,
    comment: object = "",
    locale: str = "",
    kiosk=None,
    key: str = "",
) -> tuple[Response, bool]:
    """An answer from someone we do not know (website widget, kiosk): no contact, no
    invitation; attributed to the unit the embedding chose.

    `key` is the client's id for this one answer (a nonce in the form or the widget): the
    same key again is the same answer (a double tap, a retried request) and changes nothing.
    Returns the response and whether it was created.
    """
    score, comment = check_score(score), check_comment(comment)
    if key and (found := _by_key(touchpoint.account_id, key)) is not None:
        return found, False
    account = touchpoint.account
    response = Response(
        account=account,
        touchpoint=touchpoint,
        channel=channel,
        score=score,
        comment=comment,
        locale=locale,
        unit=unit,
        unit_path=unit.path,
        attribution=attribution_for(unit),
        kiosk=kiosk,
        client_key=key or None,
        answered_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            response.save(force_insert=True)
            _publish(account, created=[response])
    except IntegrityError:
        if key and (found := _by_key(touchpoint.account_id, key)) is not None:
            return found, False  # the same answer, stored by a concurrent request
        raise
    return response, True


def _by_key(account_id: int, key: str) -> Response | None:
    return Response.objects.filter(account_id=account_id, client_key=key).first()


@dataclass(slots=True)
class GivenAnswer:
    """An answer collected elsewhere that arrives with its interaction (history, a phone
    interview done outside Touchpoint, the Delighted API)."""

    interaction: Interaction
    touchpoint: Touchpoint
    contact_id: int
    score: object
    comment: object = ""
    channel: str = ""
    answered_at: dt.datetime | None = None
    locale: str = ""


def do_store_given(account: Account, given: Sequence[GivenAnswer]) -> list[Response]:
    """Store answers collected elsewhere, in bulk, with their own dates. Call it inside the
    transaction that stores their interactions. Answers older than HISTORY_AGE are history
    (no ticket); all count in the reports on the day they were given."""
    if not given:
        return []
    checked = [(g, check_score(g.score), check_comment(g.comment)) for g in given]
    unit_ids = {g.interaction.unit_id for g in given}
    ancestor_ids = {a for u in Unit.objects.filter(pk__in=unit_ids) for a in u.ancestor_ids}
    units = {u.pk: u for u in Unit.objects.filter(pk__in=ancestor_ids)}
    attributes = dict(
        Contact.objects.filter(pk__in={g.contact_id for g in given}).values_list("pk", "attributes")
    )
    responses = []
    for g, score, comment in checked:
        unit = units[g.interaction.unit_id]
        response = build(
            Response,
            account_id=account.pk,
            interaction_id=g.interaction.pk,
            contact_id=g.contact_id,
            touchpoint_id=g.touchpoint.pk,
            channel=g.channel or g.touchpoint.channel,
            score=score,
            comment=comment,
            locale=g.locale,
            unit_id=unit.pk,
            unit_path=unit.path,
            attribution=attribution_for(unit, units),
            segments=segments.snapshot(attributes.get(g.contact_id), g.interaction.properties),
            answered_at=g.answered_at or g.interaction.occurred_at,
        )
        response.account = account
        response.touchpoint = g.touchpoint
        responses.append(response)
    with transaction.atomic():
        bulk_insert(responses)
        _publish(account, created=responses)
    return responses


_KEEP = object()


def do_change_answer(
    response: Response,
    *,
    score: object = _KEEP,
    comment: object = _KEEP,
    answers: dict | None = None,
    asked: Sequence[str] | None = None,
    also_changed: bool = False,
) -> Response:
    """Change a stored answer: its score, its comment, follow-up answers.

    With `asked`, `answers` holds the answers to those questions only: each is answered
    afresh (one left empty is removed) and answers to other questions are kept. Set
    `also_changed` when something stored beside the answer changed too (Delighted's tags or
    properties), so subscribers hear of it even if score and comment stay. Nothing changed:
    nothing is written or published.
    """
    new_score = response.score if score is _KEEP else check_score(score)
    new_comment = response.comment if comment is _KEEP else check_comment(comment)
    with transaction.atomic():
        locked = Response.objects.select_for_update().select_related("account").get(pk=response.pk)
        if answers is not None and asked is not None:
            kept = {k: v for k, v in locked.answers.items() if k not in asked}
            answers = {**kept, **answers}
        _change(
            locked,
            score=new_score,
            comment=new_comment,
            answers=answers,
            also_changed=also_changed,
        )
    return locked


def _change(
    response: Response,
    *,
    score: int,
    comment: str,
    answers: dict | None = None,
    locale: str | None = None,
    interviewer=None,
    also_changed: bool = False,
) -> bool:
    """Apply new values to a locked response; save and publish if anything changed."""
    old_score = response.score
    new = {
        "score": score,
        "comment": comment,
        "answers": response.answers if answers is None else answers,
        "locale": locale or response.locale,
        "interviewer_id": interviewer.pk if interviewer is not None else response.interviewer_id,
    }
    fields = [name for name, value in new.items() if getattr(response, name) != value]
    if not fields and not also_changed:
        return False
    for name in fields:
        setattr(response, name, new[name])
    response.save(update_fields=[*fields, "updated_at"])
    _publish(response.account, changed=[(response, old_score, fields)])
    return True


# --- The one place that applies the consequences ------------------------------------------------


def _publish(
    account: Account,
    *,
    created: Sequence[Response] = (),
    changed: Sequence[tuple[Response, int, list[str]]] = (),
) -> None:
    """One domain event per answer, written with it; its subscribers move the rollups and
    apply the ticket rules in this same transaction. The event keeps the answer as it was
    (`snapshot`), so what is relayed later says what was true when it happened."""
    history_before = timezone.now() - HISTORY_AGE
    new_events = [
        events.new(
            CREATED,
            account_id=account.pk,
            subject=response,
            data={**snapshot(response), "history": response.answered_at < history_before},
        )
        for response in created
    ]
    new_events += [
        events.new(
            UPDATED,
            account_id=account.pk,
            subject=response,
            data={**snapshot(response), "old_score": old_score, "changed": fields},
        )
        for response, old_score, fields in changed
    ]
    events.publish(new_events)


def snapshot(response: Response) -> dict:
    return {"score": response.score, "comment": response.comment, "answers": response.answers}


def as_published(response: Response, event) -> Response:
    """A copy of the response as it was when `event` was published (relayed subscribers
    render this, not what it became since)."""
    then = copy.copy(response)
    for name in ("score", "comment", "answers"):
        if name in event.data:
            setattr(then, name, event.data[name])
    then.updated_at = event.created_at
    return then


def do_restate_history(*, unit: Unit, batch: int = 5_000) -> int:
    """Count every past answer given at `unit` or below under the tree as it is now.

    Normally an answer stays where it was given (its attribution snapshot), so moving a store
    to another region leaves its past with the old region. An admin who decides the move
    should rewrite the past calls this: each answer's path and attribution are taken anew from
    its responsible unit, and a `response.restated` event per answer (with the old path)
    lets its rollups and its ticket follow. One transaction; returns how many answers changed.
    """
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
            restated = []
            for response in chunk:
                old_path = response.unit_path
                now_at = subtree[response.unit_id]
                response.unit_path = now_at.path
                response.attribution = attribution_for(now_at, ancestors)
                response.account = account
                restated.append(
                    events.new(
                        RESTATED,
                        account_id=account.pk,
                        subject=response,
                        data={"from": old_path, "to": response.unit_path},
                    )
                )
            Response.objects.bulk_update(chunk, ["unit_path", "attribution"])
            events.publish(restated)
            changed += len(chunk)
    return changed
