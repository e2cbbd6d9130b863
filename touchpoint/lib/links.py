"""Secret links sent to customers (survey, unsubscribe, ticket follow-up) that a copy of the
database cannot open.

A link's token is never stored. A row keeps a random nonce and the SHA-256 of the token; the
token itself is an HMAC of the nonce under a key derived from SECRET_KEY (one key per
purpose), rebuilt in memory whenever a message is composed: the first send, a retry after a
restart, each reminder days later. A visitor's token is looked up by its SHA-256.

Why derive the token rather than keep a random one until the message is sent: a survey link
goes out again in every reminder, days after the first message, so it would have to be kept
for days; and a token kept anywhere in a table, even only until it is sent, is in a dump
taken meanwhile. Derived, it needs the nonce (in the database) *and* SECRET_KEY (not in it).

Why a plain SHA-256 for the lookup, not a keyed hash: the token carries 192 bits from the
HMAC, so no dictionary or exhaustive search can reverse its hash (the reason passwords need a
slow, salted, keyed hash does not apply); and a keyless lookup means a link already sent keeps
opening whatever happens to SECRET_KEY. The key only matters to *rebuild* a token: when it is
rotated, keep the former key in SECRET_KEY_FALLBACKS until the links sent under it have
expired; `rebuild` tries each key and keeps the one whose token matches the stored hash.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import lru_cache

from django.conf import settings

TOKEN_BYTES = 24  # 192 bits: 32 URL-safe characters, as long as the random tokens were
MAX_LENGTH = 64  # a presented token longer than this is not looked up


class LinkLost(Exception):
    """The row's token cannot be rebuilt: it has no nonce (a link sent before links were
    derived), or SECRET_KEY changed and the former key is not in SECRET_KEY_FALLBACKS."""


def digest(token: str) -> str:
    """What is stored of a token, and what a presented token is looked up by."""
    return hashlib.sha256(token.encode()).hexdigest()


@lru_cache(maxsize=32)
def _key(purpose: str, secret: str) -> bytes:
    # As django.utils.crypto.salted_hmac derives its key, computed once per purpose and key.
    return hashlib.sha256(f"touchpoint.links.{purpose}{secret}".encode()).digest()


def derive(purpose: str, nonce: str, secret: str) -> str:
    mac = hmac.new(_key(purpose, secret), nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:TOKEN_BYTES]).decode()


def mint(purpose: str) -> tuple[str, str]:
    """A new link: (nonce, hash of its token), the two values a row stores."""
    nonce = secrets.token_hex(16)
    return nonce, digest(derive(purpose, nonce, settings.SECRET_KEY))


def _secrets() -> list[str]:
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())]


def rebuild(purpose: str, nonce: str | None, token_hash: str | None) -> str:
    """The token of a stored link, in memory only; LinkLost when it cannot be rebuilt."""
    if not nonce or not token_hash:
        raise LinkLost(f"no {purpose} link to rebuild")
    for secret in _secrets():
        token = derive(purpose, nonce, secret)
        if hmac.compare_digest(digest(token), token_hash):
            return token
    raise LinkLost(
        f"the {purpose} link cannot be rebuilt: SECRET_KEY changed and the key it was made "
        "with is not in SECRET_KEY_FALLBACKS"
    )


def lookup_hash(token: str) -> str | None:
    """The hash to look a presented token up by, or None for one that cannot be a token."""
    if not token or len(token) > MAX_LENGTH:
        return None
    return digest(token)


# --- Links inside a message stored until it is sent ----------------------------------------------


def placeholder(name: str) -> str:
    """Stands for a link's token in a message body kept in a table until it is sent (a
    ticket's follow-up email): letters and underscores, unchanged by HTML escaping."""
    return f"__link_{name}__"


def spec(purpose: str, nonce: str, token_hash: str) -> dict[str, str]:
    """What a stored message keeps of a link instead of its token (nothing that opens it)."""
    return {"purpose": purpose, "nonce": nonce, "hash": token_hash}


def fill(text: str, links: dict[str, dict[str, str]]) -> str:
    """`text` with each placeholder replaced by its rebuilt token (LinkLost if one cannot be)."""
    for name, link in links.items():
        mark = placeholder(name)
        if mark in text:
            text = text.replace(mark, rebuild(link["purpose"], link["nonce"], link["hash"]))
    return text
