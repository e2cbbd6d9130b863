"""Kiosks, widget keys, API keys, webhook endpoints and SMS settings, managed by the CX team:
secrets shown once and never again, each through its app's own actions, each change recorded."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from touchpoint.accounts.actions import access_api_key
from touchpoint.kiosks.actions import access_kiosk
from touchpoint.kiosks.models import Kiosk
from touchpoint.notifications.models import Endpoint
from touchpoint.outbox.models import SmsSettings
from touchpoint.setup.models import SetupChange
from touchpoint.surveys.models import Touchpoint
from touchpoint.widget.models import PublishableKey

pytestmark = pytest.mark.django_db
SID = "AC" + "1" * 32


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin(people) -> Client:
    return signed_in(people["brand_admin"])


def secret_on(page) -> str:
    return re.search(r'<code class="copy" id="new-secret">([^<]+)</code>', page.content.decode())[1]


def test_a_kiosk_link_is_shown_once_and_works(admin, brand):
    page = admin.post(
        "/setup/kiosks/",
        {"action": "add", "name": "Till 2", "unit": "store-012", "touchpoint": "store-purchase"},
    )
    link = secret_on(page)
    token = link.rsplit("/kiosk/", 1)[1].strip("/")
    kiosk = access_kiosk(token)
    assert (kiosk.name, kiosk.unit, kiosk.touchpoint) == ("Till 2", brand.store, brand.purchase)
    assert token not in admin.get("/setup/kiosks/").content.decode()
    renewed = secret_on(admin.post("/setup/kiosks/", {"action": "link", "id": kiosk.pk}))
    assert renewed != link and access_kiosk(token) is None
    admin.post("/setup/kiosks/", {"action": "revoke", "id": kiosk.pk})
    assert not Kiosk.objects.get().is_active
    actions = list(SetupChange.objects.filter(subject="kiosk").values_list("action", flat=True))
    assert sorted(actions) == ["created", "new_link", "revoked"]


def test_a_kiosk_for_an_unknown_store_is_refused_on_the_field(admin, brand):
    page = admin.post(
        "/setup/kiosks/",
        {"action": "add", "name": "Till", "unit": "store-999", "touchpoint": "store-purchase"},
    )
    assert page.status_code == 400
    assert "no such unit" in page.content.decode()
    assert not Kiosk.objects.exists()


def test_an_api_key_is_shown_once_and_can_be_limited_to_a_unit(admin, brand):
    page = admin.post("/setup/api-keys/", {"action": "add", "name": "POS", "unit": "north"})
    secret = secret_on(page)
    key = access_api_key(secret)
    assert (key.name, key.unit) == ("POS", brand.north)
    assert secret not in admin.get("/setup/api-keys/").content.decode()
    assert (
        admin.post("/setup/api-keys/", {"action": "add", "name": "X", "unit": "nope"}).status_code
        == 400
    )
    admin.post("/setup/api-keys/", {"action": "revoke", "id": key.pk})
    assert access_api_key(secret) is None


def test_a_webhook_secret_is_shown_once_then_only_its_last_four(admin, brand):
    page = admin.post(
        "/setup/webhooks/",
        {
            "action": "save",
            "name": "CRM",
            "kind": "json",
            "url": "https://crm.example.com/hooks",
            "events": ["ticket.opened", "ticket.escalated"],
            "is_active": "on",
        },
    )
    secret = secret_on(page)
    endpoint = Endpoint.objects.get()
    assert endpoint.secret == secret and endpoint.events == ["ticket.opened", "ticket.escalated"]
    listing = admin.get("/setup/webhooks/").content.decode()
    assert secret not in listing and f"…{secret[-4:]}" in listing
    change = SetupChange.objects.get(subject="webhook")
    assert secret not in str(change.after)
    rolled = secret_on(admin.post("/setup/webhooks/", {"action": "secret", "id": endpoint.pk}))
    endpoint.refresh_from_db()
    assert rolled != secret and endpoint.secret == rolled


def test_a_webhook_with_a_bad_address_or_event_is_refused(api, brand):
    response = api.post(
        "/api/v1/webhooks",
        {"name": "CRM", "url": "crm.example.com", "events": ["ticket.exploded"]},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["detail"]} == {"url", "events"}
    assert not Endpoint.objects.exists()
    made = api.post(
        "/api/v1/webhooks",
        {"name": "CRM", "url": "https://crm.example.com/hooks"},
        content_type="application/json",
    ).json()
    assert made["signing_secret"].startswith("whsec_")
    listed = api.get("/api/v1/webhooks").json()
    assert listed[0]["secret"] == f"…{made['signing_secret'][-4:]}"
    assert "signing_secret" not in listed[0]


def test_the_sms_auth_token_is_write_only(admin, brand):
    form = {"account_sid": SID, "auth_token": "s3cret-token-9876", "from_number": "+447700900123"}
    assert admin.post("/setup/sms/", {**form, "is_active": "on"}).status_code == 302
    page = admin.get("/setup/sms/").content.decode()
    assert "s3cret-token-9876" not in page and "…9876" in page
    # Saving again without a token keeps the stored one.
    admin.post("/setup/sms/", {**form, "auth_token": "", "from_number": "+447700900999"})
    saved = SmsSettings.objects.get()
    assert (saved.auth_token, saved.from_number) == ("s3cret-token-9876", "+447700900999")
    changes = SetupChange.objects.filter(subject="sms")
    assert all("s3cret" not in str(c.before) + str(c.after) for c in changes)
    refused = admin.post("/setup/sms/", {**form, "account_sid": "AC12", "from_number": ""})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "A Twilio account SID" in text and "Give a sender number" in text
    assert SmsSettings.objects.get().account_sid == SID


def test_a_widget_key_needs_a_widget_touchpoint_and_real_origins(admin, api, brand):
    page = admin.post(
        "/setup/widget-keys/",
        {
            "action": "add",
            "name": "Shop",
            "touchpoint": "store-purchase",
            "unit": "nimbus",
            "origins": "https://shop.example.com",
        },
    )
    assert page.status_code == 400  # not a widget touchpoint: not even offered
    Touchpoint.objects.create(account=brand.account, slug="web-ask", name="Web", channel="widget")
    bad = api.post(
        "/api/v1/widget-keys",
        {
            "name": "Shop",
            "touchpoint": "web-ask",
            "unit": "nimbus",
            "origins": ["shop.example.com"],
        },
        content_type="application/json",
    )
    assert bad.json()["detail"] == [
        {
            "field": "origins",
            "message": "shop.example.com is not an origin like https://shop.example.com",
        }
    ]
    made = admin.post(
        "/setup/widget-keys/",
        {
            "action": "add",
            "name": "Shop",
            "touchpoint": "web-ask",
            "unit": "nimbus",
            "origins": "https://shop.example.com/\nhttps://www.example.com",
        },
    )
    assert made.status_code == 302
    key = PublishableKey.objects.get()
    assert key.origins == {"https://shop.example.com", "https://www.example.com"}
    assert key.key in admin.get("/setup/widget-keys/").content.decode()  # public by design


def test_kiosks_and_keys_through_the_api(api, brand):
    kiosk = api.post(
        "/api/v1/kiosks",
        {"name": "Till 1", "unit": "store-012", "touchpoint": "store-purchase", "locale": "fr"},
        content_type="application/json",
    )
    assert kiosk.status_code == 201 and "/kiosk/" in kiosk.json()["url"]
    assert "url" not in api.get("/api/v1/kiosks").json()[0]
    key = api.post(
        "/api/v1/api-keys", {"name": "BI", "unit": "north"}, content_type="application/json"
    ).json()
    assert access_api_key(key["secret"]).unit == brand.north
    assert "secret" not in api.get("/api/v1/api-keys").json()[-1]
