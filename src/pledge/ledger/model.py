"""Coupon lifecycle (the buyer's wallet).

    available ──spent at checkout──▶ spent
        ▲                              │
        └──the unpaid order is cancelled┘

A coupon is issued available (compensation pays buyers in coupons); a checkout spends it, and
an order cancelled as unpaid gives it back."""

from __future__ import annotations

from enum import StrEnum

from pledge.kernel.lifecycle import Lifecycle


class CouponStatus(StrEnum):
    AVAILABLE = "available"
    SPENT = "spent"


TRANSITIONS: dict[CouponStatus, frozenset[CouponStatus]] = {
    CouponStatus.AVAILABLE: frozenset({CouponStatus.SPENT}),
    CouponStatus.SPENT: frozenset({CouponStatus.AVAILABLE}),
}
COUPON_LIFECYCLE = Lifecycle("coupon", CouponStatus, TRANSITIONS)
