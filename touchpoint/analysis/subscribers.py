"""Every answer is analysed: relayed subscribers of the answer events (never on the survey
page's request). A new answer, an erased one and one whose comment, score or language
changed are marked pending (the theme rollups count an answer with its score); the worker's
sweep analyses them within seconds. An answer restated under a new path moves its theme
rollups in the restatement's own transaction."""

from __future__ import annotations

from touchpoint.analysis import rollups
from touchpoint.analysis.hooks import request_analysis
from touchpoint.events.models import Event

ANALYSED = {"comment", "score", "locale"}  # what an analysis, or its rollups, depend on


def on_answers(events: list[Event]) -> None:
    request_analysis(
        e.subject_id
        for e in events
        if e.type != "response.updated" or ANALYSED & set(e.data.get("changed", ()))
    )


def on_restated(events: list[Event]) -> None:
    rollups.restate([(event.subject, event.data["from"]) for event in events])
