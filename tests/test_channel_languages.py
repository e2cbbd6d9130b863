"""The SMS, phone-interview script and kiosk texts are gettext, translated in every shipped
language (catalogues in touchpoint/sms/locale/)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

from touchpoint.sms.messages import MESSAGES

SHIPPED = ["de", "es", "fr", "hi"]
ROOT = Path(__file__).resolve().parent.parent / "touchpoint"
SOURCES = [
    "surveys/compose.py",
    "sms/actions.py",
    "interviews/views.py",
    "kiosks/templates/kiosks/busy.html",
]


def marked() -> set[str]:
    found: set[str] = set()
    for name in SOURCES:
        source = (ROOT / name).read_text()
        # gettext("...") in Python (strings split over lines are joined), {% translate "..." %}
        for call in re.findall(r"gettext\(\s*((?:\"[^\"]*\"\s*)+)\)", source):
            found.add("".join(re.findall(r'"([^"]*)"', call)))
        found |= set(re.findall(r'{% translate "([^"]+)" %}', source))
    return found


def test_every_marked_text_is_listed_for_the_catalogues():
    assert marked() == set(MESSAGES)


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_text_is_translated_with_its_placeholders(lang):
    for message in MESSAGES:
        with translation.override(lang):
            translated = translation.gettext(message)
        assert translated != message, (lang, message)
        assert set(re.findall(r"{\w+}", translated)) == set(re.findall(r"{\w+}", message))
