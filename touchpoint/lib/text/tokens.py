"""Cleaning and tokenising a comment, keeping every offset in the text as given.

Offsets must point into the comment as stored, so that a page can highlight the phrase that
matched. Cleaning therefore never changes the length of the text: an HTML tag is blanked with
as many spaces as it had characters, and nothing else is replaced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CHARS = 10_000  # the longest comment a response stores; longer text is cut here

# Words: letters and digits of any script, with Devanagari's combining vowel signs and viramas
# (which `\w` does not cover), joined by an apostrophe inside a word (didn't, l'écran).
_DEVANAGARI = "\u0900-\u0963\u0966-\u097f"  # less the danda and double danda (full stops)
_LETTER = rf"(?:[^\W_]|[{_DEVANAGARI}\u200c\u200d])"
_WORD = re.compile(rf"{_LETTER}+(?:['\u2019]{_LETTER}+)*")
_TAG = re.compile(r"<[^<>]{0,300}>")
# Where one clause ends and another starts: sentence punctuation (Latin and Devanagari danda).
_CLAUSE_PUNCT = re.compile(r"[.!?;:\u0964\u0965\n]+|,|\s[-\u2013\u2014]\s")
_SENTENCE_PUNCT = re.compile(r"[.!?;\u0964\u0965\n]+")
_ELISION = re.compile(
    r"^(?P<head>[a-zà-ÿ]{1,2}|qu|jusqu|lorsqu|puisqu)['\u2019](?P<rest>.+)$", re.I
)


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # lower-cased, as written otherwise
    start: int
    end: int
    clause: int  # index of the clause it sits in (commas, dashes and stops end one)
    sentence: int  # index of the sentence (stops end one)


def clean(text: str | None) -> str:
    """The text cut at MAX_CHARS, with HTML tags blanked (same length, so offsets hold)."""
    if not text:
        return ""
    text = str(text)[:MAX_CHARS]
    if "<" in text:
        text = _TAG.sub(lambda m: " " * len(m.group()), text)
    return text


def _breaks(pattern: re.Pattern, text: str) -> list[int]:
    return [m.end() for m in pattern.finditer(text)]


def tokenise(text: str, *, split_elisions: bool = False) -> list[Token]:
    """Words with their offsets and clause number. With `split_elisions` (French, Spanish
    do not need it), "l'écran" gives "l'" and "écran"."""
    breaks, stops = _breaks(_CLAUSE_PUNCT, text), _breaks(_SENTENCE_PUNCT, text)
    out: list[Token] = []
    clause = sentence = b = s = 0
    for m in _WORD.finditer(text):
        start = m.start()
        while b < len(breaks) and breaks[b] <= start:
            clause += 1
            b += 1
        while s < len(stops) and stops[s] <= start:
            sentence += 1
            s += 1
        word = m.group().lower().replace("\u2019", "'")
        if split_elisions and "'" in word:
            e = _ELISION.match(word)
            if e:
                head = len(e.group("head")) + 1
                out.append(Token(word[:head], start, start + head, clause, sentence))
                out.append(Token(e.group("rest"), start + head, m.end(), clause, sentence))
                continue
        out.append(Token(word, start, m.end(), clause, sentence))
    return out
