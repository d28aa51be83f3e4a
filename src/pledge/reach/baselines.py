"""The three baselines the model must beat (docs/reach.md): popularity, recency, item kNN."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from pledge.reach.matrix import Interactions
from pledge.reach.ranking import Scorer

BM25_K1 = 100.0  # the `implicit` library's BM25Recommender defaults
BM25_B = 0.8


def popularity(data: Interactions) -> Scorer:
    """Every user gets the items with the most training events (of anyone)."""
    counts = np.asarray(data.counts().sum(axis=0)).ravel()
    return lambda rows: np.broadcast_to(counts, (len(rows), len(counts)))


def latest_position(data: Interactions, rows: np.ndarray) -> np.ndarray:
    """Dense rows x items: 1 + the place of the user's latest event on the item (0: never met)."""
    local = np.full(len(data.users), -1)
    local[rows] = np.arange(len(rows))
    mine = local[data.user_rows] >= 0
    out = np.zeros((len(rows), len(data.items)))
    np.maximum.at(out, (local[data.user_rows[mine]], data.item_cols[mine]), data.position[mine] + 1.0)
    return out


def recency(data: Interactions) -> Scorer:
    """The user's own items, the most recently met first."""
    return lambda rows: latest_position(data, rows)


def bm25_weight(matrix: sparse.spmatrix, k1: float = BM25_K1, b: float = BM25_B) -> sparse.csr_matrix:
    """Okapi BM25 weighting of a rows x columns count matrix, as `implicit.nearest_neighbours.
    bm25_weight`: idf over columns, length normalisation over rows."""
    coo = sparse.coo_matrix(matrix, dtype=np.float64)
    idf = np.log(coo.shape[0]) - np.log1p(np.bincount(coo.col, minlength=coo.shape[1]))
    row_sums = np.asarray(coo.sum(axis=1)).ravel()
    length_norm = (1.0 - b) + b * row_sums / row_sums.mean()
    weighted = coo.data * (k1 + 1.0) / (k1 * length_norm[coo.row] + coo.data) * idf[coo.col]
    return sparse.csr_matrix((weighted, (coo.row, coo.col)), shape=coo.shape)


def knn_scores(user_items: sparse.csr_matrix, item_users: sparse.csr_matrix, rows: np.ndarray) -> np.ndarray:
    """Dense rows x items: sum over the user's items i of weight(u, i) * similarity(i, j), the
    similarity being the dot product of the two items' BM25-weighted user vectors."""
    return np.asarray(((user_items[rows] @ item_users) @ item_users.T).todense())


def item_knn(data: Interactions) -> Scorer:
    """Item-item neighbours over BM25-weighted co-occurrence, every neighbour counted, the
    user's own items included (their self-similarity counts as for any neighbour)."""
    counts = data.counts()
    item_users = bm25_weight(counts.T.tocsr())
    return lambda rows: knn_scores(counts, item_users, rows)
