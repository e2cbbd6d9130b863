"""Every respondent-facing text is gettext, shipped complete in en, de, es, fr and hi."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from tests.conftest import interaction
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import InteractionIn
from touchpoint.surveys import defaults, delivery, questions, wording
from touchpoint.surveys.tokens import survey_token

SHIPPED = ["de", "es", "fr", "hi"]
SAME_WORDS = {("es", "No"), ("fr", "5 = excellent")}  # the translation is the English word
ROOT = Path(__file__).resolve().parent.parent / "touchpoint"


def messages() -> set[str]:
    """Every msgid marked in the modules that hold respondent-facing words."""
    found = set(wording.TEXTS.values())
    for module in (questions, defaults):
        source = Path(module.__file__).read_text()
        found |= set(re.findall(r'_\("((?:[^"\\]|\\.)+)"\)', source))
    return found


def test_the_shipped_languages_are_the_configured_ones():
    assert [code for code, _ in settings.LANGUAGES] == ["en", *SHIPPED]
    for code in ["en", *SHIPPED]:
        assert (ROOT / f"locale/{code}/LC_MESSAGES/django.mo").exists()  # committed, compiled


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_message_is_translated(lang):
    with translation.override(lang):
        missing = [m for m in messages() if translation.gettext(m) == m]
    missing = [m for m in missing if (lang, m) not in SAME_WORDS]
    assert missing == []
    for message in messages():
        with translation.override(lang):
            translated = translation.gettext(message)
        assert set(re.findall(r"{\w+}", translated)) == set(re.findall(r"{\w+}", message))


@pytest.mark.parametrize(
    ("lang", "phrase"),
    [
        ("en", "How likely are you to recommend Nimbus Mobile to a friend or colleague?"),
        ("de", "Wie wahrscheinlich ist es, dass Sie Nimbus Mobile einem Freund"),
        ("es", "¿Qué probabilidad hay de que recomiende Nimbus Mobile"),
        ("fr", "Quelle est la probabilité que vous recommandiez Nimbus Mobile"),
        ("hi", "आप अपने किसी मित्र या सहकर्मी को Nimbus Mobile की सिफ़ारिश"),
    ],
)
def test_the_survey_page_and_email_render_in_the_contacts_language(
    brand, client, smtp, lang, phrase
):
    contact = {"email": "ana@example.com", "name": "Ana", "locale": lang}
    record_interactions(brand.account, [InteractionIn(**interaction(brand, contact=contact))])
    assert delivery.send_due_invitations() == 1
    message = smtp.messages[-1]
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert phrase in html and phrase in text
    assert f'lang="{lang}" dir="ltr"' in html
    token = re.search(r"/s/([\w-]+)\?score=0", html).group(1)
    page = client.get(f"/s/{token}").content.decode()
    assert phrase in page
    assert f'<html lang="{lang}" dir="ltr">' in page
    if lang != "en":
        english = set(wording.TEXTS.values()) - {"No", "{score} out of 10"}
        shown = re.sub(r"<[^>]+>", " ", page + html) + text  # words, not markup
        leaks = [m for m in english if m.format_map(wording._Keep()) in shown]
        assert leaks == []


def test_a_touchpoints_own_wording_still_wins(brand, client):
    brand.web.wording = {"hi": {"question": "{brand} के बारे में आपकी राय?"}}
    brand.web.save()
    contact = {"email": "raj@example.com", "locale": "hi-IN"}
    result = record_interactions(
        brand.account, [InteractionIn(**interaction(brand, touchpoint="sign-up", contact=contact))]
    )
    page = client.get(f"/s/{survey_token(result.items[0].invitation)}").content.decode()
    assert "Nimbus Mobile के बारे में आपकी राय?" in page
    assert "मेरा जवाब भेजें" in page  # the rest from the Hindi catalogue


def test_direction_follows_the_language():
    assert wording.direction("hi") == "ltr"
    assert wording.direction("ar") == "rtl"


def read_po(path: Path) -> dict[str, str]:
    """msgid -> msgstr of a .po file (continuation lines joined; header left out)."""
    entries: dict[str, str] = {}
    key, current = None, {"msgid": "", "msgstr": ""}
    for line in path.read_text().splitlines():
        if line.startswith(("msgid ", "msgstr ")):
            key, _, rest = line.partition(" ")
            if key == "msgid" and current["msgid"]:
                entries[current["msgid"]] = current["msgstr"]
                current = {"msgid": "", "msgstr": ""}
            current[key] = json_string(rest)
        elif line.startswith('"') and key:
            current[key] += json_string(line)
    if current["msgid"]:
        entries[current["msgid"]] = current["msgstr"]
    return entries


def json_string(quoted: str) -> str:
    import json

    return json.loads(quoted)


@pytest.mark.parametrize("lang", ["en", *SHIPPED])
def test_the_committed_mo_files_match_their_po_sources(lang):
    """Edit a .po, compile it (`msgfmt --check -o django.mo django.po`), commit both."""
    import gettext

    directory = ROOT / f"locale/{lang}/LC_MESSAGES"
    with (directory / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for msgid, msgstr in read_po(directory / "django.po").items():
        if msgstr:
            assert compiled.gettext(msgid) == msgstr, msgid
