"""What a buyer does to an order of theirs besides paying: cancel it while unpaid, remind the
shop to ship (催发货). Cancelling a paid order goes through after-sales
(aftersales.cancellation); confirming receipt through fulfilment (fulfilment.receipt)."""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor
from pledge.kernel.db import AnyRow
from pledge.kernel.errors import InvalidInput, NotFound, TooManyAttempts
from pledge.orders.model import OrderStatus
from pledge.orders.policy import ship_reminder_interval
from pledge.orders.services import record_events, release_unpaid
from pledge.orders.tables import orders
from pledge.rulebooks.loader import Rulebook


def buyers_order(conn: Connection, actor: Actor, order_id: int) -> AnyRow:
    row = conn.execute(select(orders).where(orders.c.id == order_id)).first()
    if row is None or row.buyer_id != actor.user_id:
        raise NotFound(f"no order {order_id}")
    return row


def cancel_unpaid_order(conn: Connection, actor: Actor, order_id: int, *, at: datetime) -> list[int]:
    """Cancel an order awaiting payment, and with it every other unpaid order of the same
    checkout (they share one payment, which can no longer be for the amount shown): stock and
    coupons come back. Returns the ids cancelled."""
    order = buyers_order(conn, actor, order_id)
    if order.status != OrderStatus.PENDING_PAYMENT.value:
        raise InvalidInput(
            "only an order awaiting payment can be cancelled here; a paid one needs a cancellation request"
        )
    siblings = conn.execute(
        select(orders.c.id, orders.c.coupon_id)
        .where(
            orders.c.checkout_id == order.checkout_id,
            orders.c.status == OrderStatus.PENDING_PAYMENT.value,
        )
        .order_by(orders.c.id)
    ).all()
    for sibling in siblings:
        release_unpaid(conn, sibling, now=at, reason="buyer_cancelled")
    return [s.id for s in siblings]


def remind_to_ship(conn: Connection, actor: Actor, order_id: int, *, book: Rulebook, at: datetime) -> int:
    """催发货: counted on the order (the shop's order list shows the count), at most once per
    the clause's interval; a reminder too soon is refused with the wait. Returns the count."""
    order = buyers_order(conn, actor, order_id)
    if order.status != OrderStatus.PAID.value:
        raise InvalidInput("only a paid order that has not shipped yet can be reminded")
    interval, _clause = ship_reminder_interval(book, at)
    done = conn.execute(
        orders.update()
        .where(
            orders.c.id == order_id,
            orders.c.status == OrderStatus.PAID.value,
            or_(orders.c.last_reminded_at.is_(None), orders.c.last_reminded_at <= at - interval),
        )
        .values(ship_reminders=orders.c.ship_reminders + 1, last_reminded_at=at)
    ).rowcount
    if done != 1:  # reminded meanwhile (read again: a concurrent reminder may have just won)
        last = conn.execute(select(orders.c.last_reminded_at).where(orders.c.id == order_id)).scalar()
        if last is None:
            raise InvalidInput("only a paid order that has not shipped yet can be reminded")
        wait = max(1, math.ceil((last + interval - at).total_seconds()))
        raise TooManyAttempts(
            "the shop was reminded recently; you can remind it again later",
            retry_after=wait,
        )
    record_events(conn, [{"order_id": order_id, "at": at, "kind": "ship_reminder", "detail": {}}])
    return int(order.ship_reminders) + 1
