"""Labelled comments: one a line, `touchpoint|sentiment|themes|text`.

Sentiment is one of + = -; themes are space-separated `key+`, `key-` or `key=` (the sentiment
of that mention). Lines starting with # are comments. A fixed 30 % of each file (by a hash of
the text) is the development split; the rest is the held-out test split.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SENTIMENT = {"+": "positive", "=": "neutral", "-": "negative"}
HERE = Path(__file__).parent
DATA = HERE / "data"  # the demo's comments, labelled
TRAINING = HERE / "training"  # comments written for training the sentiment models


@dataclass(frozen=True)
class Labelled:
    language: str
    touchpoint: str
    sentiment: str
    themes: dict[str, str]  # key: mention sentiment
    text: str

    @property
    def split(self) -> str:
        digest = int(hashlib.sha1(self.text.encode()).hexdigest(), 16)  # noqa: S324
        return "dev" if digest % 10 < 3 else "test"


def parse(text: str, language: str) -> list[Labelled]:
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            touchpoint, sentiment, themes, comment = line.split("|", 3)
            out.append(
                Labelled(
                    language,
                    touchpoint,
                    SENTIMENT[sentiment],
                    {t[:-1]: SENTIMENT[t[-1]] for t in themes.split()},
                    comment.strip(),
                )
            )
        except (ValueError, KeyError) as error:
            raise ValueError(f"line {n}: {line!r}: {error}") from error
    return out


def load(directory: Path, stem: str = "comments_eval") -> list[Labelled]:
    out: list[Labelled] = []
    for path in sorted(directory.glob(f"{stem}_*.txt")):
        out.extend(parse(path.read_text(encoding="utf-8"), path.stem.rsplit("_", 1)[1]))
    return out


@cache
def training_items() -> tuple[Labelled, ...]:
    """The labelled demo corpus (`data/`) and the comments written for training
    (`training/`), less the demo comments listed in `training/excluded.txt` (near copies of
    evaluation comments): never the evaluation set."""
    excluded = {
        line.strip()
        for line in (TRAINING / "excluded.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    out: list[Labelled] = []
    for path in sorted(DATA.glob("??.txt")) + sorted(TRAINING.glob("??.txt")):
        out.extend(
            item
            for item in parse(path.read_text(encoding="utf-8"), path.stem)
            if item.text not in excluded
        )
    return tuple(out)
