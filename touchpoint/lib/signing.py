"""Signed webhooks: HMAC-SHA256 over the message id, the timestamp and the body.

The signed content is `"{id}.{timestamp}.{body}"`, so a receiver that checks the signature,
rejects timestamps outside a tolerance and remembers the ids it has seen is safe from replays
and from a body moved onto another message. The id stays the same on every retry of one
message; the timestamp is the moment of each attempt.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

ID_HEADER = "Touchpoint-Webhook-Id"
TIMESTAMP_HEADER = "Touchpoint-Webhook-Timestamp"
SIGNATURE_HEADER = "Touchpoint-Webhook-Signature"
TOLERANCE_SECONDS = 300


class InvalidSignature(ValueError):
    pass


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signed_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        ID_HEADER: message_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, message_id, timestamp, body),
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float,
    tolerance: int = TOLERANCE_SECONDS,
) -> str:
    """Check a received webhook; returns its id, or raises InvalidSignature saying why.

    Header names are matched case-insensitively. The caller still has to reject an id it
    has already processed (the replay window is `tolerance` seconds).
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    try:
        message_id = lowered[ID_HEADER.lower()]
        timestamp = int(lowered[TIMESTAMP_HEADER.lower()])
        given = lowered[SIGNATURE_HEADER.lower()]
    except (KeyError, ValueError) as error:
        raise InvalidSignature("missing or malformed signature headers") from error
    if abs(now - timestamp) > tolerance:
        raise InvalidSignature("timestamp outside the tolerance window")
    expected = signature(secret, message_id, timestamp, body)
    # Several signatures may be sent space-separated during a secret rotation.
    if not any(hmac.compare_digest(expected, candidate) for candidate in given.split()):
        raise InvalidSignature("signature does not match")
    return message_id
