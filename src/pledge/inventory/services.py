"""Inventory use cases: warehouses, barcodes, inbound receipts into lots, counts and adjustments
(audited, never below zero) and low-stock levels.

Two layers of stock: skus.stock is the SELLABLE count the checkout takes (ADR 0004); the
warehouse layer is physical. A receipt adds to both; an adjustment or count changes both by the
same delta. Beside it: stock.py (levels, lots FEFO, the movement journal), allocation.py (paid
orders to warehouses, releases) and queries.py (reading); the names callers use are re-exported
here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_shop
from pledge.catalog.tables import skus
from pledge.inventory.allocation import STRATEGIES as STRATEGIES
from pledge.inventory.allocation import allocate_order as allocate_order
from pledge.inventory.allocation import allocate_paid_orders as allocate_paid_orders
from pledge.inventory.allocation import release_cancelled as release_cancelled
from pledge.inventory.allocation import set_strategy as set_strategy
from pledge.inventory.allocation import strategy_of as strategy_of
from pledge.inventory.queries import lots_of as lots_of
from pledge.inventory.queries import low_stock as low_stock
from pledge.inventory.queries import movements_of as movements_of
from pledge.inventory.queries import shop_stock as shop_stock
from pledge.inventory.queries import shop_warehouses as shop_warehouses
from pledge.inventory.stock import (
    MAX_UNITS,
    change_level,
    check_units,
    level_of,
    new_lot,
    own_sku,
    record_movement,
    room_for,
    take_lots,
)
from pledge.inventory.stock import own_warehouse as own_warehouse
from pledge.inventory.stock import physical_units as physical_units
from pledge.inventory.tables import stock_levels, warehouses
from pledge.kernel.db import AnyRow, inserted_id
from pledge.kernel.errors import Conflict, InvalidInput, NotFound

# ---------------------------------------------------------------- barcodes


def ean13_check_digit(first12: str) -> int:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return (10 - total % 10) % 10


def valid_ean13(code: object) -> str:
    """The code if it is 13 digits with a correct check digit, else InvalidInput."""
    text = str(code or "").strip()
    if len(text) != 13 or not text.isdigit():
        raise InvalidInput(f"{text!r} is not an EAN-13 barcode (13 digits)")
    if ean13_check_digit(text[:12]) != int(text[12]):
        raise InvalidInput(f"barcode {text} has a wrong check digit (misread scan?)")
    return text


def set_barcode(conn: Connection, actor: Actor, sku_id: int, barcode: str) -> None:
    code = valid_ean13(barcode)
    row = own_sku(conn, actor, sku_id)
    taken = conn.execute(
        select(skus.c.id).where(skus.c.shop_id == row.shop_id, skus.c.barcode == code, skus.c.id != sku_id)
    ).first()
    if taken is not None:
        raise Conflict(f"barcode {code} already belongs to SKU {taken.id}")
    conn.execute(skus.update().where(skus.c.id == sku_id).values(barcode=code))


# ---------------------------------------------------------------- warehouses


def create_warehouse(
    conn: Connection,
    actor: Actor,
    *,
    shop_id: int,
    code: str,
    name: str,
    at: datetime,
    city: str = "",
    priority: int = 1,
) -> int:
    require_shop(actor, shop_id)
    code, name = code.strip(), name.strip()
    if not code or len(code) > 20 or not code.replace("-", "").isalnum():
        raise InvalidInput("a warehouse code is 1 to 20 letters, digits or dashes")
    if not name or len(name) > 100:
        raise InvalidInput("a warehouse needs a name of at most 100 characters")
    if not isinstance(priority, int) or not 1 <= priority <= 999:
        raise InvalidInput("priority is a whole number from 1 (first) to 999")
    if conn.execute(
        select(warehouses.c.id).where(warehouses.c.shop_id == shop_id, warehouses.c.code == code)
    ).first():
        raise Conflict(f"the shop already has a warehouse {code}")
    return inserted_id(
        conn,
        warehouses.insert().values(
            shop_id=shop_id, code=code, name=name, city=city.strip(), priority=priority, created_at=at
        ),
    )


# ---------------------------------------------------------------- receipts, counts, adjustments


@dataclass(frozen=True)
class ReceiptLine:
    sku_id: int
    quantity: int
    lot_code: str = ""
    expires_on: date | None = None


def receive(
    conn: Connection, actor: Actor, warehouse_id: int, lines: list[ReceiptLine], *, at: datetime
) -> list[int]:
    """An inbound receipt: each line becomes a lot; physical and sellable stock both grow."""
    wh = own_warehouse(conn, actor, warehouse_id)
    if not lines:
        raise InvalidInput("a receipt has at least one line")
    lot_ids = []
    for line in lines:
        check_units(line.quantity)
        if own_sku(conn, actor, line.sku_id).shop_id != wh.shop_id:
            raise NotFound(f"no SKU {line.sku_id}")
        room_for(conn, warehouse_id, line.sku_id, line.quantity)
        code = (line.lot_code or f"R{at:%Y%m%d}").strip()[:40]
        lot_ids.append(_lot_in(conn, actor, wh, line, code=code, kind="receipt", at=at))
        conn.execute(skus.update().where(skus.c.id == line.sku_id).values(stock=skus.c.stock + line.quantity))
    return lot_ids


def open_balance(
    conn: Connection, actor: Actor, warehouse_id: int, lines: list[ReceiptLine], *, at: datetime
) -> list[int]:
    """Digitising a warehouse whose units are already on sale: the counted units become lots
    (kind 'opening') without adding to the sellable count, which already holds them. Refused if
    the shop's warehouses would then hold more units than are for sale."""
    wh = own_warehouse(conn, actor, warehouse_id)
    lot_ids = []
    for line in lines:
        check_units(line.quantity)
        sku = own_sku(conn, actor, line.sku_id)
        if sku.shop_id != wh.shop_id:
            raise NotFound(f"no SKU {line.sku_id}")
        if physical_units(conn, line.sku_id) + line.quantity > sku.stock:
            raise InvalidInput(
                f"an opening balance of {line.quantity} for SKU {line.sku_id} exceeds the "
                f"{sku.stock} units for sale"
            )
        code = (line.lot_code or f"OPEN{at:%Y%m%d}").strip()[:40]
        lot_ids.append(_lot_in(conn, actor, wh, line, code=code, kind="opening", at=at))
    return lot_ids


def _lot_in(
    conn: Connection,
    actor: Actor,
    wh: AnyRow,
    line: ReceiptLine,
    *,
    code: str,
    kind: str,
    at: datetime,
) -> int:
    """A line's units into the warehouse (its row) as a new lot: the lot, the level and the journal."""
    warehouse_id = wh.id
    lot_id = new_lot(
        conn,
        shop_id=wh.shop_id,
        warehouse_id=warehouse_id,
        sku_id=line.sku_id,
        lot_code=code,
        quantity=line.quantity,
        expires_on=line.expires_on,
        at=at,
    )
    level_of(conn, wh.shop_id, warehouse_id, line.sku_id)
    change_level(conn, warehouse_id, line.sku_id, line.quantity, at=at)
    record_movement(
        conn,
        shop_id=wh.shop_id,
        warehouse_id=warehouse_id,
        sku_id=line.sku_id,
        lot_id=lot_id,
        delta=line.quantity,
        kind=kind,
        reason=f"lot {code}",
        actor_id=actor.user_id,
        at=at,
    )
    return lot_id


def adjust(
    conn: Connection,
    actor: Actor,
    warehouse_id: int,
    sku_id: int,
    delta: int,
    *,
    reason: str,
    at: datetime,
    kind: str = "adjustment",
) -> int:
    """Change a SKU's units in a warehouse by `delta` with a reason. Never below zero, in the
    warehouse or in the sellable count: such an adjustment is refused and nothing changes.
    Removals come out of the earliest-expiring lots. Returns the new unallocated count."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("an adjustment needs a reason (damaged, count difference, found ...)")
    if not isinstance(delta, int) or isinstance(delta, bool) or delta == 0 or abs(delta) > MAX_UNITS:
        raise InvalidInput(f"an adjustment is a non-zero whole number of units, got {delta!r}")
    shop_id, on_hand = _adjustable(conn, actor, warehouse_id, sku_id, delta)
    room_for(conn, warehouse_id, sku_id, delta)
    if delta > 0:
        code = f"ADJ{at:%Y%m%d}"
        lot_id = new_lot(
            conn,
            shop_id=shop_id,
            warehouse_id=warehouse_id,
            sku_id=sku_id,
            lot_code=code,
            quantity=delta,
            at=at,
        )
        changes = [(lot_id, delta)]
    else:
        changes = [
            (lot_id, -taken) for lot_id, taken in take_lots(conn, warehouse_id, sku_id, -delta, today=None)
        ]
    for lot_id, units in changes:
        record_movement(
            conn,
            shop_id=shop_id,
            warehouse_id=warehouse_id,
            sku_id=sku_id,
            lot_id=lot_id,
            delta=units,
            kind=kind,
            reason=reason,
            actor_id=actor.user_id,
            at=at,
        )
    change_level(conn, warehouse_id, sku_id, delta, at=at)
    sold = conn.execute(
        skus.update().where(skus.c.id == sku_id, skus.c.stock + delta >= 0).values(stock=skus.c.stock + delta)
    )
    if sold.rowcount != 1:
        raise Conflict("the SKU sold while the adjustment was being made; try again")
    return on_hand + delta


def _adjustable(
    conn: Connection, actor: Actor, warehouse_id: int, sku_id: int, delta: int
) -> tuple[int, int]:
    """The warehouse's shop and the units on hand, if neither they nor the sellable count would go
    below zero."""
    wh = own_warehouse(conn, actor, warehouse_id)
    sku = own_sku(conn, actor, sku_id)
    if sku.shop_id != wh.shop_id:
        raise NotFound(f"no SKU {sku_id}")
    level = level_of(conn, wh.shop_id, warehouse_id, sku_id)
    if level.on_hand + delta < 0:
        raise InvalidInput(
            f"only {level.on_hand} units of SKU {sku_id} are in {wh.name}; removing {-delta} would go "
            "below zero",
            on_hand=level.on_hand,
        )
    if sku.stock + delta < 0:
        raise InvalidInput(
            f"only {sku.stock} units of SKU {sku_id} are still for sale (the rest are sold); removing "
            f"{-delta} would go below zero",
            sellable=sku.stock,
        )
    return wh.shop_id, level.on_hand


def count(
    conn: Connection,
    actor: Actor,
    warehouse_id: int,
    sku_id: int,
    counted: int,
    *,
    at: datetime,
    reason: str = "stock count",
) -> int:
    """A stock count: the counted number of unallocated units replaces the recorded one."""
    if not isinstance(counted, int) or isinstance(counted, bool) or counted < 0:
        raise InvalidInput(f"a count is a whole number of units, zero or more, got {counted!r}")
    wh = own_warehouse(conn, actor, warehouse_id)
    if own_sku(conn, actor, sku_id).shop_id != wh.shop_id:  # before level_of creates a row for it
        raise NotFound(f"no SKU {sku_id}")
    current = level_of(conn, wh.shop_id, warehouse_id, sku_id).on_hand
    if counted == current:
        return current
    return adjust(conn, actor, warehouse_id, sku_id, counted - current, reason=reason, at=at, kind="count")


def set_low_stock(conn: Connection, actor: Actor, warehouse_id: int, sku_id: int, low_at: int) -> None:
    wh = own_warehouse(conn, actor, warehouse_id)
    own_sku(conn, actor, sku_id)
    if not isinstance(low_at, int) or not 0 <= low_at <= MAX_UNITS:
        raise InvalidInput("a low-stock level is a whole number of units, zero or more")
    level_of(conn, wh.shop_id, warehouse_id, sku_id)
    conn.execute(
        stock_levels.update()
        .where(stock_levels.c.warehouse_id == warehouse_id, stock_levels.c.sku_id == sku_id)
        .values(low_at=low_at)
    )
