"""The merchant's home (工作台): what needs doing now, in five statements whatever the shop's
size. Days are the platform's (the rulebook's zone, Beijing time): "today" for orders and for
what is due to ship is the Beijing calendar day (DESIGN.md principle 4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_shop
from pledge.aftersales.model import CaseStatus
from pledge.aftersales.tables import cases
from pledge.chat.tables import conversations
from pledge.experience.tables import snapshots
from pledge.kernel.clock import zone
from pledge.orders.model import OrderStatus
from pledge.orders.queries import DUE_SOON
from pledge.orders.tables import orders

# Cases whose next step is the merchant's: review a request, take a return in, refund or exchange.
AWAITING_MERCHANT = (CaseStatus.REQUESTED, CaseStatus.RETURN_SHIPPED, CaseStatus.RETURN_RECEIVED)


@dataclass(frozen=True)
class Dashboard:
    shop_id: int
    to_ship_today: int  # unshipped orders whose ship-by falls before the end of today (or is past)
    due_soon: int  # unshipped, ship-by within DUE_SOON (a Pledge default, orders.queries)
    overdue: int
    cases_awaiting: int
    chats_unanswered: int
    orders_today: int  # orders paid today (Beijing day)
    sales_today_fen: int  # what those orders' buyers paid
    score: float | None  # the latest daily experience score (87.35), None before the first
    shown_stars: float | None  # what buyers see (4.6)
    score_stage: str | None  # growth | formal


def day_bounds(now: datetime, timezone: str) -> tuple[datetime, datetime]:
    """Start and end of the calendar day `now` falls on in the zone, as aware datetimes."""
    local = now.astimezone(zone(timezone))
    start = datetime.combine(local.date(), time(0), tzinfo=local.tzinfo)
    return start, start + timedelta(days=1)


def _orders_counts(conn: Connection, shop_id: int, now: datetime, day_end: datetime):
    o = orders.c
    unshipped = o.status == OrderStatus.PAID.value
    return conn.execute(
        select(
            func.count().filter(unshipped, o.ship_by < day_end),
            func.count().filter(unshipped, o.ship_by > now, o.ship_by <= now + DUE_SOON),
            func.count().filter(unshipped, o.ship_by <= now),
        ).where(o.shop_id == shop_id)
    ).one()


def _sales_today(conn: Connection, shop_id: int, start: datetime, end: datetime):
    o = orders.c
    return conn.execute(
        select(func.count(), func.coalesce(func.sum(o.paid_fen), 0)).where(
            o.shop_id == shop_id, o.paid_at.is_not(None), o.paid_at >= start, o.paid_at < end
        )
    ).one()


def shop_dashboard(
    conn: Connection, actor: Actor, shop_id: int, *, now: datetime, timezone: str
) -> Dashboard:
    require_shop(actor, shop_id, read_only=True)
    start, end = day_bounds(now, timezone)
    to_ship, due_soon, overdue = _orders_counts(conn, shop_id, now, end)
    paid_count, paid_fen = _sales_today(conn, shop_id, start, end)
    awaiting = conn.execute(
        select(func.count()).where(
            cases.c.shop_id == shop_id, cases.c.status.in_([s.value for s in AWAITING_MERCHANT])
        )
    ).scalar_one()
    unanswered = conn.execute(
        select(func.count()).where(
            conversations.c.shop_id == shop_id, conversations.c.awaiting_reply_since.is_not(None)
        )
    ).scalar_one()
    s = snapshots.c
    latest = conn.execute(
        select(s.score_centi, s.shown_tenths, s.stage)
        .where(s.shop_id == shop_id)
        .order_by(s.day.desc(), s.id.desc())
        .limit(1)
    ).first()
    return Dashboard(
        shop_id,
        to_ship,
        due_soon,
        overdue,
        awaiting,
        unanswered,
        paid_count,
        int(paid_fen),
        None if latest is None else latest.score_centi / 100,
        None if latest is None else latest.shown_tenths / 10,
        None if latest is None else latest.stage,
    )
