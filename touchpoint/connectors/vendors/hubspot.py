"""HubSpot, with the official client (`hubspot-api-client`).

Outbound: each answer writes the contact's last score, category, comment, date and a link to
the answer to the contact properties chosen (upserted by email, or by a unique property
holding the contact's external id: `POST /crm/v3/objects/contacts/batch/upsert`).

Inbound: a webhook subscription (a deal moving to a stage, a ticket closed) signed with the
app's client secret (`X-HubSpot-Signature-v3`: base64 HMAC-SHA256 of method, URL, body and
timestamp, checked with the client's own `Signature` helper, at most five minutes old). A
webhook names only the deal or ticket, so its contact and owner are read through the API
first (a `hubspot.lookup` call through the outbox), then it becomes an interaction.
"""

from __future__ import annotations

import json

import urllib3
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from hubspot import HubSpot
from hubspot.crm.contacts import (
    BatchInputSimplePublicObjectBatchInputUpsert,
    SimplePublicObjectBatchInputUpsert,
)
from hubspot.crm.contacts.exceptions import ApiException as ContactsError
from hubspot.crm.deals.exceptions import ApiException as DealsError
from hubspot.crm.tickets.exceptions import ApiException as TicketsError
from hubspot.exceptions import InvalidSignatureTimestampError
from hubspot.utils.signature import Signature

from touchpoint.connectors import http, payloads
from touchpoint.connectors.models import Connector, ConnectorCall
from touchpoint.connectors.vendors.base import (
    Incoming,
    Refused,
    Setting,
    Vendor,
    iso_or_now,
    locale_or_blank,
    text,
)
from touchpoint.outbox.transports import TransportError

API_ERRORS = (ContactsError, DealsError, TicketsError)
DEFAULT_PROPERTIES = {
    "score": "touchpoint_nps_score",
    "category": "touchpoint_nps_category",
    "comment": "touchpoint_nps_comment",
    "date": "touchpoint_nps_date",
    "link": "touchpoint_nps_link",
}
OBJECTS = {"deal": "deals", "ticket": "tickets"}


def translate(error: Exception, *, idempotent: bool = True) -> TransportError:
    """The client's exceptions in the outbox's words."""
    if isinstance(error, API_ERRORS):
        body = error.body.decode() if isinstance(error.body, bytes) else str(error.body or "")
        return http.refused("HubSpot", error.status or 0, dict(error.headers or {}), body)
    reason = getattr(error, "reason", None) or error
    if isinstance(reason, urllib3.exceptions.ReadTimeoutError) and not idempotent:
        return TransportError(
            "HubSpot did not answer in time; the call may have arrived",
            retryable=False,
            maybe_delivered=True,
        )
    if isinstance(reason, urllib3.exceptions.ReadTimeoutError):
        return TransportError("HubSpot did not answer in time", retryable=True)
    return TransportError(f"cannot reach HubSpot: {reason}", retryable=True, server_down=True)


class Hubspot(Vendor):
    kind = "hubspot"
    label = "HubSpot"
    reacts_to = "answer"
    settings = (
        Setting(
            "match_by",
            _("Find the contact by"),
            _("Email, or a unique contact property holding the contact's external id."),
            kind="choice",
            choices=(("email", _("Email")), ("external_id", _("External id"))),
            default="email",
        ),
        Setting(
            "id_property",
            _("External id property"),
            _("The unique contact property matched when finding by external id."),
        ),
        Setting(
            "properties",
            _("Contact properties"),
            _("Which property gets what: score, category, comment, date, link."),
            kind="fields",
            default=DEFAULT_PROPERTIES,
        ),
        Setting(
            "trigger_object",
            _("Inbound: object"),
            _("Webhook events about this object become interactions."),
            kind="choice",
            choices=(("deal", _("Deal")), ("ticket", _("Ticket"))),
            default="deal",
        ),
        Setting("trigger_property", _("Inbound: property"), default="dealstage"),
        Setting(
            "trigger_values",
            _("Inbound: values"),
            _("The property values that count (one per line), e.g. closedwon."),
            kind="lines",
            default=["closedwon"],
        ),
        Setting(
            "touchpoint",
            _("Inbound: touchpoint"),
            _("The touchpoint a won deal (or closed ticket) is an interaction of."),
        ),
        Setting(
            "units",
            _("Inbound: units"),
            _(
                "Which HubSpot owner or pipeline is which unit: owner:ID, pipeline:ID, or * for "
                "everything else."
            ),
            kind="map",
            default={},
        ),
    )
    secrets = (
        Setting(
            "access_token",
            _("Access token"),
            _(
                "A private app's access token (scopes: crm.objects.contacts.read and .write, "
                "crm.objects.deals.read, tickets)."
            ),
            required=True,
        ),
        Setting(
            "client_secret",
            _("Client secret"),
            _("The app's client secret: checks the webhooks' signatures."),
        ),
    )

    def default_base_url(self, config: dict) -> str:
        return "https://api.hubapi.com"

    def check(self, config: dict, secrets: dict, *, has_base_url: bool) -> dict[str, str]:
        unknown = set(config.get("properties") or {}) - set(DEFAULT_PROPERTIES)
        if unknown:
            return {
                "settings.properties": gettext("%(name)s is not one of %(names)s")
                % {"name": sorted(unknown)[0], "names": ", ".join(DEFAULT_PROPERTIES)}
            }
        if config.get("match_by") == "external_id" and not config.get("id_property"):
            return {"settings.id_property": gettext("is required to find contacts by external id")}
        return {}

    def client(self, connector: Connector, secrets: dict) -> HubSpot:
        return HubSpot(
            access_token=secrets.get("access_token", ""),
            host=self.base_url(connector),
            retry=urllib3.Retry(total=0, raise_on_status=False),
        )

    def test(self, connector: Connector, secrets: dict) -> str:
        try:
            page = self.client(connector, secrets).crm.contacts.basic_api.get_page(
                limit=1, _request_timeout=settings.CONNECTOR_TIMEOUT
            )
        except (*API_ERRORS, urllib3.exceptions.HTTPError) as error:
            raise translate(error) from error
        return f"Connected: contacts readable ({len(page.results)} on the first page of 1)"

    # --- inbound ------------------------------------------------------------------------

    def parse(self, connector: Connector, secrets: dict, request: HttpRequest) -> list[Incoming]:
        signature = request.headers.get("X-HubSpot-Signature-v3", "")
        timestamp = request.headers.get("X-HubSpot-Request-Timestamp", "")
        secret = secrets.get("client_secret", "")
        if not signature or not timestamp or not secret:
            raise Refused(401, "missing HubSpot v3 signature")
        try:
            valid = Signature.is_valid(
                signature=signature,
                client_secret=secret,
                request_body=request.body.decode("utf-8", "replace"),
                http_uri=f"{settings.SITE_URL}{request.get_full_path()}",
                http_method=request.method or "POST",
                signature_version="v3",
                timestamp=timestamp,
            )
        except InvalidSignatureTimestampError as error:
            raise Refused(401, "the signature's timestamp is missing or too old") from error
        if not valid:
            raise Refused(401, "the HubSpot signature does not match")
        try:
            data = json.loads(request.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise Refused(400, f"the body is not JSON: {error}") from error
        events = data if isinstance(data, list) else [data]
        wanted = connector.config.get("trigger_object", "deal")
        found = []
        for index, event in enumerate(events):
            if not isinstance(event, dict) or not text(event.get("eventId")):
                raise Refused(400, f"[{index}].eventId is required")
            kind = str(event.get("subscriptionType", ""))
            if not kind.startswith(f"{wanted}.") or not text(event.get("objectId")):
                continue
            if kind.endswith(".propertyChange") and (
                event.get("propertyName") != connector.config.get("trigger_property")
                or str(event.get("propertyValue")) not in connector.config.get("trigger_values", [])
            ):
                continue
            object_id = text(event["objectId"], 60)
            found.append(
                Incoming(
                    vendor_id=f"event-{text(event['eventId'])}",
                    object_id=object_id,
                    occurred_at=iso_or_now(event.get("occurredAt"), payloads.now()),
                    properties={f"hubspot_{wanted}": object_id},
                    lookup={"object": wanted, "id": object_id},
                )
            )
        return found

    # --- outbound -----------------------------------------------------------------------

    def perform(self, connector, secrets, call: ConnectorCall, *, before_handoff, session) -> dict:
        client = self.client(connector, secrets)
        before_handoff()
        try:
            if call.operation == "hubspot.lookup":
                return {"details": self._lookup(client, call.payload)}
            return self._write(connector, client, call)
        except (*API_ERRORS, urllib3.exceptions.HTTPError) as error:
            raise translate(error) from error

    def _write(self, connector: Connector, client: HubSpot, call: ConnectorCall) -> dict:
        last = payloads.last_answer(call.payload["contact"])
        if last is None:
            return {"skipped": "the contact has no answer any more"}
        contact, values = last
        properties = {
            name: str(values[field])
            for field, name in (connector.config.get("properties") or DEFAULT_PROPERTIES).items()
            if name
        }
        if connector.config.get("match_by") == "external_id":
            id_property, key = connector.config["id_property"], contact.external_id
        else:
            id_property, key = "email", contact.email
        if not key:
            return {"skipped": f"the contact has no {id_property}"}
        batch = BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[
                SimplePublicObjectBatchInputUpsert(
                    id_property=id_property, id=key, properties=properties
                )
            ]
        )
        answer = client.crm.contacts.batch_api.upsert(
            batch, _request_timeout=settings.CONNECTOR_TIMEOUT
        )
        return {"contact": answer.results[0].id if answer.results else None}

    def _lookup(self, client: HubSpot, payload: dict) -> dict:
        """A deal's (or ticket's) first contact and its owner, as an interaction needs them."""
        api = getattr(client.crm, OBJECTS[payload["object"]]).basic_api
        found = api.get_by_id(
            payload["id"],
            properties=["hubspot_owner_id", "pipeline"],
            associations=["contacts"],
            _request_timeout=settings.CONNECTOR_TIMEOUT,
        )
        linked = (found.associations or {}).get("contacts")
        if linked is None or not linked.results:
            raise TransportError(
                f"HubSpot {payload['object']} {payload['id']} has no associated contact",
                retryable=False,
            )
        person = client.crm.contacts.basic_api.get_by_id(
            linked.results[0].id,
            properties=["email", "firstname", "lastname", "hs_language"],
            _request_timeout=settings.CONNECTOR_TIMEOUT,
        )
        props = person.properties or {}
        name = " ".join(p for p in (props.get("firstname"), props.get("lastname")) if p)
        owner = (found.properties or {}).get("hubspot_owner_id") or ""
        return {
            "contact": {
                "email": text(props.get("email"), 254).lower(),
                "name": text(name),
                "locale": locale_or_blank(props.get("hs_language")),
            },
            "keys": [
                ["owner", str(owner)],
                ["pipeline", str((found.properties or {}).get("pipeline") or "")],
            ],
        }
