"""A local HTTP server that imitates Twilio's Messages endpoint, so the official client is
tested as it runs in production: the client is pointed at it with TWILIO_API_URL."""

from __future__ import annotations

import base64
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "f00dfeedc0ffee00f00dfeedc0ffee00"  # a test value, not a credential
SENDER = "+15005550006"


@dataclass
class FakeTwilio:
    """What the server received, and what it answers: `replies` is consumed in order, each
    (status, JSON body) or "hang" (no answer until the test ends); then 201 Created."""

    url: str = ""
    requests: list[dict] = field(default_factory=list)
    replies: list = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def messages(self) -> list[dict]:
        return [r["form"] for r in self.requests]


def error(status: int, code: int, message: str) -> tuple[int, dict]:
    return status, {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


class _Handler(BaseHTTPRequestHandler):
    fake: FakeTwilio

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        fake = self.server.fake  # type: ignore[attr-defined]
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        auth = self.headers.get("Authorization", "")
        user, _, password = (
            base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
            if auth.startswith("Basic ")
            else ("", "", "")
        )
        with fake.lock:
            fake.requests.append(
                {
                    "path": self.path,
                    "form": form,
                    "auth": (user, password),
                    "user_agent": self.headers.get("User-Agent", ""),
                }
            )
            reply = fake.replies.pop(0) if fake.replies else None
        if reply == "hang":
            fake.release.wait(10)
            return
        if reply is None:
            sid = "SM" + secrets.token_hex(16)
            reply = (
                201,
                {
                    "sid": sid,
                    "account_sid": user,
                    "to": form.get("To"),
                    "from": form.get("From"),
                    "messaging_service_sid": form.get("MessagingServiceSid"),
                    "body": form.get("Body"),
                    "status": "queued",
                    "num_segments": "1",
                    "direction": "outbound-api",
                    "uri": f"/2010-04-01/Accounts/{user}/Messages/{sid}.json",
                },
            )
        status, body = reply
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def twilio(settings):
    """A Twilio imitation on a free local port, with the official client pointed at it."""
    fake = FakeTwilio()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.fake = fake  # type: ignore[attr-defined]
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.TWILIO_API_URL = fake.url
    settings.SMS_TIMEOUT = 2
    yield fake
    fake.release.set()
    server.shutdown()
    server.server_close()


def sms_settings(account, **overrides):
    from touchpoint.outbox.models import SmsSettings

    values = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from_number": SENDER}
    values.update(overrides)
    return SmsSettings.objects.create(account=account, **values)
