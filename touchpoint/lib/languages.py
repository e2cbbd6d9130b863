"""The languages a browser asks for, from its Accept-Language header (RFC 9110 §12.5.4)."""

from __future__ import annotations

import re

_TAG = re.compile(r"[a-z]{1,8}(-[a-z0-9]{1,8})*")


def accepted_languages(header: str) -> list[str]:
    """Language tags, most wanted first: q-values honoured (a tag without one is q=1), ties
    kept in the header's order, `*` and q=0 left out, tags lower-cased ("fr-ch", "en")."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        if not _TAG.fullmatch(tag):  # "*", empty or malformed
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if 0 < quality <= 1:
            ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]
