"""HubSpot with its official client: every answer writes the contact's last score to the
CRM; a won deal becomes an interaction. Against a local imitation of HubSpot's API that
checks the token, the paths and that the properties exist."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import inbound_path, interaction
from tests.fake_vendors import HUBSPOT_CLIENT_SECRET, HUBSPOT_TOKEN, HubspotState, hubspot, serve
from tests.test_tickets import respond
from touchpoint.accounts.models import Membership
from touchpoint.connectors import delivery
from touchpoint.connectors.models import ConnectorCall, InboundEvent
from touchpoint.events import actions as events
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import InteractionIn
from touchpoint.outbox.models import Circuit
from touchpoint.responses.actions import do_answer_invitation, do_change_answer
from touchpoint.setup.connectors import do_save_connector, do_test_connector
from touchpoint.surveys.models import Interaction

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def crm():
    state = HubspotState(
        contacts={
            "501": {"email": "customer1@example.com", "firstname": "Ana", "lastname": "Silva"}
        },
        deals={
            "9001": {
                "properties": {"hubspot_owner_id": "77", "pipeline": "default"},
                "contacts": ["501"],
            }
        },
    )
    fake, stop = serve(hubspot(state))
    fake.state = state
    yield fake
    stop()


@pytest.fixture
def admin(brand):
    user = get_user_model().objects.create_user("cx-lead", "cx-lead@example.com", "pw")
    Membership.objects.create(user=user, unit=brand.brand, role="admin")
    return user


@pytest.fixture
def connector(brand, admin, crm):
    return do_save_connector(
        account=brand.account,
        by=admin,
        kind="hubspot",
        values={
            "base_url": crm.url,
            "settings": {"touchpoint": "store-purchase", "units": {"owner:77": "store-012"}},
            "credentials": {"access_token": HUBSPOT_TOKEN, "client_secret": HUBSPOT_CLIENT_SECRET},
        },
    )


def test_an_answer_writes_the_contacts_last_score_category_comment_date_and_link(
    brand, connector, crm, clock
):
    response = respond(brand, 3, "Queue too long")
    events.relay()
    assert delivery.send_due_calls() == 1

    [upsert] = crm.calls("POST", "/crm/v3/objects/contacts/batch/upsert")
    assert upsert.headers["authorization"] == f"Bearer {HUBSPOT_TOKEN}"
    [item] = upsert.json["inputs"]
    assert (item["idProperty"], item["id"]) == ("email", "customer1@example.com")
    assert crm.state.contacts["501"] == {
        "email": "customer1@example.com",
        "firstname": "Ana",
        "lastname": "Silva",
        "touchpoint_nps_score": "3",
        "touchpoint_nps_category": "detractor",
        "touchpoint_nps_comment": "Queue too long",
        "touchpoint_nps_date": "2026-11-20",
        "touchpoint_nps_link": f"http://testserver/responses/{response.pk}/",
    }
    assert ConnectorCall.objects.get().result == {"contact": "501"}


def test_a_changed_answer_writes_the_new_score_and_a_relay_run_twice_writes_once(
    brand, connector, crm, clock
):
    response = respond(brand, 3, "Queue too long")
    do_change_answer(response, score=9, comment="They called me back")
    events.relay()
    events.relay()
    assert delivery.send_due_calls() == 2  # one per event, each writing the latest
    assert crm.state.contacts["501"]["touchpoint_nps_score"] == "9"
    assert crm.state.contacts["501"]["touchpoint_nps_category"] == "promoter"
    assert ConnectorCall.objects.count() == 2


def test_a_new_customer_is_created_and_a_property_missing_in_hubspot_fails_with_its_reason(
    brand, connector, crm, admin, clock
):
    respond(brand, 10, "", n=2)
    events.relay()
    delivery.send_due_calls()
    assert any(c.get("email") == "customer2@example.com" for c in crm.state.contacts.values())

    do_save_connector(
        account=brand.account,
        by=admin,
        kind="hubspot",
        values={"settings": {"properties": {"score": "nps_that_nobody_created"}}},
    )
    respond(brand, 4, "", n=3)
    events.relay()
    delivery.send_due_calls()
    failed = ConnectorCall.objects.get(state="failed")
    assert "400" in failed.last_error and "nps_that_nobody_created" in failed.last_error


def test_contacts_found_by_external_id(brand, connector, crm, admin, clock):
    do_save_connector(
        account=brand.account,
        by=admin,
        kind="hubspot",
        values={"settings": {"match_by": "external_id", "id_property": "customer_number"}},
    )
    crm.state.contacts["502"] = {"customer_number": "C-42"}
    result = record_interactions(
        brand.account,
        [
            InteractionIn(
                **interaction(brand, contact={"external_id": "C-42", "email": "x@example.com"})
            )
        ],
    )
    response, _ = do_answer_invitation(invitation=result.items[0].invitation, score=8)
    events.relay()
    delivery.send_due_calls()
    assert crm.state.contacts["502"]["touchpoint_nps_score"] == "8"
    assert response.contact.external_id == "C-42"


def test_an_outage_then_a_429_then_recovery(brand, connector, crm, clock):
    respond(brand, 6, "")
    events.relay()
    crm.replies = [(503, {"status": "error", "message": "down"})]
    delivery.send_due_calls()
    assert Circuit.objects.get().destination == connector.destination
    assert ConnectorCall.objects.get().attempts == 0

    clock.shift(dt.timedelta(seconds=31))
    crm.replies = [(429, {"status": "error", "message": "Too many"}, {"Retry-After": "10"})]
    delivery.send_due_calls()
    assert Circuit.objects.get().retry_at == START + dt.timedelta(seconds=41)

    clock.shift(dt.timedelta(seconds=10))
    assert delivery.send_due_calls() == 1
    assert not Circuit.objects.exists()
    assert crm.state.contacts["501"]["touchpoint_nps_score"] == "6"


def test_a_revoked_token_switches_hubspot_off_once(brand, connector, crm, clock):
    respond(brand, 6, "")
    respond(brand, 2, "", n=2)
    events.relay()
    crm.state.token = "revoked"
    delivery.send_due_calls()
    connector.refresh_from_db()
    assert connector.disabled_at is not None
    assert set(ConnectorCall.objects.values_list("state", flat=True)) == {"pending"}
    assert len(crm.calls("POST", r".*upsert")) == 1  # the second call was not even made
    from touchpoint.notifications.models import Delivery

    assert Delivery.objects.filter(event_type="connector.disabled").count() == 1


def test_test_connection(brand, connector, admin, crm):
    assert do_test_connector(by=admin, connector=connector).ok
    crm.state.token = "revoked"
    result = do_test_connector(by=admin, connector=connector)
    assert not result.ok and "401" in result.message


# --- Inbound ----------------------------------------------------------------------------------


def post_events(connector, events_json, *, secret=HUBSPOT_CLIENT_SECRET, at: dt.datetime = START):
    body = json.dumps(events_json)
    path = inbound_path(connector)
    timestamp = str(int(at.timestamp() * 1000))
    source = f"POST{'http://testserver'}{path}{body}{timestamp}"
    signature = base64.b64encode(
        hmac.new(secret.encode(), source.encode(), hashlib.sha256).digest()
    ).decode()
    return Client().post(
        path,
        body,
        content_type="application/json",
        headers={"X-HubSpot-Signature-v3": signature, "X-HubSpot-Request-Timestamp": timestamp},
    )


def deal_won(event_id: int = 1, deal: str = "9001", stage: str = "closedwon") -> dict:
    return {
        "eventId": event_id,
        "subscriptionId": 12,
        "portalId": 62515,
        "appId": 54321,
        "occurredAt": int(START.timestamp() * 1000) - 60_000,
        "subscriptionType": "deal.propertyChange",
        "attemptNumber": 0,
        "objectId": int(deal),
        "propertyName": "dealstage",
        "propertyValue": stage,
        "changeSource": "CRM_UI",
    }


def test_a_won_deal_becomes_an_interaction_once_hubspot_says_who_the_customer_is(
    brand, connector, crm, clock
):
    answer = post_events(connector, [deal_won(1), deal_won(2, stage="appointmentscheduled")])
    assert answer.status_code == 200 and answer.json()["waiting_for_details"] == 1
    assert InboundEvent.objects.get().state == "lookup"

    assert delivery.send_due_calls() == 1  # the worker reads the deal and its contact
    interaction = Interaction.objects.get()
    assert interaction.external_id == "hubspot:event-1"
    assert interaction.unit == brand.store  # owner 77
    assert interaction.contact.email == "customer1@example.com"
    assert interaction.contact.name == "Ana Silva"
    assert interaction.properties == {"hubspot_deal": "9001"}
    assert interaction.occurred_at == START - dt.timedelta(minutes=1)

    again = post_events(connector, [deal_won(1)])  # HubSpot retries the same event
    assert again.json()["repeats"] == 1
    assert delivery.send_due_calls() == 0
    assert Interaction.objects.count() == 1


def test_a_deal_without_a_contact_is_parked(brand, connector, crm, clock):
    crm.state.deals["9002"] = {"properties": {"hubspot_owner_id": "77"}, "contacts": []}
    post_events(connector, [deal_won(5, deal="9002")])
    delivery.send_due_calls()
    event = InboundEvent.objects.get()
    assert event.state == "parked" and "contact" in event.reason


def test_unsigned_stale_or_forged_webhooks_store_nothing(connector, clock):
    assert post_events(connector, [deal_won()], secret="wrong").status_code == 401
    stale = post_events(connector, [deal_won()], at=START - dt.timedelta(minutes=6))
    assert stale.status_code == 401 and "old" in stale.json()["detail"]
    unsigned = Client().post(inbound_path(connector), "[]", content_type="application/json")
    assert unsigned.status_code == 401
    assert post_events(connector, [{"objectId": 1}]).status_code == 400
    assert not InboundEvent.objects.exists() and not ConnectorCall.objects.exists()
