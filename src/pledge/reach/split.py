"""The hold-out rule of the offline evaluation (docs/reach.md, "Protocol").

Each user's events are ordered by timestamp, equal timestamps by their line in the file. The
last ceil(20 % of n) events are held out (a user with 4 events holds out 1, with 10 holds out 2,
with 11 holds out 3); the cut is by position, so events sharing the boundary second fall on
either side in file order. A user with fewer than 3 events left for training is skipped."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from pledge.reach.events import Event

HELD_OUT_PERCENT = 20
MIN_TRAINING_EVENTS = 3


@dataclass(frozen=True, slots=True)
class UserSplit:
    user: int
    train: tuple[Event, ...]
    held: tuple[Event, ...]

    @property
    def targets(self) -> frozenset[int]:
        """The distinct items of the held-out part, met before or not."""
        return frozenset(event.item for event in self.held)

    @property
    def new_targets(self) -> frozenset[int]:
        """The held-out items the user never met in training."""
        return self.targets - {event.item for event in self.train}


def held_out_count(n: int, percent: int = HELD_OUT_PERCENT) -> int:
    """ceil(n * percent / 100) in integers."""
    return -(-n * percent // 100)


def by_user(events: Iterable[Event]) -> dict[int, list[Event]]:
    """Each user's events in time order (timestamp, then line in the file)."""
    histories: dict[int, list[Event]] = defaultdict(list)
    for event in events:
        histories[event.user].append(event)
    return {user: sorted(h, key=lambda e: (e.at, e.seq)) for user, h in sorted(histories.items())}


def split(histories: dict[int, list[Event]], percent: int = HELD_OUT_PERCENT) -> tuple[list[UserSplit], int]:
    """The users kept (in user order) and how many were skipped for too little training."""
    kept: list[UserSplit] = []
    for user, history in histories.items():
        cut = len(history) - held_out_count(len(history), percent)
        if cut < MIN_TRAINING_EVENTS:
            continue
        kept.append(UserSplit(user, tuple(history[:cut]), tuple(history[cut:])))
    return kept, len(histories) - len(kept)
