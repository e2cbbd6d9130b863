"""Connectors on the setup pages and through the API: settings checked field by field,
credentials write-only, the connection tested, the sync log and replays, every change
audited; account admins and account-wide keys only."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from django.test import Client

from tests.conftest import inbound_path
from tests.fake_vendors import ZENDESK_EMAIL, ZENDESK_TOKEN, ZendeskState, serve, zendesk
from touchpoint.accounts.actions import do_create_api_key
from touchpoint.accounts.models import Unit
from touchpoint.connectors.models import Connector, InboundEvent
from touchpoint.setup.models import SetupChange

pytestmark = pytest.mark.django_db
SIGNING = "c2lnbmluZy1zZWNyZXQ="


@pytest.fixture
def zendesk_api():
    fake, stop = serve(zendesk(ZendeskState()))
    yield fake
    stop()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def zendesk_settings(url: str) -> dict:
    return {
        "base_url": url,
        "settings": {
            "subdomain": "nimbus",
            "email": ZENDESK_EMAIL,
            "touchpoint": "support-call",
            "units": {"group:Tier 1": "callco-t1", "*": "callco"},
        },
        "credentials": {"api_token": ZENDESK_TOKEN, "signing_secret": SIGNING},
    }


def test_the_api_sets_a_connector_up_and_never_shows_its_credentials(api, brand, zendesk_api):
    made = api.put(
        "/api/v1/connectors/zendesk",
        zendesk_settings(zendesk_api.url),
        content_type="application/json",
    )
    assert made.status_code == 201
    body = made.json()
    assert body["credentials"] == {"api_token": "…cdef", "signing_secret": "…ZXQ="}
    assert body["inbound_url"] == "http://testserver" + inbound_path(Connector.objects.get())
    assert body["inbound_note"] is None
    assert ZENDESK_TOKEN not in json.dumps(api.get("/api/v1/connectors/zendesk").json())

    # A change of one setting keeps the rest, and the credentials.
    changed = api.put(
        "/api/v1/connectors/zendesk",
        {"settings": {"on_detractor": "reopen"}},
        content_type="application/json",
    )
    assert changed.status_code == 200
    assert changed.json()["settings"]["units"] == {"group:Tier 1": "callco-t1", "*": "callco"}
    assert changed.json()["credentials"]["api_token"] == "…cdef"

    tested = api.post("/api/v1/connectors/zendesk/test").json()
    assert tested == {"ok": True, "message": "Connected as Nimbus bot (admin)"}
    listed = {row["kind"]: row for row in api.get("/api/v1/connectors").json()}
    assert listed["zendesk"]["configured"] and not listed["hubspot"]["configured"]
    audit = list(SetupChange.objects.filter(subject="connector").values_list("action", flat=True))
    assert sorted(audit) == ["changed", "created", "tested"]


def test_bad_settings_name_each_field_and_save_nothing(api, brand):
    answer = api.put(
        "/api/v1/connectors/zendesk",
        {
            "base_url": "not a url",
            "settings": {"units": {"group:Tier 1": "no-such-unit"}, "colour": "red", "email": ""},
            "credentials": {"api_token": ""},
        },
        content_type="application/json",
    )
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["detail"]}
    assert {
        "base_url",
        "settings.units",
        "settings.colour",
        "settings.email",
        "credentials.api_token",
        "credentials.signing_secret",
    } <= fields
    assert not Connector.objects.exists() and not SetupChange.objects.exists()
    assert (
        api.put("/api/v1/connectors/myspace", {}, content_type="application/json").status_code
        == 404
    )


def test_a_unit_limited_key_and_another_account_see_nothing(
    api, brand, outsider, client, zendesk_api
):
    api.put(
        "/api/v1/connectors/zendesk",
        zendesk_settings(zendesk_api.url),
        content_type="application/json",
    )
    limited = do_create_api_key(account=brand.account, name="store", unit=brand.store).secret
    theirs = do_create_api_key(account=outsider, name="theirs").secret
    as_limited = client.get(
        "/api/v1/connectors/zendesk", headers={"Authorization": f"Bearer {limited}"}
    )
    as_other = client.get(
        "/api/v1/connectors/zendesk", headers={"Authorization": f"Bearer {theirs}"}
    )
    assert as_limited.status_code == 403
    assert as_other.status_code == 404


def test_the_log_shows_a_parked_event_and_the_api_replays_it(api, brand, zendesk_api):
    api.put(
        "/api/v1/connectors/zendesk",
        zendesk_settings(zendesk_api.url),
        content_type="application/json",
    )
    connector = Connector.objects.get()
    Unit.objects.filter(code="callco").update(is_active=False)
    body = json.dumps(
        {
            "ticket": {
                "id": "12",
                "status": "solved",
                "group": "Billing",
                "requester": {"email": "b@example.com"},
            }
        }
    ).encode()
    signature = base64.b64encode(hmac.new(SIGNING.encode(), b"t" + body, hashlib.sha256).digest())
    Client().post(
        inbound_path(connector),
        body,
        content_type="application/json",
        headers={
            "X-Zendesk-Webhook-Signature": signature.decode(),
            "X-Zendesk-Webhook-Signature-Timestamp": "t",
        },
    )
    [row] = api.get("/api/v1/connectors/zendesk/log").json()
    assert row["state"] == "parked" and "callco" in row["reason"]

    Unit.objects.filter(code="callco").update(is_active=True)
    replayed = api.post(f"/api/v1/connectors/zendesk/events/{row['id']}/replay")
    assert replayed.status_code == 200 and replayed.json()["state"] == "recorded"
    again = api.post(f"/api/v1/connectors/zendesk/events/{row['id']}/replay")
    assert again.status_code == 422  # only a parked event can be replayed


def test_the_setup_page_saves_tests_and_replays(people, brand, zendesk_api):
    admin = signed_in(people["brand_admin"])
    assert "Zendesk" in admin.get("/setup/connectors/").content.decode()
    page = admin.post(
        "/setup/connectors/zendesk/",
        {
            "action": "save",
            "is_active": "on",
            "base_url": zendesk_api.url,
            "s_subdomain": "nimbus",
            "s_email": ZENDESK_EMAIL,
            "s_touchpoint": "support-call",
            "s_units": "group:Tier 1 = callco-t1\n* = callco",
            "s_on_detractor": "note",
            "c_api_token": ZENDESK_TOKEN,
            "c_signing_secret": SIGNING,
        },
    )
    assert page.status_code == 302
    connector = Connector.objects.get()
    assert connector.config["units"] == {"group:Tier 1": "callco-t1", "*": "callco"}

    shown = admin.get("/setup/connectors/zendesk/").content.decode()
    assert ZENDESK_TOKEN not in shown and "…cdef" in shown
    assert inbound_path(connector) in shown

    tested = admin.post("/setup/connectors/zendesk/", {"action": "test"}).content.decode()
    assert "Connection works." in tested

    refused = admin.post(
        "/setup/connectors/zendesk/",
        {"action": "save", "s_email": ZENDESK_EMAIL, "s_units": "group:Tier 1 callco-t1"},
    )
    assert refused.status_code == 400 and "line 1: write name = value" in refused.content.decode()

    InboundEvent.objects.create(
        account=brand.account,
        connector=connector,
        vendor_id="ticket-9",
        state="parked",
        reason="the mapping names unit 'gone', which no longer exists",
        incoming={
            "vendor_id": "ticket-9",
            "occurred_at": "2026-11-20T09:00:00+00:00",
            "contact": {"email": "c@example.com"},
            "keys": [["group", "Tier 1"]],
            "object_id": "9",
        },
        received_at="2026-11-20T09:00:00Z",
    )
    page = admin.get("/setup/connectors/zendesk/").content.decode()
    assert "which no longer exists" in page and 'value="replay"' in page
    event = InboundEvent.objects.get()
    admin.post("/setup/connectors/zendesk/", {"action": "replay", "id": event.pk})
    event.refresh_from_db()
    assert event.state == "recorded" and event.interaction.unit.code == "callco-t1"


def test_connectors_are_for_account_admins_only(people, brand, zendesk_api, api):
    api.put(
        "/api/v1/connectors/zendesk",
        zendesk_settings(zendesk_api.url),
        content_type="application/json",
    )
    for persona in ("north_manager", "agent"):
        assert signed_in(people[persona]).get("/setup/connectors/zendesk/").status_code == 404
    # The outsider administers their own account: its page knows nothing of this one's.
    theirs = signed_in(people["outsider"]).get("/setup/connectors/zendesk/").content.decode()
    assert inbound_path(Connector.objects.get()) not in theirs and "Sync log" not in theirs
