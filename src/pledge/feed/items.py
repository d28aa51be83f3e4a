"""What the feed page shows for a page of precomputed items: one grouped query per subject kind
(titles, shop, price, live status), the titles the explanations name, the programme behind a
boost, and the live sessions of shops the user follows (the only part decided at request time:
"live now" changes by the minute). Items that no longer exist or are no longer offered are
left out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.catalog.tables import products, shops, skus
from pledge.creators.tables import creators
from pledge.followers.tables import shop_followers
from pledge.live.model import SessionStatus
from pledge.live.tables import live_rooms, live_sessions
from pledge.reach.recording import Subject
from pledge.reach.serving import FeedItem, Reason
from pledge.reach.tables import reach_support_programs
from pledge.videos.model import VideoStatus
from pledge.videos.tables import videos

GONE_SESSIONS = (SessionStatus.CANCELLED.value,)


@dataclass(frozen=True, slots=True)
class Card:
    subject: Subject
    subject_id: int
    title: str
    shop_name: str
    href: str
    reason: Reason
    because_title: str | None = None  # the item the explanation names
    price_fen: int | None = None  # products: the lowest SKU price
    live: bool = False  # sessions: on air now
    support_name: str | None = None
    support_name_en: str | None = None


def _products(conn: Connection, ids: set[int]) -> dict[int, dict]:
    price = select(skus.c.product_id, func.min(skus.c.price_fen).label("price")).group_by(skus.c.product_id)
    low = price.subquery()
    query = (
        select(products.c.id, products.c.title, shops.c.name, low.c.price)
        .join(shops, shops.c.id == products.c.shop_id)
        .outerjoin(low, low.c.product_id == products.c.id)
        .where(products.c.id.in_(ids), products.c.active.is_(True))
    )
    return {
        r.id: {"title": r.title, "shop": r.name, "href": f"/products/{r.id}", "price": r.price}
        for r in conn.execute(query)
    }


def _videos(conn: Connection, ids: set[int]) -> dict[int, dict]:
    """Shops' videos name their shop; a creator's own video (no shop) names its creator."""
    author = func.coalesce(shops.c.name, creators.c.display_name).label("author")
    query = (
        select(videos.c.id, videos.c.title, author)
        .outerjoin(shops, shops.c.id == videos.c.shop_id)
        .outerjoin(creators, creators.c.id == videos.c.creator_id)
        .where(videos.c.id.in_(ids), videos.c.status == VideoStatus.PUBLISHED.value)
    )
    return {
        r.id: {"title": r.title, "shop": r.author, "href": f"/videos/{r.id}"} for r in conn.execute(query)
    }


def _sessions(conn: Connection, ids: set[int]) -> dict[int, dict]:
    query = (
        select(
            live_sessions.c.id, live_sessions.c.title, live_sessions.c.status, live_rooms.c.id.label("room")
        )
        .add_columns(shops.c.name)
        .join(live_rooms, live_rooms.c.id == live_sessions.c.room_id)
        .join(shops, shops.c.id == live_rooms.c.shop_id)
        .where(live_sessions.c.id.in_(ids), live_sessions.c.status.not_in(GONE_SESSIONS))
    )
    return {
        r.id: {
            "title": r.title,
            "shop": r.name,
            "href": f"/live/{r.room}",
            "live": r.status == SessionStatus.LIVE,
        }
        for r in conn.execute(query)
    }


def _shops(conn: Connection, ids: set[int]) -> dict[int, dict]:
    query = select(shops.c.id, shops.c.name).where(shops.c.id.in_(ids))
    return {r.id: {"title": r.name, "shop": r.name, "href": f"/shops/{r.id}"} for r in conn.execute(query)}


LOADERS = {
    Subject.PRODUCT: _products,
    Subject.VIDEO: _videos,
    Subject.SESSION: _sessions,
    Subject.SHOP: _shops,
}


def _load(conn: Connection, keys: Iterable[tuple[Subject, int]]) -> dict[tuple[Subject, int], dict]:
    wanted: dict[Subject, set[int]] = {}
    for subject, subject_id in keys:
        wanted.setdefault(subject, set()).add(subject_id)
    found = {}
    for subject, ids in wanted.items():
        found.update({(subject, i): row for i, row in LOADERS[subject](conn, ids).items()})
    return found


def followed_live(conn: Connection, user_id: int) -> list[FeedItem]:
    """Sessions on air now in shops the user follows (newest start first)."""
    query = (
        select(live_sessions.c.id)
        .join(live_rooms, live_rooms.c.id == live_sessions.c.room_id)
        .join(shop_followers, shop_followers.c.shop_id == live_rooms.c.shop_id)
        .where(shop_followers.c.user_id == user_id, live_sessions.c.status == SessionStatus.LIVE.value)
        .order_by(live_sessions.c.started_at.desc(), live_sessions.c.id.desc())
        .limit(5)
    )
    return [FeedItem(0, Subject.SESSION, r.id, Reason.FOLLOWED_LIVE) for r in conn.execute(query)]


def _programs(conn: Connection, ids: set[int]) -> dict[int, tuple[str, str]]:
    t = reach_support_programs.c
    return {
        r.id: (r.name, r.name_en) for r in conn.execute(select(t.id, t.name, t.name_en).where(t.id.in_(ids)))
    }


def cards(conn: Connection, items: list[FeedItem]) -> list[Card]:
    """The page's cards in order, one per item that still exists (a followed live session listed
    first is not repeated further down)."""
    keys = {(i.subject, i.subject_id) for i in items}
    keys |= {(i.reason_subject, i.reason_id) for i in items if i.reason_subject and i.reason_id}
    found = _load(conn, keys)
    programs = _programs(conn, {i.support_program_id for i in items if i.support_program_id})
    shown: set[tuple[Subject, int]] = set()
    result = []
    for item in items:
        key = (item.subject, item.subject_id)
        row = found.get(key)
        if row is None or key in shown:
            continue
        shown.add(key)
        because = found.get((item.reason_subject, item.reason_id or 0)) if item.reason_subject else None
        name, name_en = programs.get(item.support_program_id or 0, (None, None))
        result.append(
            Card(item.subject, item.subject_id, row["title"], row["shop"], row["href"], item.reason,
                 because["title"] if because else None, row.get("price"), row.get("live", False),
                 name, name_en)
        )  # fmt: skip
    return result
