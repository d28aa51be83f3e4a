"""The factor model as a candidate source (docs/reach.md, "Factor model"): implicit ALS where
the data allow it, item-kNN as the fallback; it fills only users the co-occurrence candidates
leave empty, never with the user's own items."""

from __future__ import annotations

import numpy as np

from pledge.reach import factors
from pledge.reach.events import Behaviour, Event
from pledge.reach.matrix import interactions
from pledge.reach.ranking import recommend


def _events(users: int, items: int) -> list[list[Event]]:
    """Two taste groups: even users meet even items, odd users odd items."""
    histories = []
    for user in range(1, users + 1):
        group = [item for item in range(1, items + 1) if item % 2 == user % 2]
        start = user % (len(group) - 8)
        mine = group[start : start + 8]
        histories.append([Event(user, item, 0, Behaviour.VIEW, 1000 + n, n) for n, item in enumerate(mine)])
    return histories


def test_small_data_falls_back_to_item_knn():
    data = interactions(_events(5, 10))
    assert factors.fit(data).source == "item_knn"


def test_als_learns_the_taste_groups_and_times_an_epoch():
    data = interactions(_events(40, 40))
    fitted = factors.fit(data, factors.AlsSettings(factors=8, iterations=10))
    assert fitted.source == "als" and fitted.seconds_per_epoch > 0
    lists = dict(recommend(data, fitted.scorer, 5))
    assert all(item % 2 == 0 for item in lists[2]) and all(item % 2 == 1 for item in lists[3])


def test_the_factor_model_fills_only_users_without_candidates_and_never_their_own_items():
    data = interactions(_events(40, 40))
    primary_scores = np.zeros((len(data.users), len(data.items)))
    primary_scores[0, -1] = 1.0  # only the first user has a co-occurrence candidate
    filled = factors.fill_empty(lambda rows: primary_scores[rows], factors.fit(data).scorer, data)
    scores = filled(np.arange(len(data.users)))
    assert list(np.flatnonzero(scores[0])) == [len(data.items) - 1]
    own = np.asarray(data.counts().todense()) > 0
    assert (scores[1:] > 0).any() and not (scores[own] > 0).any()
