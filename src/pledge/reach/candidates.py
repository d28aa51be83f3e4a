"""New-item candidates for the model's free places (docs/reach.md, "The model"): items that
co-occur (BM25-weighted) with the user's recent, behaviour-weighted items, plus the popular items
of the categories the user has recently been in. Each signal is scaled to a maximum of 1 per
user before the weighted sum; the user's own items are left out (the revisit ranking has them)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from pledge.reach.baselines import bm25_weight
from pledge.reach.events import Behaviour
from pledge.reach.matrix import Interactions
from pledge.reach.ranking import Scorer

HOUR = 3600


@dataclass(frozen=True)
class Blend:
    neighbours: float = 1.0
    category: float = 0.5
    half_life_hours: float = 24.0
    behaviour: dict[Behaviour, float] = field(
        default_factory=lambda: {
            Behaviour.VIEW: 1.0,
            Behaviour.FAVOURITE: 2.0,
            Behaviour.CART: 3.0,
            Behaviour.BUY: 2.0,
        }
    )


def event_weights(data: Interactions, blend: Blend) -> np.ndarray:
    """Per event: its behaviour weight, halved every half-life before the user's latest event."""
    latest = np.zeros(len(data.users), dtype=np.int64)
    np.maximum.at(latest, data.user_rows, data.at)
    age_hours = (latest[data.user_rows] - data.at) / HOUR
    kinds = np.array([blend.behaviour[b] for b in data.behaviours])
    return kinds * np.power(0.5, age_hours / blend.half_life_hours)


def _scaled(matrix: np.ndarray) -> np.ndarray:
    peak = matrix.max(axis=1, keepdims=True)
    return np.divide(matrix, peak, out=np.zeros_like(matrix), where=peak > 0)


def _category_items(data: Interactions, counts: np.ndarray) -> sparse.csr_matrix:
    """categories x items: each item's share of its category's events."""
    totals = np.bincount(data.item_category, weights=counts, minlength=data.categories)
    share = counts / totals[data.item_category]
    columns = np.arange(len(data.items))
    return sparse.csr_matrix((share, (data.item_category, columns)), shape=(data.categories, len(data.items)))


def new_items(data: Interactions, blend: Blend | None = None) -> Scorer:
    blend = blend or Blend()
    weights = event_weights(data, blend)
    recent = data.user_item(weights)
    affinity = data.user_category(weights)
    counts = data.counts()
    item_users = bm25_weight(counts.T.tocsr())
    self_similarity = np.asarray(item_users.multiply(item_users).sum(axis=1)).ravel()
    popular = np.asarray(counts.sum(axis=0)).ravel()
    category_items = _category_items(data, popular)

    def score(rows: np.ndarray) -> np.ndarray:
        mine = np.asarray(recent[rows].todense())
        near = np.asarray(((recent[rows] @ item_users) @ item_users.T).todense()) - mine * self_similarity
        liked = np.asarray((affinity[rows] @ category_items).todense())
        total = blend.neighbours * _scaled(np.maximum(near, 0)) + blend.category * _scaled(liked)
        total[mine > 0] = 0.0
        return total

    return score
