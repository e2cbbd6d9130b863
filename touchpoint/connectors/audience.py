"""A newsletter audience (or one of its segments) imported as contacts for a recurring
survey, one page of members per call through the outbox (so a large audience is read at the
vendor's pace, a page retried on its own, and a dead worker resumes where it was).

Only subscribed members are imported. Each page's contacts are matched or created through
the intake's contact rules and joined to the survey, whose first surveys are spread over one
period (never one blast); a page imported twice changes nothing.
"""

from __future__ import annotations

import uuid

from django.db import transaction

from touchpoint.connectors.calls import queue_calls
from touchpoint.connectors.models import Connector, ConnectorCall
from touchpoint.contacts.actions import resolve_contacts
from touchpoint.intake import recurring
from touchpoint.intake.schemas import ContactIn
from touchpoint.surveys.models import RecurringSurvey

PAGE = 1000


class ImportRefused(ValueError):
    pass


def import_survey(connector: Connector) -> RecurringSurvey:
    survey = RecurringSurvey.objects.filter(
        account_id=connector.account_id, pk=connector.config.get("import_survey") or 0
    ).first()
    if survey is None:
        raise ImportRefused("choose the recurring survey the audience is imported for")
    if survey.audience != RecurringSurvey.Audience.MEMBERS:
        raise ImportRefused("that recurring survey takes a segment of contacts, not a member list")
    return survey


def do_start_import(connector: Connector) -> str:
    """Queue the first page of an import; returns the run's id."""
    import_survey(connector)
    run = uuid.uuid4().hex[:12]
    queue_calls([_page_call(connector, run, 0)])
    return run


def _page_call(connector: Connector, run: str, offset: int) -> ConnectorCall:
    return ConnectorCall(
        connector=connector,
        account_id=connector.account_id,
        operation="mailchimp.import",
        idempotent=True,
        payload={"run": run, "offset": offset, "count": PAGE},
        dedupe_key=f"import:{connector.pk}:{run}:{offset}",
        summary=f"Audience import {run}: members from {offset + 1}",
    )


def do_import_page(call: ConnectorCall, result: dict) -> None:
    """One page of members read: contacts matched or made, joined to the survey; the next
    page queued."""
    connector = call.connector
    survey = import_survey(connector)
    given = []
    for member in result.get("members", []):
        try:
            given.append(ContactIn.model_validate(member))
        except ValueError:
            continue  # an address the intake would refuse: left out
    with transaction.atomic():
        contacts = resolve_contacts(connector.account, given) if given else []
        if contacts:
            recurring.do_join(survey=survey, contacts=contacts)
    following = call.payload["offset"] + call.payload["count"]
    if following < result.get("total", 0):
        queue_calls([_page_call(connector, call.payload["run"], following)])
