"""A matcher of stemmed phrases: "repair took" finds "the repair of my phone took weeks".

A phrase is compiled once per language (each language stems it its own way) into a sequence
of stems. It matches a comment's stems in order, each within `gap` words of the previous one
and inside one clause. A word written with `*` matches by its plain letters instead of its
stem: `akku*` finds "Akkulaufzeit" (German writes compounds), `*akku` finds "Handyakku".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from touchpoint.lib.text.stems import LANGUAGES, fold, stem
from touchpoint.lib.text.tokens import Token, tokenise


@dataclass(frozen=True, slots=True)
class _Part:
    stem: str = ""
    prefix: str = ""
    suffix: str = ""
    wild: bool = False

    def matches(self, stemmed: str, folded: str) -> bool:
        if not self.wild:
            return stemmed == self.stem
        return folded.startswith(self.prefix) and folded.endswith(self.suffix)


@dataclass(frozen=True, slots=True)
class _Entry:
    parts: tuple[_Part, ...]
    payload: Any


@dataclass(frozen=True, slots=True)
class Match:
    first: int  # index of the first token
    last: int  # index of the last token
    payload: Any


def _part(word: str, language: str) -> _Part:
    if "*" in word:
        folded = fold(word)
        head, _, tail = folded.partition("*")
        return _Part(prefix=head, suffix=tail.replace("*", ""), wild=True)
    return _Part(stem=stem(word, language))


class PhraseMatcher:
    def __init__(self, *, gap: int = 2) -> None:
        self.gap = gap
        self._first: dict[str, dict[str, list[_Entry]]] = {lang: {} for lang in LANGUAGES}
        self._wild: dict[str, list[_Entry]] = {lang: [] for lang in LANGUAGES}
        self.size = 0

    def add(self, phrase: str, payload: Any, languages: Iterable[str] = LANGUAGES) -> None:
        for language in languages:
            words = [t.text for t in tokenise(phrase.replace("*", "qqwildqq"), split_elisions=True)]
            words = [w.replace("qqwildqq", "*") for w in words]
            if not words:
                continue
            parts = tuple(_part(w, language) for w in words)
            entry = _Entry(parts, payload)
            if parts[0].wild:
                self._wild[language].append(entry)
            else:
                self._first[language].setdefault(parts[0].stem, []).append(entry)
            self.size += 1

    def find(
        self, tokens: Sequence[Token], stems: Sequence[str], folded: Sequence[str], language: str
    ) -> list[Match]:
        """Every match, in order of their first token (several may start at one token)."""
        first, wild = self._first.get(language, {}), self._wild.get(language, [])
        out: list[Match] = []
        for i, s in enumerate(stems):
            candidates = first.get(s, ())
            if wild:
                candidates = [*candidates, *(e for e in wild if e.parts[0].matches(s, folded[i]))]
            for entry in candidates:
                last = self._rest(entry.parts, i, tokens, stems, folded)
                if last is not None:
                    out.append(Match(i, last, entry.payload))
        return out

    def _rest(self, parts, i, tokens, stems, folded) -> int | None:
        at = i
        clause = tokens[i].clause
        for part in parts[1:]:
            for j in range(at + 1, min(at + 2 + self.gap, len(stems))):
                if tokens[j].clause != clause:
                    return None
                if part.matches(stems[j], folded[j]):
                    at = j
                    break
            else:
                return None
        return at
