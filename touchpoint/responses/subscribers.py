"""An erased contact's answers stay as anonymous scores: an in-transaction subscriber."""

from __future__ import annotations

from django.utils import timezone

from touchpoint.events.models import Event
from touchpoint.responses.models import Response


def on_contact_erased(events: list[Event]) -> None:
    """Each answer keeps its score, channel, touchpoint, date and attribution snapshot, so
    every rollup and report stays exactly as it was (nothing a rollup counts changes); its
    comment, follow-up answers, locale and every link back to the person are removed."""
    Response.objects.filter(contact_id__in=[e.subject_id for e in events]).update(
        contact=None,
        interaction=None,
        invitation=None,
        comment="",
        answers={},
        locale="",
        client_key=None,
        updated_at=timezone.now(),
    )
