"""Scores to ranked item lists: highest score first, ties to the smaller item id, items with no
score left out (a list may be shorter than k)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from pledge.reach.matrix import Interactions

BATCH_USERS = 256
Scorer = Callable[[np.ndarray], np.ndarray]  # user rows -> dense scores, one row per user


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the k best positive scores of one row, in rank order."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) > k:
        threshold = np.partition(scores[positive], len(positive) - k)[len(positive) - k]
        positive = positive[scores[positive] >= threshold]
    order = np.lexsort((positive, -scores[positive]))  # score descending, then index ascending
    return positive[order][:k]


def recommend(data: Interactions, scorer: Scorer, k: int) -> Iterator[tuple[int, list[int]]]:
    """(user id, ranked item ids) for every user of the training data, in user order."""
    for start in range(0, len(data.users), BATCH_USERS):
        rows = np.arange(start, min(start + BATCH_USERS, len(data.users)))
        for row, scores in zip(rows, scorer(rows), strict=True):
            yield int(data.users[row]), [int(data.items[c]) for c in top_k(scores, k)]
