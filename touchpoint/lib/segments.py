"""Segments: the contact attributes and interaction properties an answer is reported by.

An answer keeps a snapshot of them, taken when it is stored, as its attribution snapshot
keeps its units: `{"contact.tier": "gold", "interaction.phone_model": "Nimbus X5"}`. A
report filtered or grouped by a segment reads that snapshot, so a contact who moves from
silver to gold later does not carry their past answers with them, and every way of counting
(raw answers, segment rollups) agrees on the same values.

Values are kept as text, the same on every database: strings as they are, numbers and
true/false as JSON writes them ("849", "12.5", "true"). Lists, objects, nulls, strings
longer than MAX_VALUE and keys that no filter could name are not segments and are left out.
Pure functions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

SOURCES = ("contact", "interaction")
MAX_VALUE = 200
KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*(_[A-Za-z0-9-]+)*$")  # no "__" (ORM lookups)


def as_text(value: object) -> str | None:
    """The segment text of an attribute's value, or None when it is not a segment value."""
    if isinstance(value, str):
        return value if len(value) <= MAX_VALUE else None
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return None


def snapshot(
    attributes: Mapping[str, object] | None, properties: Mapping[str, object] | None
) -> dict[str, str]:
    """The segments of an answer from its contact's attributes and its interaction's
    properties (either may be missing: an anonymous answer has neither)."""
    out: dict[str, str] = {}
    for source, values in (("contact", attributes), ("interaction", properties)):
        for key, value in (values or {}).items():
            text = as_text(value)
            if text is not None and len(key) <= 60 and KEY.match(key):
                out[f"{source}.{key}"] = text
    return out


def split(name: str) -> tuple[str, str]:
    """("contact", "tier") from "contact.tier"; ("", "") when it is not a segment name."""
    source, _, key = name.partition(".")
    if source not in SOURCES or not key or len(key) > 60 or not KEY.match(key):
        return "", ""
    return source, key
