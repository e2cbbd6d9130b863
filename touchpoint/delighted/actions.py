"""The domain behind the Delighted-compatible API: every change goes through Touchpoint's own
actions (intake, opt-out, erasure, answers, recurring surveys), so its rules apply unchanged."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from pydantic_core import PydanticCustomError

from touchpoint.accounts.access import key_covers, key_paths_q
from touchpoint.accounts.models import Account, ApiKey, Unit
from touchpoint.contacts.actions import do_erase_contact, do_opt_out
from touchpoint.contacts.models import Contact
from touchpoint.delighted.models import Project, ResponseExtra
from touchpoint.delighted.params import (
    ParamError,
    boolean,
    integer,
    mapping,
    text,
    timestamp,
)
from touchpoint.ratelimits import actions as ratelimits
from touchpoint.responses.actions import (
    InvalidAnswer,
    check_comment,
    check_score,
    do_change_answer,
)
from touchpoint.responses.models import Response
from touchpoint.surveys import recurring
from touchpoint.surveys.actions import record_interactions
from touchpoint.surveys.models import (
    Channel,
    Interaction,
    Invitation,
    RecurringMember,
    RecurringSurvey,
    Touchpoint,
)
from touchpoint.surveys.schemas import LOCALE_RE, ContactIn, InteractionIn, normalise_phone

log = logging.getLogger("touchpoint.delighted")

CHANNELS = ("email", "sms")
MAX_DELAY = 60 * 60 * 24 * 365  # a year, in seconds
# Properties Delighted reads itself; kept as interaction properties too.
SPECIAL_PROPERTIES = ("locale", "question_product_name")


class DelightedError(Exception):
    """An answer in Delighted's error shape: {"status", "message", "errors"?}."""

    MESSAGES = {
        401: "Unauthorized",
        404: "Not Found",
        406: "Not Acceptable",
        422: "Unprocessable Entity",
        429: "Too Many Requests",
    }

    def __init__(self, status: int, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(self.MESSAGES.get(status, "Error"))
        self.status = status
        self.errors = errors

    @classmethod
    def invalid(cls, field: str, message: str) -> DelightedError:
        return cls(422, {field: [message]})

    def body(self) -> dict:
        out: dict = {"status": self.status, "message": self.MESSAGES.get(self.status, "Error")}
        if self.errors:
            out["errors"] = self.errors
        return out


# ---- project, rate limit -------------------------------------------------------------------


def access_project(account: Account) -> Project:
    """The account's Delighted project, made on first use: the brand unit answers for it and
    a `delighted-email` touchpoint carries its surveys."""
    project = Project.objects.select_related("unit", "email_touchpoint").filter(account=account)
    found = project.first()
    if found is not None:
        return found
    root = Unit.objects.filter(account=account, parent__isnull=True).order_by("pk").first()
    if root is None:
        raise DelightedError.invalid("project", "the account has no organisation tree yet")
    try:
        with transaction.atomic():
            touchpoint = _touchpoint(account, Channel.EMAIL)
            return Project.objects.create(account=account, unit=root, email_touchpoint=touchpoint)
    except IntegrityError:  # another request made it first
        return project.get()


def home_unit(project: Project, key: ApiKey) -> Unit:
    """Where the key's surveys and answers are attributed: a unit-limited key's own unit,
    else the project's (the brand)."""
    return key.unit if key.unit_id is not None else project.unit


def check_account_wide(key: ApiKey) -> None:
    """Autopilot is the whole account's programme: a unit-limited key does not see it."""
    if key.unit_id is not None:
        raise DelightedError(404)


def scoped_contacts(key: ApiKey) -> QuerySet[Contact]:
    """The people a key may read and write: its account's, or for a unit-limited key those
    with an interaction in its subtree (a contact belongs to no unit; its interactions do)."""
    contacts = Contact.objects.filter(account_id=key.account_id)
    if key.unit_id is None:
        return contacts
    seen = Interaction.objects.filter(
        account_id=key.account_id, unit__path__startswith=key.unit.path
    )
    return contacts.filter(pk__in=seen.values("contact_id"))


def _touchpoint(account: Account, channel: str) -> Touchpoint:
    touchpoint, _ = Touchpoint.objects.get_or_create(
        account=account,
        slug=f"delighted-{channel}",
        defaults={
            "name": f"Delighted API ({channel})",
            "kind": Touchpoint.Kind.OTHER,
            "channel": channel,
        },
    )
    return touchpoint


def touchpoint_for(project: Project, channel: str) -> Touchpoint:
    if channel == Channel.EMAIL:
        return project.email_touchpoint
    if project.sms_touchpoint_id is None:
        project.sms_touchpoint = _touchpoint(project.account, Channel.SMS)
        Project.objects.filter(pk=project.pk).update(sms_touchpoint=project.sms_touchpoint)
    return project.sms_touchpoint


def check_rate(api_key: ApiKey, *, now: dt.datetime | None = None) -> int | None:
    """Count this request in the key's current minute; the seconds to wait when over the
    limit (the one rate limiter, shared by every process)."""
    allowed, wait = ratelimits.take(
        f"delighted:{api_key.pk}", limit=settings.DELIGHTED_RATE_LIMIT, now=now
    )
    return None if allowed else max(1, wait)


# ---- people ---------------------------------------------------------------------------------


def check_email(value: str, field: str) -> str:
    try:
        validate_email(value)
    except DjangoValidationError:
        raise DelightedError.invalid(field, "is invalid") from None
    return value.lower()


def check_phone(value: str, field: str) -> str:
    try:
        return normalise_phone(value)
    except PydanticCustomError:
        raise DelightedError.invalid(field, "must be in E.164 format, e.g. +17132746524") from None


def scalar_properties(properties: dict, field: str = "properties") -> dict:
    out = {}
    for key, value in properties.items():
        if len(str(key)) > 60:
            raise DelightedError.invalid(field, f"key {str(key)[:20]!r}… is over 60 characters")
        if not (isinstance(value, str | int | float | bool) or value is None):
            value = str(value)
        out[str(key)] = value
    return out


@dataclass
class SendResult:
    contact: Contact
    created: bool
    invitation: Invitation | None
    properties: dict


def do_send_to_person(project: Project, params: dict, key: ApiKey) -> SendResult:
    """POST people: create or update the person, then (unless send=false) record an interaction
    at the project's touchpoint, which plans the survey by Touchpoint's rules.

    A unit-limited key records the interaction at its own unit. A person it cannot see yet
    (known only elsewhere in the account) is neither changed nor shown to it: without a
    survey the answer only echoes what was sent, and their identifiers cannot be updated."""
    try:
        channel = text(params, "channel") or "email"
        email = text(params, "email")
        phone = text(params, "phone_number")
        name = text(params, "name")
        delay = integer(params, "delay", default=0, low=0, high=MAX_DELAY)
        send = boolean(params, "send", default=True)
        last_sent_at = timestamp(params, "last_sent_at")
        email_update = text(params, "email_update")
        phone_update = text(params, "phone_number_update")
        properties = scalar_properties(mapping(params, "properties"))
    except ParamError as error:
        raise DelightedError.invalid(error.field, str(error)) from None
    if channel not in CHANNELS:
        raise DelightedError.invalid("channel", "is not included in the list (email, sms)")
    if not email and not phone:
        raise DelightedError.invalid("email", "can't be blank (send email or phone_number)")
    if channel == "sms" and not phone:
        raise DelightedError.invalid("phone_number", "can't be blank when channel is sms")
    email = check_email(email, "email") if email else ""
    phone = check_phone(phone, "phone_number") if phone else ""
    email_update = check_email(email_update, "email_update") if email_update else ""
    phone_update = check_phone(phone_update, "phone_number_update") if phone_update else ""
    locale = str(properties.get("locale") or "")
    if locale and not LOCALE_RE.match(locale):
        raise DelightedError.invalid("properties", "locale must be a language code such as en")
    if len(name) > 200:
        raise DelightedError.invalid("name", "is too long (maximum is 200 characters)")

    account = project.account
    with transaction.atomic():
        contact, created = _person(account, email=email, phone=phone, channel=channel)
        if not created and not scoped_contacts(key).filter(pk=contact.pk).exists():
            if email_update or phone_update:
                raise DelightedError(404)
            if not send:
                echo = Contact(pk=contact.pk, email=email or None, phone=phone or None, name=name)
                return SendResult(echo, True, None, properties)
            created = True  # new to this key: the interaction below brings them into its scope
        changed = []
        for field, value in (("name", name), ("locale", locale.replace("_", "-"))):
            if value and getattr(contact, field) != value:
                setattr(contact, field, value)
                changed.append(field)
        for field, given, update in (
            ("email", email, email_update),
            ("phone", phone, phone_update),
        ):
            wanted = update or given
            if (
                wanted
                and getattr(contact, field) != wanted
                and (update or not getattr(contact, field))
            ):
                taken = Contact.objects.filter(account=account, **{field: wanted}).exclude(
                    pk=contact.pk
                )
                if taken.exists():
                    label = "email_update" if field == "email" else "phone_number_update"
                    raise DelightedError.invalid(label, "is already used by another person")
                setattr(contact, field, wanted)
                changed.append(field)
        if last_sent_at and (
            contact.last_invited_at is None or contact.last_invited_at < last_sent_at
        ):
            contact.last_invited_at = last_sent_at
            changed.append("last_invited_at")
        if changed:
            contact.save(update_fields=[*changed, "updated_at"])
        if not send:
            return SendResult(contact, created, None, properties)

        touchpoint = touchpoint_for(project, channel)
        item = InteractionIn(
            touchpoint=touchpoint.slug,
            unit=home_unit(project, key).code,
            occurred_at=timezone.now(),
            contact=_contact_in(contact, channel),
            properties=properties,
        )
        result = record_interactions(account, [item], delay=dt.timedelta(seconds=delay))
        if not result.ok:
            raise DelightedError(422, _errors(result.errors))
        return SendResult(contact, created, result.items[0].invitation, properties)


def _contact_in(contact: Contact, channel: str) -> ContactIn:
    """The one identifier that finds this very contact again in intake."""
    if contact.external_id:
        return ContactIn(external_id=contact.external_id)
    if (channel == "sms" and contact.phone) or not contact.email:
        return ContactIn(phone=contact.phone or "")
    return ContactIn(email=contact.email)


def _errors(errors: list[dict[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for error in errors:
        out.setdefault(error["field"].split(".")[-1], []).append(error["message"])
    return out


def _person(account: Account, *, email: str, phone: str, channel: str) -> tuple[Contact, bool]:
    """The person by the channel's identifier first (email, or phone for SMS), else the other,
    else a new one."""
    order = (
        [("phone", phone), ("email", email)]
        if channel == "sms"
        else [
            ("email", email),
            ("phone", phone),
        ]
    )
    for field, value in order:
        if value:
            found = Contact.objects.select_for_update().filter(account=account, **{field: value})
            contact = found.first()
            if contact is not None:
                return contact, False
    try:
        with transaction.atomic():
            return (
                Contact.objects.create(account=account, email=email or None, phone=phone or None),
                True,
            )
    except IntegrityError:  # created meanwhile by a concurrent request
        field, value = next((f, v) for f, v in order if v)
        return Contact.objects.get(account=account, **{field: value}), False


def people(key: ApiKey) -> QuerySet[Contact]:
    """The key's contacts with the dates Delighted shows for a person."""
    invitations = Invitation.objects.filter(contact=OuterRef("pk"))
    return scoped_contacts(key).annotate(
        last_sent_at=Subquery(
            invitations.filter(sent_at__isnull=False).order_by("-sent_at").values("sent_at")[:1]
        ),
        next_survey_at=Subquery(
            invitations.filter(state=Invitation.State.SCHEDULED)
            .order_by("send_at")
            .values("send_at")[:1]
        ),
        last_responded_at=Subquery(
            Response.objects.filter(contact=OuterRef("pk"))
            .order_by("-answered_at")
            .values("answered_at")[:1]
        ),
    )


def access_person(key: ApiKey, identifier: str) -> Contact:
    """A person by id, `email:…` or `phone_number:…`, in the key's scope only; else 404."""
    return _find_person(scoped_contacts(key), identifier)


def _account_person(account: Account, identifier: str) -> Contact:
    return _find_person(Contact.objects.filter(account=account), identifier)


def _find_person(contacts: QuerySet[Contact], identifier: str) -> Contact:
    if identifier.startswith("email:"):
        contact = contacts.filter(email=identifier[6:].strip().lower()).first()
    elif identifier.startswith("phone_number:"):
        try:
            phone = normalise_phone(identifier[13:].strip())
        except PydanticCustomError:
            phone = ""
        contact = contacts.filter(phone=phone).first() if phone else None
    elif identifier.isdigit():
        contact = contacts.filter(pk=int(identifier)).first()
    else:
        contact = None
    if contact is None:
        raise DelightedError(404)
    return contact


def do_delete_person(contact: Contact) -> dict[str, int]:
    """Erase the person everywhere. Their answers stay as anonymous scores with attribution
    (reports and rollups do not move); Delighted's notes and tags on them go too."""
    with transaction.atomic():
        ResponseExtra.objects.filter(response__contact=contact).update(notes=[], tags=[])
        return do_erase_contact(contact=contact, source="delighted api")


def do_cancel_pending(key: ApiKey, email: str) -> int:
    """Cancel the person's invitations not yet sent (those in the key's scope); they stay
    visible as cancelled."""
    contact = scoped_contacts(key).filter(email=email.strip().lower()).first()
    if contact is None:
        raise DelightedError(404)
    pending = Invitation.objects.filter(contact=contact, state=Invitation.State.SCHEDULED)
    if key.unit_id is not None:
        pending = pending.filter(unit__path__startswith=key.unit.path)
    return pending.update(
        state=Invitation.State.SUPPRESSED,
        reason=Invitation.Reason.CANCELLED,
        detail="pending survey requests deleted through the Delighted API",
        updated_at=timezone.now(),
    )


# ---- survey responses -----------------------------------------------------------------------


def responses(key: ApiKey) -> QuerySet[Response]:
    """The answers given in the key's scope (by their attribution snapshot)."""
    return Response.objects.filter(key_paths_q(key)).select_related(
        "interaction", "contact", "delighted"
    )


def access_response(key: ApiKey, response_id: str) -> Response:
    found = responses(key).filter(pk=int(response_id)).first() if response_id.isdigit() else None
    if found is None:
        raise DelightedError(404)
    return found


def trend_unit(key: ApiKey, params: dict) -> Unit | None:
    """Delighted's `trend` (a saved segment) is a unit of the tree here: its id. A unit
    outside the key's scope reads exactly like one that does not exist."""
    trend = text(params, "trend")
    if not trend:
        return None
    unit = Unit.objects.filter(pk=int(trend)).first() if trend.isdigit() else None
    if unit is None or not key_covers(key, unit):
        raise DelightedError.invalid("trend", "is not a unit id of this account")
    return unit


def do_create_response(project: Project, params: dict, key: ApiKey) -> tuple[Response, bool]:
    """POST survey_responses: an answer collected elsewhere, stored through intake (so its
    rollups move in the same transaction) with its own date, at the key's home unit.

    An answer posted with its `created_at` is known by person, time, score and comment: the
    same post again (a retry) is the same answer, returned as stored (created False).
    Without `created_at` each post is a new answer given now, as in Delighted."""
    account = project.account
    person = text(params, "person")
    if not person:
        raise DelightedError.invalid("person", "can't be blank")
    contact = scoped_contacts(key).filter(pk=int(person)).first() if person.isdigit() else None
    if contact is None:
        raise DelightedError.invalid("person", "does not exist")
    try:
        score = check_score(params.get("score"))
        comment = check_comment(text(params, "comment"))
        answered_at = timestamp(params, "created_at") or timezone.now()
        properties = scalar_properties(mapping(params, "person_properties"), "person_properties")
    except InvalidAnswer as invalid:
        raise _invalid_answer(invalid) from None
    except ParamError as error:
        raise DelightedError.invalid(error.field, str(error)) from None
    if answered_at > timezone.now() + dt.timedelta(minutes=5):
        raise DelightedError.invalid("created_at", "is in the future")
    external_id = ""
    if "created_at" in params:
        fingerprint = f"{contact.pk}|{answered_at.isoformat()}|{score}|{comment}"
        external_id = f"delighted-post-{hashlib.sha256(fingerprint.encode()).hexdigest()[:40]}"
    item = InteractionIn(
        external_id=external_id,
        touchpoint=project.email_touchpoint.slug,
        unit=home_unit(project, key).code,
        occurred_at=answered_at,
        contact=_contact_in(contact, "email"),
        properties=properties,
        response={"score": score, "comment": comment, "answered_at": answered_at},
    )
    result = record_interactions(account, [item])
    if not result.ok:
        raise DelightedError(422, _errors(result.errors))
    outcome = result.items[0]
    return responses(key).get(pk=outcome.response.pk), outcome.created


def _invalid_answer(invalid: InvalidAnswer) -> DelightedError:
    if invalid.field == "score":
        return DelightedError.invalid("score", "must be a whole number from 0 to 10")
    return DelightedError.invalid(invalid.field, str(invalid))


def do_update_response(
    key: ApiKey, response: Response, params: dict
) -> tuple[Response, int | None]:
    """PUT survey_responses/{id}: score, comment, person_properties, tags, through the answer
    door. Read-only fields the client libraries send back (id, person, permalink, dates…)
    are ignored; everything given is checked before anything is stored. Returns the response
    and the old score when it changed."""
    change: dict = {}
    try:
        if "score" in params:
            change["score"] = check_score(params["score"])
        if "comment" in params:
            change["comment"] = check_comment(params["comment"])
    except InvalidAnswer as invalid:
        raise _invalid_answer(invalid) from None
    properties = params.get("person_properties")
    if properties is not None and not isinstance(properties, dict):
        raise DelightedError.invalid("person_properties", "must be an object")
    if properties is not None:
        properties = scalar_properties(properties, "person_properties")
    tags = params.get("tags")
    if tags is not None:
        if not isinstance(tags, list) or not all(isinstance(t, str | int | float) for t in tags):
            raise DelightedError.invalid("tags", "must be a list of strings")
        if any(len(str(t)) > 100 for t in tags) or len(tags) > 100:
            raise DelightedError.invalid("tags", "at most 100 tags of 100 characters")
    old_score = response.score
    with transaction.atomic():
        extra_changed = False
        if properties is not None and response.interaction_id:
            extra_changed |= bool(
                Interaction.objects.filter(pk=response.interaction_id)
                .exclude(properties=properties)
                .update(properties=properties)
            )
        if tags is not None:
            tags = [str(t) for t in tags]
            extra = ResponseExtra.objects.filter(response=response).first()
            if extra is None or extra.tags != tags:
                ResponseExtra.objects.update_or_create(
                    response=response, defaults={"account_id": response.account_id, "tags": tags}
                )
                extra_changed = True
        response = do_change_answer(response, **change, also_changed=extra_changed)
    changed = old_score if response.score != old_score else None
    return responses(key).get(pk=response.pk), changed


def metrics(key: ApiKey, params: dict) -> dict:
    """Net Promoter Score and counts over the key's answers in [since, until], optionally
    below a unit."""
    try:
        since, until = timestamp(params, "since"), timestamp(params, "until")
    except ParamError as error:
        raise DelightedError.invalid(error.field, str(error)) from None
    rows = Response.objects.filter(key_paths_q(key))
    if since:
        rows = rows.filter(answered_at__gte=since)
    if until:
        rows = rows.filter(answered_at__lte=until)
    unit = trend_unit(key, params)
    if unit:
        rows = rows.filter(unit_path__startswith=unit.path)
    counts = rows.aggregate(
        promoters=Count("pk", filter=Q(score__gte=9)),
        passives=Count("pk", filter=Q(score__in=[7, 8])),
        detractors=Count("pk", filter=Q(score__lte=6)),
    )
    n = sum(counts.values())

    def percent(count: int) -> int:
        return round(100 * count / n) if n else 0

    return {
        "nps": round(100 * (counts["promoters"] - counts["detractors"]) / n) if n else 0,
        "promoter_count": counts["promoters"],
        "promoter_percent": percent(counts["promoters"]),
        "passive_count": counts["passives"],
        "passive_percent": percent(counts["passives"]),
        "detractor_count": counts["detractors"],
        "detractor_percent": percent(counts["detractors"]),
        "response_count": n,
    }


# ---- unsubscribes, bounces ------------------------------------------------------------------


@transaction.atomic
def do_unsubscribe(key: ApiKey, params: dict) -> Contact:
    """Opt a person out of every survey. An account-wide key may name anyone (an unknown
    address is recorded, so it is never surveyed); a unit-limited key only its own people."""
    email = text(params, "person_email")
    if not email:
        raise DelightedError.invalid("person_email", "can't be blank")
    email = check_email(email, "person_email")
    if key.unit_id is not None:
        contact = access_person(key, f"email:{email}")
    else:
        contact, _ = _person(key.account, email=email, phone="", channel="email")
    do_opt_out(contact=contact)
    return Contact.objects.get(pk=contact.pk)


def unsubscribed(key: ApiKey) -> QuerySet[Contact]:
    return scoped_contacts(key).filter(opted_out_at__isnull=False)


def bounced(key: ApiKey) -> QuerySet[Contact]:
    """People whose survey email the mail server refused for good (a 5xx answer)."""
    refused = Invitation.objects.filter(
        contact=OuterRef("pk"),
        channel=Channel.EMAIL,
        state=Invitation.State.FAILED,
        reason=Invitation.Reason.DELIVERY_ERROR,
    ).order_by("-updated_at")
    return (
        scoped_contacts(key)
        .annotate(bounced_at=Subquery(refused.values("updated_at")[:1]))
        .filter(bounced_at__isnull=False)
    )


# ---- autopilot (recurring surveys) ---------------------------------------------------------


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
        return _account_person(account, value)
    if name == "person_email":
        email = check_email(value, name)
        if create:
            return _person(account, email=email, phone="", channel="email")[0]
        return _account_person(account, f"email:{email}")
    phone = check_phone(value, name)
    if create:
        return _person(account, email="", phone=phone, channel="sms")[0]
    return _account_person(account, f"phone_number:{phone}")


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
