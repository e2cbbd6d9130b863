"""Segment / RudderStack intake: chosen `track` events become interactions, `identify` traits
become contact attributes; idempotent on messageId; unsigned or malformed calls store
nothing."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import inbound_path
from touchpoint.accounts.models import Membership, Unit
from touchpoint.connectors.models import InboundEvent
from touchpoint.contacts.models import Contact
from touchpoint.setup.audit import SetupError
from touchpoint.setup.connectors import do_replay_event, do_save_connector
from touchpoint.surveys.models import Interaction

pytestmark = pytest.mark.django_db
SHARED = "segment-shared-secret"


@pytest.fixture
def admin(brand):
    user = get_user_model().objects.create_user("cx-lead", "cx-lead@example.com", "pw")
    Membership.objects.create(user=user, unit=brand.brand, role="admin")
    return user


@pytest.fixture
def connector(brand, admin):
    return do_save_connector(
        account=brand.account,
        by=admin,
        kind="segment",
        values={
            "settings": {
                "events": {
                    "Order Completed": {"touchpoint": "store-purchase", "unit_property": "store"},
                    "Signed Up": {"touchpoint": "sign-up", "unit": "nimbus"},
                },
                "traits": ["plan", "tier"],
            },
            "credentials": {"shared_secret": SHARED},
        },
    )


def track(message_id: str = "msg-1", event: str = "Order Completed", **properties) -> dict:
    return {
        "type": "track",
        "messageId": message_id,
        "userId": "user-7",
        "event": event,
        "timestamp": "2026-11-20T08:55:00.000Z",
        "properties": {"store": "store-012", "total": 499.0, **properties},
        "context": {"locale": "fr-FR", "traits": {"email": "Ana@Example.com", "name": "Ana"}},
    }


def post(connector, body, *, secret: str | None = SHARED):
    raw = json.dumps(body).encode()
    headers = {}
    if secret is not None:
        headers["X-Signature"] = hmac.new(secret.encode(), raw, hashlib.sha1).hexdigest()
    return Client().post(
        inbound_path(connector),
        raw,
        content_type="application/json",
        headers=headers,
    )


def test_a_mapped_track_event_becomes_an_interaction_at_the_unit_it_names(brand, connector):
    answer = post(connector, track())

    assert answer.status_code == 200 and answer.json()["recorded"] == 1
    interaction = Interaction.objects.get()
    assert interaction.external_id == "segment:track-msg-1"
    assert (interaction.unit, interaction.touchpoint) == (brand.store, brand.purchase)
    assert interaction.properties == {
        "event": "Order Completed",
        "store": "store-012",
        "total": 499.0,
    }
    contact = interaction.contact
    assert (contact.external_id, contact.email, contact.locale) == (
        "user-7",
        "ana@example.com",
        "fr-FR",
    )


def test_a_batch_with_identify_and_unmapped_or_anonymous_calls(brand, connector):
    identify = {
        "type": "identify",
        "messageId": "msg-2",
        "userId": "user-7",
        "traits": {
            "email": "ana@example.com",
            "plan": "pro",
            "tier": "gold",
            "mrr": 99,
            "address": {},
        },
    }
    anonymous = {**track("msg-4"), "userId": None, "context": {}}
    batch = {"batch": [identify, track("msg-3", event="Product Viewed"), anonymous, track("msg-5")]}

    answer = post(connector, batch)

    assert answer.json() == {
        "received": 2,
        "recorded": 2,
        "parked": 0,
        "waiting_for_details": 0,
        "repeats": 0,
    }
    contact = Contact.objects.get(external_id="user-7")
    assert contact.attributes == {"plan": "pro", "tier": "gold"}  # only the traits chosen
    assert Interaction.objects.count() == 1


def test_the_same_message_sent_again_is_recorded_once(connector):
    post(connector, track())
    again = post(connector, track())
    assert again.json()["repeats"] == 1
    assert Interaction.objects.count() == 1
    assert InboundEvent.objects.get().repeats == 1


def test_unsigned_forged_or_malformed_calls_are_refused_and_store_nothing(connector):
    assert post(connector, track(), secret=None).status_code == 401
    assert post(connector, track(), secret="guess").status_code == 401
    no_id = post(connector, {"batch": [track("ok"), {"type": "track", "event": "x"}]})
    assert no_id.status_code == 400 and "batch[1].messageId" in no_id.json()["detail"]
    raw = b"not json"
    signed = hmac.new(SHARED.encode(), raw, hashlib.sha1).hexdigest()
    bad = Client().post(
        inbound_path(connector),
        raw,
        content_type="application/json",
        headers={"X-Signature": signed},
    )
    assert bad.status_code == 400
    assert not InboundEvent.objects.exists() and not Interaction.objects.exists()


def test_an_event_naming_a_closed_store_is_parked_and_replayed_once_it_reopens(
    brand, connector, admin
):
    Unit.objects.filter(pk=brand.store.pk).update(is_active=False)
    post(connector, track())
    event = InboundEvent.objects.get()
    assert event.state == "parked" and "store-012" in event.reason

    Unit.objects.filter(pk=brand.store.pk).update(is_active=True)
    assert do_replay_event(by=admin, event=event).state == "recorded"
    assert Interaction.objects.get().unit == brand.store


def test_an_event_without_its_unit_property_is_parked_with_the_reason(connector):
    call = track()
    del call["properties"]["store"]
    post(connector, call)
    assert "no unit is mapped" in InboundEvent.objects.get().reason


def test_a_bad_mapping_is_refused_naming_the_field(brand, admin):
    with pytest.raises(SetupError) as refused:
        do_save_connector(
            account=brand.account,
            by=admin,
            kind="segment",
            values={"settings": {"events": {"Order Completed": {"touchpoint": "store-purchase"}}}},
        )
    assert "settings.events" in refused.value.errors
