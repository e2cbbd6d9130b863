"""Numbers as people read them, in the active language.

Counts are grouped (1,111 in English, 1.111 in German, 1 111 in French, 12,34,567 in Hindi).
Django's USE_THOUSAND_SEPARATOR stays off, because it would also group the ids written raw
into forms, links and data attributes; so every count shown to a person goes through here, in
Python sentences directly and in templates through the `count` filter (front's `figures`).
Machine-readable output (CSV, JSON, API, URLs, form values) keeps the raw number.

NPS figures, changes and impacts are signed (+12, \u22123 with a true minus sign, 0), in pages,
charts, emails and sentences alike (the `signed` filter in templates).
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


def format_signed(value: float | None, digits: int = 0) -> str:
    """+12, \u22123 (a true minus sign), 0 (no sign when it rounds to zero), with the reader's
    decimal separator; an en dash when there is no figure."""
    if value is None:
        return "\u2013"
    if float(f"{abs(value):.{digits}f}") == 0:
        return number_format(0, digits)
    text = number_format(round(abs(value), digits), digits)
    return f"+{text}" if value > 0 else f"\u2212{text}"
