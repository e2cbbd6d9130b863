"""Grouping short texts that look alike: TF-IDF vectors, k-means, and each group's most
typical members (nearest its centre) and telling terms. Used to suggest themes from the
comments no theme matched. Deterministic for a given input (fixed seed, k-means++ start)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SEED = 17


@dataclass(frozen=True)
class Group:
    members: list[int]  # indexes into the input, most typical first
    terms: list[str]  # most telling terms first


def tfidf(docs: Sequence[Sequence[str]], *, max_terms: int = 1500, min_df: int = 3):
    """(matrix with L2-normalised rows, vocabulary) of the terms in at least `min_df`
    documents, the `max_terms` most frequent of them."""
    df = Counter(term for doc in docs for term in set(doc))
    vocabulary = [t for t, n in df.most_common(max_terms) if n >= min_df]
    index = {t: i for i, t in enumerate(vocabulary)}
    matrix = np.zeros((len(docs), len(vocabulary)), dtype=np.float32)
    n = len(docs)
    for row, doc in enumerate(docs):
        for term, count in Counter(doc).items():
            col = index.get(term)
            if col is not None:
                matrix[row, col] = (1 + math.log(count)) * math.log((1 + n) / (1 + df[term]))
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix /= np.where(norms == 0, 1, norms)
    return matrix, vocabulary


def kmeans(matrix: np.ndarray, k: int, *, steps: int = 25, seed: int = SEED) -> np.ndarray:
    """Cluster labels (cosine k-means on normalised rows, k-means++ start)."""
    rng = np.random.default_rng(seed)
    n = len(matrix)
    centres = [matrix[rng.integers(n)]]
    for _ in range(1, k):
        distance = 1 - np.max(matrix @ np.array(centres).T, axis=1)
        distance = np.clip(distance, 0, None) ** 2
        total = distance.sum()
        pick = rng.choice(n, p=distance / total) if total > 0 else rng.integers(n)
        centres.append(matrix[pick])
    c = np.array(centres)
    labels = np.zeros(n, dtype=int)
    for _ in range(steps):
        labels_new = np.argmax(matrix @ c.T, axis=1)
        if _ and np.array_equal(labels_new, labels):
            break
        labels = labels_new
        for j in range(k):
            members = matrix[labels == j]
            if len(members):
                centre = members.mean(axis=0)
                c[j] = centre / (np.linalg.norm(centre) or 1)
    return labels


def groups(
    docs: Sequence[Sequence[str]], *, k: int, typical: int = 3, terms: int = 5, min_size: int = 5
) -> list[Group]:
    """Up to k groups of at least `min_size` documents, largest first."""
    matrix, vocabulary = tfidf(docs)
    if not vocabulary or len(docs) < max(k, min_size):
        return []
    labels = kmeans(matrix, k)
    out = []
    for j in range(k):
        idx = np.flatnonzero(labels == j)
        if len(idx) < min_size:
            continue
        centre = matrix[idx].mean(axis=0)
        closeness = matrix[idx] @ centre
        order = idx[np.argsort(-closeness)]
        top = np.argsort(-centre)[:terms]
        out.append(
            Group(
                members=[int(i) for i in order],
                terms=[vocabulary[t] for t in top if centre[t] > 0],
            )
        )
    out.sort(key=lambda g: -len(g.members))
    return out
