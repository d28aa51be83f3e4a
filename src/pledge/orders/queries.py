"""Read side of orders for pages and the API. Merchant lists are always filtered by shop, and
the caller has been checked against shop membership before any of these run."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_shop
from pledge.catalog.tables import products, shops, skus
from pledge.kernel import jsonutil
from pledge.kernel.errors import InvalidInput
from pledge.orders.model import OrderStatus
from pledge.orders.shipping import ship_to
from pledge.orders.tables import cart_lines, order_events, order_lines, orders

DUE_SOON = timedelta(hours=6)
FILTERS = ("all", "to_ship", "due_soon", "overdue", "shipped")


def _order_dicts(conn: Connection, query, *, full_phone: bool = False) -> list[dict]:
    """Orders with their lines and `ship_to` (None when the order has no address)."""
    rows = [dict(r._mapping) for r in conn.execute(query)]
    if not rows:
        return rows
    lines: dict[int, list[dict]] = {}
    for line in conn.execute(
        select(order_lines)
        .where(order_lines.c.order_id.in_([r["id"] for r in rows]))
        .order_by(order_lines.c.id)
    ):
        lines.setdefault(line.order_id, []).append(dict(line._mapping))
    addresses = ship_to(conn, [r["id"] for r in rows], full_phone=full_phone)
    for row in rows:
        row["lines"] = lines.get(row["id"], [])
        row["ship_to"] = addresses.get(row["id"])
    return rows


def _base():
    return select(orders, shops.c.name.label("shop_name"), shops.c.timezone).join(
        shops, shops.c.id == orders.c.shop_id
    )


def buyer_orders(
    conn: Connection, buyer_id: int, limit: int = 100, *, checkout_id: int | None = None
) -> list[dict]:
    """The buyer's orders, newest first; `checkout_id`: only those paid together in one checkout."""
    query = _base().where(orders.c.buyer_id == buyer_id)
    if checkout_id is not None:
        query = query.where(orders.c.checkout_id == checkout_id)
    return _order_dicts(conn, query.order_by(orders.c.id.desc()).limit(limit), full_phone=True)


def shop_orders(
    conn: Connection, actor: Actor, shop_id: int, *, now: datetime, which: str = "all", limit: int = 200
) -> list[dict]:
    require_shop(actor, shop_id, read_only=True)
    if which not in FILTERS:
        raise InvalidInput(f"filter is one of {', '.join(FILTERS)}")
    o = orders.c
    query = _base().where(o.shop_id == shop_id)
    unshipped = o.status == OrderStatus.PAID.value
    if which == "to_ship":
        query = query.where(unshipped)
    elif which == "due_soon":
        query = query.where(unshipped, o.ship_by > now, o.ship_by <= now + DUE_SOON)
    elif which == "overdue":
        query = query.where(unshipped, o.ship_by <= now)
    elif which == "shipped":
        query = query.where(o.status.in_([OrderStatus.SHIPPED.value, OrderStatus.DELIVERED.value]))
    order = o.ship_by.asc() if which in ("to_ship", "due_soon", "overdue") else o.id.desc()
    return _order_dicts(conn, query.order_by(order, o.id).limit(limit))


def order_detail(conn: Connection, order_id: int, viewer_id: int | None = None) -> dict:
    """The order, its lines and its timeline; compensation.queries.order_view adds the shipment and
    any compensation. The address's phone is in full only when the viewer is the buyer."""
    owner = conn.execute(select(orders.c.buyer_id).where(orders.c.id == order_id)).scalar()
    query = _base().where(orders.c.id == order_id)
    order = _order_dicts(conn, query, full_phone=owner is not None and owner == viewer_id)[0]
    order["events"] = [
        dict(e._mapping, detail=jsonutil.loads(e.detail) or {})
        for e in conn.execute(
            select(order_events)
            .where(order_events.c.order_id == order_id)
            .order_by(order_events.c.at, order_events.c.id)
        )
    ]
    return order


def cart_view(conn: Connection, buyer_id: int) -> list[dict]:
    c, s, p = cart_lines.c, skus.c, products.c
    rows = conn.execute(
        select(
            c.sku_id,
            c.quantity,
            c.source_token,
            s.name.label("sku_name"),
            s.price_fen,
            s.stock,
            p.id.label("product_id"),
            p.title,
            p.promise_kind,
            p.promise_hours,
            p.presale_date,
            p.shipping_fee_fen,
            s.shop_id,
            shops.c.name.label("shop_name"),
        )
        .join(skus, s.id == c.sku_id)
        .join(products, p.id == s.product_id)
        .join(shops, shops.c.id == s.shop_id)
        .where(c.buyer_id == buyer_id)
        .order_by(c.id)
    )
    return [dict(r._mapping, total_fen=r.price_fen * r.quantity) for r in rows]


def shop_order_counts(conn: Connection, actor: Actor, shop_id: int, *, now: datetime) -> dict[str, int]:
    """How many orders wait to ship, are due within DUE_SOON, or are overdue: one statement."""
    require_shop(actor, shop_id, read_only=True)
    o = orders.c
    unshipped = o.status == OrderStatus.PAID.value
    row = conn.execute(
        select(
            func.count().filter(unshipped),
            func.count().filter(unshipped, o.ship_by > now, o.ship_by <= now + DUE_SOON),
            func.count().filter(unshipped, o.ship_by <= now),
        ).where(o.shop_id == shop_id)
    ).one()
    return {"to_ship": row[0], "due_soon": row[1], "overdue": row[2]}
