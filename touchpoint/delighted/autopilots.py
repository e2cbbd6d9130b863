"""Delighted's Autopilot over Touchpoint's recurring surveys: one per platform (email,
SMS) for the account's project, with its member list."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from touchpoint.contacts.models import Contact
from touchpoint.delighted.actions import (
    CHANNELS,
    DelightedError,
    account_person,
    check_email,
    check_phone,
    person_for,
    scalar_properties,
    touchpoint_for,
)
from touchpoint.delighted.models import Project
from touchpoint.delighted.params import ParamError, mapping, text
from touchpoint.intake import recurring
from touchpoint.surveys.models import Invitation, RecurringMember, RecurringSurvey


def access_autopilot(project: Project, platform: str) -> RecurringSurvey:
    """The project's recurring survey for a platform (email or sms), made on first use."""
    if platform not in CHANNELS:
        raise DelightedError(404)
    field = f"{platform}_autopilot"
    survey = getattr(project, field)
    if survey is None:
        survey = RecurringSurvey.objects.create(
            account=project.account,
            name=f"Delighted Autopilot ({platform})",
            touchpoint=touchpoint_for(project, platform),
            unit=project.unit,
            audience=RecurringSurvey.Audience.MEMBERS,
            every_months=3,
        )
        updated = Project.objects.filter(pk=project.pk, **{f"{field}__isnull": True}).update(
            **{field: survey}
        )
        if not updated:  # a concurrent request made one first: use theirs
            survey.delete()
            survey = getattr(Project.objects.get(pk=project.pk), field)
        setattr(project, field, survey)
    return survey


def _member_person(project: Project, params: dict, *, create: bool) -> Contact:
    given = {
        k: text(params, k)
        for k in ("person_id", "person_email", "person_phone_number")
        if text(params, k)
    }
    if len(given) != 1:
        raise DelightedError.invalid(
            "person", "give exactly one of person_id, person_email, person_phone_number"
        )
    ((name, value),) = given.items()
    account = project.account
    if name == "person_id":
        return account_person(account, value)
    if name == "person_email":
        email = check_email(value, name)
        if create:
            return person_for(account, email=email, phone="", channel="email")[0]
        return account_person(account, f"email:{email}")
    phone = check_phone(value, name)
    if create:
        return person_for(account, email="", phone=phone, channel="sms")[0]
    return account_person(account, f"phone_number:{phone}")


def do_add_membership(project: Project, platform: str, params: dict) -> RecurringMember:
    survey = access_autopilot(project, platform)
    try:
        properties = scalar_properties(mapping(params, "properties"))
    except ParamError as error:
        raise DelightedError.invalid(error.field, str(error)) from None
    with transaction.atomic():
        contact = _member_person(project, params, create=True)
        (member,) = recurring.do_join(survey=survey, contacts=[contact], properties=properties)
    return member


def do_remove_membership(project: Project, platform: str, params: dict) -> Contact:
    survey = access_autopilot(project, platform)
    contact = _member_person(project, params, create=False)
    recurring.do_leave(survey=survey, contact=contact)
    return contact


def memberships(survey: RecurringSurvey) -> QuerySet[RecurringMember]:
    return RecurringMember.objects.filter(survey=survey).select_related("contact")


def next_autopilot_invitation(member: RecurringMember) -> Invitation | None:
    return (
        Invitation.objects.filter(
            contact_id=member.contact_id,
            touchpoint_id=member.survey.touchpoint_id,
            state=Invitation.State.SCHEDULED,
        )
        .select_related("interaction")
        .order_by("send_at")
        .first()
    )
