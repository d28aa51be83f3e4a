"""Read side of the catalog for pages and the API."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_shop
from pledge.catalog.tables import categories, content_promises, products, shops, skus
from pledge.kernel.errors import NotFound


def list_products(conn: Connection, *, shop_id: int | None = None) -> list[dict]:
    p, s = products.c, shops.c
    query = (
        select(
            p.id,
            p.title,
            p.promise_kind,
            p.promise_hours,
            p.presale_date,
            p.perishable,
            p.shop_id,
            s.name.label("shop_name"),
            s.city,
        )
        .join(shops, shops.c.id == p.shop_id)
        .where(p.active.is_(True))
        .order_by(p.id)
    )
    if shop_id is not None:
        query = query.where(p.shop_id == shop_id)
    rows = [dict(r._mapping) for r in conn.execute(query)]
    prices = {}
    for product_id, price in conn.execute(
        select(skus.c.product_id, skus.c.price_fen).order_by(skus.c.price_fen.desc())
    ):
        prices[product_id] = price  # ends with the lowest price per product
    for row in rows:
        row["from_price_fen"] = prices.get(row["id"])
    return rows


def get_product(conn: Connection, product_id: int) -> dict:
    p = products.c
    row = conn.execute(
        select(
            products,
            shops.c.name.label("shop_name"),
            shops.c.timezone,
            shops.c.city,
            categories.c.name.label("category_name"),
            categories.c.name_en.label("category_name_en"),
        )
        .join(shops, shops.c.id == p.shop_id)
        .join(categories, categories.c.id == p.category_id)
        .where(p.id == product_id)
    ).first()
    if row is None:
        raise NotFound(f"no product {product_id}")
    product = dict(row._mapping)
    product["skus"] = [
        dict(r._mapping)
        for r in conn.execute(select(skus).where(skus.c.product_id == product_id).order_by(skus.c.id))
    ]
    product["content"] = [
        dict(r._mapping)
        for r in conn.execute(
            select(content_promises)
            .where(content_promises.c.shop_id == product["shop_id"])
            .order_by(content_promises.c.id)
        )
    ]
    return product


def category_tree(conn: Connection) -> list[dict]:
    rows = [dict(r._mapping) for r in conn.execute(select(categories).order_by(categories.c.id))]
    tops = [dict(r, children=[]) for r in rows if r["parent_id"] is None]
    by_id = {t["id"]: t for t in tops}
    for r in rows:
        if r["parent_id"] is not None and r["parent_id"] in by_id:
            by_id[r["parent_id"]]["children"].append(r)
    return tops


def get_shop(conn: Connection, shop_id: int) -> dict:
    """A shop as its page shows it: name, city, description."""
    s = shops.c
    row = conn.execute(select(s.id, s.name, s.city, s.description).where(s.id == shop_id)).first()
    if row is None:
        raise NotFound(f"no shop {shop_id}")
    return dict(row._mapping)


def product_for_editing(conn: Connection, actor: Actor, product_id: int) -> dict:
    """The product with its SKUs, for its shop's members only (the editor)."""
    shop_id = conn.execute(select(products.c.shop_id).where(products.c.id == product_id)).scalar()
    if shop_id is None:
        raise NotFound(f"no product {product_id}")
    require_shop(actor, shop_id)
    return get_product(conn, product_id)


def shop_catalog(conn: Connection, actor: Actor, shop_id: int) -> list[dict]:
    """Every product of the shop (on sale or not) with its SKUs by name, price and stock."""
    require_shop(actor, shop_id, read_only=True)
    p, s = products.c, skus.c
    rows = [
        dict(r._mapping)
        for r in conn.execute(
            select(p.id, p.title, p.active, p.promise_kind, p.promise_hours, p.presale_date)
            .where(p.shop_id == shop_id)
            .order_by(p.id)
        )
    ]
    by_product: dict[int, list[dict]] = {}
    for r in conn.execute(
        select(s.id, s.product_id, s.name, s.price_fen, s.stock).where(s.shop_id == shop_id).order_by(s.id)
    ):
        by_product.setdefault(r.product_id, []).append(dict(r._mapping))
    for row in rows:
        row["skus"] = by_product.get(row["id"], [])
    return rows
