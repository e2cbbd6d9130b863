"""The domain behind the Delighted-compatible API: every change goes through Touchpoint's own
actions (intake, opt-out, erasure, answers, recurring surveys), so its rules apply unchanged."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from pydantic_core import PydanticCustomError

from touchpoint.accounts.models import Account, ApiKey, Unit
from touchpoint.contacts.actions import do_erase_contact, do_opt_out
from touchpoint.contacts.models import Contact
from touchpoint.delighted.models import Project, ResponseExtra
from touchpoint.delighted.params import (
    ParamError,
    boolean,
    integer,
    mapping,
    record_id,
    text,
    timestamp,
)
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import (
    LOCALE_RE,
    ContactIn,
    InteractionIn,
    normalise_phone,
    validate_email,
)
from touchpoint.ratelimits import actions as ratelimits
from touchpoint.responses.models import Response
from touchpoint.surveys.models import (
    Channel,
    Interaction,
    Invitation,
    Touchpoint,
)

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
        contact, created = person_for(account, email=email, phone=phone, channel=channel)
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
            contact=contact_in(contact, channel),
            properties=properties,
        )
        result = record_interactions(account, [item], delay=dt.timedelta(seconds=delay))
        if not result.ok:
            raise DelightedError(422, intake_errors(result.errors))
        return SendResult(contact, created, result.items[0].invitation, properties)


def contact_in(contact: Contact, channel: str) -> ContactIn:
    """The one identifier that finds this very contact again in intake."""
    if contact.external_id:
        return ContactIn(external_id=contact.external_id)
    if (channel == "sms" and contact.phone) or not contact.email:
        return ContactIn(phone=contact.phone or "")
    return ContactIn(email=contact.email)


def intake_errors(errors: list[dict[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for error in errors:
        out.setdefault(error["field"].split(".")[-1], []).append(error["message"])
    return out


def person_for(account: Account, *, email: str, phone: str, channel: str) -> tuple[Contact, bool]:
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


def account_person(account: Account, identifier: str) -> Contact:
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
    elif pk := record_id(identifier):
        contact = contacts.filter(pk=pk).first()
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
        contact, _ = person_for(key.account, email=email, phone="", channel="email")
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
