"""The sentiment classifier: a small softmax regression over lexicon evidence and stems.

The lexicons say which words carry sentiment; how much "fine, but slow" weighs against
"fast but rude", and where neutral ends, is learnt from labelled comments: the demo's corpus
(`data/*.txt`, about 490 comments in the five languages, labelled like the evaluation set but
written separately). Features: the positive and negative lexicon sums (after negations,
intensifiers and the contrast weights), their balance, negations that turned nothing around,
whether a contrast word occurs, and each stem present (per language). Training takes well
under a second and happens once per process, on first use; it is deterministic (full-batch
gradient descent from zeros), so every worker computes the same model.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from touchpoint.lib.text.labelled import parse

CLASSES = ("negative", "neutral", "positive")
DATA = Path(__file__).parent / "data"
L2 = 0.01
STEPS = 400
RATE = 0.5


def features(
    language: str,
    stems: Sequence[str],
    weights: Sequence[float],
    *,
    unused_negations: int = 0,
    contrast: bool = False,
    emoji: float = 0.0,
) -> dict[str, float]:
    positive = sum(w for w in weights if w > 0) + max(emoji, 0.0)
    negative = -sum(w for w in weights if w < 0) - min(emoji, 0.0)
    out = {
        "bias": 1.0,
        "pos": math.log1p(positive),
        "neg": math.log1p(negative),
        "balance": math.tanh((positive - negative) / 2),
        "mixed": math.log1p(min(positive, negative)),
        "none": float(positive == 0 and negative == 0),
        "negations": float(unused_negations),
        "contrast": float(contrast),
    }
    for s in stems:
        if len(s) > 1:
            out[f"{language}:{s}"] = 1.0
    return out


class Model:
    def __init__(self, names: list[str], weights: np.ndarray) -> None:
        self.index = {name: i for i, name in enumerate(names)}
        self.rows = [weights[:, i].tolist() for i in range(len(names))]  # per feature: 3 floats

    def probabilities(self, found: dict[str, float]) -> tuple[float, float, float]:
        z = [0.0, 0.0, 0.0]
        for name, value in found.items():
            i = self.index.get(name)
            if i is not None:
                row = self.rows[i]
                z[0] += row[0] * value
                z[1] += row[1] * value
                z[2] += row[2] * value
        top = max(z)
        e = [math.exp(v - top) for v in z]
        total = sum(e)
        return e[0] / total, e[1] / total, e[2] / total


def train(examples: Iterable[tuple[dict[str, float], str]]) -> Model:
    """Full-batch gradient descent on sparse rows (a few dozen features each), without BLAS:
    a dense matrix product on a busy two-core machine spent seconds starting threads."""
    examples = list(examples)
    names = sorted({name for found, _ in examples for name in found})
    index = {name: i for i, name in enumerate(names)}
    rows, cols, vals = [], [], []
    y = np.zeros((len(examples), len(CLASSES)))
    for row, (found, label) in enumerate(examples):
        for name, value in found.items():
            rows.append(row)
            cols.append(index[name])
            vals.append(value)
        y[row, CLASSES.index(label)] = 1.0
    r, c, v = np.array(rows), np.array(cols), np.array(vals)[:, None]
    n = len(examples)
    w = np.zeros((len(names), len(CLASSES)))
    for _ in range(STEPS):
        z = np.zeros((n, len(CLASSES)))
        np.add.at(z, r, w[c] * v)
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        gradient = np.zeros_like(w)
        np.add.at(gradient, c, (p - y)[r] * v)
        w -= RATE * (gradient / n + L2 * w)
    return Model(names, w.T)


def training_texts() -> list[tuple[str, str, str]]:
    """(language, text, sentiment) of the labelled demo corpus."""
    out = []
    for path in sorted(DATA.glob("*.txt")):
        for item in parse(path.read_text(encoding="utf-8"), path.stem):
            out.append((item.language, item.text, item.sentiment))
    return out
