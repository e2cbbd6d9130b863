"""One comment in, its language, sentiment and theme mentions out.

Steps of `analyse`:
1. clean the text (cut at the stored limit, HTML tags blanked: offsets stay those of the text
   as given) and find its language (given, else detected, else the hint);
2. tokenise and stem in that language (and in a second one when the comment mixes two);
3. sentiment: each lexicon word or phrase found counts with its weight, flipped by a negation
   just before it (after it in Hindi), raised by "very", lowered by "a bit"; words after a
   contrast ("but", "aber", "pero", "mais", "लेकिन") count 1.5 times and those before it half,
   as people put what matters after the "but"; emoji count too. The sum s gives the score
   s / sqrt(s² + 6), in -1..1;
4. themes: the taxonomy's phrases found, each with the words it matched and their offsets;
   a mention's sentiment is that of its clause (the words up to the next comma, stop or
   contrast), or the comment's when the clause itself says nothing either way.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from touchpoint.lib.text import classifier
from touchpoint.lib.text.language import LANGUAGES, detect
from touchpoint.lib.text.lexicon import Lexicon, lexicon
from touchpoint.lib.text.phrases import PhraseMatcher
from touchpoint.lib.text.stems import fold, stem
from touchpoint.lib.text.tokens import Token, clean, tokenise

ALPHA = 6.0
THRESHOLD = 0.35  # |score| at or above this is positive or negative (lexicon-only labels)
UNUSED_NEGATION = -0.8
CLAUSE_EVIDENCE = 0.75
MAX_MENTIONS_PER_THEME = 5
_POSITIVE_EMOJI = set("😀😃😄😁😊🙂😍🥰👍👏❤💯🎉⭐🤩😎🙏✅💪🌟😇♥")
_NEGATIVE_EMOJI = set("😡😠🤬👎😞😢😭😤😒🙁☹💩😩😫❌🤮😖😣😕🤦")
_ANY_WORD = re.compile(r"[^\W_]|[\u0900-\u097F]")


@dataclass(frozen=True, slots=True)
class Mention:
    theme: str
    phrase: str  # the words as written in the comment
    start: int  # offsets in the comment as given
    end: int
    sentiment: str
    score: float


@dataclass(frozen=True)
class Analysis:
    language: str  # "" when unknown (no words, no hint)
    detected: bool  # False when the language was given or taken from the hint
    sentiment: str  # negative, neutral, positive
    score: float  # -1..1
    mentions: tuple[Mention, ...] = ()

    @property
    def themes(self) -> list[str]:
        return list(dict.fromkeys(m.theme for m in self.mentions))


class Taxonomy:
    """A compiled set of themes: (key, example phrases in any language)."""

    def __init__(self, themes: Iterable[tuple[str, Iterable[str]]], *, version: int = 0):
        self.version = version
        self.matcher = PhraseMatcher(gap=2)
        self.keys: list[str] = []
        for key, phrases in themes:
            self.keys.append(key)
            for phrase in phrases:
                language, text = split_language(phrase)
                self.matcher.add(text, key, languages=(language,) if language else LANGUAGES)


_LANGUAGE_MARK = re.compile(r"^\s*(en|de|es|fr|hi)\s*:\s*(.+)$", re.S)


def split_language(phrase: str) -> tuple[str, str]:
    """("de", "akku*") for "de: akku*"; ("", phrase) for a phrase of any language."""
    m = _LANGUAGE_MARK.match(phrase)
    return (m.group(1), m.group(2).strip()) if m else ("", phrase.strip())


EMPTY = Taxonomy(())


def label(score: float) -> str:
    if score >= THRESHOLD:
        return "positive"
    if score <= -THRESHOLD:
        return "negative"
    return "neutral"


def normalise(total: float) -> float:
    return total / math.sqrt(total * total + ALPHA) if total else 0.0


@dataclass
class _Reading:
    language: str
    tokens: list[Token]
    stems: list[str]
    folded: list[str]
    clause: list[int] = field(default_factory=list)  # clause ids, contrast words included
    factor: list[float] = field(default_factory=list)  # weight of each token's sentiment


def _read(text: str, language: str) -> _Reading:
    tokens = tokenise(text, split_elisions=language == "fr")
    return _Reading(
        language,
        tokens,
        [stem(t.text, language) for t in tokens],
        [fold(t.text) for t in tokens],
    )


def _contrast(reading: _Reading, lex: Lexicon) -> None:
    """Clause ids that also break at contrast words, and the 0.5 / 1.5 weights around them."""
    n = len(reading.tokens)
    reading.clause = [0] * n
    reading.factor = [1.0] * n
    clause_id = -1
    previous = None
    for i, token in enumerate(reading.tokens):
        key = (token.sentence, token.clause)
        if key != previous:
            clause_id += 1
            previous = key
        two = f"{reading.stems[i]} {reading.stems[i + 1]}" if i + 1 < n else ""
        if reading.stems[i] in lex.contrast or two in lex.contrast:
            clause_id += 1
            sentence = token.sentence
            for j in range(i - 1, -1, -1):
                if reading.tokens[j].sentence != sentence:
                    break
                reading.factor[j] = 0.5
            for j in range(i, n):
                if reading.tokens[j].sentence != sentence:
                    break
                reading.factor[j] = 1.5
        reading.clause[i] = clause_id


def _sentiment(reading: _Reading, lex: Lexicon, weights: list[float]) -> list[int]:
    """Add each lexicon hit's weight, with its modifiers, to `weights` (per token). A negation
    that turns nothing around still counts a little against ("it wouldn't load")."""
    hits = sorted(
        lex.words.find(reading.tokens, reading.stems, reading.folded, lex.language),
        key=lambda m: (m.first, m.first - m.last),
    )
    owner = [-1] * len(reading.tokens)
    claimed: list[tuple[int, int, float]] = []
    for hit in hits:
        if any(owner[i] >= 0 for i in range(hit.first, hit.last + 1)):
            continue
        for i in range(hit.first, hit.last + 1):
            owner[i] = len(claimed)
        claimed.append((hit.first, hit.last, float(hit.payload)))
    used: set[int] = set()
    for first, last, weight in claimed:
        negator = _negation(reading, lex, first, last, owner)
        if negator is not None:
            weight *= -0.75
            used.add(negator)
        weight *= _degree(reading, lex, first)
        weights[first] += weight * reading.factor[first]
    for first, _last, weight in claimed:
        if first in used and weight < 0:
            weights[first] -= weight * reading.factor[first]  # "nobody" counted via its flip
    unused = []
    for i, s in enumerate(reading.stems):
        if owner[i] < 0 and i not in used and s in lex.negations:
            weights[i] += UNUSED_NEGATION * reading.factor[i]
            unused.append(i)
    return unused


def _negation(
    reading: _Reading, lex: Lexicon, first: int, last: int, owner: list[int]
) -> int | None:
    stems, clause = reading.stems, reading.clause
    if lex.language == "hi":
        window = range(last + 1, min(last + 3, len(stems)))
    else:
        window = range(first - 1, max(first - 4, -1), -1)
    for j in window:
        if clause[j] != clause[first]:
            break
        two = f"{stems[j - 1]} {stems[j]}" if j > 0 else ""
        if owner[j] >= 0:
            continue  # part of another phrase ("no problem"): that phrase says it all
        if stems[j] in lex.negations or two in lex.negations:
            return j
    return None


def _degree(reading: _Reading, lex: Lexicon, first: int) -> float:
    for j in (first - 1, first - 2):
        if j < 0 or reading.clause[j] != reading.clause[first]:
            break
        if reading.stems[j] in lex.intensifiers:
            return 1.3
        if reading.stems[j] in lex.dampeners:
            return 0.6
    return 1.0


def _emoji(text: str) -> float:
    positive = sum(1 for c in text if c in _POSITIVE_EMOJI)
    negative = sum(1 for c in text if c in _NEGATIVE_EMOJI)
    return 1.5 * min(positive, 3) - 1.5 * min(negative, 3)


@cache
def _model() -> classifier.Model:
    return classifier.train(
        (sentiment_features(text, language), label)
        for language, text, label in classifier.training_texts()
    )


@dataclass
class _Evidence:
    readings: list[_Reading]
    weights: list[float]  # per token of the first reading
    unused: list[int]  # negations that turned nothing around
    emoji: float

    def features(self, indexes: Sequence[int] | None = None) -> dict[str, float]:
        primary = self.readings[0]
        chosen = range(len(primary.tokens)) if indexes is None else indexes
        whole = indexes is None
        return classifier.features(
            primary.language,
            [primary.stems[i] for i in chosen],
            [self.weights[i] for i in chosen],
            unused_negations=sum(1 for i in self.unused if whole or i in chosen),
            contrast=any(primary.factor[i] != 1.0 for i in chosen),
            emoji=self.emoji if whole else 0.0,
        )


def _evidence(text: str, language: str, second: str = "") -> _Evidence:
    readings = [_read(text, language)]
    if second:
        readings.append(_read(text, second))
    primary = readings[0]
    weights = [0.0] * len(primary.tokens)
    unused: list[int] = []
    for reading in readings:
        lex = lexicon(reading.language)
        _contrast(reading, lex)
        if reading is primary:
            unused = _sentiment(reading, lex, weights)
        else:
            extra = [0.0] * len(reading.tokens)
            _sentiment(reading, lex, extra)
            # The readings may cut words differently (French elisions): meet by offset.
            by_start = {t.start: w for t, w in zip(reading.tokens, extra, strict=True) if w}
            weights = [
                w or by_start.get(t.start, 0.0)
                for t, w in zip(primary.tokens, weights, strict=True)
            ]
    emoji = _emoji(text) if not text.isascii() else 0.0
    return _Evidence(readings, weights, unused, emoji)


def sentiment_features(text: str, language: str) -> dict[str, float]:
    """The classifier's features of a whole comment in a known language."""
    return _evidence(clean(text), language).features()


def _judge(found: dict[str, float]) -> tuple[str, float]:
    negative, neutral, positive = _model().probabilities(found)
    best = max(
        (negative, "negative"), (neutral, "neutral"), (positive, "positive"), key=lambda p: p[0]
    )
    return best[1], round(positive - negative, 4)


def _lexicon_judge(found: dict[str, float]) -> tuple[str, float]:
    """Sentiment from the lexicon sum alone: s / sqrt(s² + 6), cut at ±THRESHOLD."""
    score = normalise(math.expm1(found["pos"]) - math.expm1(found["neg"]))
    return label(score), round(score, 4)


def analyse(
    text: str | None,
    taxonomy: Taxonomy = EMPTY,
    *,
    language: str | None = None,
    hint: str | None = None,
    learnt: bool = True,
) -> Analysis:
    """Language, sentiment and theme mentions of one comment (see the module's steps).
    `learnt=False` labels sentiment from the lexicon sum alone (the README compares both)."""
    text = clean(text)
    if not _ANY_WORD.search(text):
        score = normalise(_emoji(text)) if text and not text.isascii() else 0.0
        return Analysis(hint if hint in LANGUAGES else "", False, label(score), round(score, 4))
    second = ""
    if language in LANGUAGES:
        detected = False
    else:
        found = detect(text, hint)
        language, detected, second = found.language or "en", found.detected, found.second
    evidence = _evidence(text, language, second)
    judge = _judge if learnt else _lexicon_judge
    sentiment, score = judge(evidence.features())
    mentions = _mentions(text, evidence, taxonomy, (sentiment, score))
    return Analysis(language, detected, sentiment, score, tuple(mentions))


def _mentions(
    text: str, evidence: _Evidence, taxonomy: Taxonomy, overall: tuple[str, float]
) -> list[Mention]:
    """Each theme phrase found, with the sentiment of its clause when the clause's own words
    say it clearly (their lexicon sum, contrast weights included, is at least
    CLAUSE_EVIDENCE either way), else the comment's."""
    primary = evidence.readings[0]
    clauses: dict[int, list[int]] = {}
    for i, clause in enumerate(primary.clause):
        clauses.setdefault(clause, []).append(i)
    judged: dict[int, tuple[str, float]] = {}
    found: list[Mention] = []
    spans: dict[str, list[tuple[int, int]]] = {}
    for reading in evidence.readings:
        for match in taxonomy.matcher.find(
            reading.tokens, reading.stems, reading.folded, reading.language
        ):
            key = match.payload
            start = reading.tokens[match.first].start
            end = reading.tokens[match.last].end
            taken = spans.setdefault(key, [])
            if len(taken) >= MAX_MENTIONS_PER_THEME or any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            verdict = overall
            if reading is primary:
                clause = primary.clause[match.first]
                if clause not in judged:
                    said = sum(evidence.weights[i] for i in clauses[clause])
                    judged[clause] = (
                        (label(normalise(said)), round(normalise(said), 4))
                        if abs(said) >= CLAUSE_EVIDENCE
                        else overall
                    )
                verdict = judged[clause]
            found.append(Mention(key, text[start:end], start, end, verdict[0], verdict[1]))
    found.sort(key=lambda m: (m.start, m.theme))
    return found
