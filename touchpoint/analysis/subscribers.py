"""Every answer is analysed: relayed subscribers of the answer events (never on the survey
page's request). A new answer, a changed comment and an erased one are marked pending; the
worker's sweep analyses them within seconds."""

from __future__ import annotations

from touchpoint.analysis.hooks import request_analysis
from touchpoint.events.models import Event


def on_answers(events: list[Event]) -> None:
    request_analysis(
        e.subject_id
        for e in events
        if e.type != "response.updated" or "comment" in e.data.get("changed", ())
    )
