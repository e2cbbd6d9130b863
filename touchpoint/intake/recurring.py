"""Recurring relationship surveys: membership, even spreading, and the worker's planning pass.

Every step is safe with any number of workers: a due member (or a segment due for re-reading)
is claimed with one conditional UPDATE of its due date, and the interaction it leads to has an
external id made of the survey, the contact and the claimed date, so a retry can never survey
anyone twice for the same period.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from touchpoint.contacts.models import Contact
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import ContactIn, InteractionIn
from touchpoint.surveys.models import Invitation, RecurringMember, RecurringSurvey

log = logging.getLogger("touchpoint.recurring")

REFRESH_EVERY = dt.timedelta(hours=1)
BATCH = 500


def add_months(at: dt.datetime, months: int) -> dt.datetime:
    """The same wall time `months` later; the 31st becomes the last day of a shorter month."""
    month0 = at.month - 1 + months
    year, month = at.year + month0 // 12, month0 % 12 + 1
    day = min(at.day, calendar.monthrange(year, month)[1])
    return at.replace(year=year, month=month, day=day)


def period(survey: RecurringSurvey, start: dt.datetime) -> dt.timedelta:
    return add_months(start, survey.every_months) - start


def spread(start: dt.datetime, length: dt.timedelta, count: int) -> list[dt.datetime]:
    """`count` due dates at equal steps over [start, start + length): never one blast."""
    if count <= 0:
        return []
    step = length / count
    return [start + step * i for i in range(count)]


def _scalar_properties(properties: dict) -> dict:
    return {
        str(k)[:60]: v if isinstance(v, str | int | float | bool) or v is None else str(v)
        for k, v in properties.items()
    }


@transaction.atomic
def do_join(
    *,
    survey: RecurringSurvey,
    contacts: Sequence[Contact],
    properties: dict | None = None,
    now: dt.datetime | None = None,
) -> list[RecurringMember]:
    """Add contacts (or update the properties of those already in). New members' first surveys
    are spread evenly over one period from now; existing members keep their dates."""
    now = now or timezone.now()
    existing = {
        m.contact_id: m
        for m in RecurringMember.objects.select_for_update().filter(
            survey=survey, contact__in=[c.pk for c in contacts]
        )
    }
    new_contacts = [c for c in contacts if c.pk not in existing]
    dates = spread(now, period(survey, now), len(new_contacts))
    created = [
        RecurringMember(
            survey=survey, contact=contact, properties=properties or {}, next_survey_at=when
        )
        for contact, when in zip(new_contacts, dates, strict=True)
    ]
    RecurringMember.objects.bulk_create(created, ignore_conflicts=True)
    if properties is not None:
        for member in existing.values():
            if member.properties != properties:
                member.properties = properties
                member.save(update_fields=["properties", "updated_at"])
    return list(RecurringMember.objects.filter(survey=survey, contact__in=[c.pk for c in contacts]))


@transaction.atomic
def do_leave(*, survey: RecurringSurvey, contact: Contact) -> bool:
    """Remove a member and cancel the surveys of this recurring survey not yet sent."""
    deleted, _ = RecurringMember.objects.filter(survey=survey, contact=contact).delete()
    Invitation.objects.filter(
        contact=contact,
        touchpoint=survey.touchpoint,
        state=Invitation.State.SCHEDULED,
        interaction__external_id__startswith=f"recurring-{survey.pk}-",
    ).update(
        state=Invitation.State.SUPPRESSED,
        reason=Invitation.Reason.CANCELLED,
        detail="left the recurring survey",
        updated_at=timezone.now(),
    )
    return bool(deleted)


def segment_contacts(survey: RecurringSurvey):
    contacts = Contact.objects.filter(account_id=survey.account_id)
    for name, value in (survey.segment or {}).items():
        contacts = contacts.filter(**{f"attributes__{name}": value})
    return contacts


def refresh_segment(survey: RecurringSurvey, *, now: dt.datetime) -> tuple[int, int]:
    """Make the members the contacts that match the segment now: (joined, left)."""
    wanted = set(segment_contacts(survey).values_list("pk", flat=True))
    current = set(
        RecurringMember.objects.filter(survey=survey).values_list("contact_id", flat=True)
    )
    joining = sorted(wanted - current)
    leaving = current - wanted
    with transaction.atomic():
        RecurringMember.objects.filter(survey=survey, contact_id__in=leaving).delete()
        dates = spread(now, period(survey, now), len(joining))
        RecurringMember.objects.bulk_create(
            [
                RecurringMember(survey=survey, contact_id=pk, next_survey_at=when)
                for pk, when in zip(joining, dates, strict=True)
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
    return len(joining), len(leaving)


def _claim_refresh(survey: RecurringSurvey, now: dt.datetime) -> bool:
    return bool(
        RecurringSurvey.objects.filter(pk=survey.pk, refresh_at=survey.refresh_at).update(
            refresh_at=now + REFRESH_EVERY
        )
    )


def _claim_member(member: RecurringMember) -> dt.datetime | None:
    """Move a due member's date one period on; the old date if this worker won it."""
    due = member.next_survey_at
    survey = member.survey
    nxt = add_months(due, survey.every_months)
    won = RecurringMember.objects.filter(pk=member.pk, next_survey_at=due).update(
        next_survey_at=nxt, updated_at=timezone.now()
    )
    return due if won else None


def external_id(survey: RecurringSurvey, contact_id: int, due: dt.datetime) -> str:
    return f"recurring-{survey.pk}-{contact_id}-{due:%Y%m%d%H%M%S}"


def _interaction_for(
    member: RecurringMember, due: dt.datetime, now: dt.datetime
) -> InteractionIn | None:
    contact = member.contact
    if not (contact.email or contact.phone or contact.external_id):
        return None  # nothing to reach them by, nor to find them again with
    return InteractionIn(
        external_id=external_id(member.survey, contact.pk, due),
        touchpoint=member.survey.touchpoint.slug,
        unit=member.survey.unit.code,
        occurred_at=min(due, now),
        contact=ContactIn(
            email=contact.email or "",
            phone=contact.phone or "",
            external_id=contact.external_id or "",
        ),
        properties=_scalar_properties(member.properties),
    )


def run_due(*, now: dt.datetime | None = None, limit: int = BATCH) -> int:
    """One planning pass: re-read due segments, then survey due members. Returns interactions
    recorded. Called by `touchpoint worker` on every loop."""
    now = now or timezone.now()
    for survey in RecurringSurvey.objects.filter(
        is_active=True, audience=RecurringSurvey.Audience.SEGMENT
    ).exclude(refresh_at__gt=now):
        if _claim_refresh(survey, now):
            joined, left = refresh_segment(survey, now=now)
            if joined or left:
                log.info("recurring survey %s: %s joined, %s left", survey.pk, joined, left)

    due = list(
        RecurringMember.objects.filter(next_survey_at__lte=now, survey__is_active=True)
        .select_related("survey__touchpoint", "survey__unit", "survey__account", "contact")
        .order_by("next_survey_at")[:limit]
    )
    recorded = 0
    for survey_id, members in _by_survey(due):
        account = members[0].survey.account
        with transaction.atomic():
            items = []
            for member in members:
                claimed = _claim_member(member)
                item = _interaction_for(member, claimed, now) if claimed else None
                if item is not None:
                    items.append(item)
            if not items:
                continue
            result = record_interactions(account, items)
            if not result.ok:  # a contact changed under us; the rows stay claimed
                log.warning("recurring survey %s: %s", survey_id, result.errors[:3])
                continue
            recorded += sum(1 for item in result.items if item.created)
    return recorded


def _by_survey(members: Iterable[RecurringMember]) -> list[tuple[int, list[RecurringMember]]]:
    groups: dict[int, list[RecurringMember]] = {}
    for member in members:
        groups.setdefault(member.survey_id, []).append(member)
    return list(groups.items())
