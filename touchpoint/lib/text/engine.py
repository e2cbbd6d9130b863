"""One comment in, its language, sentiment and theme mentions out.

Steps of `analyse`:
1. clean the text (cut at the stored limit, HTML tags blanked: offsets stay those of the text
   as given) and find its language (given, else detected, else the hint);
2. tokenise and stem in that language (and in a second one when the comment mixes two);
3. lexicon evidence: each sentiment word or phrase found counts with its weight, flipped by a
   negation just before it (after it in Hindi), raised by "very", lowered by "a bit"; words
   after a contrast ("but", "aber", "pero", "mais", "लेकिन") count 1.5 times and those before
   it half, as people put what matters after the "but", and a summing-up clause ("overall",
   "insgesamt") counts 1.5 times and the rest half; emoji count too;
4. sentiment: a classifier trained on labelled comments (`classifier.py`) weighs that
   evidence with the comment's words; its probabilities give the label and the score
   P(positive) - P(negative), in -1..1;
5. themes: the taxonomy's phrases found, each with the words it matched and their offsets;
   a mention's sentiment comes from a second classifier that reads its clause (the words up
   to the next comma, stop or contrast) beside the comment's verdict, so "friendly staff but
   the repair took forever" is positive about staff and negative about the repair.

`learnt=False` skips both classifiers (the lexicon sum s gives s / sqrt(s² + 6), and a
mention takes its clause's sum when it says something clearly): the README compares both.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from touchpoint.lib.text import classifier
from touchpoint.lib.text.labelled import training_items
from touchpoint.lib.text.language import LANGUAGES, detect
from touchpoint.lib.text.lexicon import Lexicon, lexicon
from touchpoint.lib.text.phrases import PhraseMatcher
from touchpoint.lib.text.starter import starter_themes
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


def _starts(reading: _Reading, i: int, phrases: frozenset[str]) -> bool:
    """Whether one of `phrases` (stems joined by spaces, up to four words) starts at token i."""
    for size in range(1, min(4, len(reading.stems) - i) + 1):
        if " ".join(reading.stems[i : i + size]) in phrases:
            return True
    return False


def _contrast(reading: _Reading, lex: Lexicon) -> None:
    """Clause ids that also break at contrast words, and the weights of each token's
    sentiment: 0.5 before a contrast word and 1.5 after it, in its sentence; 1.5 in the
    clause of a summing-up word ("overall") and 0.5 everywhere else."""
    n = len(reading.tokens)
    reading.clause = [0] * n
    reading.factor = [1.0] * n
    clause_id = -1
    previous = None
    summary = None
    for i, token in enumerate(reading.tokens):
        key = (token.sentence, token.clause)
        if key != previous:
            clause_id += 1
            previous = key
        opens = i == 0 or reading.tokens[i - 1].clause != token.clause
        if _starts(reading, i, lex.contrast) or (
            opens and reading.stems[i] in lex.contrast_opening
        ):
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
        if summary is None and _starts(reading, i, lex.summary):
            summary = key
        reading.clause[i] = clause_id
    if summary is not None:
        for j, token in enumerate(reading.tokens):
            reading.factor[j] = 1.5 if (token.sentence, token.clause) == summary else 0.5


def _sentiment(
    reading: _Reading, lex: Lexicon, weights: list[float], hits_out: list | None = None
) -> list[int]:
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
    for first, last, listed in claimed:
        weight = listed
        negator = _negation(reading, lex, first, last, owner)
        if negator is not None:
            weight *= -0.75
            used.add(negator)
        weight *= _degree(reading, lex, first)
        weights[first] += weight * reading.factor[first]
        if hits_out is not None:
            hits_out.append((first, listed, negator is not None))
    for first, _last, weight in claimed:
        if first in used and weight < 0:
            weights[first] -= weight * reading.factor[first]  # "nobody" counted via its flip
    unused = []
    for i, s in enumerate(reading.stems):
        if owner[i] < 0 and i not in used and s in lex.negations and s not in lex.quiet:
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
    for j in itertools.takewhile(lambda j: clause[j] == clause[first], window):
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
        (sentiment_features(item.text, item.language), item.sentiment) for item in training_items()
    )


@cache
def _mention_model() -> classifier.Model:
    """The sentiment of a theme mention from its clause's features and the comment's verdict,
    learnt from the labelled corpus's mentions (found with the starter taxonomy's phrases,
    which the corpus's theme labels use)."""
    phrases = Taxonomy(starter_themes()).matcher
    examples = []
    for item in training_items():
        evidence = _evidence(clean(item.text), item.language)
        overall = _judge(evidence.features())[0]
        primary = evidence.readings[0]
        groups = _clause_groups(evidence)
        seen = set()
        for match in phrases.find(primary.tokens, primary.stems, primary.folded, item.language):
            if match.payload in item.themes and match.payload not in seen:
                seen.add(match.payload)
                found = _mention_features(evidence, groups, primary.clause[match.first], overall)
                examples.append((found, item.themes[match.payload]))
    return classifier.train(examples)


@dataclass
class _Evidence:
    readings: list[_Reading]
    weights: list[float]  # per token of the first reading
    unused: list[int]  # negations that turned nothing around
    emoji: float
    hits: list = field(default_factory=list)  # (token, weight as listed, negated)

    def plain(self, i: int) -> float:
        """Token i's sentiment without the contrast weights: what it says in its clause."""
        return self.weights[i] / self.readings[0].factor[i]

    def features(self, indexes: Sequence[int] | None = None) -> dict[str, float]:
        """The whole comment's features, or (given `indexes`) one clause's, read plainly."""
        primary = self.readings[0]
        chosen = range(len(primary.tokens)) if indexes is None else indexes
        whole = indexes is None
        inside = set(chosen)
        return classifier.features(
            primary.language,
            [primary.stems[i] for i in chosen],
            [self.weights[i] if whole else self.plain(i) for i in chosen],
            clauses=[primary.clause[i] for i in chosen],
            hits=[(base, negated) for at, base, negated in self.hits if at in inside],
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
    hits: list = []
    for reading in readings:
        lex = lexicon(reading.language)
        _contrast(reading, lex)
        if reading is primary:
            unused = _sentiment(reading, lex, weights, hits)
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
    return _Evidence(readings, weights, unused, emoji, hits)


def sentiment_features(text: str, language: str) -> dict[str, float]:
    """The classifier's features of a whole comment in a known language."""
    return _evidence(clean(text), language).features()


def _judge(found: dict[str, float]) -> tuple[str, float]:
    return _verdict(_model().probabilities(found))


def _verdict(probabilities: tuple[float, float, float]) -> tuple[str, float]:
    negative, neutral, positive = probabilities
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
    mentions = _mentions(text, evidence, taxonomy, (sentiment, score), learnt=learnt)
    return Analysis(language, detected, sentiment, score, tuple(mentions))


def _clause_groups(evidence: _Evidence) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = {}
    for i, clause in enumerate(evidence.readings[0].clause):
        groups.setdefault(clause, []).append(i)
    return groups


def _mention_features(
    evidence: _Evidence, groups: dict[int, list[int]], clause: int, overall: str
) -> dict[str, float]:
    """The clause's own features (prefixed "c"), the comment's verdict, what the clause's
    lexicon words add up to and how many clauses say something either way."""
    found = {f"c{name}": value for name, value in evidence.features(groups[clause]).items()}
    sums = [sum(evidence.plain(i) for i in tokens) for tokens in groups.values()]
    said = sum(evidence.plain(i) for i in groups[clause])
    found[f"overall:{overall}"] = 1.0
    found["said"] = math.tanh(said / 2)
    found["clauses"] = float(sum(1 for v in sums if abs(v) >= CLAUSE_EVIDENCE))
    return found


def _mentions(
    text: str,
    evidence: _Evidence,
    taxonomy: Taxonomy,
    overall: tuple[str, float],
    *,
    learnt: bool = True,
) -> list[Mention]:
    """Each theme phrase found, with its sentiment: learnt from its clause and the comment's
    verdict (`_mention_model`); without learning, the clause's own when its lexicon sum,
    contrast weights included, is at least CLAUSE_EVIDENCE either way, else the comment's.
    A phrase found only in a second language's reading takes the comment's."""
    primary = evidence.readings[0]
    groups = _clause_groups(evidence)
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
                    judged[clause] = _clause_verdict(evidence, groups, clause, overall, learnt)
                verdict = judged[clause]
            found.append(Mention(key, text[start:end], start, end, verdict[0], verdict[1]))
    found.sort(key=lambda m: (m.start, m.theme))
    return found


def _clause_verdict(
    evidence: _Evidence,
    groups: dict[int, list[int]],
    clause: int,
    overall: tuple[str, float],
    learnt: bool,
) -> tuple[str, float]:
    if learnt:
        return _verdict(
            _mention_model().probabilities(_mention_features(evidence, groups, clause, overall[0]))
        )
    said = sum(evidence.weights[i] for i in groups[clause])
    if abs(said) >= CLAUSE_EVIDENCE:
        return label(normalise(said)), round(normalise(said), 4)
    return overall
