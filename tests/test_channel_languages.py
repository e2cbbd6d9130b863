"""The SMS, phone-interview script and kiosk texts are gettext, translated in every shipped
language (catalogues in touchpoint/sms/locale/)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

from tests.manager_messages import manager_messages
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
    """Each respondent text is marked where it is used; what else these files mark is the
    interviewer's own notices, which belong to the manager catalogue (tests/manager_messages.py)."""
    staff = {message for message in manager_messages() if isinstance(message, str)}
    assert set(MESSAGES) <= marked()
    assert marked() - set(MESSAGES) <= staff
    assert "Nobody is waiting for a call right now." in staff - set(MESSAGES)


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_text_is_translated_with_its_placeholders(lang):
    for message in MESSAGES:
        with translation.override(lang):
            translated = translation.gettext(message)
        assert translated != message, (lang, message)
        assert set(re.findall(r"{\w+}", translated)) == set(re.findall(r"{\w+}", message))
