"""Counts as people read them: grouped in the active language (1,111 in English, 1.111 in
German, 1 111 in French, 12,34,567 in Hindi).

Django's USE_THOUSAND_SEPARATOR stays off, because it would also group the ids written raw
into forms, links and data attributes; so every count shown to a person goes through here, in
Python sentences directly and in templates through the `count` filter (front's `figures`).
Machine-readable output (CSV, JSON, API, URLs, form values) keeps the raw number.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format


def format_count(value: object) -> str:
    """A whole number grouped in the active language; None and "" give "", and anything that
    is not a number (a dash, a word) is given back as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        digits = value.strip()
        if not digits.lstrip("-").isdigit():
            return value
        value = int(digits)
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return number_format(value, force_grouping=True)
