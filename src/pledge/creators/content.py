"""A live room or a short video that belongs to a creator (达人): the shop whose room or video it
is names the creator who hosts it, and from then on orders from it are the creator's
(creators.sources). Every product the content sells must be in the affiliate marketplace for
that creator (a rate in force, `affiliate.rate-required`), else a clear error and nothing is
written; products pinned later are checked at checkout."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_shop
from pledge.catalog.tables import skus
from pledge.creators.model import CreatorStatus
from pledge.creators.services import rate_for
from pledge.creators.tables import creators
from pledge.kernel.errors import Conflict, NotFound
from pledge.live.model import SessionStatus
from pledge.live.tables import live_cards, live_rooms, live_sessions
from pledge.videos.tables import video_products, videos


def _check_creator(conn: Connection, creator_id: int) -> None:
    status = conn.execute(select(creators.c.status).where(creators.c.id == creator_id)).scalar()
    if status is None:
        raise NotFound(f"no creator {creator_id}")
    if status == CreatorStatus.REMOVED:
        raise Conflict(f"creator {creator_id} has been removed from selling")


def _check_products(conn: Connection, creator_id: int, product_ids: Iterable[int], at: datetime) -> None:
    for product_id in sorted(set(product_ids)):
        if rate_for(conn, product_id=product_id, creator_id=creator_id, at=at) is None:
            raise Conflict(
                f"product {product_id} is not in the affiliate marketplace for creator {creator_id}: "
                "its merchant has set no commission rate the creator may sell at"
            )


def host_room(conn: Connection, actor: Actor, *, room_id: int, creator_id: int, at: datetime) -> None:
    """The room's shop names the creator who hosts it; the products pinned in its live session
    now must be in the marketplace for the creator."""
    room = conn.execute(select(live_rooms.c.shop_id).where(live_rooms.c.id == room_id)).first()
    if room is None:
        raise NotFound(f"no live room {room_id}")
    require_shop(actor, room.shop_id)
    _check_creator(conn, creator_id)
    pinned = conn.execute(
        select(skus.c.product_id)
        .join(live_cards, live_cards.c.sku_id == skus.c.id)
        .join(live_sessions, live_sessions.c.id == live_cards.c.session_id)
        .where(
            live_sessions.c.room_id == room_id,
            live_sessions.c.status == SessionStatus.LIVE,
            live_cards.c.pinned.is_(True),
        )
    ).scalars()
    _check_products(conn, creator_id, pinned, at)
    conn.execute(live_rooms.update().where(live_rooms.c.id == room_id).values(creator_id=creator_id))


def feature_in_video(conn: Connection, actor: Actor, *, video_id: int, creator_id: int, at: datetime) -> None:
    """The video's shop names the creator whose video it is; the products it links must be in
    the marketplace for the creator."""
    video = conn.execute(select(videos.c.shop_id).where(videos.c.id == video_id)).first()
    if video is None:
        raise NotFound(f"no video {video_id}")
    require_shop(actor, video.shop_id)
    _check_creator(conn, creator_id)
    linked = conn.execute(
        select(video_products.c.product_id).where(video_products.c.video_id == video_id)
    ).scalars()
    _check_products(conn, creator_id, linked, at)
    conn.execute(videos.update().where(videos.c.id == video_id).values(creator_id=creator_id))
