"""Snowball stems (the `snowballstemmer` package, BSD), folded to plain letters, cached.

The same function stems a theme's example phrases and a comment's words, so "waiting",
"waited" and "wait" meet, as do "batería" and "baterias". Accents are folded after stemming
(the stemmers expect them), so a comment typed without accents still matches.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import snowballstemmer

LANGUAGES = ("en", "de", "es", "fr", "hi")
_NAMES = {"en": "english", "de": "german", "es": "spanish", "fr": "french", "hi": "hindi"}
_STEMMERS = {code: snowballstemmer.stemmer(name) for code, name in _NAMES.items()}


def fold(word: str) -> str:
    """Lower-case Latin letters without their accents (ß kept as ss); other scripts as they
    are, less the nukta dot Hindi writers use or leave out (ज़ = ज)."""
    word = word.lower().replace("ß", "ss")
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFD", word)
    kept = "".join(c for c in decomposed if not _drops(c))
    return unicodedata.normalize("NFC", kept)


def _drops(char: str) -> bool:
    if char == "\u093c":  # Devanagari nukta
        return True
    return bool(unicodedata.combining(char)) and "\u0300" <= char <= "\u036f"


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


@lru_cache(maxsize=200_000)
def stem(word: str, language: str) -> str:
    """The word's Snowball stem, folded. German keeps its umlauts as ae, oe, ue: folded
    away, "schön" (beautiful) would be "schon" (already), and "wäre" "Ware"."""
    stemmer = _STEMMERS.get(language)
    if stemmer is None or word.isdigit():
        return fold(word)
    stemmed = stemmer.stemWord(word)
    if language == "de":
        stemmed = stemmed.lower().translate(_UMLAUTS)
    return fold(stemmed)
