"""Connector credentials at rest: a JSON object sealed by `lib.vault` (Fernet, keyed from
`CONNECTOR_KEY` or `SECRET_KEY`): a database copy without the environment reveals no vendor
credential. Changing that key makes the stored credentials unreadable; the connector then
says so and asks for them again.
"""

from __future__ import annotations

import json

from touchpoint.lib.vault import Unreadable, seal_text, unseal_text

__all__ = ["Unreadable", "hint", "seal", "unseal"]
PURPOSE = "connectors"


def seal(values: dict[str, str]) -> str:
    return seal_text(PURPOSE, json.dumps(values, sort_keys=True)) if values else ""


def unseal(token: str) -> dict[str, str]:
    if not token:
        return {}
    try:
        return json.loads(unseal_text(PURPOSE, token))
    except Unreadable as error:
        raise Unreadable(
            "the stored credentials cannot be read (CONNECTOR_KEY or SECRET_KEY changed); "
            "enter them again"
        ) from error


def hint(value: str) -> str:
    """What a page may show of a secret: its last four characters."""
    return f"…{value[-4:]}" if value else ""
