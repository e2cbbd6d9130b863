"""What connectors write to vendors about a contact: their last answer, as of now."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from touchpoint.contacts.models import Contact
from touchpoint.lib import nps
from touchpoint.responses.models import Response


def now() -> dt.datetime:
    return timezone.now()


def answer_url(response: Response) -> str:
    return f"{settings.SITE_URL}/responses/{response.pk}/"


def last_answer(contact_id: int) -> tuple[Contact, dict] | None:
    """The contact and the values of their latest answer (read when the call is made, so a
    call that waited or was retried still writes the latest): score, category, comment,
    date (the local day it was given, ISO) and a link to it."""
    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None:
        return None
    response = (
        Response.objects.filter(contact_id=contact_id).order_by("-answered_at", "-pk").first()
    )
    if response is None:
        return None
    return contact, {
        "score": response.score,
        "category": nps.classify(response.score),
        "comment": response.comment,
        "date": response.answered_at.date().isoformat(),
        "link": answer_url(response),
    }
