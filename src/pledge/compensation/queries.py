"""Compensations for the merchant's list, the buyer's wallet and the order pages."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_shop
from pledge.compensation.tables import compensations
from pledge.fulfilment import queries as fulfilment_queries
from pledge.kernel import jsonutil
from pledge.ledger import queries as ledger_queries
from pledge.ledger import services as ledger
from pledge.ledger.model import CouponStatus
from pledge.orders import queries as order_queries


def order_view(conn: Connection, order_id: int, viewer_id: int | None = None) -> dict:
    """One order as its pages show it: lines and timeline (orders), shipment and tracking
    (fulfilment) and every compensation the pledge paid on it. The address's phone is in full
    for the buyer (`viewer_id`) only."""
    order = order_queries.order_detail(conn, order_id, viewer_id)
    order.update(fulfilment_queries.shipment_detail(conn, order_id))
    order["compensations"] = [
        dict(c._mapping, inputs=jsonutil.loads(c.inputs))
        for c in conn.execute(
            select(compensations).where(compensations.c.order_id == order_id).order_by(compensations.c.id)
        )
    ]
    return order


def shop_compensations(conn: Connection, actor: Actor, shop_id: int, limit: int = 200) -> dict:
    require_shop(actor, shop_id, read_only=True)
    c = compensations.c
    rows = [
        dict(r._mapping, inputs=jsonutil.loads(r.inputs))
        for r in conn.execute(
            select(compensations)
            .where(c.shop_id == shop_id, c.amount_fen > 0)
            .order_by(c.id.desc())
            .limit(limit)
        )
    ]
    total = conn.execute(
        select(func.coalesce(func.sum(c.amount_fen), 0), func.count()).where(
            c.shop_id == shop_id, c.amount_fen > 0
        )
    ).one()
    return {"items": rows, "total_fen": int(total[0]), "count": int(total[1])}


def wallet(conn: Connection, buyer_id: int) -> dict:
    """The buyer's coupons, each with the compensation that issued it (kind, order, clause and
    inputs: what the wallet page explains in plain words)."""
    rows = ledger_queries.coupons_of(conn, buyer_id)
    c = compensations.c
    issued = (
        {
            r.coupon_id: dict(r._mapping, inputs=jsonutil.loads(r.inputs))
            for r in conn.execute(
                select(compensations).where(c.buyer_id == buyer_id, c.coupon_id.in_([r["id"] for r in rows]))
            )
        }
        if rows
        else {}
    )
    for row in rows:
        row["compensation"] = issued.get(row["id"])
    available = [r for r in rows if r["status"] == CouponStatus.AVAILABLE]
    return {
        "coupons": rows,
        "available": available,
        "available_fen": sum(r["amount_fen"] for r in available),
        # what the ledger holds for the buyer; differs from available_fen only while a checkout
        # that spent a coupon awaits payment
        "ledger_balance_fen": ledger.balance(conn, ledger.buyer_coupons(buyer_id)),
    }
