"""An erased contact's answers stay as anonymous scores: an in-transaction subscriber."""

from __future__ import annotations

from django.utils import timezone

from touchpoint.events import actions as events
from touchpoint.events.models import Event
from touchpoint.responses.actions import ERASED
from touchpoint.responses.models import Response


def on_contact_erased(erasures: list[Event]) -> None:
    """Each answer keeps its score, channel, touchpoint, date and attribution snapshot, so
    every rollup and report stays exactly as it was (nothing a rollup counts changes); its
    comment, follow-up answers, locale and every link back to the person are removed. Each
    answer so emptied publishes `response.erased`: what was derived from its words elsewhere
    (comment analysis, a CRM's copy) goes too."""
    answers = Response.objects.filter(contact_id__in=[e.subject_id for e in erasures])
    erased = list(answers.values_list("pk", "account_id"))
    answers.update(
        contact=None,
        interaction=None,
        invitation=None,
        comment="",
        answers={},
        locale="",
        client_key=None,
        updated_at=timezone.now(),
    )
    events.publish(
        [
            events.new(ERASED, account_id=account_id, subject_id=pk, data={})
            for pk, account_id in erased
        ]
    )
