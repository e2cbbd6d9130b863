"""SMS length rules: GSM-7 or UCS-2, and how many segments a text costs. Pure functions.

A single SMS holds 160 GSM-7 characters or 70 UCS-2 ones; a longer text is split into
segments of 153 or 67 (the rest is the concatenation header). One character outside the GSM-7
alphabet (an emoji, "á", a Devanagari letter) turns the whole message into UCS-2.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

# A phone number in E.164 form: "+", a country code, at most 15 digits in all.
E164_PATTERN = r"^\+[1-9]\d{6,14}$"
_E164 = re.compile(E164_PATTERN, re.ASCII)


def is_e164(text: str) -> bool:
    """Is this a number in E.164 form (ASCII digits only), e.g. +447700900123?"""
    return _E164.match(text) is not None


# 3GPP TS 23.038 basic character set, and the extension table (each costs two septets).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

# Look-alikes that word processors and translators slip in, mapped to GSM-7 so that one
# curly apostrophe does not halve the room in a message.
LOOKALIKES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u202f": " ",
        "\u00ab": '"',
        "\u00bb": '"',
    }
)


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


def normalise(text: str) -> str:
    return text.translate(LOOKALIKES)


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text)


def measure(text: str) -> SmsLength:
    if is_gsm7(text):
        units = sum(2 if c in GSM7_EXTENDED else 1 for c in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2  # an emoji is two code units
        single, multi, encoding = 70, 67, "UCS-2"
    segments = 1 if units <= single else math.ceil(units / multi)
    return SmsLength(encoding, units, segments)
