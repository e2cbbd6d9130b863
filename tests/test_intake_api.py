"""POST /api/v1/interactions: one or a batch, idempotent, all-or-nothing, clear errors."""

from __future__ import annotations

import json
import threading
import zoneinfo

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.test import Client

from tests.conftest import interaction
from touchpoint.accounts.actions import do_revoke_api_key
from touchpoint.accounts.models import ApiKey
from touchpoint.contacts.models import Contact
from touchpoint.lib.time_zones import known_time_zones
from touchpoint.surveys.models import Interaction, Invitation

URL = "/api/v1/interactions"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel("2026-11-20T10:05:00+01:00", tick=True):
        yield


def post(client: Client, body) -> tuple[int, dict]:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    response = client.post(URL, data, content_type="application/json")
    return response.status_code, response.json()


def fields(body: dict) -> set[str]:
    return {e["field"] for e in body["detail"]}


def test_one_interaction_is_stored_with_its_contact_and_an_invitation(api, brand):
    status, body = post(api, interaction(brand))
    assert status == 201
    (item,) = body["interactions"]
    assert item["created"] is True
    assert item["invitation"]["state"] == "scheduled"
    assert item["invitation"]["channel"] == "email"
    stored = Interaction.objects.get(pk=item["id"])
    assert stored.unit == brand.store and stored.touchpoint == brand.purchase
    assert stored.contact.email == "ana@example.com"
    assert stored.properties == {"phone_model": "Nimbus X5"}


def test_a_batch_is_stored_and_contacts_are_shared_by_email(api, brand):
    items = [
        interaction(
            brand,
            external_id=f"sale-{i}",
            contact={"email": "Ana@Example.com" if i % 2 else "bo@example.com"},
        )
        for i in range(10)
    ]
    status, body = post(api, {"interactions": items})
    assert status == 201
    assert len(body["interactions"]) == 10
    assert Contact.objects.filter(account=brand.account).count() == 2
    # Quarantine: one survey per person, the rest are suppressed with the reason.
    states = Invitation.objects.values_list("state", "reason")
    assert sorted(states).count(("scheduled", "")) == 2
    assert sorted(states).count(("suppressed", "quarantine")) == 8


def test_repeating_an_external_id_with_the_same_data_returns_the_stored_interaction(api, brand):
    _, first = post(api, interaction(brand))
    status, again = post(api, interaction(brand))
    assert status == 200
    assert again["interactions"][0]["id"] == first["interactions"][0]["id"]
    assert again["interactions"][0]["created"] is False
    assert (
        again["interactions"][0]["invitation"]["id"] == first["interactions"][0]["invitation"]["id"]
    )
    assert Interaction.objects.count() == 1 and Invitation.objects.count() == 1


def test_an_external_id_reused_for_other_data_is_a_conflict(api, brand):
    post(api, interaction(brand))
    status, body = post(api, interaction(brand, unit="store-040"))
    assert status == 409
    assert body["error"] == "conflict"
    assert fields(body) == {"interactions[0].external_id"}
    assert Interaction.objects.count() == 1


def test_a_duplicate_external_id_inside_a_batch_writes_nothing(api, brand):
    status, body = post(api, {"interactions": [interaction(brand), interaction(brand)]})
    assert status == 422
    assert fields(body) == {"interactions[1].external_id"}
    assert "repeats interactions[0]" in body["detail"][0]["message"]
    assert Interaction.objects.count() == 0


def test_one_bad_item_in_a_batch_writes_nothing_and_names_the_field(api, brand):
    items = [interaction(brand, external_id=f"s-{i}") for i in range(5)]
    items[3]["unit"] = "store-999"
    items[4]["contact"] = {"name": "Nobody"}
    status, body = post(api, {"interactions": items})
    assert status == 422
    assert fields(body) == {"interactions[4].contact"}  # shape errors come first
    items[4]["contact"] = {"email": "x@example.com"}
    status, body = post(api, {"interactions": items})
    assert status == 404  # a unit the key cannot write to, unknown or out of its scope
    assert body["detail"] == [
        {"field": "interactions[3].unit", "message": "no unit with code 'store-999'"}
    ]
    assert Interaction.objects.count() == 0 and Contact.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"touchpoint": "unknown"}, "interactions[0].touchpoint", "no touchpoint 'unknown'"),
        ({"occurred_at": "2026-11-20T10:00:00"}, "occurred_at", "must include a UTC offset"),
        ({"occurred_at": "yesterday"}, "occurred_at", "datetime"),
        ({"occurred_at": "2027-01-01T00:00:00Z"}, "interactions[0].occurred_at", "future"),
        ({"contact": {}}, "contact", "needs at least one of email, phone or external_id"),
        ({"contact": {"email": "not-an-email"}}, "contact.email", "not a valid email"),
        ({"contact": {"phone": "0612"}}, "contact.phone", "international number"),
        (
            {"contact": {"email": "a@example.com", "time_zone": "Mars/Base"}},
            "contact.time_zone",
            "IANA",
        ),
        ({"colour": "red"}, "colour", "not a known field"),
        ({"response": {"score": 11}}, "response.score", "less than or equal to 10"),
        ({"response": {"score": "ten"}}, "response.score", "integer"),
        ({"response": {"score": 9, "channel": "pigeon"}}, "response.channel", "Input should be"),
    ],
)
def test_bad_input_gets_a_clear_error_naming_the_field(api, brand, change, field, message):
    status, body = post(api, interaction(brand, **change))
    assert status == 422, body
    assert body["error"] == "invalid_request"
    assert any(e["field"] == field and message in e["message"] for e in body["detail"]), body
    assert Interaction.objects.count() == 0


def test_missing_required_fields_are_each_named(api, brand):
    status, body = post(api, {"contact": {"email": "a@example.com"}})
    assert status == 422
    assert fields(body) == {"touchpoint", "unit", "occurred_at"}
    assert {e["message"] for e in body["detail"]} == {"is required"}


def test_malformed_json_is_a_400(api, brand):
    status, body = post(api, '{"touchpoint": ')
    assert status == 400
    assert body["error"] == "malformed_json"


def test_a_batch_over_1000_is_refused_whole(api, brand):
    items = [interaction(brand, external_id=f"s-{i}") for i in range(1001)]
    status, body = post(api, {"interactions": items})
    assert status == 422
    assert fields(body) == {"interactions"}
    assert "1000" in body["detail"][0]["message"]
    assert Interaction.objects.count() == 0


def test_a_full_batch_of_1000_is_accepted(api, brand):
    items = [
        interaction(brand, external_id=f"s-{i}", contact={"email": f"c{i}@example.com"})
        for i in range(1000)
    ]
    status, body = post(api, {"interactions": items})
    assert status == 201
    assert len(body["interactions"]) == 1000
    assert Invitation.objects.filter(state="scheduled").count() == 1000


def test_an_answer_given_with_the_interaction_is_stored_with_its_attribution(api, brand):
    status, body = post(
        api,
        interaction(
            brand,
            touchpoint="support-call",
            unit="agent-431",
            response={"score": 3, "comment": "Waited 40 minutes", "channel": "phone"},
        ),
    )
    assert status == 201
    item = body["interactions"][0]
    assert item["invitation"] is None and item["response_id"]
    response = brand.account.responses.get()
    assert (response.score, response.channel) == (3, "phone")
    assert response.attribution["agent"]["code"] == "agent-431"
    assert response.attribution["vendor"]["name"] == "CallCo"


def test_a_web_link_touchpoint_returns_a_survey_url_at_once(api, brand):
    status, body = post(api, interaction(brand, touchpoint="sign-up", unit="nimbus"))
    assert status == 201
    invitation = body["interactions"][0]["invitation"]
    assert invitation["state"] == "sent"
    assert invitation["survey_url"].startswith("http://testserver/s/")


@pytest.mark.parametrize("header", [None, "Bearer nope", "Bearer tpk_abc_def", "Basic xyz"])
def test_without_a_valid_key_the_answer_is_401_and_nothing_is_written(brand, header):
    client = Client(headers={"Authorization": header} if header else {})
    status, body = post(client, interaction(brand))
    assert status == 401
    assert body["error"] == "unauthorized"
    assert Interaction.objects.count() == 0


def test_a_revoked_key_stops_working(api, brand):
    do_revoke_api_key(api_key=ApiKey.objects.get(account=brand.account))
    status, _ = post(api, interaction(brand))
    assert status == 401


def test_keys_are_stored_hashed(brand):
    stored = ApiKey.objects.get(account=brand.account)
    assert brand.api_key not in (stored.key_hash, stored.prefix, stored.name)
    assert len(stored.key_hash) == 64


def test_a_survey_links_hash_is_unique(api, brand):
    """Unique by a constraint (its index is checked in test_project.py)."""
    items = [
        interaction(brand, external_id=f"x-{n}", contact={"email": f"p{n}@example.com"})
        for n in range(2)
    ]
    status, body = post(api, {"interactions": items})
    assert status == 201, body
    first, second = Invitation.objects.exclude(token_hash=None).order_by("pk")
    second.token_hash = first.token_hash
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save(update_fields=["token_hash"])


def test_an_account_cannot_reach_another_accounts_units(brand, outsider):
    from touchpoint.accounts.actions import do_create_api_key
    from touchpoint.surveys.models import Touchpoint

    Touchpoint.objects.create(account=outsider, slug="store-purchase", name="P")
    key = do_create_api_key(account=outsider, name="theirs").secret
    client = Client(headers={"Authorization": f"Bearer {key}"})
    status, body = post(client, interaction(brand))  # store-012 is the brand's, not theirs
    assert status == 404
    assert body["detail"][0]["field"] == "interactions[0].unit"
    # The same external id in another account is independent.
    status, body = post(client, interaction(brand, unit="nimbus"))
    assert status == 201
    post(api := Client(headers={"Authorization": f"Bearer {brand.api_key}"}), interaction(brand))
    assert Interaction.objects.filter(external_id="sale-1").count() == 2
    assert api


def test_the_openapi_schema_describes_the_intake_body(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/interactions"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert {"$ref": "#/components/schemas/InteractionIn"} in body["oneOf"]
    assert "contact" in schema["components"]["schemas"]["InteractionIn"]["properties"]
    assert {"201", "409", "422"} <= set(operation["responses"])


@pytest.mark.django_db(transaction=True)
def test_two_identical_requests_racing_store_one_interaction(brand):
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("real concurrent writers need PostgreSQL")
    body = {
        "interactions": [
            interaction(brand, external_id=f"race-{i}", contact={"email": f"r{i}@example.com"})
            for i in range(50)
        ]
    }
    start = threading.Barrier(2)
    statuses = []

    def send():
        client = Client(headers={"Authorization": f"Bearer {brand.api_key}"})
        start.wait()
        statuses.append(post(client, body)[0])
        connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) in ([200, 201], [201, 201])
    assert Interaction.objects.count() == 50
    assert Contact.objects.count() == 50
    assert Invitation.objects.count() == 50


def test_a_batch_naming_one_contact_by_two_identifiers_keeps_every_detail(api, brand):
    Contact.objects.create(account=brand.account, external_id="crm-1", email="zoe@example.com")
    items = [
        interaction(brand, external_id="a", contact={"external_id": "crm-1", "name": "Zoé"}),
        interaction(brand, external_id="b", contact={"email": "zoe@example.com", "locale": "fr"}),
        interaction(
            brand,
            external_id="c",
            contact={"external_id": "crm-1", "attributes": {"tier": "gold"}},
        ),
    ]
    status, _ = post(api, {"interactions": items})
    assert status == 201
    contact = Contact.objects.get()
    assert (contact.name, contact.locale, contact.attributes) == ("Zoé", "fr", {"tier": "gold"})
    assert set(Interaction.objects.values_list("contact", flat=True)) == {contact.pk}


def test_time_zones_are_checked_without_reading_the_time_zone_database_each_time(
    api, brand, monkeypatch
):
    """Every value used to be looked up in `zoneinfo.available_timezones()`, which walks the
    time zone database per call: an import of contacts with time zones ran at 100 rows/s."""
    reads = []
    real = zoneinfo.available_timezones
    monkeypatch.setattr(zoneinfo, "available_timezones", lambda: reads.append(1) or real())
    known_time_zones.cache_clear()
    zones = ["Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]
    items = [
        interaction(
            brand,
            external_id=f"s-{i}",
            contact={"email": f"c{i}@example.com", "time_zone": zones[i % 4]},
        )
        for i in range(200)
    ]
    status, _ = post(api, {"interactions": items})
    brand.store.time_zone = "Europe/Lisbon"
    brand.store.full_clean()
    assert status == 201
    assert Contact.objects.get(email="c5@example.com").time_zone == "America/New_York"
    assert len(reads) <= 1

    bad = interaction(brand, contact={"email": "a@example.com", "time_zone": "Europe/Atlantis"})
    status, body = post(api, bad)
    assert (status, fields(body)) == (422, {"contact.time_zone"})


def test_the_answer_is_written_byte_for_byte_as_ninja_writes_its_schema(api, brand, monkeypatch):
    """The view writes its answer itself: the same bytes as ninja validating the dicts
    through `IntakeOut` and rendering them (datetimes in milliseconds, "Z" for UTC, the
    offset the interaction was sent with otherwise)."""
    from ninja.responses import NinjaJSONEncoder

    from touchpoint.api import urls

    results = []

    def keep(*args, **kwargs):
        results.append(record(*args, **kwargs))
        return results[-1]

    record = urls.record_interactions
    monkeypatch.setattr(urls, "record_interactions", keep)
    batch = [
        interaction(brand, external_id="sale-1"),  # scheduled, sent with an offset
        interaction(brand, external_id="sale-2", occurred_at="2026-11-20T08:59:59.123456Z"),
        interaction(brand, external_id="sign-1", touchpoint="sign-up", unit="nimbus"),
        interaction(brand, external_id="phone-only", contact={"phone": "+33612345678"}),
        interaction(
            brand,
            external_id="answered",
            touchpoint="support-call",
            unit="agent-431",
            response={"score": 9},
        ),
    ]
    for status in (201, 200):  # new, then repeated (read back from the database)
        response = api.post(URL, json.dumps({"interactions": batch}), "application/json")
        assert response.status_code == status
        as_ninja = {
            "interactions": [
                {
                    "id": item.interaction.pk,
                    "external_id": item.interaction.external_id,
                    "created": item.created,
                    "invitation": None
                    if item.invitation is None
                    else {
                        "id": item.invitation.pk,
                        "channel": item.invitation.channel,
                        "state": item.invitation.state,
                        "reason": item.invitation.reason,
                        "detail": item.invitation.detail,
                        "send_at": item.invitation.send_at,
                        "expires_at": item.invitation.expires_at,
                        "survey_url": urls.survey_url_or_none(item.invitation)
                        if item.invitation.state == "sent"
                        else None,
                    },
                    "response_id": item.response.pk if item.response else None,
                }
                for item in results[-1].items
            ]
        }
        expected = json.dumps(
            urls.IntakeOut.model_validate(as_ninja).model_dump(), cls=NinjaJSONEncoder
        )
        assert response.content.decode() == expected
        assert response["Content-Type"] == "application/json; charset=utf-8"


def test_the_payload_hash_stays_byte_for_byte_what_it_was():
    """Stored with every interaction: if it changed, repeats of interactions stored earlier
    would be taken for conflicts."""
    from touchpoint.intake.actions import payload_hash
    from touchpoint.intake.schemas import InteractionIn

    item = InteractionIn.model_validate(
        {
            "external_id": "sale-1",
            "touchpoint": "store-purchase",
            "unit": "store-012",
            "occurred_at": "2026-11-20T10:00:00.250+01:00",
            "contact": {
                "email": "Zoe@Example.com",
                "name": "Zoé Martin",
                "locale": "pt_BR",
                "time_zone": "Europe/Paris",
                "attributes": {"tier": "gold", "n": 3, "ok": True, "none": None},
            },
            "properties": {"phone_model": "Nimbus X5", "prix": 12.5},
            "response": {
                "score": 9,
                "comment": "Très bien",
                "answered_at": "2026-11-21T08:00:00Z",
                "channel": "phone",
            },
        }
    )
    assert payload_hash(item) == "16bcab3e134dc076b3974650b68d1c38d77069c2495510fa7770efe2631794ca"
