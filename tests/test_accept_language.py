"""One reading of Accept-Language for every page that speaks the customer's language."""

from __future__ import annotations

import pytest

from touchpoint.kiosks.actions import do_create_kiosk
from touchpoint.lib.languages import accepted_languages


@pytest.mark.parametrize(
    ("header", "wanted"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", ["fr-ch", "fr", "en", "de"]),
        ("de;q=0.3, es", ["es", "de"]),  # a tag without q is q=1
        ("en;q=0, hi", ["hi"]),  # q=0 means "not this one"
        ("xx, pt-BR;q=0.9, es;q=0.9", ["xx", "pt-br", "es"]),  # ties keep their order
        ("", []),
        (";;;, ,q=1, en;q=abc", []),
    ],
)
def test_accepted_languages_follow_the_browsers_preferences(header, wanted):
    assert accepted_languages(header) == wanted


@pytest.mark.django_db
def test_a_kiosk_speaks_the_first_language_we_have_not_only_the_first_asked_for(brand, client):
    kiosk = do_create_kiosk(
        account=brand.account, unit=brand.store, touchpoint=brand.purchase, name="Till"
    )
    page = client.get(kiosk.path, headers={"Accept-Language": "nl-NL, nl;q=0.9, de;q=0.8"})
    assert 'lang="de"' in page.content.decode()
