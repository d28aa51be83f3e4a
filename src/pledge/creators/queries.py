"""The read side of creators: a creator's profile with categories and showcase, the orders
attributed to them with their commissions, and a commission summary (GMV, commission pending and
settled by product and by session) for the creator dashboard and the merchant's affiliate page."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.catalog.tables import products
from pledge.compensation.tables import compensations
from pledge.creators.commissions import CommissionStatus, creator_available, creator_pending
from pledge.creators.policy import reserve_fen
from pledge.creators.services import showcase
from pledge.creators.tables import creator_categories, creator_commissions, creator_freezes, creators
from pledge.kernel.errors import NotFound
from pledge.ledger import services as ledger
from pledge.orders.tables import orders
from pledge.rulebooks.loader import Rulebook


def creator_profile(conn: Connection, creator_id: int) -> dict[str, Any]:
    row = conn.execute(select(creators).where(creators.c.id == creator_id)).first()
    if row is None:
        raise NotFound(f"no creator {creator_id}")
    cc = creator_categories.c
    categories = conn.execute(
        select(cc.category_id).where(cc.creator_id == creator_id).order_by(cc.category_id)
    )
    return {
        "id": row.id,
        "handle": row.handle,
        "display_name": row.display_name,
        "follower_count": row.follower_count,
        "status": row.status,
        "categories": list(categories.scalars()),
        "showcase": showcase(conn, creator_id),
    }


def _paid_between(since: datetime | None, until: datetime | None) -> list:
    o = orders.c
    return (
        [o.paid_at.is_not(None)]
        + ([o.paid_at >= since] if since else [])
        + ([o.paid_at < until] if until else [])
    )


def creator_orders(
    conn: Connection,
    creator_id: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    shop_id: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The paid orders attributed to a creator, newest first (paid in [since, until), of one
    shop when `shop_id` is given), each with where it was sold (`source_ref`: live_session:12,
    video:3, showcase:4), its commission (booked, returned by refunds, remaining, and whether it
    has settled) and `late_shipped`: the shop paid its late-ship pledge for it (the shop's pledge
    binds for creator orders too)."""
    o = orders.c
    late = (
        select(compensations.c.id)
        .where(compensations.c.order_id == o.id, compensations.c.kind == "late_ship")
        .exists()
    )
    rows = conn.execute(
        select(
            o.id, o.shop_id, o.status, o.paid_at, o.paid_fen, o.source_ref, o.delivered_at, late.label("late")
        )
        .where(
            o.creator_id == creator_id,
            *_paid_between(since, until),
            *([o.shop_id == shop_id] if shop_id else []),
        )
        .order_by(o.paid_at.desc(), o.id.desc())
        .limit(limit)
    ).all()
    money = _order_money(conn, [r.id for r in rows])
    return [
        {
            "order_id": r.id,
            "shop_id": r.shop_id,
            "status": r.status,
            "paid_at": r.paid_at,
            "paid_fen": r.paid_fen,
            "source_ref": r.source_ref,
            "delivered_at": r.delivered_at,
            "late_shipped": bool(r.late),
            "commission_booked": money[r.id]["booked"],
            "commission_fen": money[r.id]["commission_fen"],
            "returned_fen": money[r.id]["returned_fen"],
            "remaining_fen": money[r.id]["commission_fen"] - money[r.id]["returned_fen"],
            "commission_settled": money[r.id]["booked"] and money[r.id]["settled"],
        }
        for r in rows
    ]


def _order_money(conn: Connection, order_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per order: commission booked and returned over its lines, and whether all have settled."""
    c = creator_commissions.c
    money: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"commission_fen": 0, "returned_fen": 0, "settled": True, "booked": False}
    )
    for m in conn.execute(
        select(c.order_id, c.commission_fen, c.returned_fen, c.status).where(c.order_id.in_(order_ids))
    ):
        entry = money[m.order_id]
        entry["commission_fen"] += m.commission_fen
        entry["returned_fen"] += m.returned_fen
        entry["settled"] = entry["settled"] and m.status == CommissionStatus.SETTLED
        entry["booked"] = True
    return money


def _grouped(rows, key: str) -> list[dict[str, Any]]:
    groups: dict[Any, dict[str, int]] = defaultdict(
        lambda: {"orders": 0, "base_fen": 0, "pending_fen": 0, "settled_fen": 0}
    )
    orders_seen: dict[Any, set[int]] = defaultdict(set)
    for r in rows:
        g = groups[getattr(r, key)]
        orders_seen[getattr(r, key)].add(r.order_id)
        g["base_fen"] += r.base_fen
        remaining = r.commission_fen - r.returned_fen
        g["settled_fen" if r.status == CommissionStatus.SETTLED else "pending_fen"] += remaining
    return [dict(groups[k], **{key: k, "orders": len(orders_seen[k])}) for k in sorted(groups)]


def payable(conn: Connection, book: Rulebook, creator_id: int, *, now: datetime) -> dict[str, Any]:
    """What a creator could withdraw now: the available balance less the reserve (`affiliate.reserve`:
    5 % of the commissions settled in the last 15 days, net of refunds), nothing while a
    violation freeze of the whole account is in force (`affiliate.freeze`: 延长提现时长). A freeze
    of one product (a penalty's hold) only stops that product's commissions settling: it is listed
    in `frozen_products`, and withdrawals go on."""
    c, z = creator_commissions.c, creator_freezes.c
    settled = [
        (r.settled_at, r.commission_fen - r.returned_fen)
        for r in conn.execute(
            select(c.settled_at, c.commission_fen, c.returned_fen).where(
                c.creator_id == creator_id, c.status == CommissionStatus.SETTLED
            )
        )
    ]
    reserve = reserve_fen(book, settled, now)
    in_force = (z.creator_id == creator_id, z.starts_at <= now, z.ends_at > now)
    frozen_until = conn.execute(select(func.max(z.ends_at)).where(*in_force, z.product_id.is_(None))).scalar()
    available = ledger.balance(conn, creator_available(creator_id))
    return {
        "available_fen": available,
        "reserve_fen": reserve,
        "frozen_until": frozen_until,
        "frozen_products": product_freezes(conn, creator_id, now=now),
        "payable_fen": 0 if frozen_until is not None else max(available - reserve, 0),
    }


def product_freezes(conn: Connection, creator_id: int, *, now: datetime) -> list[dict[str, Any]]:
    """The products whose commissions do not settle now (a penalty's hold: 停止结算违规订单), each
    with its title and when settling resumes (the latest end if several freezes overlap)."""
    z, p = creator_freezes.c, products.c
    rows = conn.execute(
        select(z.product_id, p.title, func.max(z.ends_at).label("until"))
        .join(products, p.id == z.product_id)
        .where(z.creator_id == creator_id, z.starts_at <= now, z.ends_at > now)
        .group_by(z.product_id, p.title)
        .order_by(z.product_id)
    )
    return [{"product_id": r.product_id, "title": r.title, "until": r.until} for r in rows]


def commission_summary(
    conn: Connection, creator_id: int, *, since: datetime | None = None, until: datetime | None = None
) -> dict[str, Any]:
    """A creator's selling over orders paid in [since, until): GMV (what buyers paid), the
    commission booked, returned by refunds, pending and settled (each net of returns), the service
    fee paid on settled commissions, by product and by session (`source_ref`); and the ledger
    balances now (pending, available)."""
    o, c = orders.c, creator_commissions.c
    gmv, count = conn.execute(
        select(func.coalesce(func.sum(o.paid_fen), 0), func.count()).where(
            o.creator_id == creator_id, *_paid_between(since, until)
        )
    ).one()
    rows = conn.execute(
        select(c.order_id, c.product_id, c.source_ref, c.base_fen, c.commission_fen, c.returned_fen, c.status)
        .add_columns(c.settled_fee_fen)
        .join(orders, o.id == c.order_id)
        .where(c.creator_id == creator_id, *_paid_between(since, until))
    ).all()
    settled = [r for r in rows if r.status == CommissionStatus.SETTLED]
    return {
        "creator_id": creator_id,
        "gmv_fen": int(gmv),
        "orders": int(count),
        "commission_fen": sum(r.commission_fen for r in rows),
        "returned_fen": sum(r.returned_fen for r in rows),
        "pending_fen": sum(
            r.commission_fen - r.returned_fen for r in rows if r.status == CommissionStatus.PENDING
        ),
        "settled_fen": sum(r.commission_fen - r.returned_fen for r in settled),
        "service_fee_fen": sum(r.settled_fee_fen or 0 for r in settled),
        "by_product": _grouped(rows, "product_id"),
        "by_session": _grouped(rows, "source_ref"),
        "balance_pending_fen": ledger.balance(conn, creator_pending(creator_id)),
        "balance_available_fen": ledger.balance(conn, creator_available(creator_id)),
    }


def shop_creator_sales(
    conn: Connection, shop_id: int, *, since: datetime | None = None, until: datetime | None = None
) -> list[dict[str, Any]]:
    """For the merchant's affiliate page: each creator who sold the shop's products in orders
    paid in [since, until), with their orders, GMV and the commission the shop owes them (booked,
    returned by refunds, remaining), largest GMV first."""
    o, c = orders.c, creator_commissions.c
    sales = conn.execute(
        select(o.creator_id, func.count().label("orders"), func.sum(o.paid_fen).label("gmv"))
        .where(o.shop_id == shop_id, o.creator_id.is_not(None), *_paid_between(since, until))
        .group_by(o.creator_id)
    ).all()
    money: dict[int, tuple[int, int]] = {}
    for creator_id, commission, returned in conn.execute(
        select(c.creator_id, func.sum(c.commission_fen), func.sum(c.returned_fen))
        .join(orders, o.id == c.order_id)
        .where(c.shop_id == shop_id, *_paid_between(since, until))
        .group_by(c.creator_id)
    ):
        money[creator_id] = (int(commission or 0), int(returned or 0))
    names = dict(conn.execute(select(creators.c.id, creators.c.display_name)).all()) if sales else {}
    rows = [
        {
            "creator_id": r.creator_id,
            "display_name": names.get(r.creator_id, ""),
            "orders": int(r.orders),
            "gmv_fen": int(r.gmv or 0),
            "commission_fen": money.get(r.creator_id, (0, 0))[0],
            "returned_fen": money.get(r.creator_id, (0, 0))[1],
            "remaining_fen": money.get(r.creator_id, (0, 0))[0] - money.get(r.creator_id, (0, 0))[1],
        }
        for r in sales
    ]
    return sorted(rows, key=lambda row: (-row["gmv_fen"], row["creator_id"]))
