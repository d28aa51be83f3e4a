"""What the model knows about a user's own items: one row of named features per distinct item
of the user's history (docs/reach.md lists them and the weights learned for them)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from pledge.reach.events import Behaviour, Event

HOUR = 3600
DAY = 86400
NAMES = (
    "log_recency_rank",  # log(1 + place among the user's distinct items, latest first)
    "events_since",  # events after the item's latest one, as a share of the history
    "log_events",  # log(1 + the user's events on the item)
    "carted",
    "favourited",
    "bought",
    "category_last_10",  # share of the user's last 10 events in the item's category
    "category_all",  # share of all the user's events in the item's category
    "log_hours_since",  # log(1 + hours from the item's latest event to the user's latest)
    "span",  # places between the item's first and latest event, as a share of the history
    "among_last_3",
    "among_last_10",
    "among_last_20",
    "category_last_3",
    "category_last_30",
    "log_others",  # log(1 + other training events on the item, anyone's)
    "days",  # distinct days the user met the item
)


@dataclass
class _Item:
    first: int
    category: int
    events: int = 0
    latest: int = 0
    latest_at: int = 0
    kinds: set[Behaviour] = field(default_factory=set)
    days: set[int] = field(default_factory=set)


def _items(history: Sequence[Event]) -> dict[int, _Item]:
    items: dict[int, _Item] = {}
    for place, event in enumerate(history):
        item = items.setdefault(event.item, _Item(first=place, category=event.category))
        item.events += 1
        item.latest, item.latest_at = place, event.at
        item.kinds.add(event.behaviour)
        item.days.add(event.at // DAY)
    return items


def _category_shares(history: Sequence[Event], last: int) -> Counter[int]:
    window = history[-last:] if last else history
    return Counter({c: n / len(window) for c, n in Counter(e.category for e in window).items()})


def own_items(history: Sequence[Event], popularity: Counter[int]) -> tuple[list[int], np.ndarray]:
    """The user's distinct items (in id order) and their feature rows (columns as NAMES)."""
    items = _items(history)
    ids = sorted(items)
    latest_first = sorted(ids, key=lambda i: -items[i].latest)
    rank = {item: place for place, item in enumerate(latest_first)}
    shares = {n: _category_shares(history, n) for n in (3, 10, 30, 0)}
    n, end = len(history), history[-1].at
    rows = []
    for item_id in ids:
        item, r = items[item_id], rank[item_id]
        rows.append((
            math.log1p(r), (n - 1 - item.latest) / n, math.log1p(item.events),
            Behaviour.CART in item.kinds, Behaviour.FAVOURITE in item.kinds, Behaviour.BUY in item.kinds,
            shares[10][item.category], shares[0][item.category], math.log1p((end - item.latest_at) / HOUR),
            (item.latest - item.first) / n, r < 3, r < 10, r < 20,
            shares[3][item.category], shares[30][item.category],
            math.log1p(popularity[item_id] - item.events), len(item.days),
        ))  # fmt: skip
    return ids, np.array(rows, dtype=np.float64)
