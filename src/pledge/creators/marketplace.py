"""The affiliate marketplace (精选联盟 选品广场) as a creator sees it: every active product with a
commission rate in force for them now (the rate for all creators, or one the merchant set for
them alone, which comes first: `affiliate.rate-priority`), with its shop's experience score and
late-ship rate; filtered, sorted and paged in SQL, the same statement on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Subquery

from pledge.catalog.tables import categories, products, shops, skus
from pledge.creators.samples_policy import late_ship_window
from pledge.creators.tables import affiliate_rates, showcase_items
from pledge.experience.tables import snapshots
from pledge.kernel.errors import InvalidInput
from pledge.kernel.money import BP_DENOMINATOR
from pledge.orders.tables import orders
from pledge.rulebooks.loader import Rulebook

PAGE_SIZE = 20
MAX_PAGE = 10_000


class Sort(StrEnum):
    RATE = "rate"  # highest commission rate first
    SCORE = "score"  # best experience score first
    LATE_SHIP = "late_ship"  # fewest late shipments first
    PRICE = "price"  # cheapest first


@dataclass(frozen=True)
class Filters:
    min_rate_bp: int | None = None
    category_id: int | None = None
    min_score_tenths: int | None = None  # the shown score x 10: 4.6 -> 46 (of 50)
    max_late_ship_bp: int | None = None
    sort: Sort = Sort.RATE
    page: int = 1

    def check(self) -> None:
        for name, value, high in (
            ("min_rate", self.min_rate_bp, BP_DENOMINATOR),
            ("min_score", self.min_score_tenths, 50),
            ("max_late_ship", self.max_late_ship_bp, BP_DENOMINATOR),
        ):
            if value is not None and not 0 <= value <= high:
                raise InvalidInput(f"{name} is out of range")
        if not 1 <= self.page <= MAX_PAGE:
            raise InvalidInput(f"a page is from 1 to {MAX_PAGE}")


def _rates(creator_id: int, now: datetime) -> Subquery:
    """Per product, the rate in force for this creator: theirs alone before everyone's."""
    r = affiliate_rates.c
    mine = r.creator_id == creator_id
    return (
        select(
            r.product_id,
            func.coalesce(
                func.max(case((mine, r.rate_bp))), func.max(case((r.creator_id.is_(None), r.rate_bp)))
            ).label("rate_bp"),
            func.max(case((mine, 1), else_=0)).label("exclusive"),
        )
        .where(r.starts_at <= now, or_(r.ends_at.is_(None), r.ends_at > now))
        .where(or_(r.creator_id.is_(None), mine))
        .group_by(r.product_id)
        .subquery("rates")
    )


def _scores() -> Subquery:
    """Each shop's latest experience-score snapshot (what buyers see, in tenths)."""
    s = snapshots.c
    latest = select(func.max(s.id).label("id")).group_by(s.shop_id).subquery("latest")
    return select(s.shop_id, s.shown_tenths).join(latest, latest.c.id == s.id).subquery("scores")


def late_ship_rates(book: Rulebook, now: datetime) -> Subquery:
    """Per shop, the share (basis points, rounded down) of its orders due to ship within the
    window (`marketplace.late-ship-window`) that were picked up late or not at all; an order
    cancelled before its ship-by time is not counted."""
    o = orders.c
    due = and_(
        o.ship_by > now - late_ship_window(book, now),
        o.ship_by <= now,
        or_(o.cancelled_at.is_(None), o.cancelled_at > o.ship_by),
    )
    late = func.sum(case((or_(o.picked_up_at.is_(None), o.picked_up_at > o.ship_by), 1), else_=0))
    return (
        select(o.shop_id, (late * BP_DENOMINATOR // func.count()).label("late_bp"), func.count().label("due"))
        .where(due)
        .group_by(o.shop_id)
        .subquery("late")
    )


def _prices() -> Subquery:
    return (
        select(skus.c.product_id, func.min(skus.c.price_fen).label("price_fen"))
        .group_by(skus.c.product_id)
        .subquery("prices")
    )


ORDERING = {
    Sort.RATE: lambda q: (q.rate_bp.desc(),),
    Sort.SCORE: lambda q: (func.coalesce(q.score_tenths, -1).desc(),),
    Sort.LATE_SHIP: lambda q: (func.coalesce(q.late_bp, BP_DENOMINATOR + 1).asc(),),
    Sort.PRICE: lambda q: (q.price_fen.asc(),),
}


def _listing(creator_id: int, book: Rulebook, now: datetime):
    rates, scores, late, prices = _rates(creator_id, now), _scores(), late_ship_rates(book, now), _prices()
    p, sc = products.c, showcase_items.c
    in_showcase = (
        select(literal(1))
        .where(sc.creator_id == creator_id, sc.product_id == p.id)
        .exists()
        .label("in_showcase")
    )
    return (
        select(
            p.id.label("product_id"),
            p.title,
            p.shop_id,
            shops.c.name.label("shop_name"),
            p.category_id,
            categories.c.name.label("category_name"),
            categories.c.name_en.label("category_name_en"),
            categories.c.parent_id.label("category_parent_id"),
            rates.c.rate_bp,
            rates.c.exclusive,
            prices.c.price_fen,
            scores.c.shown_tenths.label("score_tenths"),
            late.c.late_bp,
            in_showcase,
        )
        .join(rates, rates.c.product_id == p.id)
        .join(shops, shops.c.id == p.shop_id)
        .join(categories, categories.c.id == p.category_id)
        .join(prices, prices.c.product_id == p.id)
        .outerjoin(scores, scores.c.shop_id == p.shop_id)
        .outerjoin(late, late.c.shop_id == p.shop_id)
        .where(p.active.is_(True))
        .subquery("listing")
    )


def _filtered(q, f: Filters):
    query = select(q)
    if f.min_rate_bp is not None:
        query = query.where(q.c.rate_bp >= f.min_rate_bp)
    if f.category_id is not None:
        query = query.where(or_(q.c.category_id == f.category_id, q.c.category_parent_id == f.category_id))
    if f.min_score_tenths is not None:  # a shop not scored yet does not pass a score filter
        query = query.where(q.c.score_tenths >= f.min_score_tenths)
    if f.max_late_ship_bp is not None:  # nor a shop with no order due in the window a late-ship one
        query = query.where(q.c.late_bp <= f.max_late_ship_bp)
    return query


def marketplace(conn: Connection, creator_id: int, book: Rulebook, f: Filters, *, now: datetime) -> dict:
    """One page of the marketplace for this creator, with the total and the number of pages."""
    f.check()
    q = _listing(creator_id, book, now)
    query = _filtered(q, f)
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = conn.execute(
        query.order_by(*ORDERING[f.sort](q.c), q.c.product_id.desc())
        .limit(PAGE_SIZE)
        .offset((f.page - 1) * PAGE_SIZE)
    ).all()
    return {
        "items": [
            dict(r._mapping, exclusive=bool(r.exclusive), in_showcase=bool(r.in_showcase)) for r in rows
        ],
        "total": total,
        "page": f.page,
        "pages": max(1, -(-total // PAGE_SIZE)),
    }
