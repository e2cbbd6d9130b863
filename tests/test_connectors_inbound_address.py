"""A connector's inbound address. Its key is the only secret of a Salesforce connector or of a
Segment one without a shared secret, so it is never stored (a nonce and a hash are, as for
survey links): a database dump cannot post events. An address made before this keeps
working but can no longer be shown; a new one, made on the page or through the API,
replaces the old one at once."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from tests.conftest import inbound_path
from tests.test_secret_links import database_dump
from touchpoint.accounts.actions import do_create_api_key
from touchpoint.connectors.models import Connector, InboundEvent
from touchpoint.setup.connectors import do_save_connector
from touchpoint.setup.models import SetupChange

pytestmark = pytest.mark.django_db
EVENTS = {"Order Completed": {"touchpoint": "store-purchase", "unit_property": "store"}}
NOT_SHOWN = "Inbound address: no longer shown"


@pytest.fixture
def connector(brand, people) -> Connector:
    """Segment without a shared secret: whoever knows the address can post events."""
    return do_save_connector(
        account=brand.account,
        by=people["brand_admin"],
        kind="segment",
        values={"settings": {"events": EVENTS}},
    )


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def track(path: str, message_id: str = "msg-1"):
    body = {
        "type": "track",
        "messageId": message_id,
        "userId": "user-7",
        "event": "Order Completed",
        "timestamp": "2026-11-20T08:55:00.000Z",
        "properties": {"store": "store-012"},
        "context": {"traits": {"email": "ana@example.com"}},
    }
    return Client().post(path, json.dumps(body), content_type="application/json")


def key_of(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def test_the_address_records_events_and_a_database_dump_cannot_post_any(connector, people, api):
    path = inbound_path(connector)
    assert path.startswith("/integrations/segment/")

    answer = track(path)

    assert answer.status_code == 200 and answer.json()["recorded"] == 1
    page = signed_in(people["brand_admin"]).get("/setup/connectors/segment/").content.decode()
    assert path in page and NOT_SHOWN not in page
    shown = api.get("/api/v1/connectors/segment").json()
    assert shown["inbound_url"] == "http://testserver" + path and shown["inbound_note"] is None
    # No column of any table holds the key, nor its start; what is stored opens nothing.
    key = key_of(path)
    dump = database_dump()
    assert key not in dump and key[:12] not in dump
    connector.refresh_from_db()
    assert connector.inbound_hash in dump
    assert track(f"/integrations/segment/{connector.inbound_hash}", "msg-2").status_code == 404
    assert track(f"/integrations/segment/{connector.inbound_nonce}", "msg-3").status_code == 404


def test_an_unknown_empty_or_overlong_key_is_not_found(connector):
    key = key_of(inbound_path(connector))
    for wrong in (key[:-1], key + "x" * 40, "x" * 65):
        answer = track(f"/integrations/segment/{wrong}")
        assert answer.status_code == 404
        assert answer.json() == {
            "error": "not_found",
            "detail": "No active connector at this address.",
        }
    assert track(f"/integrations/zendesk/{key}").status_code == 404  # another kind's address
    assert Client().post("/integrations/segment/").status_code == 404
    assert not InboundEvent.objects.exists()


def test_a_new_address_from_the_page_replaces_the_old_one_at_once(connector, people):
    admin = signed_in(people["brand_admin"])
    old = inbound_path(connector)
    page = admin.get("/setup/connectors/segment/").content.decode()
    assert 'value="new_address"' in page and "stops working at once" in page

    made = admin.post("/setup/connectors/segment/", {"action": "new_address"}, follow=True)

    connector.refresh_from_db()
    new = inbound_path(connector)
    assert new != old
    shown = made.content.decode()
    assert "New inbound address made" in shown and new in shown and old not in shown
    assert track(old).status_code == 404
    assert track(new).status_code == 200
    change = SetupChange.objects.get(action="new_address")
    assert (change.subject, change.subject_key, change.user) == (
        "connector",
        "segment",
        people["brand_admin"],
    )
    dump = database_dump()
    assert key_of(old) not in dump and key_of(new) not in dump


def test_a_new_address_through_the_api(connector, api, brand):
    old = inbound_path(connector)

    made = api.post("/api/v1/connectors/segment/inbound-address")

    assert made.status_code == 200
    url = made.json()["inbound_url"]
    connector.refresh_from_db()
    assert url == "http://testserver" + inbound_path(connector) and url != "http://testserver" + old
    assert track(old).status_code == 404
    assert track(url.removeprefix("http://testserver")).status_code == 200
    change = SetupChange.objects.get(action="new_address")
    assert change.api_key is not None and change.user is None
    assert key_of(url) not in json.dumps([change.before, change.after])
    assert api.post("/api/v1/connectors/zendesk/inbound-address").status_code == 404


def test_only_account_admins_and_account_wide_keys_make_a_new_address(
    connector, people, brand, outsider, client
):
    path = inbound_path(connector)
    for persona in ("north_manager", "agent"):
        refused = signed_in(people[persona]).post(
            "/setup/connectors/segment/", {"action": "new_address"}
        )
        assert refused.status_code == 404
    # The outsider administers their own account, which has no Segment connector.
    signed_in(people["outsider"]).post("/setup/connectors/segment/", {"action": "new_address"})
    limited = do_create_api_key(account=brand.account, name="store", unit=brand.store).secret
    theirs = do_create_api_key(account=outsider, name="theirs").secret
    as_limited = client.post(
        "/api/v1/connectors/segment/inbound-address",
        headers={"Authorization": f"Bearer {limited}"},
    )
    as_other = client.post(
        "/api/v1/connectors/segment/inbound-address",
        headers={"Authorization": f"Bearer {theirs}"},
    )
    assert (as_limited.status_code, as_other.status_code) == (403, 404)

    assert inbound_path(Connector.objects.get(pk=connector.pk)) == path
    assert track(path).status_code == 200
    assert not SetupChange.objects.filter(action="new_address").exists()


def test_a_changed_secret_key_hides_the_address_but_it_keeps_working(
    connector, people, api, settings
):
    path = inbound_path(connector)
    former = settings.SECRET_KEY
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40

    page = signed_in(people["brand_admin"]).get("/setup/connectors/segment/").content.decode()
    shown = api.get("/api/v1/connectors/segment").json()

    assert NOT_SHOWN in page and key_of(path) not in page
    assert shown["inbound_url"] is None and "no longer shown" in shown["inbound_note"]
    assert track(path).status_code == 200
    # With the former key among the fallbacks, it is shown again.
    settings.SECRET_KEY_FALLBACKS = [former]
    assert api.get("/api/v1/connectors/segment").json()["inbound_url"].endswith(path)


def test_the_operators_admin_shows_neither_the_address_nor_its_hash(connector, admin_client):
    path = inbound_path(connector)
    connector.refresh_from_db()

    page = admin_client.get(f"/admin/connectors/connector/{connector.pk}/change/")

    assert page.status_code == 200
    shown = page.content.decode()
    for secret in (key_of(path), connector.inbound_hash, connector.inbound_nonce):
        assert secret not in shown
    assert 'name="inbound' not in shown


BEFORE = [("connectors", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_an_address_made_before_the_upgrade_keeps_working_and_leaves_the_database(
    brand, people, api
):
    # Given, before the upgrade: a Segment connector whose clear key the vendor posts to, and
    # the audit of its creation, which recorded its address.
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    legacy_key = "tpi_made-before-the-upgrade-0123456789abc"
    old.get_model("connectors", "Connector").objects.create(
        account_id=brand.account.pk,
        kind="segment",
        config={"events": EVENTS, "traits": []},
        inbound_key=legacy_key,
    )
    address = f"http://testserver/integrations/segment/{legacy_key}"
    SetupChange.objects.create(
        account=brand.account,
        actor="cx-lead",
        subject="connector",
        subject_key="segment",
        action="created",
        after={"kind": "segment", "inbound_url": address},
    )

    # When the upgrade runs
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    # Then the vendor's address still works, the database no longer holds it, and the page
    # and the API say it cannot be shown (and how to get one that can).
    legacy_path = f"/integrations/segment/{legacy_key}"
    assert track(legacy_path).status_code == 200
    assert legacy_key not in database_dump()
    assert SetupChange.objects.get(action="created").after == {"kind": "segment"}
    admin = signed_in(people["brand_admin"])
    page = admin.get("/setup/connectors/segment/").content.decode()
    assert NOT_SHOWN in page and "keeps working" in page
    shown = api.get("/api/v1/connectors/segment").json()
    assert shown["inbound_url"] is None
    assert "/api/v1/connectors/segment/inbound-address" in shown["inbound_note"]

    # A new address replaces it, and is shown.
    assert admin.post("/setup/connectors/segment/", {"action": "new_address"}).status_code == 302
    assert track(legacy_path, "msg-2").status_code == 404
    new_path = inbound_path(Connector.objects.get())
    assert new_path in admin.get("/setup/connectors/segment/").content.decode()
    assert track(new_path, "msg-3").status_code == 200
