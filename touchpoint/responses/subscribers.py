"""An erased contact's answers stay as anonymous scores: an in-transaction subscriber."""

from __future__ import annotations

from django.utils import timezone

from touchpoint.events import actions as events
from touchpoint.events.models import Event
from touchpoint.responses.actions import ERASED
from touchpoint.responses.models import Response

COUNTED = ("pk", "account_id", "unit_path", "touchpoint_id", "channel", "answered_at", "score")


def on_contact_erased(erasures: list[Event]) -> None:
    """Each answer keeps its score, channel, touchpoint, date and attribution snapshot, so
    every rollup stays as it was; its comment, follow-up answers, locale, segment snapshot
    (the person's attributes) and every link back to the person are removed. Each answer so
    emptied publishes `response.erased`, its subject the answer as it was (in memory only,
    never stored in the event): the segment rollups move it to "no value", and what was
    derived from its words elsewhere (comment analysis, a CRM's copy) goes too."""
    answers = Response.objects.filter(contact_id__in=[e.subject_id for e in erasures])
    before = [
        Response(**dict(zip(COUNTED, row, strict=True)), segments=segments)
        for *row, segments in answers.values_list(*COUNTED, "segments")
    ]
    answers.update(
        contact=None,
        interaction=None,
        invitation=None,
        comment="",
        answers={},
        locale="",
        segments={},
        client_key=None,
        updated_at=timezone.now(),
    )
    events.publish(
        [
            events.new(ERASED, account_id=answer.account_id, subject=answer, data={})
            for answer in before
        ]
    )
