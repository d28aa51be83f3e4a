"""Order lifecycle as an explicit transition table; anything else is an illegal transition.

    pending_payment ──pay──▶ paid ──ship──▶ shipped ──track──▶ delivered
          │                   │                │
          └──unpaid──▶ cancelled ◀──refund─────┘ (never picked up, 365 days)

An order ends delivered (after-sales and settlement run on their own clocks from there) or
cancelled."""
from __future__ import annotations

from enum import StrEnum

from pledge.kernel.lifecycle import Lifecycle


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING_PAYMENT: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    # A clicked parcel the carrier never picked up can be closed by the platform after 365 days
    # (douyin:aJoPPkWZ7VQM 2.3, logistics.timers.close_unshipped).
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED, OrderStatus.CANCELLED}),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}
LIFECYCLE = Lifecycle("order", OrderStatus, TRANSITIONS)

# Statuses in which the order has been paid for and the ship promise runs.
PAID_STATUSES = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED)
