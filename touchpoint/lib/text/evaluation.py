"""Scoring an analyser against labelled comments (`labelled.py`): theme precision / recall /
F1 and sentiment accuracy per language, for the README's table, the regression test and
`benchmarks/comments.py`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from touchpoint.lib.text.engine import Analysis
from touchpoint.lib.text.labelled import Labelled, load, parse

__all__ = ["Labelled", "Scores", "evaluate", "load", "parse"]


@dataclass
class Scores:
    n: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    sentiment_right: int = 0
    mentions: int = 0
    mention_right: int = 0
    language_right: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def sentiment_accuracy(self) -> float:
        return self.sentiment_right / self.n if self.n else 0.0

    @property
    def mention_accuracy(self) -> float:
        return self.mention_right / self.mentions if self.mentions else 0.0

    @property
    def language_accuracy(self) -> float:
        return self.language_right / self.n if self.n else 0.0


def evaluate(
    items: Iterable[Labelled], analyser: Callable[[Labelled], Analysis]
) -> dict[str, Scores]:
    """Scores per language and for "all"."""
    out: dict[str, Scores] = defaultdict(Scores)
    for item in items:
        got = analyser(item)
        found: dict[str, str] = {}
        for mention in got.mentions:
            found.setdefault(mention.theme, mention.sentiment)
        for key in (item.language, "all"):
            s = out[key]
            s.n += 1
            s.tp += len(found.keys() & item.themes.keys())
            s.fp += len(found.keys() - item.themes.keys())
            s.fn += len(item.themes.keys() - found.keys())
            s.sentiment_right += got.sentiment == item.sentiment
            s.language_right += got.language == item.language
            for theme in found.keys() & item.themes.keys():
                s.mentions += 1
                s.mention_right += found[theme] == item.themes[theme]
        if set(found) != set(item.themes) or got.sentiment != item.sentiment:
            out[item.language].errors.append(
                f"{item.text} | want {item.sentiment} {sorted(item.themes)}"
                f" | got {got.sentiment} {got.score} {sorted(found)}"
            )
    return dict(out)
