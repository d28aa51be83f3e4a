"""Shipping and tracking. "Shipped" is the carrier's pickup scan; without carrier data, the
merchant's ship click (douyin:101706, douyin:aJoPPkWZ7VQM). A tracked carrier's waybill is
held by one parcel on its way at a time, platform-wide (douyin:aHzmeN9E9dBF 重复运单号)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from pledge.accounts.services import Actor
from pledge.catalog.tables import shops
from pledge.fulfilment.carriers import CARRIERS
from pledge.fulfilment.tables import shipments, tracking_events, waybills
from pledge.kernel.db import inserted_id
from pledge.kernel.errors import Conflict, IllegalTransition, InvalidInput, NotFound
from pledge.notifications.model import Kind
from pledge.notifications.services import notify
from pledge.orders.model import OrderStatus
from pledge.orders.services import record_events, transition
from pledge.orders.tables import orders


class WaybillInUse(Conflict):
    code = "waybill_in_use"
    title = "Waybill already in use"


def ship_order(
    conn: Connection, actor: Actor, *, order_id: int, carrier: str, tracking_no: str, at: datetime
) -> int:
    row = _shop_order(conn, actor, order_id)
    adapter, tracking_no = _checked(carrier, tracking_no)
    picked_up = None if adapter.tracked else at
    transition(
        conn,
        order_id,
        row.status,
        OrderStatus.SHIPPED,
        shipped_at=at,
        picked_up_at=picked_up,
        late_check_at=at if (row.late_check_at is not None and picked_up) else row.late_check_at,
    )
    shipment_id = _open_shipment(conn, adapter, row, tracking_no=tracking_no, at=at, picked_up_at=picked_up)
    _schedule(conn, adapter, row.shop_id, shipment_id, tracking_no, at, row.city)
    record_events(
        conn,
        [
            {
                "order_id": order_id,
                "shop_id": row.shop_id,
                "at": at,
                "kind": "shipped",
                "detail": {"carrier": carrier, "tracking_no": tracking_no, "tracked": adapter.tracked},
            }
        ],
    )
    _tell_buyer(
        conn,
        order_id,
        Kind.ORDER_SHIPPED,
        {"order_id": order_id, "carrier": carrier, "tracking_no": tracking_no},
        at,
    )
    return shipment_id


def shipped_with(
    conn: Connection, actor: Actor, *, order_id: int, carrier: str, tracking_no: str
) -> int | None:
    """The shipment of the order under this carrier and waybill, if it was shipped so already: a
    repeated ship request (a bulk retry) is then answered, not refused."""
    _shop_order(conn, actor, order_id)
    adapter, tracking_no = _checked(carrier, tracking_no)
    s = shipments.c
    return conn.execute(
        select(s.id).where(s.order_id == order_id, s.carrier == adapter.code, s.tracking_no == tracking_no)
    ).scalar()


def _tell_buyer(conn: Connection, order_id: int, kind: Kind, params: dict, at: datetime) -> None:
    """A shipping event in the buyer's inbox, in the event's transaction (once per order and kind)."""
    buyer_id = conn.execute(select(orders.c.buyer_id).where(orders.c.id == order_id)).scalar_one()
    notify(
        conn,
        [buyer_id],
        kind=kind,
        params=params,
        link=f"/orders/{order_id}",
        cause=f"{kind.value}:{order_id}",
        at=at,
    )


def hand_over_parcel(
    conn: Connection,
    actor: Actor,
    *,
    order_id: int,
    carrier: str,
    tracking_no: str,
    parcels: int,
    at: datetime,
) -> int:
    """One of an order's `parcels` parcels is handed to the carrier, whose courier scans it on
    the spot (the pickup scan); transit and delivery follow on the clock. The first parcel
    ships the order; it is delivered when all `parcels` are."""
    row = _shop_order(conn, actor, order_id)
    adapter, tracking_no = _checked(carrier, tracking_no)
    if row.status == OrderStatus.PAID.value:
        transition(
            conn,
            order_id,
            row.status,
            OrderStatus.SHIPPED,
            shipped_at=at,
            picked_up_at=at,
            late_check_at=at if row.late_check_at is not None else None,
        )
        params = {"order_id": order_id, "carrier": carrier, "tracking_no": tracking_no}
        _tell_buyer(conn, order_id, Kind.ORDER_SHIPPED, params, at)
    elif row.status != OrderStatus.SHIPPED.value:
        raise IllegalTransition(
            f"order {order_id} is {row.status}; only a paid order's parcels are handed over"
        )
    shipment_id = _open_shipment(
        conn, adapter, row, tracking_no=tracking_no, at=at, picked_up_at=at, parcels=parcels
    )
    conn.execute(
        tracking_events.insert().values(
            shipment_id=shipment_id,
            shop_id=row.shop_id,
            kind="picked_up",
            occurs_at=at,
            location=row.city or "发货地",
            applied=True,
        )
    )
    _schedule(conn, adapter, row.shop_id, shipment_id, tracking_no, at, row.city, skip=("picked_up",))
    record_events(
        conn,
        [
            {
                "order_id": order_id,
                "shop_id": row.shop_id,
                "at": at,
                "kind": "picked_up",
                "detail": {"carrier": carrier, "tracking_no": tracking_no, "location": row.city or ""},
            }
        ],
    )
    return shipment_id


def _shop_order(conn: Connection, actor: Actor, order_id: int):
    row = conn.execute(
        select(
            orders.c.id,
            orders.c.shop_id,
            orders.c.status,
            orders.c.ship_by,
            orders.c.late_check_at,
            shops.c.city,
        )
        .join(shops, shops.c.id == orders.c.shop_id)
        .where(orders.c.id == order_id)
    ).first()
    if row is None or row.shop_id not in actor.shops:
        raise NotFound(f"no order {order_id}")  # another shop's order is not revealed to exist
    return row


def _checked(carrier: str, tracking_no: str):
    adapter = CARRIERS.get(carrier)
    if adapter is None:
        raise InvalidInput(f"unknown carrier {carrier!r}; one of {', '.join(CARRIERS)}")
    tracking_no = tracking_no.strip()
    if not (6 <= len(tracking_no) <= 40) or not tracking_no.isalnum():
        raise InvalidInput("a tracking number is 6 to 40 letters or digits")
    return adapter, tracking_no


def _open_shipment(
    conn: Connection,
    adapter,
    order: Row,
    *,
    tracking_no: str,
    at: datetime,
    picked_up_at: datetime | None,
    parcels: int = 1,
) -> int:
    """The shipment row of `order` (its id and shop_id), and the claim on its waybill when the
    carrier reports scans for it: a waybill held by another parcel on its way is refused (its scans
    would feed the wrong order), also when two merchants claim it at the same moment (the primary
    key decides)."""
    if adapter.tracked:
        _refuse_held_waybill(conn, adapter.code, tracking_no)
    shipment_id = inserted_id(
        conn,
        shipments.insert().values(
            order_id=order.id,
            shop_id=order.shop_id,
            carrier=adapter.code,
            tracking_no=tracking_no,
            shipped_at=at,
            picked_up_at=picked_up_at,
            parcels=parcels,
        ),
    )
    if adapter.tracked:
        try:
            conn.execute(
                waybills.insert().values(
                    carrier=adapter.code,
                    tracking_no=tracking_no,
                    shipment_id=shipment_id,
                    shop_id=order.shop_id,
                    claimed_at=at,
                )
            )
        except IntegrityError:  # claimed by a concurrent transaction that committed first
            raise _in_use(adapter.code, tracking_no) from None
    return shipment_id


def _refuse_held_waybill(conn: Connection, carrier: str, tracking_no: str) -> None:
    held = conn.execute(
        select(waybills.c.shipment_id).where(
            waybills.c.carrier == carrier, waybills.c.tracking_no == tracking_no
        )
    ).first()
    if held is not None:
        raise _in_use(carrier, tracking_no)


def _in_use(carrier: str, tracking_no: str) -> WaybillInUse:
    # Which order holds it is not said: it may be another shop's.
    return WaybillInUse(
        f"waybill {tracking_no} of carrier {carrier} is already on a parcel on its way; each parcel "
        "ships under its own waybill (a reused waybill is abnormal tracking, douyin:aHzmeN9E9dBF); "
        "nothing was shipped",
        carrier=carrier,
        tracking_no=tracking_no,
    )


def _schedule(
    conn: Connection,
    adapter,
    shop_id: int,
    shipment_id: int,
    tracking_no: str,
    at: datetime,
    city: str,
    skip: tuple[str, ...] = (),
) -> None:
    scheduled = [
        e
        for e in adapter.schedule(tracking_no=tracking_no, handed_over_at=at, origin=city or "发货地")
        if e.kind not in skip
    ]
    if scheduled:
        conn.execute(
            tracking_events.insert(),
            [
                {
                    "shipment_id": shipment_id,
                    "shop_id": shop_id,
                    "kind": e.kind,
                    "occurs_at": e.occurs_at,
                    "location": e.location,
                    "applied": False,
                }
                for e in scheduled
            ],
        )


def apply_tracking_events(conn: Connection, *, now: datetime, limit: int = 1000) -> int:
    """Apply carrier events whose time has come: a pickup scan fixes the shipped time (and asks
    the late-ship sweep to look again); a delivery moves the order on."""
    due = conn.execute(
        select(
            tracking_events.c.id,
            tracking_events.c.kind,
            tracking_events.c.occurs_at,
            tracking_events.c.location,
            tracking_events.c.shipment_id,
            tracking_events.c.shop_id,
            shipments.c.order_id,
            shipments.c.parcels,
        )
        .join(shipments, shipments.c.id == tracking_events.c.shipment_id)
        .where(tracking_events.c.applied.is_(False), tracking_events.c.occurs_at <= now)
        .order_by(tracking_events.c.occurs_at, tracking_events.c.id)
        .limit(limit)
    ).all()
    for event in due:
        claimed = conn.execute(
            tracking_events.update()
            .where(tracking_events.c.id == event.id, tracking_events.c.applied.is_(False))
            .values(applied=True)
        ).rowcount
        if claimed != 1:
            continue
        _apply(conn, event)
        record_events(
            conn,
            [
                {
                    "order_id": event.order_id,
                    "shop_id": event.shop_id,
                    "at": event.occurs_at,
                    "kind": event.kind,
                    "detail": {"location": event.location},
                }
            ],
        )
    return len(due)


def _apply(conn: Connection, event: Row) -> None:
    """One claimed carrier event: a pickup fixes the shipped time, a delivery frees the waybill
    and, once every parcel is in, moves a shipped order to delivered."""
    order = conn.execute(
        select(orders.c.status, orders.c.late_check_at).where(orders.c.id == event.order_id)
    ).one()
    if event.kind == "picked_up":
        conn.execute(
            shipments.update().where(shipments.c.id == event.shipment_id).values(picked_up_at=event.occurs_at)
        )
        conn.execute(
            orders.update()
            .where(orders.c.id == event.order_id, orders.c.picked_up_at.is_(None))
            .values(
                picked_up_at=event.occurs_at,
                late_check_at=event.occurs_at if order.late_check_at is not None else None,
            )
        )
    if event.kind == "delivered":  # the parcel's journey is over: its waybill is free again
        conn.execute(waybills.delete().where(waybills.c.shipment_id == event.shipment_id))
    if event.kind == "delivered" and order.status == OrderStatus.SHIPPED.value:
        conn.execute(
            shipments.update().where(shipments.c.id == event.shipment_id).values(delivered_at=event.occurs_at)
        )
        if _all_delivered(conn, event.order_id, event.parcels):
            transition(
                conn, event.order_id, order.status, OrderStatus.DELIVERED, delivered_at=event.occurs_at
            )
            _tell_buyer(
                conn, event.order_id, Kind.ORDER_DELIVERED, {"order_id": event.order_id}, event.occurs_at
            )


def _all_delivered(conn: Connection, order_id: int, parcels: int) -> bool:
    """An order shipped in several parcels is delivered when the last of them is."""
    delivered = conn.execute(
        select(func.count())
        .select_from(shipments)
        .where(shipments.c.order_id == order_id, shipments.c.delivered_at.is_not(None))
    ).scalar_one()
    return delivered >= parcels
