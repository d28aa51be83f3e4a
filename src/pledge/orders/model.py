"""Order lifecycle as an explicit transition table; anything else is an illegal transition.

    pending_payment ──paid──▶ paid ──shipped──▶ shipped ──carrier signs──▶ delivered
          │                    │                   │
          ▼                    ▼                   ▼
      cancelled            cancelled           cancelled
    (not paid in time)  (instant refund,     (never picked up:
                         closed unshipped)    closed after 365 days)

An order ends delivered or cancelled; after-sales and settlement run on their own clocks from
delivery (there is no "completed" status: nothing ever reached it, so it was removed)."""

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


class PaymentStatus(StrEnum):
    """A checkout's payment (the payments table lives with the orders that create it).

    pending ──callback captured──▶ captured ──checkout already cancelled──▶ refund_pending ──▶ refunded
       └──callback failed──▶ failed
    """

    PENDING = "pending"
    CAPTURED = "captured"
    FAILED = "failed"
    REFUND_PENDING = "refund_pending"  # captured for a checkout cancelled as unpaid; the worker returns it
    REFUNDED = "refunded"


PAYMENT_TRANSITIONS: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    PaymentStatus.PENDING: frozenset({PaymentStatus.CAPTURED, PaymentStatus.FAILED}),
    PaymentStatus.CAPTURED: frozenset({PaymentStatus.REFUND_PENDING}),
    PaymentStatus.FAILED: frozenset(),
    PaymentStatus.REFUND_PENDING: frozenset({PaymentStatus.REFUNDED}),
    PaymentStatus.REFUNDED: frozenset(),
}
PAYMENT_LIFECYCLE = Lifecycle("payment", PaymentStatus, PAYMENT_TRANSITIONS)
# Payments whose money reached the platform (captured, whatever happened to it since).
CAPTURED_STATUSES = (PaymentStatus.CAPTURED, PaymentStatus.REFUND_PENDING, PaymentStatus.REFUNDED)
