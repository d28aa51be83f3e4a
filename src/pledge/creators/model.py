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


class SampleStatus(StrEnum):
    """A free sample request (免费申样, douyin:aJmYG5vi4n1f):

        requested ──approve──▶ approved ──ship──▶ shipped ──receive──▶ received
            │  ╲                  │   ╲
            │   decline ▶ declined │    cancel ▶ cancelled (the creator withdraws before shipping)
            ├── cancel ▶ cancelled │
            └── 72 h undecided ▶ expired ◀── 120 h unshipped ──┘

    A shipped sample is received when the creator confirms it or 168 h after shipping."""

    REQUESTED = "requested"
    APPROVED = "approved"
    DECLINED = "declined"
    SHIPPED = "shipped"
    RECEIVED = "received"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


SAMPLE_TRANSITIONS: dict[SampleStatus, frozenset[SampleStatus]] = {
    SampleStatus.REQUESTED: frozenset(
        {SampleStatus.APPROVED, SampleStatus.DECLINED, SampleStatus.CANCELLED, SampleStatus.EXPIRED}
    ),
    SampleStatus.APPROVED: frozenset({SampleStatus.SHIPPED, SampleStatus.CANCELLED, SampleStatus.EXPIRED}),
    SampleStatus.SHIPPED: frozenset({SampleStatus.RECEIVED}),
    SampleStatus.RECEIVED: frozenset(),
    SampleStatus.DECLINED: frozenset(),
    SampleStatus.CANCELLED: frozenset(),
    SampleStatus.EXPIRED: frozenset(),
}

SAMPLE_LIFECYCLE = Lifecycle("sample request", SampleStatus, SAMPLE_TRANSITIONS)
