"""REST hooks for automation tools and Standard Webhooks signatures: a Zapier-style client
subscribes a URL, receives signed events it verifies with the Standard Webhooks library,
and unsubscribes; Microsoft Teams gets an Adaptive Card."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from tests.conftest import outbound
from tests.test_tickets import respond
from touchpoint.accounts.actions import do_create_api_key
from touchpoint.lib import signing
from touchpoint.notifications.models import Delivery, Endpoint, new_endpoint_secret
from touchpoint.setup.models import SetupChange

pytestmark = pytest.mark.django_db


class Catcher:
    """An automation tool's catch hook: keeps each request; `status` is what it answers."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, bytes]] = []
        self.status = 200
        catcher = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                catcher.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(catcher.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/catch"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def catcher():
    server = Catcher()
    yield server
    server.close()


def test_subscribe_receive_verify_with_the_standard_webhooks_library_and_unsubscribe(
    brand, api, catcher
):
    made = api.post(
        "/api/v1/hooks",
        {"target_url": catcher.url, "event": "response.created"},
        content_type="application/json",
    )
    assert made.status_code == 201
    hook = made.json()
    assert hook["events"] == ["response.created"] and hook["secret"].startswith("whsec_")

    response = respond(brand, 4, "Queue too long")
    outbound()

    [(headers, body)] = catcher.received
    payload = Webhook(hook["secret"]).verify(body, headers)  # raises if not genuine
    assert payload["event_type"] == "response.created"
    assert payload["data"]["response"]["id"] == response.pk
    assert headers["webhook-id"] == payload["event_id"]
    assert headers["webhook-signature"].startswith("v1,")
    # The older headers are still there for one release.
    assert signing.verify(hook["secret"], headers, body, now=int(headers["webhook-timestamp"]))
    with pytest.raises(WebhookVerificationError):
        Webhook(new_endpoint_secret()).verify(body, headers)

    gone = api.delete(f"/api/v1/hooks/{hook['id']}")
    assert gone.status_code == 204
    respond(brand, 3, "Still slow", n=2)
    outbound()
    assert len(catcher.received) == 1
    assert api.delete(f"/api/v1/hooks/{hook['id']}").status_code == 404
    actions = set(SetupChange.objects.filter(subject="webhook").values_list("action", flat=True))
    assert actions == {"created", "unsubscribed"}


def test_a_receiver_answering_410_gone_is_unsubscribed(brand, api, catcher):
    api.post("/api/v1/hooks", {"target_url": catcher.url}, content_type="application/json")
    catcher.status = 410
    respond(brand, 9, "Great")
    outbound()
    assert Endpoint.objects.get().is_active is False
    assert Delivery.objects.get(event_type="response.created").state == "failed"


def test_bad_subscriptions_name_the_field_and_store_nothing(brand, api):
    cases = [
        ({"target_url": "ftp://example.com/x"}, "target_url"),
        ({"target_url": "https://hooks.example.com", "event": "sale.made"}, "events"),
        ({"event": "response.created"}, "target_url"),
    ]
    for body, field in cases:
        answer = api.post("/api/v1/hooks", body, content_type="application/json")
        assert answer.status_code == 422, body
        assert field in json.dumps(answer.json()["detail"])
    assert not Endpoint.objects.exists()


def test_a_unit_limited_key_cannot_subscribe_and_nobody_sees_another_accounts_hooks(
    brand, outsider, client
):
    limited = do_create_api_key(account=brand.account, name="store", unit=brand.store).secret
    answer = client.post(
        "/api/v1/hooks",
        {"target_url": "https://hooks.example.com/x"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {limited}"},
    )
    assert answer.status_code == 403

    theirs = Endpoint.objects.create(account=outsider, name="x", url="https://x.example.com")
    own_key = do_create_api_key(account=brand.account, name="all").secret
    answer = client.delete(
        f"/api/v1/hooks/{theirs.pk}", headers={"Authorization": f"Bearer {own_key}"}
    )
    assert answer.status_code == 404
    assert Endpoint.objects.get(pk=theirs.pk).is_active


def test_teams_gets_an_adaptive_card_with_a_link_to_act_on(brand, catcher):
    Endpoint.objects.create(
        account=brand.account, name="CX channel", kind="teams", url=catcher.url, events=["ticket.*"]
    )
    response = respond(brand, 2, "Rude staff")
    outbound()

    [(headers, body)] = catcher.received
    message = json.loads(body)
    assert "webhook-signature" not in headers  # Teams verifies nothing; the URL is the secret
    [attachment] = message["attachments"]
    assert message["type"] == "message"
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["body"][0]["text"] == "ticket.opened"
    assert "score 2" in card["body"][1]["text"]
    [action] = card["actions"]
    assert action["type"] == "Action.OpenUrl"
    assert action["url"].endswith(f"/tickets/{response.ticket.pk}/")


def test_new_secrets_are_standard_base64_and_old_ones_still_sign():
    secret = new_endpoint_secret()
    assert secret.startswith("whsec_") and len(signing.secret_key(secret)) == 24
    old = "whsec_" + "a-b_" * 10 + "xyz"  # url-safe, as secrets were made before
    headers = signing.signed_headers(old, "evt-1", 1_000_000, b"{}")
    assert headers["webhook-signature"].startswith("v1,")
    assert signing.verify(old, headers, b"{}", now=1_000_000) == "evt-1"
