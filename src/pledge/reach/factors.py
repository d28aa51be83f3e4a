"""A factor model as a candidate source (docs/reach.md, "Factor model"): the `implicit` library's
ALS on the BM25-weighted user x item counts (the confidence the library's own examples use),
seeded so a run is repeatable. With too little data (fewer than MIN_USERS users or MIN_ITEMS
items) or without the library, item-kNN over the same weighting is the fallback. The
hyper-parameters are Pledge defaults for candidate generation, not platform figures."""

from __future__ import annotations

from dataclasses import dataclass
from time import perf_counter

import numpy as np
from threadpoolctl import threadpool_limits

from pledge.reach.baselines import bm25_weight, item_knn
from pledge.reach.matrix import Interactions
from pledge.reach.ranking import Scorer

MIN_USERS = 20
MIN_ITEMS = 20


@dataclass(frozen=True)
class AlsSettings:
    factors: int = 64
    regularization: float = 0.05
    alpha: float = 1.0
    iterations: int = 15
    seed: int = 16


@dataclass(frozen=True)
class Fitted:
    scorer: Scorer
    source: str  # "als" or "item_knn" (the fallback)
    seconds_per_epoch: float


def _als(data: Interactions, settings: AlsSettings) -> Fitted:
    from implicit.cpu.als import AlternatingLeastSquares

    user_items = bm25_weight(data.counts().T.tocsr()).T.tocsr().astype(np.float32)
    model = AlternatingLeastSquares(
        factors=settings.factors,
        regularization=settings.regularization,
        alpha=settings.alpha,
        iterations=settings.iterations,
        random_state=settings.seed,
        num_threads=1,
    )
    started = perf_counter()
    with threadpool_limits(1, "blas"):  # implicit's advice: its own threads, single-threaded BLAS
        model.fit(user_items, show_progress=False)
    per_epoch = (perf_counter() - started) / settings.iterations
    users, items = np.asarray(model.user_factors), np.asarray(model.item_factors)

    def score(rows: np.ndarray) -> np.ndarray:
        return users[rows] @ items.T

    return Fitted(score, "als", per_epoch)


def fit(data: Interactions, settings: AlsSettings | None = None) -> Fitted:
    """ALS where the data allow it, else item-kNN."""
    if len(data.users) >= MIN_USERS and len(data.items) >= MIN_ITEMS:
        try:
            return _als(data, settings or AlsSettings())
        except ImportError:  # the library missing: the fallback still serves
            pass
    return Fitted(item_knn(data), "item_knn", 0.0)


def fill_empty(primary: Scorer, secondary: Scorer, data: Interactions) -> Scorer:
    """`primary`'s scores; a user for whom it has no positive score gets `secondary`'s, the
    user's own items left out (the revisit ranking has them)."""
    counts = data.counts()

    def score(rows: np.ndarray) -> np.ndarray:
        scores = np.array(primary(rows), dtype=np.float64)
        empty = scores.max(axis=1, initial=0.0) <= 0
        if empty.any():
            extra = np.maximum(np.asarray(secondary(rows[empty]), dtype=np.float64), 0.0)
            extra[np.asarray(counts[rows[empty]].todense()) > 0] = 0.0
            scores[empty] = extra
        return scores

    return score


def als_baseline(data: Interactions) -> Scorer:
    """The factor model alone, as the evaluation reports it next to the baselines."""
    return fit(data).scorer
