"""What the wish pool shows: the merchant's board (demands ranked by distinct wishers, then by
their latest wish), the buyer's view of a shop's open wishes, and the product page's line."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_shop
from pledge.catalog.tables import products, skus
from pledge.kernel.clock import zone
from pledge.ledger.model import CouponStatus
from pledge.ledger.queries import coupon_by_source
from pledge.live.tables import live_sessions
from pledge.orders.model import OrderStatus
from pledge.orders.tables import order_lines, orders
from pledge.wishes.model import DemandStatus, Source, Target
from pledge.wishes.offers import is_wisher, wisher_price_source
from pledge.wishes.tables import wish_demands, wish_offers, wishes

TREND_DAYS = 14
EXAMPLES = 3
BOUGHT = (OrderStatus.PAID.value, OrderStatus.SHIPPED.value, OrderStatus.DELIVERED.value)
PLATFORM_ZONE = "Asia/Shanghai"  # days of the trend are Beijing days


def _ranked(conn: Connection, shop_id: int, status: DemandStatus) -> list[Any]:
    w, d = wishes.c, wish_demands.c
    return list(
        conn.execute(
            select(
                wish_demands,
                func.count(distinct(w.author_id)).label("wishers"),
                func.max(w.created_at).label("last_at"),
            )
            .join(wishes, w.demand_id == d.id)
            .where(d.shop_id == shop_id, d.status == status.value)
            .group_by(*wish_demands.c)
            .order_by(func.count(distinct(w.author_id)).desc(), func.max(w.created_at).desc(), d.id)
        ).all()
    )


def _examples(conn: Connection, demand_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(wishes.c.id, wishes.c.text, wishes.c.source, wishes.c.created_at)
        .where(wishes.c.demand_id == demand_id, wishes.c.source != Source.PLUS_ONE.value)
        .order_by(wishes.c.created_at.desc(), wishes.c.id.desc())
        .limit(EXAMPLES)
    ).all()
    return [{"wish_id": r.id, "text": r.text, "source": Source(r.source), "at": r.created_at} for r in rows]


def _sessions(conn: Connection, demand_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(live_sessions.c.id, live_sessions.c.title, live_sessions.c.room_id)
        .where(live_sessions.c.id.in_(select(wishes.c.session_id).where(wishes.c.demand_id == demand_id)))
        .order_by(live_sessions.c.id)
    ).all()
    return [{"id": r.id, "title": r.title, "room_id": r.room_id} for r in rows]


def _trend(conn: Connection, demand_id: int, now: datetime) -> list[int]:
    """Wishes per Beijing day over the last TREND_DAYS days, oldest first."""
    local = zone(PLATFORM_ZONE)
    today = now.astimezone(local).date()
    first = today - timedelta(days=TREND_DAYS - 1)
    counts = [0] * TREND_DAYS
    since = now - timedelta(days=TREND_DAYS + 1)
    for (at,) in conn.execute(
        select(wishes.c.created_at).where(wishes.c.demand_id == demand_id, wishes.c.created_at >= since)
    ):
        index = (at.astimezone(local).date() - first).days
        if 0 <= index < TREND_DAYS:
            counts[index] += 1
    return counts


def _converted(conn: Connection, row: Any) -> int:
    """Wishers who bought what their wish became (the product, or its new SKU) in an order paid
    after it was linked to the demand."""
    lines = order_lines.c.product_id == row.product_id
    if row.sku_id is not None:
        lines = order_lines.c.sku_id == row.sku_id
    return conn.execute(
        select(func.count(distinct(orders.c.buyer_id)))
        .join(order_lines, order_lines.c.order_id == orders.c.id)
        .where(
            lines,
            orders.c.status.in_(BOUGHT),
            orders.c.paid_at >= row.closed_at,
            orders.c.buyer_id.in_(select(wishes.c.author_id).where(wishes.c.demand_id == row.id)),
        )
    ).scalar_one()


def _offer(conn: Connection, demand_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(wish_offers).where(wish_offers.c.demand_id == demand_id)).first()
    if row is None:
        return None
    return {
        "price_off_fen": row.price_off_fen,
        "coupon_expires_at": row.coupon_expires_at,
        "first_access_until": row.first_access_until,
    }


def _came_true(conn: Connection, row: Any) -> dict[str, Any]:
    """What a closed demand became, its offer, and the conversion of its wishers into buyers:
    notified (every wisher when it came true), bought, and the rate in basis points."""
    notified = row.wishers_at_close or 0
    bought = _converted(conn, row)
    sku_name = None
    if row.sku_id is not None:
        sku_name = conn.execute(select(skus.c.name).where(skus.c.id == row.sku_id)).scalar_one()
    return {
        "product_title": conn.execute(
            select(products.c.title).where(products.c.id == row.product_id)
        ).scalar_one(),
        "target": Target(row.target) if row.target else Target.PRODUCT,
        "sku_name": sku_name,
        "notified": notified,
        "bought": bought,
        "conversion_bp": bought * 10_000 // notified if notified else 0,  # rounded down
        "offer": _offer(conn, row.id),
    }


def _demand_view(conn: Connection, row: Any, now: datetime) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "status": DemandStatus(row.status),
        "wishers": row.wishers,
        "last_at": row.last_at,
        "examples": _examples(conn, row.id),
        "sessions": _sessions(conn, row.id),
        "trend": _trend(conn, row.id, now),
        "product_id": row.product_id,
        "product_title": None,
        "target": None,
        "sku_name": None,
        "notified": None,
        "bought": None,
        "conversion_bp": None,
        "offer": None,
    }
    if row.product_id is not None:
        view.update(_came_true(conn, row))
    return view


def board(conn: Connection, actor: Actor, shop_id: int, *, now: datetime) -> dict[str, Any]:
    """The merchant's wish board: open demands ranked, then those that became products."""
    require_shop(actor, shop_id, read_only=True)
    return {
        "shop_id": shop_id,
        "open": [_demand_view(conn, r, now) for r in _ranked(conn, shop_id, DemandStatus.OPEN)],
        "closed": [_demand_view(conn, r, now) for r in _ranked(conn, shop_id, DemandStatus.CLOSED)],
    }


def open_wishes(conn: Connection, shop_id: int, *, limit: int = 10) -> list[dict[str, Any]]:
    """A shop's open demands as buyers see them (to +1): name and number of wishers."""
    return [
        {"id": r.id, "name": r.name, "wishers": r.wishers}
        for r in _ranked(conn, shop_id, DemandStatus.OPEN)[:limit]
    ]


def made_for(conn: Connection, product_id: int) -> int | None:
    """How many people the product (or new SKUs of it) was made for ("应 N 位用户的心愿上新"), or None."""
    return conn.execute(
        select(func.sum(wish_demands.c.wishers_at_close)).where(wish_demands.c.product_id == product_id)
    ).scalar()


def wisher_offer(
    conn: Connection, product_id: int, user_id: int | None, *, now: datetime
) -> dict[str, Any] | None:
    """The product page's wisher offer: first access still running (for everyone to see), and
    the signed-in wisher's own wisher price (their unspent coupon), or None when neither."""
    o = wish_offers.c
    row = conn.execute(
        select(wish_offers).where(o.product_id == product_id).order_by(o.created_at.desc()).limit(1)
    ).first()
    if row is None:
        return None
    first = row.first_access_until if row.first_access_until and row.first_access_until > now else None
    wisher = user_id is not None and is_wisher(conn, row.demand_id, user_id)
    coupon = None
    if wisher and row.price_off_fen is not None and user_id is not None:
        coupon = coupon_by_source(conn, wisher_price_source(row.demand_id, user_id))
    if coupon is not None and (coupon.status != CouponStatus.AVAILABLE or coupon.expires_at <= now):
        coupon = None
    if first is None and coupon is None:
        return None
    return {
        "first_access_until": first,
        "wisher": wisher,
        "price_off_fen": None if coupon is None else coupon.amount_fen,
        "coupon_expires_at": None if coupon is None else coupon.expires_at,
    }
