"""The public JSON shape of an answer, as webhooks and connectors receive it."""

from __future__ import annotations

from touchpoint.lib import nps
from touchpoint.responses.models import Response


def response_payload(response: Response) -> dict:
    """An answer with what a receiver needs to act on it (load `touchpoint`, `unit` and
    `contact` with it)."""
    contact = response.contact if response.contact_id else None
    return {
        "id": response.pk,
        "score": response.score,
        "category": nps.classify(response.score),
        "comment": response.comment,
        "answers": response.answers,
        "channel": response.channel,
        "locale": response.locale,
        "touchpoint": response.touchpoint.slug,
        "unit": {"id": response.unit_id, "code": response.unit.code, "name": response.unit.name},
        "attribution": response.attribution,
        "answered_at": response.answered_at.isoformat(),
        "updated_at": response.updated_at.isoformat() if response.updated_at else None,
        "interaction_id": response.interaction_id,
        "contact": None
        if contact is None
        else {"id": contact.pk, "external_id": contact.external_id, "email": contact.email},
    }


def response_summary(response: Response) -> str:
    """One line for a chat message."""
    category = nps.classify(response.score)
    said = f": “{response.comment[:200]}”" if response.comment else ""
    return (
        f"{category.capitalize()} {response.score}/10 at {response.unit.name} "
        f"({response.touchpoint.name}){said}"
    )
