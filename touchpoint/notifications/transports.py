"""The webhook transport: one HTTP POST, with a verdict on whether a retry can help."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable

from touchpoint.lib import signing
from touchpoint.surveys.transports import TransportError

TIMEOUT_SECONDS = 10.0
# Client errors that a later attempt may well get past.
RETRYABLE_4XX = {408, 409, 425, 429}


class WebhookTransport:
    """POSTs JSON. Signed endpoints get the id, timestamp and signature headers."""

    user_agent = "Touchpoint-Webhooks/1"

    def send(
        self,
        url: str,
        payload: dict,
        *,
        message_id: str,
        secret: str | None,
        before_handoff: Callable[[], None],
    ) -> int:
        """Returns the receiver's HTTP status (2xx), or raises TransportError."""
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        headers = {"Content-Type": "application/json", "User-Agent": self.user_agent}
        if secret:
            headers.update(signing.signed_headers(secret, message_id, int(time.time()), body))
        if not url.lower().startswith(("http://", "https://")):
            raise TransportError(f"not an http(s) URL: {url[:60]!r}", retryable=False)
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
        before_handoff()
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as reply:  # noqa: S310
                return reply.status
        except urllib.error.HTTPError as error:
            status = error.code
            retryable = status >= 500 or status in RETRYABLE_4XX
            raise TransportError(f"receiver answered HTTP {status}", retryable=retryable) from error
        except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise TransportError(f"receiver unreachable: {reason}", retryable=True) from error
