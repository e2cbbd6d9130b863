"""Secrets Touchpoint must read back (a vendor's credentials, an SMS provider's auth token),
encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256).

The key is derived from `CONNECTOR_KEY` (or, when unset, `SECRET_KEY`) and a purpose: a
database copy without the environment reveals none of them. Changing that key makes the
stored values unreadable (`Unreadable`); they must then be entered again.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models

# Every Fernet token starts with its version byte 0x80, base64: "gAAAAA".
SEALED_PREFIX = "gAAAAA"


class Unreadable(Exception):
    """The value was encrypted with another key."""


def _fernet(purpose: str) -> Fernet:
    secret = (settings.CONNECTOR_KEY or settings.SECRET_KEY).encode()
    key = hashlib.sha256(f"touchpoint-{purpose}:".encode() + secret).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal_text(purpose: str, value: str) -> str:
    return _fernet(purpose).encrypt(value.encode()).decode() if value else ""


def unseal_text(purpose: str, token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(purpose).decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise Unreadable(
            f"the stored {purpose} cannot be read (CONNECTOR_KEY or SECRET_KEY changed); "
            "enter it again"
        ) from error


class SealedCharField(models.TextField):
    """A text column stored encrypted, read as plain text by the code. A value stored before
    the column was sealed (not a Fernet token) reads as it is, and is sealed when saved."""

    def __init__(self, *args, purpose: str = "secret", **kwargs) -> None:
        self.purpose = purpose
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["purpose"] = self.purpose
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if value is None or not value.startswith(SEALED_PREFIX):
            return value
        try:
            return unseal_text(self.purpose, value)
        except Unreadable:
            return ""  # read as missing: the page asks for it again

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return seal_text(self.purpose, value) if value else value
