"""Connector credentials at rest: encrypted with Fernet (AES-128-CBC + HMAC-SHA256).

The key is derived from `CONNECTOR_KEY` (or, when unset, `SECRET_KEY`): a database copy
without the environment reveals no vendor credential. Changing that key makes the stored
credentials unreadable; the connector then says so and asks for them again.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class Unreadable(Exception):
    """The stored credentials were encrypted with another key."""


def _fernet() -> Fernet:
    secret = (settings.CONNECTOR_KEY or settings.SECRET_KEY).encode()
    key = hashlib.sha256(b"touchpoint-connectors:" + secret).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(values: dict[str, str]) -> str:
    if not values:
        return ""
    return _fernet().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def unseal(token: str) -> dict[str, str]:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as error:
        raise Unreadable(
            "the stored credentials cannot be read (CONNECTOR_KEY or SECRET_KEY changed); "
            "enter them again"
        ) from error


def hint(value: str) -> str:
    """What a page may show of a secret: its last four characters."""
    return f"…{value[-4:]}" if value else ""
