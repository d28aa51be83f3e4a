"""Order lifecycle as an explicit transition table; anything else is an illegal transition."""
from __future__ import annotations

from enum import StrEnum

from pledge.kernel.errors import IllegalTransition


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING_PAYMENT: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    # A clicked parcel the carrier never picked up can be closed by the platform after 365 days
    # (douyin:aJoPPkWZ7VQM 2.3, logistics.timers.close_unshipped).
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED, OrderStatus.CANCELLED}),
    OrderStatus.DELIVERED: frozenset({OrderStatus.COMPLETED}),
    OrderStatus.COMPLETED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}

# Statuses in which the order has been paid for and the ship promise runs.
PAID_STATUSES = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)


def check_transition(current: str, target: OrderStatus) -> None:
    if target not in TRANSITIONS[OrderStatus(current)]:
        raise IllegalTransition(f"an order that is {current} cannot become {target}")
