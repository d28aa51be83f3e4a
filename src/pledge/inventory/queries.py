"""Reading inventory: stock per warehouse and SKU (and what is low), lots, the movement journal,
a shop's warehouses."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_shop
from pledge.catalog.tables import products, skus
from pledge.inventory.stock import own_warehouse
from pledge.inventory.tables import stock_levels, stock_lots, stock_movements, warehouses


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
