"""Which of the five survey languages (en, de, es, fr, hi) a comment is written in.

Devanagari letters mean Hindi. Latin text is scored by its function words (each word counts
for every language that uses it, split between them) and by the letters only some of the
languages write (ß, ñ, ç...). When the words do not settle it clearly ("Schnell, freundlich,
kompetent"), the letter trigrams of the labelled training comments of each language weigh in
(a character-trigram model, add-one smoothed). A text with no evidence either way (a name,
"OK", an emoji) takes the hint (the respondent's survey language) when there is one.
Measured on the labelled set: see the README's comment analysis table.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import cache

from touchpoint.lib.text.labelled import training_items
from touchpoint.lib.text.tokens import tokenise

LANGUAGES = ("en", "de", "es", "fr", "hi")

_FUNCTION_WORDS = {
    "en": """the a an and or but is are was were be been am i my me you your it its this that
        to of in on at for with from by not no never very so too all any some they them their
        we our us he she his her have has had do does did don't didn't can't couldn't won't
        wasn't isn't would could should will just again still only after before what when
        there here which who nobody anything nothing up out about than then thank thanks
        great good bad phone store staff service because as if over took",""",
    "de": """der die das den dem des ein eine einen einem einer und oder aber ist sind war waren
        bin ich mein meine mich mir du sie es wir uns ihr nicht kein keine keinen nie sehr so
        zu zum zur von vom mit bei für auf an im in aus nach vor über auch noch schon nur
        wieder dass weil wenn wie was wer hat habe haben hatte wurde wurden wird werden kann
        konnte man alles nichts niemand jemand immer gut danke mal doch denn gerne ganz""",
    "es": """el la los las un una unos unas y o pero es son era fue fueron estoy está están
        estaba yo mi mis me te tu su sus nos nosotros ellos le les lo no nunca muy tan más
        menos de del al a en con por para sin sobre desde hasta que porque como cuando donde
        quien hay ha he han había todo todos nada nadie algo alguien siempre ya también
        bien gracias muy otra otro vez se esto esta este eso""",
    "fr": """le la les l' un une des du de d' et ou mais est sont était été suis je j' mon ma
        mes me m' tu te t' il elle on nous vous ils elles leur lui ne n' pas plus jamais très
        trop au aux à en dans avec pour par sur sans sous chez que qu' qui quoi comme quand
        où parce car si c' ce cet cette ces ça tout tous rien personne quelqu toujours déjà
        aussi encore bien merci avoir ai a ont avait fait j'ai c'est n'est""",
    "hi": """hai hain tha thi the nahi nahin bahut accha achha acha aur mein ko se ka ki ke
        kya bhi par lekin koi kuch""",
}
_LETTERS = {
    "de": {"ä": 2.0, "ö": 2.0, "ü": 2.0, "ß": 3.0},
    "es": {"ñ": 3.0, "¿": 3.0, "¡": 3.0, "á": 1.5, "í": 1.5, "ó": 1.5, "ú": 1.0, "é": 0.3},
    "fr": {
        "ç": 2.0,
        "œ": 3.0,
        "à": 1.0,
        "è": 2.0,
        "ê": 2.0,
        "â": 2.0,
        "î": 2.0,
        "ô": 2.0,
        "û": 2.0,
        "ù": 2.0,
        "ë": 1.0,
        "ï": 1.0,
        "é": 0.7,
    },
}


def _weights() -> dict[str, dict[str, float]]:
    owners: dict[str, list[str]] = {}
    for language, words in _FUNCTION_WORDS.items():
        for word in set(words.replace(",", " ").split()):
            owners.setdefault(word, []).append(language)
    return {word: {lang: 1.0 / len(langs) for lang in langs} for word, langs in owners.items()}


_WORD_WEIGHTS = _weights()


def function_words(language: str) -> frozenset[str]:
    """The language's common function words (for dropping them before grouping texts)."""
    return frozenset(_FUNCTION_WORDS.get(language, "").replace(",", " ").split())


LATIN = ("en", "de", "es", "fr")
TRIGRAM_WEIGHT = 0.25  # a nat of trigram evidence is worth this many function words
CLEAR = 2.0  # function words ahead by this much (and at least 3) decide without trigrams
DIFFERENT = 5.0  # nats (150 times likelier): what it takes to overrule the English default


@cache
def _trigrams() -> tuple[dict[str, tuple[float, ...]], tuple[float, ...]]:
    """The log-probability of each letter trigram in each Latin-script language's labelled
    training comments (add-one smoothed; one tuple per trigram, in LATIN's order), and that
    of a trigram never seen."""
    counts: dict[str, Counter[str]] = {language: Counter() for language in LATIN}
    for item in training_items():
        if item.language in counts:
            counts[item.language].update(_grams([t.text for t in tokenise(item.text.lower())]))
    totals = [sum(c.values()) + len(c) + 1 for c in counts.values()]
    grams = set().union(*counts.values())
    table = {
        gram: tuple(
            math.log((c[gram] + 1) / total)
            for c, total in zip(counts.values(), totals, strict=True)
        )
        for gram in grams
    }
    return table, tuple(math.log(1 / total) for total in totals)


def _grams(words: list[str]) -> list[str]:
    padded = f" {' '.join(words)} "
    return [padded[i : i + 3] for i in range(len(padded) - 2)]


def _trigram_scores(words: list[str]) -> dict[str, float]:
    """Each Latin language's log-likelihood of the words, less the best one's (0 for the
    likeliest, negative for the others)."""
    table, unseen = _trigrams()
    likelihood = [0.0] * len(LATIN)
    for gram in _grams(words):
        for k, value in enumerate(table.get(gram, unseen)):
            likelihood[k] += value
    best = max(likelihood)
    return {language: value - best for language, value in zip(LATIN, likelihood, strict=True)}


@dataclass(frozen=True)
class Detected:
    language: str  # "" when nothing is known and no hint was given
    detected: bool  # False when the hint (or nothing) decided
    second: str = ""  # a second language with real weight in a mixed comment


def detect(text: str, hint: str | None = None) -> Detected:
    hint = hint if hint in LANGUAGES else ""
    devanagari = sum(1 for c in text if "\u0900" <= c <= "\u097f")
    latin = sum(1 for c in text if (c.isalpha() and c.isascii()) or "\u00c0" <= c <= "\u024f")
    if devanagari and devanagari >= latin:
        second = "en" if latin >= 12 else ""
        return Detected("hi", True, second)
    scores = dict.fromkeys(LANGUAGES, 0.0)
    words = [t.text for t in tokenise(text.lower())]
    for word in words:
        for language, weight in _WORD_WEIGHTS.get(word, {}).items():
            scores[language] += weight
        if "'" in word:
            head = word.split("'")[0] + "'"
            for language, weight in _WORD_WEIGHTS.get(head, {}).items():
                scores[language] += weight
    lowered = text.lower()
    for language, letters in _LETTERS.items():
        for letter, weight in letters.items():
            if letter in lowered:
                scores[language] += weight * min(lowered.count(letter), 3)
    if devanagari:
        scores["hi"] += devanagari / 4
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] < 0.9 and (hint or latin < 4):
        return Detected(
            hint or (max(scores, key=scores.__getitem__) if ranked[0] > 0 else ""), False
        )
    if ranked[0] < 0.9:  # no function word, no hint: English unless the letters clearly differ
        letters = _trigram_scores(words)
        best = max(letters, key=letters.__getitem__)
        if best != "en" and letters["en"] <= -DIFFERENT:
            return Detected(best, True)
        return Detected("", False)
    judged = dict(scores)
    if ranked[0] < 3 or ranked[0] - ranked[1] < CLEAR:  # letters decide what words cannot
        for language, value in _trigram_scores(words).items():
            judged[language] += TRIGRAM_WEIGHT * value
    best, top = max(judged.items(), key=lambda kv: kv[1])
    if hint and hint != best and judged[hint] >= top - max(0.2 * abs(top), 0.5):
        best = hint  # a near tie goes to the language the customer was surveyed in
    others = sorted((v, k) for k, v in scores.items() if k != best)
    second_score, runner = others[-1]
    mixed = runner if second_score >= 2 and second_score >= scores[best] * 0.5 else ""
    return Detected(best, True, mixed)
