"""The shape of an incoming interaction, validated the same way for the API and CSV import."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from touchpoint.lib.time_zones import is_time_zone
from touchpoint.surveys.models import Channel

MAX_BATCH = 1000
Scalar = str | int | float | bool | None
LOCALE_RE = re.compile(r"^[a-z]{2,3}([-_][A-Za-z]{2,4})?$")
PHONE_PUNCTUATION = re.compile(r"[\s().\-]")
E164_RE = re.compile(r"^\+[1-9]\d{7,14}$")


MAX_EMAIL = 254  # RFC 5321's longest path; every email column is this wide


class _EmailValidator(EmailValidator):
    """Django's email rules with its patterns compiled at import: its lazily compiled ones
    cost a proxy lookup per use, about half of the email check's time in a large import.
    Django allows 320 characters; an address longer than the column is refused here, not by
    PostgreSQL."""

    user_regex = re.compile(EmailValidator.user_regex.pattern, re.IGNORECASE)
    domain_regex = re.compile(EmailValidator.domain_regex.pattern, re.IGNORECASE)
    literal_regex = re.compile(EmailValidator.literal_regex.pattern, re.IGNORECASE)

    def __call__(self, value: str | None) -> None:
        if value is not None and len(value) > MAX_EMAIL:
            raise DjangoValidationError(self.message, code=self.code, params={"value": value})
        super().__call__(value)


validate_email = _EmailValidator()


def normalise_phone(value: str) -> str:
    phone = PHONE_PUNCTUATION.sub("", value)
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    if not E164_RE.match(phone):
        raise PydanticCustomError(
            "phone", "must be an international number starting with +, e.g. +33612345678"
        )
    return phone


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ContactIn(Strict):
    external_id: Annotated[str, Field(max_length=200)] = ""
    email: Annotated[str, Field(max_length=254)] = ""
    phone: str = ""
    name: Annotated[str, Field(max_length=200)] = ""
    locale: str = ""
    time_zone: str = ""
    attributes: dict[Annotated[str, Field(max_length=60)], Scalar] = Field(default_factory=dict)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not value:
            return value
        try:
            validate_email(value)
        except DjangoValidationError:
            raise PydanticCustomError("email", "is not a valid email address") from None
        return value.lower()

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return normalise_phone(value) if value else value

    @field_validator("locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if value and not LOCALE_RE.match(value):
            raise PydanticCustomError("locale", "must be a language code such as en or pt-BR")
        return value.replace("_", "-")

    @field_validator("time_zone")
    @classmethod
    def _time_zone(cls, value: str) -> str:
        if value and not is_time_zone(value):
            raise PydanticCustomError(
                "time_zone", "is not a known IANA time zone, e.g. Europe/Paris"
            )
        return value

    @model_validator(mode="after")
    def _identified(self) -> ContactIn:
        if not (self.email or self.phone or self.external_id):
            raise PydanticCustomError(
                "contact", "needs at least one of email, phone or external_id"
            )
        return self


class ResponseIn(Strict):
    """An answer collected elsewhere (history, phone interview), stored with its interaction."""

    score: Annotated[StrictInt, Field(ge=0, le=10)]
    comment: Annotated[str, Field(max_length=10000)] = ""
    answered_at: AwareDatetime | None = None
    channel: Channel | None = None


class InteractionIn(Strict):
    external_id: Annotated[str, Field(max_length=200)] = ""
    touchpoint: Annotated[str, Field(min_length=1, max_length=60)]
    unit: Annotated[str, Field(min_length=1, max_length=80)]
    occurred_at: AwareDatetime
    contact: ContactIn
    properties: dict[Annotated[str, Field(max_length=60)], Scalar] = Field(default_factory=dict)
    response: ResponseIn | None = None
    # No private attributes: pydantic initialises them in Python on every validation, which
    # costs about as much as checking the fields (a per-request delay is an argument of
    # `record_interactions` instead).


@dataclass(slots=True)
class CheckedContact:
    """A `ContactIn` that was validated earlier, as plain values (same attribute names)."""

    external_id: str
    email: str
    phone: str
    name: str
    locale: str
    time_zone: str
    attributes: dict[str, Scalar]


@dataclass(slots=True)
class CheckedResponse:
    score: int
    comment: str
    answered_at: dt.datetime | None
    channel: str | None


@dataclass(slots=True)
class CheckedInteraction:
    """An `InteractionIn` validated earlier, with its payload hash: what the CSV import's
    check pass keeps for its import pass, so that no row is validated (or hashed) twice."""

    external_id: str
    touchpoint: str
    unit: str
    occurred_at: dt.datetime
    contact: CheckedContact
    properties: dict[str, Scalar]
    response: CheckedResponse | None
    payload_hash: str


class InteractionBatchIn(Strict):
    interactions: Annotated[list[InteractionIn], Field(min_length=1, max_length=MAX_BATCH)]


def field_errors(error: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    """Pydantic's errors as [{"field": "interactions[3].contact.email", "message": ...}]."""
    out = []
    for item in error.errors(include_url=False):
        path = prefix
        for part in item["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        message = item["msg"]
        if item["type"] == "missing":
            message = "is required"
        elif item["type"] == "extra_forbidden":
            message = "is not a known field"
        elif item["type"] == "timezone_aware":
            message = "must include a UTC offset, e.g. 2026-11-20T14:05:00+01:00"
        out.append({"field": path or "body", "message": message})
    return out


def parse_payload(data: Any) -> tuple[list[InteractionIn], list[dict[str, str]]]:
    """One interaction, or {"interactions": [...]}: the items, or the errors naming each field."""
    try:
        if isinstance(data, dict) and "interactions" in data:
            return InteractionBatchIn.model_validate(data).interactions, []
        return [InteractionIn.model_validate(data)], []
    except ValidationError as error:
        return [], field_errors(error)
