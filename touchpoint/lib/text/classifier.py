"""The sentiment classifiers: small softmax regressions over lexicon evidence and stems.

The lexicons say which words carry sentiment; how much "fine, but slow" weighs against
"fast but rude", and where neutral ends, is learnt from labelled comments: the demo's corpus
(`data/*.txt`) and comments written for training (`training/*.txt`), about 1,900 in the five
languages, labelled like the evaluation set but written separately and never taken from it.

Features of a comment (or of one clause, for a theme mention):
- the positive and negative lexicon sums (after negations, intensifiers and the contrast
  weights), their balance and overlap, and whether nothing was found;
- how many lexicon entries of each strength were found (+1, +2, +3, -1...), how many
  hedges ("nothing special", "we'll see": weight 0), negations that turned nothing around,
  whether a contrast word occurs;
- how many clauses lean each way, and the lean of the first and the last;
- the length (short comments are often neutral: "ok", "fine");
- each stem and each pair of neighbouring stems, per language.

Training is deterministic (Nesterov-accelerated gradient descent from zeros, features seen
at least twice), takes about a second, and happens once per process on first use, so every
worker computes the same model.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from touchpoint.lib.text.labelled import DATA, training_items  # noqa: F401 (DATA: the demo's)

CLASSES = ("negative", "neutral", "positive")
L2 = 0.005
STEPS = 100
RATE = 0.5
MIN_COUNT = 2  # a feature seen once says nothing general
LEANS = 0.5  # a clause whose lexicon sum reaches this leans one way


def features(
    language: str,
    stems: Sequence[str],
    weights: Sequence[float],
    *,
    clauses: Sequence[int] = (),
    hits: Sequence[tuple[float, bool]] = (),
    unused_negations: int = 0,
    contrast: bool = False,
    emoji: float = 0.0,
) -> dict[str, float]:
    """`weights`: each token's sentiment as read; `clauses`: each token's clause id; `hits`:
    the lexicon entries found, (weight as listed, negated)."""
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
        "short": float(len(stems) <= 3),
        "length": math.log1p(len(stems)) / 3,
    }
    for base, negated in hits:
        if base == 0:
            name = "hedge"
        else:
            sign = "+" if (base > 0) != negated else "-"
            name = f"hit{sign}{min(3, round(abs(base)))}"
        out[name] = out.get(name, 0.0) + 1.0
    sums: dict[int, float] = {}
    for clause, weight in zip(clauses, weights, strict=False):
        sums[clause] = sums.get(clause, 0.0) + weight
    leaning = [v for v in sums.values() if abs(v) >= LEANS]
    if leaning:
        out["clauses_pos"] = float(sum(1 for v in leaning if v > 0))
        out["clauses_neg"] = float(sum(1 for v in leaning if v < 0))
        out["first"] = math.tanh(leaning[0] / 2)
        out["last"] = math.tanh(leaning[-1] / 2)
    for s in stems:
        if len(s) > 1:
            out[f"{language}:{s}"] = 1.0
    for a, b in itertools.pairwise(stems):
        out[f"{language}:{a}_{b}"] = 1.0
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
    seen = Counter(name for found, _ in examples for name in found)
    names = sorted(name for name, count in seen.items() if count >= MIN_COUNT)
    index = {name: i for i, name in enumerate(names)}
    rows, cols, vals = [], [], []
    y = np.zeros((len(examples), len(CLASSES)))
    for row, (found, label) in enumerate(examples):
        for name, value in found.items():
            if name in index:
                rows.append(row)
                cols.append(index[name])
                vals.append(value)
        y[row, CLASSES.index(label)] = 1.0
    r, c, v = np.array(rows), np.array(cols), np.array(vals)
    n, k = len(examples), len(CLASSES)
    w = np.zeros((len(names), k))
    ahead = w.copy()
    z = np.zeros((n, k))
    gradient = np.zeros_like(w)
    for step in range(STEPS):  # Nesterov's accelerated gradient: a quarter of the steps
        for j in range(k):  # sparse products by bincount: np.add.at is ten times slower
            z[:, j] = np.bincount(r, weights=ahead[c, j] * v, minlength=n)
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        p -= y
        for j in range(k):
            gradient[:, j] = np.bincount(c, weights=p[r, j] * v, minlength=len(names))
        updated = ahead - RATE * (gradient / n + L2 * ahead)
        ahead = updated + step / (step + 3) * (updated - w)
        w = updated
    return Model(names, w.T)


def training_texts() -> list[tuple[str, str, str]]:
    """(language, text, sentiment) of the labelled training comments."""
    return [(item.language, item.text, item.sentiment) for item in training_items()]
