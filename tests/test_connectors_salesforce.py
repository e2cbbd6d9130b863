"""Salesforce with simple-salesforce, over HTTPS to a local imitation that checks the OAuth
client credentials, the bearer token, the SOQL and that each field exists; inbound Outbound
Messages (SOAP) become interactions and are acknowledged."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import inbound_path
from tests.fake_vendors import (
    SALESFORCE_CLIENT_ID,
    SALESFORCE_CLIENT_SECRET,
    SALESFORCE_ORG,
    SalesforceState,
    salesforce,
    self_signed,
    serve,
)
from tests.test_tickets import respond
from touchpoint.accounts.models import Membership
from touchpoint.connectors import delivery
from touchpoint.connectors.models import ConnectorCall, InboundEvent
from touchpoint.events import actions as events
from touchpoint.notifications.models import Delivery
from touchpoint.outbox.models import Circuit
from touchpoint.setup.connectors import do_save_connector, do_test_connector
from touchpoint.surveys.models import Interaction

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def org(certificate, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certificate[0])  # trust the imitation's certificate
    state = SalesforceState(
        contacts={"003000000000000001": {"Email": "customer1@example.com", "AccountId": "001A"}},
        accounts={"001A": {}},
    )
    fake, stop = serve(salesforce(state), tls=certificate)
    fake.state = state
    yield fake
    stop()


@pytest.fixture
def admin(brand):
    user = get_user_model().objects.create_user("cx-lead", "cx-lead@example.com", "pw")
    Membership.objects.create(user=user, unit=brand.brand, role="admin")
    return user


@pytest.fixture
def connector(brand, admin, org):
    return do_save_connector(
        account=brand.account,
        by=admin,
        kind="salesforce",
        values={
            "base_url": org.url,
            "settings": {
                "account_fields": {"score": "NPS_Score__c", "category": "NPS_Category__c"},
                "organization_id": SALESFORCE_ORG,
                "touchpoint": "support-call",
                "units": {"owner:005AAA": "callco-t1", "*": "callco"},
            },
            "credentials": {
                "client_id": SALESFORCE_CLIENT_ID,
                "client_secret": SALESFORCE_CLIENT_SECRET,
            },
        },
    )


def test_an_answer_updates_the_contact_and_its_account(brand, connector, org, clock):
    response = respond(brand, 5, "Too slow")
    events.relay()
    assert delivery.send_due_calls() == 1

    assert org.url.startswith("https://")
    assert org.state.contacts["003000000000000001"] == {
        "Email": "customer1@example.com",
        "AccountId": "001A",
        "NPS_Score__c": 5,
        "NPS_Category__c": "detractor",
        "NPS_Comment__c": "Too slow",
        "NPS_Date__c": "2026-11-20",
        "NPS_Link__c": f"http://testserver/responses/{response.pk}/",
    }
    assert org.state.accounts["001A"] == {"NPS_Score__c": 5, "NPS_Category__c": "detractor"}
    assert ConnectorCall.objects.get().result == {
        "contact": "003000000000000001",
        "account": "001A",
    }


def test_a_new_customer_is_created_and_an_unknown_field_fails_with_its_reason(
    brand, connector, org, admin, clock
):
    respond(brand, 9, "Lovely", n=2)
    events.relay()
    delivery.send_due_calls()
    created = [c for c in org.state.contacts.values() if c.get("Email") == "customer2@example.com"]
    assert created[0]["LastName"] == "Customer 2" and created[0]["NPS_Score__c"] == 9

    do_save_connector(
        account=brand.account,
        by=admin,
        kind="salesforce",
        values={"settings": {"fields": {"score": "Net_Promoter__c"}}},
    )
    respond(brand, 4, "", n=3)
    events.relay()
    delivery.send_due_calls()
    failed = ConnectorCall.objects.get(state="failed")
    assert "INVALID_FIELD" in failed.last_error and "Net_Promoter__c" in failed.last_error


def test_an_outage_a_429_and_a_revoked_secret(brand, connector, org, clock):
    respond(brand, 5, "")
    events.relay()
    org.replies = [(503, [{"message": "Server unavailable", "errorCode": "SERVER_UNAVAILABLE"}])]
    delivery.send_due_calls()
    assert Circuit.objects.exists() and ConnectorCall.objects.get().attempts == 0

    clock.shift(dt.timedelta(seconds=31))
    org.replies = [
        (200, {"access_token": org.state.token, "instance_url": ""}),
        (
            429,
            [{"message": "Too many", "errorCode": "REQUEST_LIMIT_EXCEEDED"}],
            {"Retry-After": "120"},
        ),
    ]
    delivery.send_due_calls()
    assert Circuit.objects.get().retry_at == START + dt.timedelta(seconds=151)

    clock.shift(dt.timedelta(seconds=120))
    org.state.client_secret = "rotated"
    delivery.send_due_calls()
    connector.refresh_from_db()
    assert connector.disabled_at is not None and "invalid_client" in connector.disabled_reason
    assert Delivery.objects.filter(event_type="connector.disabled").count() == 1
    assert ConnectorCall.objects.get().state == "pending"


def test_test_connection(connector, admin, org):
    assert do_test_connector(by=admin, connector=connector).ok
    org.state.client_secret = "rotated"
    result = do_test_connector(by=admin, connector=connector)
    assert not result.ok and "401" in result.message


# --- Inbound outbound messages ----------------------------------------------------------------


def outbound_message(notification_id: str = "04l5g000000XYZ1", org: str = SALESFORCE_ORG) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
  xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>{org}</OrganizationId>
   <ActionId>04k5g000000ABCDAAA</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>https://nimbus.my.salesforce.com/services/Soap/c/59.0/00D5g000004ABCD</EnterpriseUrl>
   <PartnerUrl>https://nimbus.my.salesforce.com/services/Soap/u/59.0/00D5g000004ABCD</PartnerUrl>
   <Notification>
    <Id>{notification_id}</Id>
    <sObject xsi:type="sf:Case" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
     <sf:Id>5005g00000AbCdEAAV</sf:Id>
     <sf:ClosedDate>2026-11-20T08:45:00.000Z</sf:ClosedDate>
     <sf:ContactEmail>Dee@Example.com</sf:ContactEmail>
     <sf:OwnerId>005AAA</sf:OwnerId>
     <sf:Status>Closed</sf:Status>
    </sObject>
   </Notification>
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>"""


def post(connector, xml: str):
    return Client().post(
        inbound_path(connector),
        xml.encode(),
        content_type="text/xml; charset=utf-8",
        headers={"SOAPAction": '""'},
    )


def test_a_closed_case_becomes_an_interaction_and_is_acknowledged_once(brand, connector, clock):
    answer = post(connector, outbound_message())
    assert answer.status_code == 200 and b"<Ack>true</Ack>" in answer.content
    interaction = Interaction.objects.get()
    assert interaction.external_id == "salesforce:04l5g000000XYZ1"
    assert interaction.unit == brand.team and interaction.contact.email == "dee@example.com"
    assert interaction.occurred_at == dt.datetime(2026, 11, 20, 8, 45, tzinfo=dt.UTC)
    assert interaction.properties == {"salesforce_record": "5005g00000AbCdEAAV"}

    assert b"<Ack>true</Ack>" in post(connector, outbound_message()).content  # resent
    assert Interaction.objects.count() == 1 and InboundEvent.objects.get().repeats == 1


def test_another_org_or_a_hostile_document_is_refused(connector, clock):
    assert post(connector, outbound_message(org="00D000000000000AAA")).status_code == 401
    hostile = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    assert post(connector, hostile).status_code == 400
    assert post(connector, "not xml at all").status_code == 400
    assert not InboundEvent.objects.exists()
