"""What every vendor module provides, and the shapes they share.

A vendor says which settings and credentials it takes (and checks them), how to test them,
how to read what it sends us (checking its signature first: `Refused` otherwise), and how to
make each outbound call. Everything else — the queue, retries, circuits, the log, parking
and replays, setup and the API — is the framework's, the same for every vendor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import requests
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.functional import Promise

from touchpoint.connectors.models import Connector, ConnectorCall
from touchpoint.intake.schemas import LOCALE_RE


@dataclass(frozen=True)
class Setting:
    """One setting of a connector, as pages and the API show it. Its label, help and the
    choices' labels are lazy messages, read in the reader's language; names and choice
    values are the API's and stay as they are."""

    name: str
    label: str | Promise
    help: str | Promise = ""
    required: bool = False
    kind: str = "text"  # text, choice, number, map (key → unit code), lines, json
    choices: tuple[tuple[str, str | Promise], ...] = ()
    default: Any = ""


@dataclass
class Incoming:
    """Something a vendor reported, normalised: what becomes an interaction. `keys` are the
    vendor's own names for who handled it, most specific first (("agent", "ana@x.com"),
    ("group", "Tier 1")), which the connector's unit map turns into a unit."""

    vendor_id: str
    occurred_at: str  # ISO 8601 with offset
    contact: dict[str, str] = field(default_factory=dict)
    keys: list[list[str]] = field(default_factory=list)
    object_id: str = ""
    properties: dict[str, Any] = field(default_factory=dict)
    touchpoint: str = ""  # instead of the connector's own (an event stream's mapping)
    unit: str = ""  # a unit code named by the event itself
    attributes: dict[str, Any] = field(default_factory=dict)  # contact attributes (traits)
    lookup: dict[str, Any] = field(default_factory=dict)  # details to fetch first
    only_contact: bool = False  # an `identify`: contact attributes, no interaction

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Incoming:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


class TimedSession(requests.Session):
    """Every request with the connectors' timeout, including those a vendor's client makes
    on this session without saying one."""

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", settings.CONNECTOR_TIMEOUT)
        return super().request(method, url, *args, **kwargs)


class Refused(Exception):
    """An inbound call that is not accepted; nothing is stored. 401: not signed by the
    vendor; 400: malformed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Ignored(Exception):
    """A signed, well-formed call that asks for no survey (a ticket merely updated)."""


class Vendor:
    kind: str = ""
    label: str = ""
    settings: tuple[Setting, ...] = ()
    secrets: tuple[Setting, ...] = ()
    inbound: bool = True  # has an inbound address
    # Domain events that make calls to this vendor: "ticket" (a ticket opened: a note on
    # the helpdesk ticket the answer came from) or "answer" (every answer: the contact's
    # last score written to the CRM or the audience).
    reacts_to: str = ""

    def ticket_operations(self, connector: Connector) -> list[tuple[str, bool]]:
        """The calls a ticket opened makes: (operation, may it simply go again)."""
        return [(f"{self.kind}.note", False)]

    def answer_operations(self, connector: Connector) -> list[str]:
        """The calls (all idempotent: they write the contact's last answer) an answer makes."""
        return [f"{self.kind}.contact"]

    def default_base_url(self, config: dict) -> str:
        return ""

    def base_url(self, connector: Connector) -> str:
        return (connector.base_url or self.default_base_url(connector.config)).rstrip("/")

    def check(self, config: dict, secrets: dict, *, has_base_url: bool) -> dict[str, str]:
        """Errors by field name (the settings are already normalised by the framework)."""
        return {}

    def session(self, connector: Connector, secrets: dict) -> requests.Session:
        session = TimedSession()
        session.headers["User-Agent"] = "Touchpoint-Connectors/1"
        return session

    def test(self, connector: Connector, secrets: dict) -> str:
        """Check the credentials with one harmless call; a TransportError says why not."""
        raise NotImplementedError

    def parse(self, connector: Connector, secrets: dict, request: HttpRequest) -> list[Incoming]:
        """The events of one inbound call, its signature checked (else `Refused`)."""
        raise Refused(404, "this connector takes no inbound calls")

    def reply(self, outcomes: list, *, ignored: str = "") -> HttpResponse:
        """The answer to an inbound call (a vendor may expect its own, e.g. a SOAP ack)."""
        if ignored:
            return JsonResponse({"ignored": ignored})
        states = [o.event.state for o in outcomes if o.event is not None and not o.repeat]
        return JsonResponse(
            {
                "received": len(outcomes),
                "recorded": states.count("recorded"),
                "parked": states.count("parked"),
                "waiting_for_details": states.count("lookup"),
                "repeats": sum(1 for o in outcomes if o.repeat),
            }
        )

    def perform(
        self,
        connector: Connector,
        secrets: dict,
        call: ConnectorCall,
        *,
        before_handoff: Callable[[], None],
        session: requests.Session,
    ) -> dict:
        """Make one outbound call; its result (vendor ids) to keep, or a TransportError."""
        raise NotImplementedError


def locale_or_blank(value: object) -> str:
    value = str(value or "").strip()
    return value.replace("_", "-") if LOCALE_RE.match(value) else ""


def iso_or_now(value: object, now: dt.datetime) -> str:
    """A vendor's timestamp (ISO 8601, or Unix seconds / milliseconds) as ISO 8601; now when
    it is missing or unreadable."""
    if isinstance(value, int | float) or (
        isinstance(value, str) and value.isascii() and value.isdigit()
    ):
        try:
            number = float(value)
            if number > 10**11:  # milliseconds
                number /= 1000
            return dt.datetime.fromtimestamp(number, tz=dt.UTC).isoformat()
        except (OverflowError, ValueError, OSError):  # beyond any calendar, or not a number
            return now.isoformat()
    if isinstance(value, str) and value.strip():
        try:
            parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return min(parsed, now).isoformat()
    return now.isoformat()


def text(value: object, limit: int = 200) -> str:
    """A vendor's placeholder value as text: blank for nothing (or an unfilled {{…}})."""
    if value is None:
        return ""
    value = str(value).strip()
    if value.startswith("{{") and value.endswith("}}"):
        return ""
    return value[:limit]
