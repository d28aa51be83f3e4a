"""The reach model (docs/reach.md, "The model"): rank the user's own items by a learned,
readable linear score over their features (features.NAMES), then fill free places with new-item
candidates (candidates.new_items). The weights are learned on a validation split carved from
the training events only: each user's training history is split again by the hold-out rule and
the model learns which of the user's items come back in the validation part."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from pledge.reach import candidates, factors, ranking
from pledge.reach.events import Event
from pledge.reach.features import NAMES, own_items
from pledge.reach.linear import fit_logistic
from pledge.reach.matrix import interactions
from pledge.reach.split import UserSplit, split

Histories = Mapping[int, Sequence[Event]]


@dataclass(frozen=True)
class Model:
    theta: np.ndarray  # [intercept, one weight per feature in NAMES]

    def weights(self) -> dict[str, float]:
        return {name: round(float(w), 4) for name, w in zip(NAMES, self.theta[1:], strict=True)}

    def score(self, features: np.ndarray) -> np.ndarray:
        return features @ self.theta[1:]


def popularity(histories: Histories) -> Counter[int]:
    return Counter(event.item for history in histories.values() for event in history)


def training_rows(splits: Sequence[UserSplit]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels (the item comes back in the held-out part) and weights: each user's rows
    weigh 1/|targets|, as the user's targets do in recall, scaled to sum to the user count."""
    counts = popularity({s.user: s.train for s in splits})
    xs, ys, ws = [], [], []
    for user in splits:
        ids, features = own_items(user.train, counts)
        xs.append(features)
        ys.append(np.array([item in user.targets for item in ids], dtype=np.float64))
        ws.append(np.full(len(ids), 1.0 / len(user.targets)))
    weights = np.concatenate(ws)
    return np.vstack(xs), np.concatenate(ys), weights * len(splits) / weights.sum()


def learn(histories: Histories) -> Model:
    """Learn the weights on the validation split of these (training) histories."""
    validation, _ = split({user: list(history) for user, history in histories.items()})
    if not validation:
        return Model(np.zeros(len(NAMES) + 1))
    return Model(fit_logistic(*training_rows(validation)))


def recommend(model: Model, histories: Histories, k: int) -> dict[int, list[int]]:
    """Up to k items per user: own items by the model's score (ties to the smaller id), then the
    best new-item candidates."""
    counts = popularity(histories)
    users = sorted(histories)
    data = interactions([histories[user] for user in users])
    # Co-occurrence candidates; a user with none gets the factor model's (item-kNN without it).
    fill_scores = factors.fill_empty(candidates.new_items(data), factors.fit(data).scorer, data)
    fill = dict(ranking.recommend(data, fill_scores, k))
    lists = {}
    for user in users:
        ids, features = own_items(histories[user], counts)
        order = np.lexsort((np.array(ids), -model.score(features)))
        ranked = [ids[i] for i in order[:k]]
        lists[user] = ranked + fill[user][: k - len(ranked)]
    return lists
