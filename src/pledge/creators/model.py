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


class SampleKind(StrEnum):
    """How a creator gets a sample (douyin:aJmYG5vi4n1f §1.2): a free request the shop reviews
    (免费申样), a review-free sample approved at once (免审申样), or a paid one (买样返款)."""

    FREE = "free"
    REVIEW_FREE = "review_free"
    PAID = "paid"


class DutyStatus(StrEnum):
    """The promotion duty (履约) of a received sample:

    open ──promoted──▶ met            (paid: the price is refunded 7 days later)
      ├── 45 days pass ▶ broken
      └── return shipped ▶ returning ──merchant confirms / 7 days──▶ returned"""

    OPEN = "open"
    MET = "met"
    BROKEN = "broken"
    RETURNING = "returning"
    RETURNED = "returned"


DUTY_TRANSITIONS: dict[DutyStatus, frozenset[DutyStatus]] = {
    DutyStatus.OPEN: frozenset({DutyStatus.MET, DutyStatus.BROKEN, DutyStatus.RETURNING}),
    DutyStatus.RETURNING: frozenset({DutyStatus.RETURNED}),
    DutyStatus.MET: frozenset(),
    DutyStatus.BROKEN: frozenset(),
    DutyStatus.RETURNED: frozenset(),
}

DUTY_LIFECYCLE = Lifecycle("sample duty", DutyStatus, DUTY_TRANSITIONS)
