"""The sentiment lexicons of the five languages, compiled once per process.

Each language module (`lexicon_en.py`...) lists weighted words and phrases, negations,
intensifiers, dampeners and the contrast words that turn a sentence ("but"). Entries are
stemmed like the comments they meet, so one entry covers its inflections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from touchpoint.lib.text import lexicon_de, lexicon_en, lexicon_es, lexicon_fr, lexicon_hi
from touchpoint.lib.text.phrases import PhraseMatcher
from touchpoint.lib.text.stems import stem
from touchpoint.lib.text.tokens import tokenise

MODULES = {"en": lexicon_en, "de": lexicon_de, "es": lexicon_es, "fr": lexicon_fr, "hi": lexicon_hi}
_LINE = re.compile(r"^\s*([+-]\d(?:\.\d)?):(.*)$")


@dataclass(frozen=True)
class Lexicon:
    language: str
    words: PhraseMatcher  # payload: weight
    negations: frozenset[str]  # stems; a phrase of several words is stored joined by spaces
    intensifiers: frozenset[str]
    dampeners: frozenset[str]
    contrast: frozenset[str]
    contrast_opening: frozenset[str]  # contrast words only where a clause opens (Hindi "पर")
    summary: frozenset[str]  # "overall": its clause sums the comment up
    quiet: frozenset[str]  # negations that say nothing alone ("without", French "ne")


def entries(text: str) -> list[str]:
    return [e.strip() for e in text.replace("\n", " ").split(",") if e.strip()]


def weighted(text: str) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    weight = 0.0
    buffer: list[str] = []
    for line in text.strip().splitlines():
        m = _LINE.match(line)
        if m:
            out.extend((e, weight) for e in entries(" ".join(buffer)))
            weight, buffer = float(m.group(1)), [m.group(2)]
        else:
            buffer.append(line)
    out.extend((e, weight) for e in entries(" ".join(buffer)))
    return out


def _stems(text: str, language: str) -> frozenset[str]:
    out = set()
    for entry in entries(text):
        words = [t.text for t in tokenise(entry, split_elisions=language == "fr")]
        out.add(" ".join(stem(w, language) for w in words))
    return frozenset(out)


@cache
def lexicon(language: str) -> Lexicon:
    module = MODULES[language]
    words = PhraseMatcher(gap=0)
    for entry, weight in dict(weighted(module.WORDS)).items():  # an entry listed twice: last
        words.add(entry, weight, languages=(language,))
    return Lexicon(
        language=language,
        words=words,
        negations=_stems(module.NEGATIONS, language),
        intensifiers=_stems(module.INTENSIFIERS, language),
        dampeners=_stems(module.DAMPENERS, language),
        contrast=_stems(", ".join(e for e in entries(module.CONTRAST) if e[0] != "^"), language),
        contrast_opening=_stems(
            ", ".join(e[1:] for e in entries(module.CONTRAST) if e[0] == "^"), language
        ),
        summary=_stems(module.SUMMARY, language),
        quiet=_stems(module.QUIET_NEGATIONS, language),
    )
