"""What ranking needs from the rest of the platform, read in a few grouped queries: the shop
behind each feed subject, and each shop's service signals (latest experience score, penalties in
force, late-ship rate) over the windows of `reach.quality-factors`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.engine import Connection

from pledge.catalog.tables import products, shops
from pledge.experience.tables import snapshots
from pledge.governance.model import PenaltyStatus
from pledge.governance.tables import governance_penalties
from pledge.live.tables import live_rooms, live_sessions
from pledge.orders.tables import orders
from pledge.reach.quality import FULL_BP, ShopSignals
from pledge.reach.recording import Subject
from pledge.rulebooks.loader import Clause
from pledge.videos.tables import video_products, videos

Key = tuple[Subject, int]


def _chunks(ids: list[int], size: int = 900) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _video_shops(ids: list[int]):
    """A video's shop; for a creator's own video (no shop) the shop of its first product, whose
    service its buyers meet first."""
    vp = video_products.c
    first = (
        select(products.c.shop_id)
        .join(video_products, vp.product_id == products.c.id)
        .where(vp.video_id == videos.c.id)
        .order_by(vp.position)
        .limit(1)
        .scalar_subquery()
    )
    return select(videos.c.id, func.coalesce(videos.c.shop_id, first)).where(videos.c.id.in_(ids))


def shops_of(conn: Connection, keys: Iterable[Key]) -> dict[Key, int]:
    """The shop of each subject that still exists and is offered (an inactive product, a removed
    video or a cancelled session is absent, as are unknown ids)."""
    wanted: dict[Subject, set[int]] = {subject: set() for subject in Subject}
    for subject, subject_id in keys:
        wanted[subject].add(subject_id)
    queries = {
        Subject.PRODUCT: lambda ids: select(products.c.id, products.c.shop_id).where(products.c.id.in_(ids)),
        Subject.VIDEO: _video_shops,
        Subject.SESSION: lambda ids: (
            select(live_sessions.c.id, live_rooms.c.shop_id)
            .join(live_rooms, live_rooms.c.id == live_sessions.c.room_id)
            .where(live_sessions.c.id.in_(ids))
        ),
        Subject.SHOP: lambda ids: select(shops.c.id, shops.c.id).where(shops.c.id.in_(ids)),
    }
    found: dict[Key, int] = {}
    for subject, ids in wanted.items():
        for chunk in _chunks(sorted(ids)):
            found.update({(subject, row[0]): row[1] for row in conn.execute(queries[subject](chunk))})
    return found


def _experience(conn: Connection) -> dict[int, int]:
    s = snapshots.c
    latest: dict[int, int] = {}
    for row in conn.execute(select(s.shop_id, s.score_centi).order_by(s.shop_id, s.day.desc(), s.id.desc())):
        latest.setdefault(row.shop_id, row.score_centi)
    return latest


def _penalties(conn: Connection, since: datetime) -> dict[int, int]:
    p = governance_penalties.c
    query = (
        select(p.shop_id, func.count())
        .where(p.status == PenaltyStatus.IN_FORCE.value, p.created_at >= since)
        .group_by(p.shop_id)
    )
    return {row[0]: row[1] for row in conn.execute(query)}


def _late_ship(conn: Connection, since: datetime, now: datetime) -> dict[int, int]:
    """Per shop: orders whose ship-by fell in the window, and how many were (or are) late."""
    o = orders.c
    late = or_(o.shipped_at > o.ship_by, and_(o.shipped_at.is_(None), o.ship_by < now))
    query = (
        select(o.shop_id, func.count(), func.sum(case((late, 1), else_=0)))
        .where(o.ship_by.is_not(None), o.ship_by >= since, o.ship_by < now, o.paid_at.is_not(None))
        .group_by(o.shop_id)
    )
    return {row[0]: int(row[2] or 0) * FULL_BP // row[1] for row in conn.execute(query) if row[1]}


def shop_signals(conn: Connection, factors: Clause, now: datetime) -> dict[int, ShopSignals]:
    """Every shop's signals (a shop without data gets None where nothing was measured)."""
    experience = _experience(conn)
    penalties = _penalties(conn, now - timedelta(days=int(factors.get("penalty_window_days"))))
    late = _late_ship(conn, now - timedelta(days=int(factors.get("late_ship_window_days"))), now)
    return {
        shop_id: ShopSignals(experience.get(shop_id), penalties.get(shop_id, 0), late.get(shop_id))
        for (shop_id,) in conn.execute(select(shops.c.id))
    }
