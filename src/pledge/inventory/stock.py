"""Stock rows every inventory use case shares: whose a warehouse or SKU is, the level of a SKU in
a warehouse (never below zero), lots taken first-expiry-first-out, and the movement journal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Row

from pledge.accounts.services import Actor
from pledge.catalog.tables import skus
from pledge.integrations import outbox
from pledge.inventory.tables import stock_levels, stock_lots, stock_movements, warehouses
from pledge.kernel.db import inserted_id
from pledge.kernel.errors import Conflict, InvalidInput, NotFound, OutOfStock
from pledge.kernel.limits import MAX_STOCK

MAX_UNITS = 1_000_000


def own_sku(conn: Connection, actor: Actor, sku_id: int):
    row = conn.execute(select(skus.c.id, skus.c.shop_id, skus.c.stock).where(skus.c.id == sku_id)).first()
    if row is None or row.shop_id not in actor.shops:
        raise NotFound(f"no SKU {sku_id}")
    return row


def own_warehouse(conn: Connection, actor: Actor, warehouse_id: int, *, read_only: bool = False):
    """The warehouse row if the actor works for its shop; another shop's is not revealed."""
    row = conn.execute(select(warehouses).where(warehouses.c.id == warehouse_id)).first()
    if row is None or (row.shop_id not in actor.shops and not (read_only and actor.platform_role)):
        raise NotFound(f"no warehouse {warehouse_id}")
    return row


def check_units(quantity: object, what: str = "quantity") -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 0 < quantity <= MAX_UNITS:
        raise InvalidInput(f"{what} must be a whole number from 1 to {MAX_UNITS}, got {quantity!r}")
    return quantity


def level_of(conn: Connection, shop_id: int, warehouse_id: int, sku_id: int):
    """The SKU's level in the warehouse (of the shop), created at zero on first use."""
    row = conn.execute(
        select(stock_levels).where(
            stock_levels.c.warehouse_id == warehouse_id, stock_levels.c.sku_id == sku_id
        )
    ).first()
    if row is None:
        conn.execute(
            stock_levels.insert().values(
                warehouse_id=warehouse_id, shop_id=shop_id, sku_id=sku_id, on_hand=0, low_at=0
            )
        )
        row = conn.execute(
            select(stock_levels).where(
                stock_levels.c.warehouse_id == warehouse_id, stock_levels.c.sku_id == sku_id
            )
        ).one()
    return row


def record_movement(
    conn: Connection,
    *,
    shop_id: int,
    warehouse_id: int,
    sku_id: int,
    delta: int,
    kind: str,
    at: datetime,
    lot_id: int | None = None,
    reason: str = "",
    order_id: int | None = None,
    actor_id: int | None = None,
) -> None:
    conn.execute(
        stock_movements.insert().values(
            warehouse_id=warehouse_id,
            shop_id=shop_id,
            sku_id=sku_id,
            lot_id=lot_id,
            kind=kind,
            delta=delta,
            reason=reason,
            order_id=order_id,
            actor_id=actor_id,
            at=at,
        )
    )


def new_lot(
    conn: Connection,
    *,
    shop_id: int,
    warehouse_id: int,
    sku_id: int,
    lot_code: str,
    quantity: int,
    at: datetime,
    expires_on: date | None = None,
) -> int:
    return inserted_id(
        conn,
        stock_lots.insert().values(
            warehouse_id=warehouse_id,
            shop_id=shop_id,
            sku_id=sku_id,
            lot_code=lot_code,
            expires_on=expires_on,
            quantity=quantity,
            received_at=at,
        ),
    )


def room_for(conn: Connection, warehouse_id: int, sku_id: int, added: int) -> None:
    """A SKU holds at most MAX_STOCK units for sale and in each warehouse (kernel/limits.py):
    receipt after receipt must not overflow the INTEGER columns that count them."""
    held = (
        conn.execute(
            select(stock_levels.c.on_hand).where(
                stock_levels.c.warehouse_id == warehouse_id, stock_levels.c.sku_id == sku_id
            )
        ).scalar()
        or 0
    )
    sellable = conn.execute(select(skus.c.stock).where(skus.c.id == sku_id)).scalar() or 0
    if max(held, sellable) + added > MAX_STOCK:
        raise InvalidInput(f"SKU {sku_id} would hold more than {MAX_STOCK} units", max_units=MAX_STOCK)


def change_level(conn: Connection, warehouse_id: int, sku_id: int, delta: int, *, at: datetime) -> None:
    """Units in or out of the warehouse's level; falling to the low-stock mark publishes
    `stock.low` to the shop's webhook endpoints (once per crossing, not on every sale below it)."""
    done = conn.execute(
        stock_levels.update()
        .where(
            stock_levels.c.warehouse_id == warehouse_id,
            stock_levels.c.sku_id == sku_id,
            stock_levels.c.on_hand + delta >= 0,
        )
        .values(on_hand=stock_levels.c.on_hand + delta)
    ).rowcount
    if done != 1:
        raise Conflict("the warehouse stock changed meanwhile; try again")
    if delta < 0:
        _tell_if_low(conn, warehouse_id, sku_id, delta, at)


def _tell_if_low(conn: Connection, warehouse_id: int, sku_id: int, delta: int, at: datetime) -> None:
    level = conn.execute(
        select(stock_levels.c.on_hand, stock_levels.c.low_at, warehouses.c.shop_id)
        .join(warehouses, warehouses.c.id == stock_levels.c.warehouse_id)
        .where(stock_levels.c.warehouse_id == warehouse_id, stock_levels.c.sku_id == sku_id)
    ).one()
    if level.on_hand <= level.low_at < level.on_hand - delta:
        payload = {"sku_id": sku_id, "warehouse_id": warehouse_id, "on_hand": level.on_hand}
        payload |= {"low_at": level.low_at, "at": at}
        outbox.publish(conn, level.shop_id, "stock.low", sku_id, payload, at=at)


def fefo_lots(conn: Connection, warehouse_id: int, sku_id: int, today: date | None) -> Sequence[Row]:
    """Lots with units, earliest expiry first (lots without expiry last); expired lots are
    never allocated to an order (today given)."""
    query = select(stock_lots.c.id, stock_lots.c.quantity, stock_lots.c.expires_on).where(
        stock_lots.c.warehouse_id == warehouse_id, stock_lots.c.sku_id == sku_id, stock_lots.c.quantity > 0
    )
    if today is not None:
        query = query.where((stock_lots.c.expires_on.is_(None)) | (stock_lots.c.expires_on >= today))
    return conn.execute(
        query.order_by(stock_lots.c.expires_on.is_(None), stock_lots.c.expires_on, stock_lots.c.id)
    ).all()


def take_lots(
    conn: Connection, warehouse_id: int, sku_id: int, quantity: int, *, today: date | None
) -> list[tuple[int, int]]:
    """Take `quantity` units from lots, FEFO; [(lot_id, units)]. The caller checked there are enough."""
    taken = []
    for lot in fefo_lots(conn, warehouse_id, sku_id, today):
        if quantity == 0:
            break
        units = min(lot.quantity, quantity)
        if (
            conn.execute(
                stock_lots.update()
                .where(stock_lots.c.id == lot.id, stock_lots.c.quantity >= units)
                .values(quantity=stock_lots.c.quantity - units)
            ).rowcount
            != 1
        ):
            raise Conflict("the warehouse stock changed meanwhile; try again")
        taken.append((lot.id, units))
        quantity -= units
    if quantity:
        raise OutOfStock(
            f"{quantity} units of SKU {sku_id} are missing in warehouse {warehouse_id}", sku_id=sku_id
        )
    return taken


def physical_units(conn: Connection, sku_id: int) -> int:
    return conn.execute(
        select(func.coalesce(func.sum(stock_levels.c.on_hand), 0)).where(stock_levels.c.sku_id == sku_id)
    ).scalar_one()
