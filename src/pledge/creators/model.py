"""A creator's standing for affiliate selling.

    active ──limit──▶ limited ──restore──▶ active
      │                  │
      └──remove──▶ removed ◀──remove──┘        (removed is final)

Only an active creator adds products to a showcase (a limited one keeps what it has)."""

from __future__ import annotations

from enum import StrEnum

from pledge.kernel.lifecycle import Lifecycle


class CreatorStatus(StrEnum):
    ACTIVE = "active"
    LIMITED = "limited"
    REMOVED = "removed"


TRANSITIONS: dict[CreatorStatus, frozenset[CreatorStatus]] = {
    CreatorStatus.ACTIVE: frozenset({CreatorStatus.LIMITED, CreatorStatus.REMOVED}),
    CreatorStatus.LIMITED: frozenset({CreatorStatus.ACTIVE, CreatorStatus.REMOVED}),
    CreatorStatus.REMOVED: frozenset(),
}


LIFECYCLE = Lifecycle("creator", CreatorStatus, TRANSITIONS)
