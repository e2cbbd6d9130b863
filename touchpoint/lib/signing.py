"""Signed webhooks: HMAC-SHA256 over the message id, the timestamp and the body.

The signed content is `"{id}.{timestamp}.{body}"`, so a receiver that checks the signature,
rejects timestamps outside a tolerance and remembers the ids it has seen is safe from replays
and from a body moved onto another message. The id stays the same on every retry of one
message; the timestamp is the moment of each attempt.

Every webhook carries the Standard Webhooks headers (`webhook-id`, `webhook-timestamp`,
`webhook-signature: v1,<base64 HMAC>`, keyed with the bytes of the base64 after the secret's
`whsec_` prefix), so receivers verify it with that specification's published libraries.
The older `Touchpoint-Webhook-*` headers (hex HMAC keyed with the secret's text) are sent too
for one more release: deprecated.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping

# Standard Webhooks (https://www.standardwebhooks.com/).
STANDARD_ID_HEADER = "webhook-id"
STANDARD_TIMESTAMP_HEADER = "webhook-timestamp"
STANDARD_SIGNATURE_HEADER = "webhook-signature"
SECRET_PREFIX = "whsec_"
# Deprecated: Touchpoint's own headers, sent beside the standard ones for one release.
ID_HEADER = "Touchpoint-Webhook-Id"
TIMESTAMP_HEADER = "Touchpoint-Webhook-Timestamp"
SIGNATURE_HEADER = "Touchpoint-Webhook-Signature"
TOLERANCE_SECONDS = 300


class InvalidSignature(ValueError):
    pass


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_<base64>` secret, read as the Standard Webhooks libraries
    read it (base64, padding added). A secret that is not base64 (made before secrets were)
    keys with its text; roll it to use a Standard Webhooks library."""
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX) + "==")
    except (binascii.Error, ValueError):
        key = b""
    return key or secret.encode()


def standard_signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        STANDARD_ID_HEADER: message_id,
        STANDARD_TIMESTAMP_HEADER: str(timestamp),
        STANDARD_SIGNATURE_HEADER: standard_signature(secret, message_id, timestamp, body),
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
