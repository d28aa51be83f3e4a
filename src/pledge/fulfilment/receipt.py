"""确认收货: the buyer confirms they received a shipped order. It moves the order to delivered
through the order lifecycle (shipped → delivered), the same move the carrier's last sign-off
makes; settlement counts the availability of the proceeds from this time
(settlement.availability: confirmation). The parcel's journey is over, so its waybills are freed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor
from pledge.fulfilment.tables import shipments, waybills
from pledge.kernel.errors import InvalidInput, NotFound
from pledge.orders.model import OrderStatus
from pledge.orders.services import record_events, transition
from pledge.orders.tables import orders


def confirm_receipt(conn: Connection, actor: Actor, order_id: int, *, at: datetime) -> None:
    order = conn.execute(select(orders.c.buyer_id, orders.c.status).where(orders.c.id == order_id)).first()
    if order is None or order.buyer_id != actor.user_id:
        raise NotFound(f"no order {order_id}")
    if order.status != OrderStatus.SHIPPED.value:
        raise InvalidInput("only a shipped order can be confirmed as received")
    transition(conn, order_id, order.status, OrderStatus.DELIVERED, delivered_at=at)
    shipped = select(shipments.c.id).where(shipments.c.order_id == order_id)
    conn.execute(
        shipments.update()
        .where(shipments.c.order_id == order_id, shipments.c.delivered_at.is_(None))
        .values(delivered_at=at)
    )
    conn.execute(waybills.delete().where(waybills.c.shipment_id.in_(shipped)))
    record_events(conn, [{"order_id": order_id, "at": at, "kind": "receipt_confirmed", "detail": {}}])
