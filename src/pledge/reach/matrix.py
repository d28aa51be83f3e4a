"""Training events as sparse matrices: users and items numbered in id order, so every
ranking that breaks ties by index breaks them by the smaller item id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from pledge.reach.events import Behaviour, Event


@dataclass(frozen=True)
class Interactions:
    users: np.ndarray  # user ids, ascending; row r of every matrix is users[r]
    items: np.ndarray  # item ids, ascending; column c is items[c]
    item_category: np.ndarray  # category index of each item column
    user_rows: np.ndarray  # per event: the user's row
    item_cols: np.ndarray  # per event: the item's column
    category_cols: np.ndarray  # per event: the category's index
    behaviours: tuple[Behaviour, ...]  # per event
    at: np.ndarray  # per event: unix seconds
    position: np.ndarray  # per event: its place in the user's history, 0 = oldest

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.users), len(self.items)

    @property
    def categories(self) -> int:
        return int(self.category_cols.max()) + 1 if len(self.category_cols) else 0

    def user_item(self, weights: np.ndarray) -> sparse.csr_matrix:
        """users x items, each cell the sum of its events' weights."""
        return self._sum(weights, self.item_cols, len(self.items))

    def user_category(self, weights: np.ndarray) -> sparse.csr_matrix:
        return self._sum(weights, self.category_cols, self.categories)

    def _sum(self, weights: np.ndarray, cols: np.ndarray, width: int) -> sparse.csr_matrix:
        shape = (len(self.users), width)
        return sparse.coo_matrix((weights, (self.user_rows, cols)), shape=shape).tocsr()

    def counts(self) -> sparse.csr_matrix:
        return self.user_item(np.ones(len(self.at)))


def interactions(histories: Sequence[Sequence[Event]]) -> Interactions:
    """Each history is one user's training events in time order."""
    flat = [(event, place) for history in histories for place, event in enumerate(history)]
    users = np.unique([e.user for e, _ in flat])
    items, item_cols = np.unique([e.item for e, _ in flat], return_inverse=True)
    categories, category_cols = np.unique([e.category for e, _ in flat], return_inverse=True)
    item_category = np.zeros(len(items), dtype=np.int64)
    item_category[item_cols] = category_cols  # an item's category: its last event's (one each in Taobao)
    return Interactions(
        users=users,
        items=items,
        item_category=item_category,
        user_rows=np.searchsorted(users, [e.user for e, _ in flat]),
        item_cols=item_cols,
        category_cols=category_cols,
        behaviours=tuple(e.behaviour for e, _ in flat),
        at=np.array([e.at for e, _ in flat], dtype=np.int64),
        position=np.array([place for _, place in flat], dtype=np.int64),
    )
