"""Delighted's JSON shapes of a person and a survey response (Unix-second timestamps, string
ids), shared by the API views and the Delighted-shaped webhooks."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist

from touchpoint.delighted.params import unix
from touchpoint.surveys.models import Invitation


def person_out(contact, *, full: bool = True) -> dict:
    out = {
        "id": str(contact.pk),
        "email": contact.email,
        "name": contact.name or None,
        "created_at": unix(contact.created_at),
        "phone_number": contact.phone,
    }
    if full:
        out["last_sent_at"] = unix(getattr(contact, "last_sent_at", None))
        out["last_responded_at"] = unix(getattr(contact, "last_responded_at", None))
        out["next_survey_scheduled_at"] = unix(getattr(contact, "next_survey_at", None))
    return out


def scheduled_at(invitation: Invitation | None) -> int | None:
    if invitation is None or invitation.state not in (
        Invitation.State.SCHEDULED,
        Invitation.State.SENT,
    ):
        return None
    return unix(invitation.send_at)


def response_out(response, expand: list[str]) -> dict:
    extra = getattr(response, "delighted", None) if _has_extra(response) else None
    properties = response.interaction.properties if response.interaction_id else None
    person = None
    if response.contact_id:
        person = (
            person_out(response.contact, full=False)
            if "person" in expand
            else str(response.contact_id)
        )
    notes = [
        {
            "id": f"{response.pk}-{i}",
            "text": note.get("text", ""),
            "user_email": note.get("user_email"),
            "created_at": note.get("created_at"),
        }
        for i, note in enumerate(extra.notes if extra else [], start=1)
    ]
    return {
        "id": str(response.pk),
        "person": person,
        "survey_type": "nps",
        "score": response.score,
        "comment": response.comment or None,
        "permalink": f"{settings.SITE_URL}/admin/responses/response/{response.pk}/change/",
        "created_at": unix(response.answered_at),
        "updated_at": unix(response.updated_at),
        "person_properties": properties or None,
        "notes": notes,
        "tags": list(extra.tags) if extra else [],
        "additional_answers": [],
    }


def _has_extra(response) -> bool:
    try:
        response.delighted  # noqa: B018
    except ObjectDoesNotExist:
        return False
    return True
