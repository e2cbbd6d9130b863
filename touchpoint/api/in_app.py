"""In-app surveys: a mobile or web app asks "should I survey this contact now?" and sends
the answer. The same rules as every channel: consent, sampling, quarantine across channels."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field, StrictInt

from touchpoint.accounts.access import key_covers
from touchpoint.accounts.models import Unit
from touchpoint.api.errors import ErrorOut
from touchpoint.intake.actions import do_ask_now
from touchpoint.intake.schemas import ContactIn
from touchpoint.lib import nps
from touchpoint.responses.actions import do_answer_invitation
from touchpoint.surveys.compose import survey_url
from touchpoint.surveys.models import Channel, Touchpoint
from touchpoint.surveys.questions import (
    active_questions,
    check_answers,
    localise,
    questions_for,
)
from touchpoint.surveys.tokens import access_open_invitation
from touchpoint.surveys.wording import language_for, wording_for

router = Router(tags=["In-app surveys"])


class DecisionIn(Schema):
    touchpoint: Annotated[str, Field(min_length=1, max_length=60)]
    unit: Annotated[str, Field(min_length=1, max_length=80)]
    contact: ContactIn
    external_id: Annotated[str, Field(max_length=200)] = ""
    properties: dict[str, str | int | float | bool | None] = Field(default_factory=dict)


class QuestionOut(Schema):
    key: str
    type: str
    text: str
    required: bool
    show_to: list[str]
    options: list[dict[str, str]] = []


class DecisionOut(Schema):
    survey: bool
    reason: str
    detail: str
    token: str | None
    survey_url: str | None
    expires_at: dt.datetime | None
    lang: str
    texts: dict[str, str]
    questions: list[QuestionOut]


class AnswerIn(Schema):
    token: Annotated[str, Field(min_length=1, max_length=64)]
    score: Annotated[StrictInt, Field(ge=0, le=10)]
    comment: Annotated[str, Field(max_length=10000)] = ""
    answers: dict[str, Any] = Field(default_factory=dict)


class AnswerOut(Schema):
    id: int
    score: int
    category: str
    answers: dict[str, Any]


def _invalid(field: str, message: str) -> Status:
    return Status(
        422, {"error": "invalid_request", "detail": [{"field": field, "message": message}]}
    )


@router.post(
    "/decisions",
    response={200: DecisionOut, 201: DecisionOut, 404: ErrorOut, 422: ErrorOut},
    summary="Should I survey this contact now?",
)
def decide(request: HttpRequest, body: DecisionIn):
    """Records the interaction and answers `survey: true` with a token (show the question,
    then POST the answer to `/in-app/responses`), or `survey: false` with the reason:
    `quarantine`, `opted_out`, `sampled_out`, `touchpoint_inactive`, `answered`... A yes
    counts for the quarantine at once. Repeating the same `external_id` repeats the decision.
    The texts and follow-up questions come in the contact's language."""
    account = request.auth.account
    touchpoint = Touchpoint.objects.filter(account=account, slug=body.touchpoint).first()
    if touchpoint is None:
        return _invalid("touchpoint", f"no touchpoint {body.touchpoint!r}")
    if touchpoint.channel != Channel.IN_APP:
        return _invalid(
            "touchpoint",
            f"surveys by {touchpoint.get_channel_display().lower()}; set its channel to in-app "
            "to ask in the app",
        )
    unit = Unit.objects.filter(account=account, code=body.unit).first()
    if unit is None or not key_covers(request.auth, unit):
        # Unknown and out of the key's scope answer alike.
        return Status(
            404,
            {
                "error": "not_found",
                "detail": [{"field": "unit", "message": f"no unit with code {body.unit!r}"}],
            },
        )
    touchpoint.account = account
    decision = do_ask_now(
        account,
        touchpoint=touchpoint,
        unit=unit,
        contact=body.contact,
        external_id=body.external_id,
        properties=body.properties,
    )
    lang = language_for(body.contact.locale, account.default_locale)
    texts = wording_for(touchpoint, lang, brand=account.name, unit=unit.name)
    invitation = decision.invitation if decision.ask else None
    token = decision.token
    return Status(
        201 if decision.ask else 200,
        {
            "survey": decision.ask,
            "reason": decision.reason,
            "detail": decision.detail,
            "token": token,
            "survey_url": survey_url(invitation) if invitation and token else None,
            "expires_at": invitation.expires_at if invitation else None,
            "lang": lang,
            "texts": {k: texts[k] for k in ("question", "low", "high", "why", "send", "thanks")},
            "questions": [_question_out(q, lang) for q in active_questions(touchpoint.questions)],
        },
    )


def _question_out(q: dict, lang: str) -> dict:
    out = {
        "key": q["key"],
        "type": q["type"],
        "text": localise(q["text"], lang),
        "required": bool(q.get("required")),
        "show_to": q.get("show_to", ["promoter", "passive", "detractor"]),
        "options": [{"key": o["key"], "label": localise(o["label"], lang)} for o in q["options"]]
        if q.get("options")
        else [],
    }
    if q["type"] == "scale":
        out["options"] = [{"key": str(n), "label": str(n)} for n in range(1, 6)]
    return out


@router.post(
    "/responses",
    response={200: AnswerOut, 201: AnswerOut, 404: ErrorOut, 422: ErrorOut},
    summary="Send the contact's answer",
)
def respond(request: HttpRequest, body: AnswerIn):
    """The score, an optional comment and the follow-up answers (by question key; only the
    questions shown for the score's category are read). 201 for a new answer, 200 when the
    contact changed their answer."""
    invitation = access_open_invitation(body.token)
    if (
        invitation is None
        or not key_covers(request.auth, invitation.unit)
        or invitation.channel != Channel.IN_APP
    ):
        return Status(
            404, {"error": "not_found", "detail": "No open in-app survey has this token."}
        )
    lang = language_for(invitation.contact.locale, invitation.account.default_locale)
    shown = questions_for(invitation.touchpoint.questions, body.score, lang)
    checked = check_answers(shown, body.answers, lang)
    if checked.errors:
        return Status(
            422,
            {
                "error": "invalid_request",
                "detail": [
                    {"field": f"answers.{key}", "message": message}
                    for key, message in checked.errors.items()
                ],
            },
        )
    response, created = do_answer_invitation(
        invitation,
        score=body.score,
        comment=body.comment,
        answers=checked.answers,
        locale=lang,
    )
    return Status(
        201 if created else 200,
        {
            "id": response.pk,
            "score": response.score,
            "category": nps.classify(response.score),
            "answers": response.answers,
        },
    )
