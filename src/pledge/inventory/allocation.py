"""Allocation of paid orders to warehouses (after payment, when a pick wave is built): each paid
line takes units from warehouses in the shop's strategy order and, inside a warehouse, from lots
first-expiry-first-out; an order allocated to two warehouses ships in two parcels. Parcels of
orders cancelled before they leave give their units back."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection, Row

from pledge.accounts.services import Actor, require_shop
from pledge.catalog.tables import shops
from pledge.inventory.model import PARCEL_LIFECYCLE, RELEASABLE, ParcelStatus
from pledge.inventory.stock import change_level, fefo_lots, record_movement, take_lots
from pledge.inventory.tables import allocations, inventory_settings, parcels, stock_lots, warehouses
from pledge.kernel.clock import local_time
from pledge.kernel.db import inserted_id
from pledge.kernel.errors import Conflict, IllegalTransition, InvalidInput, NotFound, OutOfStock
from pledge.orders.model import OrderStatus
from pledge.orders.tables import order_lines, orders

STRATEGIES = ("priority", "most_stock")
# Where each unit of an order comes from: warehouse id -> [(order line id, SKU id, units)].
Plan = dict[int, list[tuple[int, int, int]]]


def set_strategy(conn: Connection, actor: Actor, shop_id: int, strategy: str) -> None:
    require_shop(actor, shop_id)
    if strategy not in STRATEGIES:
        raise InvalidInput(f"unknown allocation strategy {strategy!r}; one of {', '.join(STRATEGIES)}")
    if (
        conn.execute(
            inventory_settings.update()
            .where(inventory_settings.c.shop_id == shop_id)
            .values(strategy=strategy)
        ).rowcount
        == 0
    ):
        conn.execute(inventory_settings.insert().values(shop_id=shop_id, strategy=strategy))


def strategy_of(conn: Connection, shop_id: int) -> str:
    return (
        conn.execute(
            select(inventory_settings.c.strategy).where(inventory_settings.c.shop_id == shop_id)
        ).scalar()
        or "priority"
    )


def _allocatable(conn: Connection, warehouse_id: int, sku_id: int, today: date) -> int:
    return sum(lot.quantity for lot in fefo_lots(conn, warehouse_id, sku_id, today))


def allocate_order(conn: Connection, order_id: int, *, at: datetime) -> list[int]:
    """Allocate a paid order's lines to the shop's warehouses; returns its parcel ids (one per
    warehouse used). Refused for an unpaid order; an order already allocated keeps its parcels."""
    order = conn.execute(
        select(orders.c.id, orders.c.shop_id, orders.c.status, shops.c.timezone)
        .join(shops, shops.c.id == orders.c.shop_id)
        .where(orders.c.id == order_id)
    ).first()
    if order is None:
        raise NotFound(f"no order {order_id}")
    if order.status != OrderStatus.PAID.value:
        raise IllegalTransition(
            f"order {order_id} is {order.status}: only a paid order is allocated to a warehouse"
        )
    existing = list(
        conn.execute(
            select(parcels.c.id)
            .where(parcels.c.order_id == order_id, parcels.c.status != ParcelStatus.RELEASED.value)
            .order_by(parcels.c.id)
        ).scalars()
    )
    if existing:
        return existing
    today = local_time(at, order.timezone).date()
    houses = conn.execute(
        select(warehouses.c.id, warehouses.c.priority)
        .where(warehouses.c.shop_id == order.shop_id)
        .order_by(warehouses.c.priority, warehouses.c.id)
    ).all()
    if not houses:
        raise Conflict(f"the shop has no warehouse to ship order {order_id} from")
    plan = _plan(conn, order, [h.id for h in houses], today)
    return [
        _pack(conn, order, house, plan[house], today, at)
        for house in sorted(plan, key=[h.id for h in houses].index)
    ]


def _plan(conn: Connection, order: Row, houses: list[int], today: date) -> Plan:
    """Which warehouse gives each line's units, in the shop's strategy order; OutOfStock when the
    warehouses together cannot cover a line."""
    strategy = strategy_of(conn, order.shop_id)
    plan: Plan = {}
    for line in conn.execute(
        select(order_lines.c.id, order_lines.c.sku_id, order_lines.c.quantity)
        .where(order_lines.c.order_id == order.id)
        .order_by(order_lines.c.id)
    ):
        free = {house: _allocatable(conn, house, line.sku_id, today) for house in houses}
        ordered = list(houses)
        if strategy == "most_stock":
            ordered.sort(key=lambda h: -free[h])  # stable: ties keep the priority order
        wanted = line.quantity
        for house in ordered:
            units = min(wanted, free[house])
            if units:
                plan.setdefault(house, []).append((line.id, line.sku_id, units))
                wanted -= units
        if wanted:
            raise OutOfStock(
                f"order {order.id}: {wanted} units of SKU {line.sku_id} are in no warehouse",
                sku_id=line.sku_id,
            )
    return plan


def _pack(
    conn: Connection, order: Row, house: int, lines: list[tuple[int, int, int]], today: date, at: datetime
) -> int:
    """One parcel from one warehouse: its lines' units taken from lots FEFO; returns its id."""
    parcel_id = inserted_id(
        conn,
        parcels.insert().values(
            order_id=order.id,
            shop_id=order.shop_id,
            warehouse_id=house,
            status=ParcelStatus.ALLOCATED.value,
            created_at=at,
        ),
    )
    for line_id, sku_id, units in lines:
        for lot_id, taken in take_lots(conn, house, sku_id, units, today=today):
            conn.execute(
                allocations.insert().values(
                    parcel_id=parcel_id,
                    shop_id=order.shop_id,
                    order_line_id=line_id,
                    sku_id=sku_id,
                    lot_id=lot_id,
                    quantity=taken,
                )
            )
            record_movement(
                conn,
                shop_id=order.shop_id,
                warehouse_id=house,
                sku_id=sku_id,
                lot_id=lot_id,
                delta=-taken,
                kind="allocation",
                order_id=order.id,
                at=at,
            )
        change_level(conn, house, sku_id, -units, at=at)
    return parcel_id


def allocate_paid_orders(
    conn: Connection, shop_id: int, *, at: datetime, limit: int = 500
) -> dict[str, list[int]]:
    """Allocate every paid, not yet allocated order of a shop, oldest promise first; an order
    the warehouses cannot cover stays unallocated (listed under 'short') and blocks no other."""
    pending = (
        conn.execute(
            select(orders.c.id)
            .where(
                orders.c.shop_id == shop_id,
                orders.c.status == OrderStatus.PAID.value,
                ~select(parcels.c.id)
                .where(parcels.c.order_id == orders.c.id, parcels.c.status != ParcelStatus.RELEASED.value)
                .exists(),
            )
            .order_by(orders.c.ship_by, orders.c.id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    done, short = [], []
    for order_id in pending:
        try:
            with conn.begin_nested():
                allocate_order(conn, order_id, at=at)
            done.append(order_id)
        except OutOfStock:
            short.append(order_id)
    return {"allocated": done, "short": short}


def release_cancelled(conn: Connection, *, now: datetime, limit: int = 200) -> int:
    """Parcels of orders cancelled before they left the warehouse give their units back to the
    lots they came from (a worker step; the claim on the parcel makes it exactly once)."""
    due = conn.execute(
        select(parcels.c.id, parcels.c.order_id, parcels.c.shop_id, parcels.c.warehouse_id, parcels.c.status)
        .join(orders, orders.c.id == parcels.c.order_id)
        .where(orders.c.status == OrderStatus.CANCELLED.value, parcels.c.status.in_(RELEASABLE))
        .order_by(parcels.c.id)
        .limit(limit)
    ).all()
    released = 0
    for parcel in due:
        if not PARCEL_LIFECYCLE.try_move(conn, parcels, parcel.id, parcel.status, ParcelStatus.RELEASED):
            continue
        for a in conn.execute(select(allocations).where(allocations.c.parcel_id == parcel.id)).all():
            conn.execute(
                stock_lots.update()
                .where(stock_lots.c.id == a.lot_id)
                .values(quantity=stock_lots.c.quantity + a.quantity)
            )
            change_level(conn, parcel.warehouse_id, a.sku_id, a.quantity, at=now)
            record_movement(
                conn,
                shop_id=parcel.shop_id,
                warehouse_id=parcel.warehouse_id,
                sku_id=a.sku_id,
                lot_id=a.lot_id,
                delta=a.quantity,
                kind="release",
                reason="order cancelled",
                order_id=parcel.order_id,
                at=now,
            )
        released += 1
    return released
