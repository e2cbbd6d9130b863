"""Salesforce, with `simple-salesforce`.

Outbound: each answer writes the contact's last score, category, comment, date and link to
the chosen Contact fields — found by email (a SOQL query; created when missing) or upserted
by an external-id field — and, when asked, to the same fields of the contact's Account.
Credentials: a connected app's client credentials flow (`POST /services/oauth2/token` on the
org's My Domain address, the base URL), a fresh token per call.

Inbound: an Outbound Message (a flow or workflow rule: "Case closed" → send the Case's
fields) posted to the connector's inbound address. Outbound messages are not signed: the
secret address and the organisation id they carry are checked, and the SOAP `Ack` is only
sent once the notification is stored (Salesforce resends until it gets one).
"""

from __future__ import annotations

import requests
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as ET
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError
from simple_salesforce.format import format_soql

from touchpoint.connectors import http, payloads
from touchpoint.connectors.models import Connector, ConnectorCall
from touchpoint.connectors.vendors.base import (
    Incoming,
    Refused,
    Setting,
    Vendor,
    iso_or_now,
    text,
)
from touchpoint.outbox.transports import TransportError

VERSION = "59.0"
OUTBOUND = "{http://soap.sforce.com/2005/09/outbound}"
SOBJECT = "{urn:sobject.enterprise.soap.sforce.com}"
ACK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
    "<soapenv:Body>"
    '<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">'
    "<Ack>{ack}</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>"
)
DEFAULT_FIELDS = {
    "score": "NPS_Score__c",
    "category": "NPS_Category__c",
    "comment": "NPS_Comment__c",
    "date": "NPS_Date__c",
    "link": "NPS_Link__c",
}


class _Client:
    """A token from the client credentials flow, and simple-salesforce on the same session
    (the last answer kept, so a 429's Retry-After is not lost)."""

    def __init__(self, base_url: str, secrets: dict, session: requests.Session) -> None:
        self.last: requests.Response | None = None
        session.hooks["response"].append(self._keep)
        try:
            answer = session.post(
                f"{base_url}/services/oauth2/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": secrets.get("client_id", ""),
                    "client_secret": secrets.get("client_secret", ""),
                },
            )
        except requests.exceptions.RequestException as error:
            raise http.unreachable("Salesforce", error, idempotent=True) from error
        if answer.status_code in (400, 401):
            # invalid_client, invalid_grant: the credentials themselves are refused.
            raise http.refused("Salesforce", 401, answer.headers, answer.text)
        if not 200 <= answer.status_code < 300:
            raise http.refused("Salesforce", answer.status_code, answer.headers, answer.text)
        self.sf = Salesforce(
            instance_url=base_url,
            session_id=http.json_of(answer).get("access_token", ""),
            session=session,
            version=VERSION,
        )

    def _keep(self, response: requests.Response, *args, **kwargs) -> None:
        self.last = response

    def error(self, error: Exception, *, idempotent: bool = True) -> TransportError:
        if isinstance(error, SalesforceError):
            headers = self.last.headers if self.last is not None else {}
            return http.refused("Salesforce", error.status, headers, str(error.content)[:300])
        return http.unreachable("Salesforce", error, idempotent=idempotent)


class SalesforceVendor(Vendor):
    kind = "salesforce"
    label = "Salesforce"
    reacts_to = "answer"
    settings = (
        Setting(
            "match_by",
            _("Find the contact by"),
            _(
                "Email (created when missing), or an external-id field holding the contact's "
                "external id (existing contacts only)."
            ),
            kind="choice",
            choices=(("email", _("Email")), ("external_id", _("External id field"))),
            default="email",
        ),
        Setting("id_field", _("External id field"), _("e.g. Customer_Number__c")),
        Setting(
            "fields",
            _("Contact fields"),
            _("Which field gets what: score, category, comment, date, link."),
            kind="fields",
            default=DEFAULT_FIELDS,
        ),
        Setting(
            "account_fields",
            _("Account fields"),
            _("The same on the contact's Account (empty: none)."),
            kind="fields",
            default={},
        ),
        Setting(
            "organization_id",
            _("Inbound: organisation id"),
            _("Outbound messages from this org only (Setup → Company Information)."),
        ),
        Setting("touchpoint", _("Inbound: touchpoint"), _("e.g. support-call for closed Cases.")),
        Setting(
            "email_field",
            _("Inbound: email field"),
            _("The sObject field with the customer's email."),
            default="ContactEmail",
        ),
        Setting(
            "units",
            _("Inbound: units"),
            _("Which Salesforce owner is which unit: owner:ID, or * for everything else."),
            kind="map",
            default={},
        ),
    )
    secrets = (
        Setting(
            "client_id", _("Consumer key"), _("The connected app's consumer key."), required=True
        ),
        Setting(
            "client_secret",
            _("Consumer secret"),
            _("The connected app's consumer secret."),
            required=True,
        ),
    )

    def default_base_url(self, config: dict) -> str:
        return ""  # the org's own My Domain address: required

    def check(self, config: dict, secrets: dict, *, has_base_url: bool) -> dict[str, str]:
        errors = {}
        if not has_base_url:
            errors["base_url"] = gettext(
                "give the org's My Domain address, e.g. https://acme.my.salesforce.com"
            )
        for name in ("fields", "account_fields"):
            if unknown := set(config.get(name) or {}) - set(DEFAULT_FIELDS):
                errors[f"settings.{name}"] = gettext("%(name)s is not one of %(names)s") % {
                    "name": sorted(unknown)[0],
                    "names": ", ".join(DEFAULT_FIELDS),
                }
        if config.get("match_by") == "external_id" and not config.get("id_field"):
            errors["settings.id_field"] = gettext("is required to find contacts by external id")
        return errors

    def test(self, connector: Connector, secrets: dict) -> str:
        with self.session(connector, secrets) as session:
            client = _Client(self.base_url(connector), secrets, session)
            try:
                found = client.sf.query("SELECT Id FROM Contact LIMIT 1")
            except (SalesforceError, requests.exceptions.RequestException) as error:
                raise client.error(error) from error
        return f"Connected: contacts readable ({found.get('totalSize', 0)} on the first page)"

    # --- inbound ------------------------------------------------------------------------

    def parse(self, connector: Connector, secrets: dict, request: HttpRequest) -> list[Incoming]:
        try:
            root = ET.fromstring(request.body, forbid_dtd=True)
        except (ET.ParseError, DefusedXmlException) as error:
            raise Refused(400, f"the body is not a SOAP message: {error}") from error
        notifications = root.find(f".//{OUTBOUND}notifications")
        if notifications is None:
            raise Refused(400, "no outbound message notifications in the body")
        org = notifications.findtext(f"{OUTBOUND}OrganizationId", "")
        expected = connector.config.get("organization_id", "")
        if not expected or org[:15] != expected[:15]:
            raise Refused(401, "the outbound message is from another organisation")
        found = []
        email_field = connector.config.get("email_field") or "ContactEmail"
        for notification in notifications.findall(f"{OUTBOUND}Notification"):
            notification_id = text(notification.findtext(f"{OUTBOUND}Id"))
            sobject = notification.find(f"{OUTBOUND}sObject")
            if not notification_id or sobject is None:
                raise Refused(400, "each Notification needs an Id and an sObject")
            fields = {child.tag.removeprefix(SOBJECT): (child.text or "") for child in sobject}
            object_id = text(fields.get("Id"), 40)
            found.append(
                Incoming(
                    vendor_id=notification_id,
                    object_id=object_id,
                    occurred_at=iso_or_now(
                        fields.get("ClosedDate") or fields.get("LastModifiedDate"), timezone.now()
                    ),
                    contact={
                        "email": text(fields.get(email_field), 254).lower(),
                        "name": text(fields.get("SuppliedName") or fields.get("Name")),
                    },
                    keys=[["owner", text(fields.get("OwnerId"), 40)]],
                    properties={"salesforce_record": object_id},
                )
            )
        return found

    def reply(self, outcomes: list, *, ignored: str = "") -> HttpResponse:
        return HttpResponse(ACK.format(ack="true"), content_type="text/xml; charset=utf-8")

    # --- outbound -----------------------------------------------------------------------

    def perform(self, connector, secrets, call: ConnectorCall, *, before_handoff, session) -> dict:
        last = payloads.last_answer(call.payload["contact"])
        if last is None:
            return {"skipped": "the contact has no answer any more"}
        contact, values = last
        config = connector.config
        data = {name: values[key] for key, name in (config.get("fields") or {}).items() if name}
        client = _Client(self.base_url(connector), secrets, session)
        before_handoff()
        try:
            return self._write(client.sf, config, contact, data, values)
        except (SalesforceError, requests.exceptions.RequestException) as error:
            raise client.error(error) from error

    def _write(self, sf: Salesforce, config: dict, contact, data: dict, values: dict) -> dict:
        if config.get("match_by") == "external_id":
            if not contact.external_id:
                return {"skipped": "the contact has no external id"}
            sf.Contact.upsert(f"{config['id_field']}/{contact.external_id}", data)
            return {"contact": f"{config['id_field']}/{contact.external_id}"}
        if not contact.email:
            return {"skipped": "the contact has no email"}
        found = sf.query(
            format_soql("SELECT Id, AccountId FROM Contact WHERE Email = {} LIMIT 1", contact.email)
        )
        records = found.get("records") or []
        if records:
            contact_id, account_id = records[0]["Id"], records[0].get("AccountId")
            sf.Contact.update(contact_id, data)
        else:
            created = sf.Contact.create(
                {"LastName": contact.name or contact.email, "Email": contact.email, **data}
            )
            contact_id, account_id = created.get("id"), None
        result = {"contact": contact_id}
        account_fields = config.get("account_fields") or {}
        if account_id and account_fields:
            sf.Account.update(
                account_id, {name: values[key] for key, name in account_fields.items() if name}
            )
            result["account"] = account_id
        return result
