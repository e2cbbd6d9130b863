"""Vendor HTTP answers in the outbox's words: what a retry could do, and for how long the
vendor asked to be left alone.

- 401: the vendor refused the credentials. Never retried: the connector is switched off
  until an admin fixes them (`delivery.ConnectorQueue`).
- 429, 502, 503, 504, no connection: the vendor account as a whole is not serving now. Its
  circuit opens (for exactly the `Retry-After` it sent, when it sent one) and its calls
  wait without spending their attempts.
- other 5xx, 408, 409, 425: this call, later.
- a timeout after the request went out: for a call that may not go twice (a note), it may
  have arrived, so it is never sent again; an idempotent call is simply retried.
- anything else (400, 403, 404, 422): refused for good, with the vendor's words.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Callable

import requests
from django.conf import settings
from django.utils import timezone

from touchpoint.outbox.transports import TransportError

RETRYABLE_4XX = {408, 409, 425}
SERVER_DOWN = {429, 502, 503, 504}
LONGEST_PAUSE = dt.timedelta(hours=6)


def retry_after(value: str | None) -> dt.timedelta | None:
    """An HTTP Retry-After (seconds, or a date), capped at six hours."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        wait = dt.timedelta(seconds=min(int(value), LONGEST_PAUSE.total_seconds()))
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            return None
        wait = when - timezone.now()
    return max(dt.timedelta(seconds=1), min(wait, LONGEST_PAUSE))


def refused(vendor: str, status: int, headers, text: str) -> TransportError:
    """The outbox error for a vendor's non-2xx answer."""
    said = " ".join((text or "").split())[:200]
    message = f"{vendor} answered HTTP {status}" + (f": {said}" if said else "")
    if status == 401:
        message = f"{vendor} refused the credentials (HTTP 401)" + (f": {said}" if said else "")
    return TransportError(
        message,
        retryable=status >= 500 or status in RETRYABLE_4XX,
        server_down=status in SERVER_DOWN,
        status=status,
        retry_after=retry_after(headers.get("Retry-After")) if headers else None,
    )


def unreachable(vendor: str, error: Exception, *, idempotent: bool) -> TransportError:
    if isinstance(error, requests.exceptions.ReadTimeout) and not idempotent:
        return TransportError(
            f"{vendor} did not answer within {settings.CONNECTOR_TIMEOUT}s; the call may have "
            "arrived, so it is not made again",
            retryable=False,
            maybe_delivered=True,
        )
    if isinstance(error, requests.exceptions.ReadTimeout):
        return TransportError(f"{vendor} did not answer in time", retryable=True)
    return TransportError(f"cannot reach {vendor}: {error}", retryable=True, server_down=True)


def call(
    session: requests.Session,
    vendor: str,
    method: str,
    url: str,
    *,
    idempotent: bool,
    before_handoff: Callable[[], None] | None = None,
    **kwargs,
) -> requests.Response:
    """One HTTP request to a vendor; the 2xx answer, or a TransportError saying why not."""
    if before_handoff is not None:
        before_handoff()
    try:
        answer = session.request(method, url, timeout=settings.CONNECTOR_TIMEOUT, **kwargs)
    except requests.exceptions.RequestException as error:
        raise unreachable(vendor, error, idempotent=idempotent) from error
    if not 200 <= answer.status_code < 300:
        raise refused(vendor, answer.status_code, answer.headers, answer.text)
    return answer


def json_of(answer: requests.Response) -> dict:
    try:
        data = answer.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {"items": data}
