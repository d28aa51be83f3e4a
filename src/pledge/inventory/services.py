"""Inventory use cases: warehouses, inbound receipts into lots, counts and adjustments (audited,
never below zero), low-stock alerts, and the allocation of paid orders to warehouses.

Two layers of stock: skus.stock is the SELLABLE count the checkout takes (ADR 0004); the
warehouse layer is physical. A receipt adds to both; an adjustment or count changes both by the
same delta. Allocation happens after payment (when a pick wave is built): each paid line takes
units from warehouses in the shop's strategy order and, inside a warehouse, from lots
first-expiry-first-out; an order allocated to two warehouses ships in two parcels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_shop
from pledge.catalog.tables import products, shops, skus
from pledge.inventory.model import PARCEL_LIFECYCLE, RELEASABLE, ParcelStatus
from pledge.inventory.tables import (
    allocations,
    inventory_settings,
    parcels,
    stock_levels,
    stock_lots,
    stock_movements,
    warehouses,
)
from pledge.kernel.clock import local_time
from pledge.kernel.errors import Conflict, IllegalTransition, InvalidInput, NotFound, OutOfStock
from pledge.kernel.limits import MAX_STOCK
from pledge.orders.model import OrderStatus
from pledge.orders.tables import order_lines, orders

STRATEGIES = ("priority", "most_stock")
MAX_UNITS = 1_000_000


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
    row = _own_sku(conn, actor, sku_id)
    taken = conn.execute(
        select(skus.c.id).where(skus.c.shop_id == row.shop_id, skus.c.barcode == code, skus.c.id != sku_id)
    ).first()
    if taken is not None:
        raise Conflict(f"barcode {code} already belongs to SKU {taken.id}")
    conn.execute(skus.update().where(skus.c.id == sku_id).values(barcode=code))


# ---------------------------------------------------------------- warehouses


def _own_sku(conn: Connection, actor: Actor, sku_id: int):
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
    return conn.execute(
        warehouses.insert().values(
            shop_id=shop_id, code=code, name=name, city=city.strip(), priority=priority, created_at=at
        )
    ).inserted_primary_key[0]


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


# ---------------------------------------------------------------- receipts, counts, adjustments


@dataclass(frozen=True)
class ReceiptLine:
    sku_id: int
    quantity: int
    lot_code: str = ""
    expires_on: date | None = None


def _units(quantity: object, what: str = "quantity") -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 0 < quantity <= MAX_UNITS:
        raise InvalidInput(f"{what} must be a whole number from 1 to {MAX_UNITS}, got {quantity!r}")
    return quantity


def _level(conn: Connection, warehouse_id: int, sku_id: int):
    row = conn.execute(
        select(stock_levels).where(
            stock_levels.c.warehouse_id == warehouse_id, stock_levels.c.sku_id == sku_id
        )
    ).first()
    if row is None:
        conn.execute(
            stock_levels.insert().values(warehouse_id=warehouse_id, sku_id=sku_id, on_hand=0, low_at=0)
        )
        row = conn.execute(
            select(stock_levels).where(
                stock_levels.c.warehouse_id == warehouse_id, stock_levels.c.sku_id == sku_id
            )
        ).one()
    return row


def _move(
    conn: Connection,
    *,
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


def receive(
    conn: Connection, actor: Actor, warehouse_id: int, lines: list[ReceiptLine], *, at: datetime
) -> list[int]:
    """An inbound receipt: each line becomes a lot; physical and sellable stock both grow."""
    wh = own_warehouse(conn, actor, warehouse_id)
    if not lines:
        raise InvalidInput("a receipt has at least one line")
    lot_ids = []
    for line in lines:
        _units(line.quantity)
        sku = _own_sku(conn, actor, line.sku_id)
        if sku.shop_id != wh.shop_id:
            raise NotFound(f"no SKU {line.sku_id}")
        _room_for(conn, warehouse_id, line.sku_id, line.quantity)
        code = (line.lot_code or f"R{at:%Y%m%d}").strip()[:40]
        lot_id = conn.execute(
            stock_lots.insert().values(
                warehouse_id=warehouse_id,
                sku_id=line.sku_id,
                lot_code=code,
                expires_on=line.expires_on,
                quantity=line.quantity,
                received_at=at,
            )
        ).inserted_primary_key[0]
        _level(conn, warehouse_id, line.sku_id)
        conn.execute(
            stock_levels.update()
            .where(stock_levels.c.warehouse_id == warehouse_id, stock_levels.c.sku_id == line.sku_id)
            .values(on_hand=stock_levels.c.on_hand + line.quantity)
        )
        conn.execute(skus.update().where(skus.c.id == line.sku_id).values(stock=skus.c.stock + line.quantity))
        _move(
            conn,
            warehouse_id=warehouse_id,
            sku_id=line.sku_id,
            lot_id=lot_id,
            delta=line.quantity,
            kind="receipt",
            reason=f"lot {code}",
            actor_id=actor.user_id,
            at=at,
        )
        lot_ids.append(lot_id)
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
        _units(line.quantity)
        sku = _own_sku(conn, actor, line.sku_id)
        if sku.shop_id != wh.shop_id:
            raise NotFound(f"no SKU {line.sku_id}")
        if physical_units(conn, line.sku_id) + line.quantity > sku.stock:
            raise InvalidInput(
                f"an opening balance of {line.quantity} for SKU {line.sku_id} exceeds the {sku.stock} units for sale"
            )
        code = (line.lot_code or f"OPEN{at:%Y%m%d}").strip()[:40]
        lot_id = conn.execute(
            stock_lots.insert().values(
                warehouse_id=warehouse_id,
                sku_id=line.sku_id,
                lot_code=code,
                expires_on=line.expires_on,
                quantity=line.quantity,
                received_at=at,
            )
        ).inserted_primary_key[0]
        _level(conn, warehouse_id, line.sku_id)
        _change_level(conn, warehouse_id, line.sku_id, line.quantity)
        _move(
            conn,
            warehouse_id=warehouse_id,
            sku_id=line.sku_id,
            lot_id=lot_id,
            delta=line.quantity,
            kind="opening",
            reason=f"lot {code}",
            actor_id=actor.user_id,
            at=at,
        )
        lot_ids.append(lot_id)
    return lot_ids


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
    wh = own_warehouse(conn, actor, warehouse_id)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("an adjustment needs a reason (damaged, count difference, found ...)")
    if not isinstance(delta, int) or isinstance(delta, bool) or delta == 0 or abs(delta) > MAX_UNITS:
        raise InvalidInput(f"an adjustment is a non-zero whole number of units, got {delta!r}")
    sku = _own_sku(conn, actor, sku_id)
    if sku.shop_id != wh.shop_id:
        raise NotFound(f"no SKU {sku_id}")
    level = _level(conn, warehouse_id, sku_id)
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
    _room_for(conn, warehouse_id, sku_id, delta)
    if delta > 0:
        lot_id = conn.execute(
            stock_lots.insert().values(
                warehouse_id=warehouse_id,
                sku_id=sku_id,
                lot_code=f"ADJ{at:%Y%m%d}",
                expires_on=None,
                quantity=delta,
                received_at=at,
            )
        ).inserted_primary_key[0]
        _move(
            conn,
            warehouse_id=warehouse_id,
            sku_id=sku_id,
            lot_id=lot_id,
            delta=delta,
            kind=kind,
            reason=reason,
            actor_id=actor.user_id,
            at=at,
        )
    else:
        for lot_id, taken in _take_lots(conn, warehouse_id, sku_id, -delta, today=None):
            _move(
                conn,
                warehouse_id=warehouse_id,
                sku_id=sku_id,
                lot_id=lot_id,
                delta=-taken,
                kind=kind,
                reason=reason,
                actor_id=actor.user_id,
                at=at,
            )
    _change_level(conn, warehouse_id, sku_id, delta)
    if (
        conn.execute(
            skus.update()
            .where(skus.c.id == sku_id, skus.c.stock + delta >= 0)
            .values(stock=skus.c.stock + delta)
        ).rowcount
        != 1
    ):
        raise Conflict("the SKU sold while the adjustment was being made; try again")
    return level.on_hand + delta


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
    if _own_sku(conn, actor, sku_id).shop_id != wh.shop_id:  # before _level creates a row for it
        raise NotFound(f"no SKU {sku_id}")
    current = _level(conn, warehouse_id, sku_id).on_hand
    if counted == current:
        return current
    return adjust(conn, actor, warehouse_id, sku_id, counted - current, reason=reason, at=at, kind="count")


def set_low_stock(conn: Connection, actor: Actor, warehouse_id: int, sku_id: int, low_at: int) -> None:
    own_warehouse(conn, actor, warehouse_id)
    _own_sku(conn, actor, sku_id)
    if not isinstance(low_at, int) or not 0 <= low_at <= MAX_UNITS:
        raise InvalidInput("a low-stock level is a whole number of units, zero or more")
    _level(conn, warehouse_id, sku_id)
    conn.execute(
        stock_levels.update()
        .where(stock_levels.c.warehouse_id == warehouse_id, stock_levels.c.sku_id == sku_id)
        .values(low_at=low_at)
    )


def _room_for(conn: Connection, warehouse_id: int, sku_id: int, added: int) -> None:
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


def _change_level(conn: Connection, warehouse_id: int, sku_id: int, delta: int) -> None:
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


def _fefo_lots(conn: Connection, warehouse_id: int, sku_id: int, today: date | None) -> list:
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


def _take_lots(
    conn: Connection, warehouse_id: int, sku_id: int, quantity: int, *, today: date | None
) -> list[tuple[int, int]]:
    """Take `quantity` units from lots, FEFO; [(lot_id, units)]. The caller checked there are enough."""
    taken = []
    for lot in _fefo_lots(conn, warehouse_id, sku_id, today):
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


# ---------------------------------------------------------------- allocation


def _allocatable(conn: Connection, warehouse_id: int, sku_id: int, today: date) -> int:
    return sum(l.quantity for l in _fefo_lots(conn, warehouse_id, sku_id, today))


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
    strategy = strategy_of(conn, order.shop_id)
    plan: dict[int, list[tuple[int, int, int]]] = {}  # warehouse -> [(line id, sku, units)]
    for line in conn.execute(
        select(order_lines.c.id, order_lines.c.sku_id, order_lines.c.quantity)
        .where(order_lines.c.order_id == order_id)
        .order_by(order_lines.c.id)
    ):
        free = {h.id: _allocatable(conn, h.id, line.sku_id, today) for h in houses}
        ordered = [h.id for h in houses]
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
                f"order {order_id}: {wanted} units of SKU {line.sku_id} are in no warehouse",
                sku_id=line.sku_id,
            )
    parcel_ids = []
    for house in sorted(plan, key=[h.id for h in houses].index):
        parcel_id = conn.execute(
            parcels.insert().values(
                order_id=order_id,
                shop_id=order.shop_id,
                warehouse_id=house,
                status=ParcelStatus.ALLOCATED.value,
                created_at=at,
            )
        ).inserted_primary_key[0]
        for line_id, sku_id, units in plan[house]:
            for lot_id, taken in _take_lots(conn, house, sku_id, units, today=today):
                conn.execute(
                    allocations.insert().values(
                        parcel_id=parcel_id,
                        order_line_id=line_id,
                        sku_id=sku_id,
                        lot_id=lot_id,
                        quantity=taken,
                    )
                )
                _move(
                    conn,
                    warehouse_id=house,
                    sku_id=sku_id,
                    lot_id=lot_id,
                    delta=-taken,
                    kind="allocation",
                    order_id=order_id,
                    at=at,
                )
            _change_level(conn, house, sku_id, -units)
        parcel_ids.append(parcel_id)
    return parcel_ids


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
        select(parcels.c.id, parcels.c.order_id, parcels.c.warehouse_id, parcels.c.status)
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
            _change_level(conn, parcel.warehouse_id, a.sku_id, a.quantity)
            _move(
                conn,
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


# ---------------------------------------------------------------- reading


def shop_stock(conn: Connection, actor: Actor, shop_id: int) -> list[dict]:
    """Stock per warehouse and SKU, with the sellable count and whether it is low."""
    require_shop(actor, shop_id, read_only=True)
    rows = conn.execute(
        select(
            warehouses.c.id.label("warehouse_id"),
            warehouses.c.code,
            warehouses.c.name.label("warehouse"),
            stock_levels.c.sku_id,
            stock_levels.c.on_hand,
            stock_levels.c.low_at,
            skus.c.stock.label("sellable"),
            skus.c.barcode,
            skus.c.name.label("sku_name"),
            products.c.title,
        )
        .join(stock_levels, stock_levels.c.warehouse_id == warehouses.c.id)
        .join(skus, skus.c.id == stock_levels.c.sku_id)
        .join(products, products.c.id == skus.c.product_id)
        .where(warehouses.c.shop_id == shop_id)
        .order_by(warehouses.c.priority, warehouses.c.id, skus.c.id)
    ).all()
    return [dict(r._mapping, low=r.on_hand <= r.low_at) for r in rows]


def low_stock(conn: Connection, actor: Actor, shop_id: int) -> list[dict]:
    return [r for r in shop_stock(conn, actor, shop_id) if r["low"]]


def lots_of(conn: Connection, warehouse_id: int, sku_id: int) -> list[dict]:
    return [
        dict(r._mapping)
        for r in conn.execute(
            select(stock_lots)
            .where(stock_lots.c.warehouse_id == warehouse_id, stock_lots.c.sku_id == sku_id)
            .order_by(stock_lots.c.id)
        )
    ]


def movements_of(conn: Connection, actor: Actor, warehouse_id: int, limit: int = 200) -> list[dict]:
    own_warehouse(conn, actor, warehouse_id, read_only=True)
    return [
        dict(r._mapping)
        for r in conn.execute(
            select(stock_movements)
            .where(stock_movements.c.warehouse_id == warehouse_id)
            .order_by(stock_movements.c.id.desc())
            .limit(limit)
        )
    ]


def shop_warehouses(conn: Connection, actor: Actor, shop_id: int) -> list[dict]:
    require_shop(actor, shop_id, read_only=True)
    return [
        dict(r._mapping)
        for r in conn.execute(
            select(warehouses)
            .where(warehouses.c.shop_id == shop_id)
            .order_by(warehouses.c.priority, warehouses.c.id)
        )
    ]


def physical_units(conn: Connection, sku_id: int) -> int:
    return conn.execute(
        select(func.coalesce(func.sum(stock_levels.c.on_hand), 0)).where(stock_levels.c.sku_id == sku_id)
    ).scalar()
