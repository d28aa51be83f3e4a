"""Pick, pack, label, hand over. A wave gathers a warehouse's allocated parcels into one pick
list; the pack station checks every scanned barcode against the parcel, so a wrong item is
refused and a missing unit blocks the label (漏发、错发); the label carries the carrier's
waybill as a Code128 barcode; the handover is the carrier's pickup scan, which ships the order.
Each step appears on the order's timeline as it happens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Row

from pledge.accounts.services import Actor, require_shop
from pledge.catalog.tables import products, skus
from pledge.fulfilment.carriers import CARRIERS
from pledge.fulfilment.services import hand_over_parcel
from pledge.inventory.model import PACKABLE, PARCEL_LIFECYCLE, ParcelStatus
from pledge.inventory.services import allocate_paid_orders, own_warehouse, valid_ean13
from pledge.inventory.tables import allocations, parcels, stock_lots, warehouses
from pledge.kernel.db import inserted_id
from pledge.kernel.errors import Conflict, IllegalTransition, InvalidInput, NotFound
from pledge.orders.model import OrderStatus
from pledge.orders.services import record_events
from pledge.orders.tables import orders
from pledge.warehouse.tables import pack_checks, waves


@dataclass(frozen=True)
class Blocked:
    """A refused scan or label, recorded (and counted) before the caller reports it."""

    kind: str  # wrong_item | missing_unit
    message: str


def own_parcel(conn: Connection, actor: Actor, parcel_id: int):
    row = conn.execute(select(parcels).where(parcels.c.id == parcel_id)).first()
    if row is None or row.shop_id not in actor.shops:
        raise NotFound(f"no parcel {parcel_id}")
    return row


def own_wave(conn: Connection, actor: Actor, wave_id: int):
    row = conn.execute(select(waves).where(waves.c.id == wave_id)).first()
    if row is None or row.shop_id not in actor.shops:
        raise NotFound(f"no wave {wave_id}")
    return row


# ---------------------------------------------------------------- waves and pick lists


def create_wave(conn: Connection, actor: Actor, warehouse_id: int, *, at: datetime) -> int:
    """Allocate the shop's paid orders, then gather this warehouse's waiting parcels into a wave."""
    wh = own_warehouse(conn, actor, warehouse_id)
    require_shop(actor, wh.shop_id)
    allocate_paid_orders(conn, wh.shop_id, at=at)
    sibling = parcels.alias("sibling")
    split_under_way = (
        select(sibling.c.id)
        .where(sibling.c.order_id == parcels.c.order_id, sibling.c.status == ParcelStatus.HANDED_OVER.value)
        .exists()
    )
    waiting = (
        conn.execute(
            select(parcels.c.id)
            .join(orders, orders.c.id == parcels.c.order_id)
            .where(
                parcels.c.warehouse_id == warehouse_id,
                parcels.c.status == ParcelStatus.ALLOCATED.value,
                parcels.c.wave_id.is_(None),
                # a paid order, or one whose other parcel has left; not one shipped meanwhile by hand
                (orders.c.status == OrderStatus.PAID.value)
                | ((orders.c.status == OrderStatus.SHIPPED.value) & split_under_way),
            )
        )
        .scalars()
        .all()
    )
    if not waiting:
        raise Conflict(f"nothing to pick in {wh.name}: no paid order waits there")
    wave_id = inserted_id(
        conn, waves.insert().values(shop_id=wh.shop_id, warehouse_id=warehouse_id, created_at=at)
    )
    PARCEL_LIFECYCLE.move_all(
        conn,
        parcels,
        ParcelStatus.ALLOCATED,
        ParcelStatus.PICKING,
        where=[parcels.c.id.in_(waiting)],
        wave_id=wave_id,
    )
    return wave_id


def pick_list(conn: Connection, actor: Actor, wave_id: int) -> dict:
    """What to take off the shelves: per SKU and lot (earliest expiry first), with the parcels."""
    wave = own_wave(conn, actor, wave_id)
    rows = conn.execute(
        select(
            allocations.c.sku_id,
            skus.c.name.label("sku_name"),
            skus.c.barcode,
            products.c.title,
            stock_lots.c.lot_code,
            stock_lots.c.expires_on,
            func.sum(allocations.c.quantity).label("units"),
            func.count(func.distinct(parcels.c.id)).label("parcels"),
        )
        .join(parcels, parcels.c.id == allocations.c.parcel_id)
        .join(skus, skus.c.id == allocations.c.sku_id)
        .join(products, products.c.id == skus.c.product_id)
        .join(stock_lots, stock_lots.c.id == allocations.c.lot_id)
        .where(parcels.c.wave_id == wave_id)
        .group_by(
            allocations.c.sku_id,
            skus.c.name,
            skus.c.barcode,
            products.c.title,
            stock_lots.c.lot_code,
            stock_lots.c.expires_on,
            stock_lots.c.id,
        )
        .order_by(allocations.c.sku_id, stock_lots.c.expires_on.is_(None), stock_lots.c.expires_on)
    ).all()
    wh = conn.execute(
        select(warehouses.c.name, warehouses.c.code).where(warehouses.c.id == wave.warehouse_id)
    ).one()
    return {
        "wave": dict(wave._mapping),
        "warehouse": wh.name,
        "warehouse_code": wh.code,
        "lines": [dict(r._mapping) for r in rows],
        "parcels": wave_parcels(conn, wave_id),
    }


def wave_parcels(conn: Connection, wave_id: int) -> list[dict]:
    rows = conn.execute(select(parcels).where(parcels.c.wave_id == wave_id).order_by(parcels.c.id)).all()
    return [dict(r._mapping, contents=parcel_contents(conn, r.id)) for r in rows]


def confirm_picked(conn: Connection, actor: Actor, wave_id: int, *, at: datetime) -> int:
    """The picker has the wave's units: its parcels go to the pack station."""
    wave = own_wave(conn, actor, wave_id)
    if wave.picked_at is not None:
        raise Conflict(f"wave {wave_id} was already picked")
    conn.execute(
        waves.update().where(waves.c.id == wave_id, waves.c.picked_at.is_(None)).values(picked_at=at)
    )
    rows = conn.execute(
        select(parcels.c.id, parcels.c.order_id).where(
            parcels.c.wave_id == wave_id, parcels.c.status == ParcelStatus.PICKING.value
        )
    ).all()
    PARCEL_LIFECYCLE.move_all(
        conn, parcels, ParcelStatus.PICKING, ParcelStatus.PICKED, where=[parcels.c.wave_id == wave_id]
    )
    record_events(
        conn,
        [
            {
                "order_id": r.order_id,
                "at": at,
                "kind": "picked",
                "detail": {"parcel_id": r.id, "wave_id": wave_id},
            }
            for r in rows
        ],
    )
    return len(rows)


# ---------------------------------------------------------------- pack station


def parcel_contents(conn: Connection, parcel_id: int) -> list[dict]:
    """Per SKU: units expected in the parcel and units scanned so far."""
    expected = conn.execute(
        select(
            allocations.c.sku_id,
            skus.c.barcode,
            skus.c.name,
            products.c.title,
            func.sum(allocations.c.quantity).label("units"),
        )
        .join(skus, skus.c.id == allocations.c.sku_id)
        .join(products, products.c.id == skus.c.product_id)
        .where(allocations.c.parcel_id == parcel_id)
        .group_by(allocations.c.sku_id, skus.c.barcode, skus.c.name, products.c.title)
        .order_by(allocations.c.sku_id)
    ).all()
    scanned: dict[int, int] = dict(
        conn.execute(
            select(pack_checks.c.sku_id, func.count())
            .where(pack_checks.c.parcel_id == parcel_id, pack_checks.c.kind == "ok")
            .group_by(pack_checks.c.sku_id)
        ).all()
    )
    return [dict(r._mapping, scanned=scanned.get(r.sku_id, 0)) for r in expected]


def scan(conn: Connection, actor: Actor, parcel_id: int, barcode: str, *, at: datetime) -> Blocked | None:
    """One scanned unit. A malformed or unknown barcode is refused (InvalidInput, nothing
    recorded); an item the parcel does not hold, or one unit too many, is recorded as a blocked
    wrong item and returned; a good scan counts, and the last one packs the parcel."""
    code = valid_ean13(barcode)
    parcel = own_parcel(conn, actor, parcel_id)
    if parcel.status not in PACKABLE:
        raise IllegalTransition(f"parcel {parcel_id} is {parcel.status}; only picked parcels are packed")
    sku = conn.execute(
        select(skus.c.id, skus.c.name).where(skus.c.shop_id == parcel.shop_id, skus.c.barcode == code)
    ).first()
    if sku is None:
        raise InvalidInput(f"barcode {code} belongs to no product of this shop; check the label on the item")
    contents = {c["sku_id"]: c for c in parcel_contents(conn, parcel_id)}
    line = contents.get(sku.id)
    if line is None or line["scanned"] >= line["units"]:
        message = (
            f"wrong item: {sku.name} ({code}) is not in parcel {parcel_id}"
            if line is None
            else f"wrong item: parcel {parcel_id} holds only {line['units']} × {sku.name}; this one is extra"
        )
        conn.execute(
            pack_checks.insert().values(
                parcel_id=parcel_id,
                shop_id=parcel.shop_id,
                kind="wrong_item",
                sku_id=sku.id,
                barcode=code,
                detail=message,
                at=at,
            )
        )
        return Blocked("wrong_item", message)
    conn.execute(
        pack_checks.insert().values(
            parcel_id=parcel_id,
            shop_id=parcel.shop_id,
            kind="ok",
            sku_id=sku.id,
            barcode=code,
            detail="",
            at=at,
        )
    )
    if all(c["scanned"] + (1 if k == sku.id else 0) >= c["units"] for k, c in contents.items()):
        PARCEL_LIFECYCLE.try_move(conn, parcels, parcel_id, parcel.status, ParcelStatus.PACKED, packed_at=at)
        record_events(
            conn,
            [{"order_id": parcel.order_id, "at": at, "kind": "packed", "detail": {"parcel_id": parcel_id}}],
        )
    return None


# ---------------------------------------------------------------- labels and handover


def label(conn: Connection, actor: Actor, parcel_id: int, *, carrier: str, at: datetime) -> Blocked | str:
    """The carrier assigns a waybill to a packed parcel of a paid order; returns the tracking
    number. A parcel with units not scanned is blocked (recorded as missing units)."""
    parcel = own_parcel(conn, actor, parcel_id)
    adapter = CARRIERS.get(carrier)
    if adapter is None or not adapter.tracked:
        raise InvalidInput(
            "labels are printed for a tracked carrier: one of "
            + ", ".join(c for c, a in CARRIERS.items() if a.tracked)
        )
    status = conn.execute(select(orders.c.status).where(orders.c.id == parcel.order_id)).scalar()
    if status not in (OrderStatus.PAID.value, OrderStatus.SHIPPED.value):
        raise IllegalTransition(
            f"order {parcel.order_id} is {status}: a label is printed only for a paid order"
        )
    if parcel.status in (ParcelStatus.LABELLED, ParcelStatus.HANDED_OVER):
        return parcel.tracking_no
    if parcel.status not in PACKABLE + (ParcelStatus.PACKED.value,):
        raise IllegalTransition(f"parcel {parcel_id} is {parcel.status}")
    blocked = _missing_units(conn, parcel, at)
    if blocked is not None:
        return blocked
    tracking_no = (
        f"{carrier.upper()}{parcel_id:08d}{secrets.randbelow(10_000):04d}"  # the sandbox carrier's waybill
    )
    PARCEL_LIFECYCLE.try_move(
        conn,
        parcels,
        parcel_id,
        ParcelStatus.PACKED,
        ParcelStatus.LABELLED,
        carrier=carrier,
        tracking_no=tracking_no,
        labelled_at=at,
    )
    record_events(
        conn,
        [
            {
                "order_id": parcel.order_id,
                "at": at,
                "kind": "labelled",
                "detail": {"parcel_id": parcel_id, "carrier": carrier, "tracking_no": tracking_no},
            }
        ],
    )
    return tracking_no


def _missing_units(conn: Connection, parcel: Row, at: datetime) -> Blocked | None:
    """Units of the parcel not scanned yet: recorded as a missing-unit check, and the label refused."""
    missing = [c for c in parcel_contents(conn, parcel.id) if c["scanned"] < c["units"]]
    if not missing:
        return None
    message = (
        "missing units: "
        + ", ".join(f"{c['units'] - c['scanned']} × {c['name']}" for c in missing)
        + f"; scan every unit of parcel {parcel.id} before its label"
    )
    conn.execute(
        pack_checks.insert().values(
            parcel_id=parcel.id,
            shop_id=parcel.shop_id,
            kind="missing_unit",
            sku_id=missing[0]["sku_id"],
            barcode="",
            detail=message,
            at=at,
        )
    )
    return Blocked("missing_unit", message)


def hand_over(conn: Connection, actor: Actor, parcel_id: int, *, at: datetime) -> int:
    """The carrier's courier takes a labelled parcel (the pickup scan). Returns the shipment id."""
    parcel = own_parcel(conn, actor, parcel_id)
    if parcel.status != ParcelStatus.LABELLED:
        raise IllegalTransition(
            f"parcel {parcel_id} is {parcel.status}; only a labelled parcel is handed over"
        )
    total = conn.execute(
        select(func.count())
        .select_from(parcels)
        .where(parcels.c.order_id == parcel.order_id, parcels.c.status != ParcelStatus.RELEASED.value)
    ).scalar_one()
    shipment_id = hand_over_parcel(
        conn,
        actor,
        order_id=parcel.order_id,
        carrier=parcel.carrier,
        tracking_no=parcel.tracking_no,
        parcels=total,
        at=at,
    )
    if not PARCEL_LIFECYCLE.try_move(
        conn,
        parcels,
        parcel_id,
        ParcelStatus.LABELLED,
        ParcelStatus.HANDED_OVER,
        shipment_id=shipment_id,
        handed_over_at=at,
    ):
        raise Conflict(f"parcel {parcel_id} changed meanwhile; try again")
    return shipment_id


def pack_report(conn: Connection, actor: Actor, shop_id: int) -> dict[str, int]:
    """Scans that went through and errors the pack station blocked (wrong items, missing units)."""
    require_shop(actor, shop_id, read_only=True)
    counts: dict[str, int] = dict(
        conn.execute(
            select(pack_checks.c.kind, func.count())
            .where(pack_checks.c.shop_id == shop_id)
            .group_by(pack_checks.c.kind)
        ).all()
    )
    return {
        "ok": counts.get("ok", 0),
        "wrong_item": counts.get("wrong_item", 0),
        "missing_unit": counts.get("missing_unit", 0),
    }


def shop_waves(conn: Connection, actor: Actor, shop_id: int, limit: int = 50) -> list[dict]:
    require_shop(actor, shop_id, read_only=True)
    rows = conn.execute(
        select(waves, warehouses.c.name.label("warehouse"), func.count(parcels.c.id).label("parcels"))
        .join(warehouses, warehouses.c.id == waves.c.warehouse_id)
        .outerjoin(parcels, parcels.c.wave_id == waves.c.id)
        .where(waves.c.shop_id == shop_id)
        .group_by(*waves.c, warehouses.c.name)
        .order_by(waves.c.id.desc())
        .limit(limit)
    ).all()
    return [dict(r._mapping) for r in rows]


def order_parcels(conn: Connection, order_id: int) -> list[dict]:
    return [
        dict(r._mapping)
        for r in conn.execute(
            select(
                parcels.c.id,
                parcels.c.status,
                parcels.c.carrier,
                parcels.c.tracking_no,
                warehouses.c.name.label("warehouse"),
            )
            .join(warehouses, warehouses.c.id == parcels.c.warehouse_id)
            .where(parcels.c.order_id == order_id)
            .order_by(parcels.c.id)
        )
    ]


def label_lines(conn: Connection, parcel_id: int) -> list[tuple[str, int]]:
    return [
        (f"{r.title} · {r.name}", r.units)
        for r in conn.execute(
            select(products.c.title, skus.c.name, func.sum(allocations.c.quantity).label("units"))
            .join(skus, skus.c.id == allocations.c.sku_id)
            .join(products, products.c.id == skus.c.product_id)
            .where(allocations.c.parcel_id == parcel_id)
            .group_by(products.c.title, skus.c.name, skus.c.id)
            .order_by(skus.c.id)
        )
    ]
