"""Delighted's survey responses and metrics over Touchpoint's answers: read in the key's
scope, created through intake and changed through the answer door."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from touchpoint.accounts.access import key_covers, key_paths_q
from touchpoint.accounts.models import ApiKey, Unit
from touchpoint.delighted.actions import (
    DelightedError,
    contact_in,
    home_unit,
    intake_errors,
    scalar_properties,
    scoped_contacts,
)
from touchpoint.delighted.models import Project, ResponseExtra
from touchpoint.delighted.params import ParamError, mapping, record_id, text, timestamp
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import InteractionIn
from touchpoint.responses.actions import (
    InvalidAnswer,
    check_comment,
    check_score,
    do_change_answer,
)
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Interaction


def responses(key: ApiKey) -> QuerySet[Response]:
    """The answers given in the key's scope (by their attribution snapshot)."""
    return Response.objects.filter(key_paths_q(key)).select_related(
        "interaction", "contact", "delighted"
    )


def access_response(key: ApiKey, response_id: str) -> Response:
    pk = record_id(response_id)
    found = responses(key).filter(pk=pk).first() if pk else None
    if found is None:
        raise DelightedError(404)
    return found


def trend_unit(key: ApiKey, params: dict) -> Unit | None:
    """Delighted's `trend` (a saved segment) is a unit of the tree here: its id. A unit
    outside the key's scope reads exactly like one that does not exist."""
    trend = text(params, "trend")
    if not trend:
        return None
    pk = record_id(trend)
    unit = Unit.objects.filter(pk=pk).first() if pk else None
    if unit is None or not key_covers(key, unit):
        raise DelightedError.invalid("trend", "is not a unit id of this account")
    return unit


def do_create_response(project: Project, params: dict, key: ApiKey) -> tuple[Response, bool]:
    """POST survey_responses: an answer collected elsewhere, stored through intake (so its
    rollups move in the same transaction) with its own date, at the key's home unit.

    An answer posted with its `created_at` is known by person, time, score and comment: the
    same post again (a retry) is the same answer, returned as stored (created False).
    Without `created_at` each post is a new answer given now, as in Delighted."""
    account = project.account
    person = text(params, "person")
    if not person:
        raise DelightedError.invalid("person", "can't be blank")
    pk = record_id(person)
    contact = scoped_contacts(key).filter(pk=pk).first() if pk else None
    if contact is None:
        raise DelightedError.invalid("person", "does not exist")
    try:
        score = check_score(params.get("score"))
        comment = check_comment(text(params, "comment"))
        answered_at = timestamp(params, "created_at") or timezone.now()
        properties = scalar_properties(mapping(params, "person_properties"), "person_properties")
    except InvalidAnswer as invalid:
        raise _invalid_answer(invalid) from None
    except ParamError as error:
        raise DelightedError.invalid(error.field, str(error)) from None
    if answered_at > timezone.now() + dt.timedelta(minutes=5):
        raise DelightedError.invalid("created_at", "is in the future")
    external_id = ""
    if "created_at" in params:
        fingerprint = f"{contact.pk}|{answered_at.isoformat()}|{score}|{comment}"
        external_id = f"delighted-post-{hashlib.sha256(fingerprint.encode()).hexdigest()[:40]}"
    item = InteractionIn(
        external_id=external_id,
        touchpoint=project.email_touchpoint.slug,
        unit=home_unit(project, key).code,
        occurred_at=answered_at,
        contact=contact_in(contact, "email"),
        properties=properties,
        response={"score": score, "comment": comment, "answered_at": answered_at},
    )
    result = record_interactions(account, [item])
    if not result.ok:
        raise DelightedError(422, intake_errors(result.errors))
    outcome = result.items[0]
    return responses(key).get(pk=outcome.response.pk), outcome.created


def _invalid_answer(invalid: InvalidAnswer) -> DelightedError:
    if invalid.field == "score":
        return DelightedError.invalid("score", "must be a whole number from 0 to 10")
    return DelightedError.invalid(invalid.field, str(invalid))


def do_update_response(
    key: ApiKey, response: Response, params: dict
) -> tuple[Response, int | None]:
    """PUT survey_responses/{id}: score, comment, person_properties, tags, through the answer
    door. Read-only fields the client libraries send back (id, person, permalink, dates…)
    are ignored; everything given is checked before anything is stored. Returns the response
    and the old score when it changed."""
    change: dict = {}
    try:
        if "score" in params:
            change["score"] = check_score(params["score"])
        if "comment" in params:
            change["comment"] = check_comment(params["comment"])
    except InvalidAnswer as invalid:
        raise _invalid_answer(invalid) from None
    properties = params.get("person_properties")
    if properties is not None and not isinstance(properties, dict):
        raise DelightedError.invalid("person_properties", "must be an object")
    if properties is not None:
        properties = scalar_properties(properties, "person_properties")
    tags = params.get("tags")
    if tags is not None:
        if not isinstance(tags, list) or not all(isinstance(t, str | int | float) for t in tags):
            raise DelightedError.invalid("tags", "must be a list of strings")
        if any(len(str(t)) > 100 for t in tags) or len(tags) > 100:
            raise DelightedError.invalid("tags", "at most 100 tags of 100 characters")
    old_score = response.score
    with transaction.atomic():
        extra_changed = False
        if properties is not None and response.interaction_id:
            extra_changed |= bool(
                Interaction.objects.filter(pk=response.interaction_id)
                .exclude(properties=properties)
                .update(properties=properties)
            )
        if tags is not None:
            tags = [str(t) for t in tags]
            extra = ResponseExtra.objects.filter(response=response).first()
            if extra is None or extra.tags != tags:
                ResponseExtra.objects.update_or_create(
                    response=response, defaults={"account_id": response.account_id, "tags": tags}
                )
                extra_changed = True
        response = do_change_answer(response, **change, also_changed=extra_changed)
    changed = old_score if response.score != old_score else None
    return responses(key).get(pk=response.pk), changed


def metrics(key: ApiKey, params: dict) -> dict:
    """Net Promoter Score and counts over the key's answers in [since, until], optionally
    below a unit."""
    try:
        since, until = timestamp(params, "since"), timestamp(params, "until")
    except ParamError as error:
        raise DelightedError.invalid(error.field, str(error)) from None
    rows = Response.objects.filter(key_paths_q(key))
    if since:
        rows = rows.filter(answered_at__gte=since)
    if until:
        rows = rows.filter(answered_at__lte=until)
    unit = trend_unit(key, params)
    if unit:
        rows = rows.filter(unit_path__startswith=unit.path)
    counts = rows.aggregate(
        promoters=Count("pk", filter=Q(score__gte=9)),
        passives=Count("pk", filter=Q(score__in=[7, 8])),
        detractors=Count("pk", filter=Q(score__lte=6)),
    )
    n = sum(counts.values())

    def percent(count: int) -> int:
        return round(100 * count / n) if n else 0

    return {
        "nps": round(100 * (counts["promoters"] - counts["detractors"]) / n) if n else 0,
        "promoter_count": counts["promoters"],
        "promoter_percent": percent(counts["promoters"]),
        "passive_count": counts["passives"],
        "passive_percent": percent(counts["passives"]),
        "detractor_count": counts["detractors"],
        "detractor_percent": percent(counts["detractors"]),
        "response_count": n,
    }
