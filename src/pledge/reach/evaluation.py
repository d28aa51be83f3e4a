"""`pledge reach evaluate`: the model and the three baselines on one hold-out split
(docs/reach.md says the protocol and the numbers)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pledge.kernel.errors import InvalidInput
from pledge.reach import baselines, factors, model
from pledge.reach.events import Event
from pledge.reach.matrix import Interactions, interactions
from pledge.reach.metrics import K, ndcg_at, recall_at
from pledge.reach.ranking import Scorer, recommend
from pledge.reach.split import MIN_TRAINING_EVENTS, UserSplit, by_user, split

Fit = Callable[[Interactions], Scorer]
BASELINES: dict[str, Fit] = {
    "popularity": baselines.popularity,
    "recency": baselines.recency,
    "item_knn": baselines.item_knn,
    "als": factors.als_baseline,  # the factor model alone (implicit ALS), for comparison
}


@dataclass(frozen=True)
class Scores:
    recall: float
    ndcg: float
    users: int


def score_lists(splits: Sequence[UserSplit], lists: dict[int, list[int]], *, new_only: bool) -> Scores:
    """Mean recall@K and nDCG@K over the users that have targets (new targets with new_only)."""
    recall = ndcg = 0.0
    users = 0
    for user in splits:
        targets = user.new_targets if new_only else user.targets
        if not targets:
            continue
        users += 1
        recall += recall_at(lists[user.user], targets, K)
        ndcg += ndcg_at(lists[user.user], targets, K)
    return Scores(recall / users, ndcg / users, users) if users else Scores(0.0, 0.0, 0)


def ranked_lists(splits: Sequence[UserSplit], learned: model.Model) -> dict[str, dict[int, list[int]]]:
    """Every recommender's lists, each fitted on the training parts only."""
    data = interactions([user.train for user in splits])
    lists = {"model": model.recommend(learned, {user.user: user.train for user in splits}, K)}
    for name, fit in BASELINES.items():
        lists[name] = dict(recommend(data, fit(data), K))
    return lists


def _both(splits: Sequence[UserSplit], lists: dict[int, list[int]]) -> tuple[Scores, Scores]:
    return score_lists(splits, lists, new_only=False), score_lists(splits, lists, new_only=True)


def _rounded(value: float) -> float:
    return round(value, 4)


def report(events: Sequence[Event]) -> dict[str, object]:
    """The JSON report: recall and nDCG at 20 per recommender, then the same on new items."""
    splits, skipped = split(by_user(events))
    if not splits:
        raise InvalidInput(f"no user has {MIN_TRAINING_EVENTS} training events: nothing to evaluate")
    learned = model.learn({user.user: user.train for user in splits})
    results = {name: _both(splits, lists) for name, lists in ranked_lists(splits, learned).items()}
    return {
        "recall_at_20": {name: _rounded(both[0].recall) for name, both in results.items()},
        "ndcg_at_20": {name: _rounded(both[0].ndcg) for name, both in results.items()},
        "users": len(splits),
        "items": len({event.item for event in events}),
        "events": len(events),
        "skipped_users": skipped,
        "new_items": {
            "recall_at_20": {name: _rounded(both[1].recall) for name, both in results.items()},
            "ndcg_at_20": {name: _rounded(both[1].ndcg) for name, both in results.items()},
            "users": results["model"][1].users,
        },
        "model_weights": learned.weights(),
    }
