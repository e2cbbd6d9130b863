"""Cutting a comment into (text, highlighted) pieces around the phrases that matched, for
templates to render with autoescaping (no markup is ever built from the comment itself)."""

from __future__ import annotations

from collections.abc import Iterable

ELLIPSIS = "…"


def pieces(
    text: str, spans: Iterable[tuple[int, int]], *, limit: int = 300
) -> list[tuple[str, bool]]:
    """The comment as pieces, spans marked True. Longer than `limit`: a window of that many
    characters around the first span, with an ellipsis where it was cut."""
    spans = sorted((max(0, s), min(len(text), e)) for s, e in spans if e > s)
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    low, high = 0, len(text)
    if len(text) > limit:
        first = merged[0][0] if merged else 0
        low = max(0, min(first - limit // 3, len(text) - limit))
        high = low + limit
    out: list[tuple[str, bool]] = []
    if low > 0:
        out.append((ELLIPSIS, False))
    at = low
    for s, e in merged:
        if e <= low or s >= high:
            continue
        s, e = max(s, low), min(e, high)
        if s > at:
            out.append((text[at:s], False))
        out.append((text[s:e], True))
        at = e
    if at < high:
        out.append((text[at:high], False))
    if high < len(text):
        out.append((ELLIPSIS, False))
    return out
