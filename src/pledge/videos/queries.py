"""A video with its product cards (each naming its shop), a shop's videos (内容货架) and a
creator's own videos (no shop, no promise of their own: creator_id).

A private video (视频自见, a creator penalty's action) is shown to its creator only: the reads
that take `viewer_creator_id` (the caller's creator account, resolved by creators.videos) find it
for that creator and answer 404 to everyone else, as for a video that does not exist; the
shops' lists, the feed and search read published videos only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from pledge.catalog.services import promise_of
from pledge.catalog.tables import content_promises, products, shops, skus
from pledge.kernel.errors import NotFound
from pledge.videos.model import VideoStatus
from pledge.videos.tables import video_products, videos


@dataclass(frozen=True)
class LinkedProduct:
    product_id: int
    title: str
    from_price_fen: int  # the lowest SKU price
    stock: int
    shop_id: int
    shop_name: str


@dataclass(frozen=True)
class VideoView:
    id: int
    shop_id: int | None  # None: a creator's own video
    title: str
    duration_ms: int
    width: int
    height: int
    plays: int
    likes: int
    created_at: datetime
    content_id: int | None
    promise_code: str | None  # None: no promise of its own (each product's binds)
    products: list[LinkedProduct]
    creator_id: int | None = None  # a creator's video, or a shop's naming the creator
    status: str = VideoStatus.PUBLISHED.value  # private: its creator is the one reading it


def _linked(conn: Connection, video_ids: list[int]) -> dict[int, list[LinkedProduct]]:
    """The active products each video links, in the video's order: one query for all videos."""
    found: dict[int, list[LinkedProduct]] = {video_id: [] for video_id in video_ids}
    if not video_ids:
        return found
    vp = video_products.c
    rows = conn.execute(
        select(
            vp.video_id,
            products.c.id,
            products.c.title,
            func.min(skus.c.price_fen),
            func.sum(skus.c.stock),
            shops.c.id,
            shops.c.name,
        )
        .join(video_products, vp.product_id == products.c.id)
        .join(skus, skus.c.product_id == products.c.id)
        .join(shops, shops.c.id == products.c.shop_id)
        .where(vp.video_id.in_(video_ids), products.c.active.is_(True))
        .group_by(vp.video_id, products.c.id, products.c.title, vp.position, shops.c.id, shops.c.name)
        .order_by(vp.video_id, vp.position)
    )
    for video_id, pid, title, price, stock, shop_id, shop_name in rows:
        found[video_id].append(LinkedProduct(pid, title, int(price), int(stock), shop_id, shop_name))
    return found


def _published_videos():
    return select(videos, content_promises).outerjoin(
        content_promises, content_promises.c.id == videos.c.content_id
    )


def _view(row, linked: list[LinkedProduct]) -> VideoView:
    return VideoView(
        row.id,
        row.shop_id,
        row.title,
        row.duration_ms,
        row.width,
        row.height,
        row.plays,
        row.likes,
        row.created_at,
        row.content_id,
        promise_of(row).code if row.content_id is not None else None,
        linked,
        row.creator_id,
        row.status,
    )


def _visible(viewer_creator_id: int | None) -> ColumnElement[bool]:
    """Published, or private and the viewer's own (视频自见: "visible to its author only")."""
    published = videos.c.status == VideoStatus.PUBLISHED
    if viewer_creator_id is None:
        return published
    own_private = and_(videos.c.status == VideoStatus.PRIVATE, videos.c.creator_id == viewer_creator_id)
    return or_(published, own_private)


def video_view(conn: Connection, video_id: int, *, viewer_creator_id: int | None = None) -> VideoView:
    """A published video, or the viewer's own private one; anything else is 404."""
    row = conn.execute(
        _published_videos().where(videos.c.id == video_id, _visible(viewer_creator_id))
    ).first()
    if row is None:
        raise NotFound(f"no video {video_id}")
    return _view(row, _linked(conn, [video_id])[video_id])


def shop_videos(conn: Connection, shop_id: int, *, limit: int = 20) -> list[VideoView]:
    """The shop's published videos, newest first: two queries however many there are."""
    rows = conn.execute(
        _published_videos()
        .where(videos.c.shop_id == shop_id, videos.c.status == VideoStatus.PUBLISHED)
        .order_by(videos.c.id.desc())
        .limit(limit)
    ).all()
    linked = _linked(conn, [r.id for r in rows])
    return [_view(r, linked[r.id]) for r in rows]


def creator_videos(
    conn: Connection, creator_id: int, *, with_private: bool = False, limit: int = 20
) -> list[VideoView]:
    """The creator's own published videos (not shops' videos naming them), newest first; with
    `with_private` (the creator's own console) their private ones too, each with its status."""
    shown = (VideoStatus.PUBLISHED, VideoStatus.PRIVATE) if with_private else (VideoStatus.PUBLISHED,)
    rows = conn.execute(
        _published_videos()
        .where(
            videos.c.creator_id == creator_id,
            videos.c.shop_id.is_(None),
            videos.c.status.in_([s.value for s in shown]),
        )
        .order_by(videos.c.id.desc())
        .limit(limit)
    ).all()
    linked = _linked(conn, [r.id for r in rows])
    return [_view(r, linked[r.id]) for r in rows]


@dataclass(frozen=True)
class StoredFile:
    key: str
    content_type: str
    size: int
    private: bool = False  # the viewer's own private video: not for shared caches


def video_file(conn: Connection, video_id: int, *, viewer_creator_id: int | None = None) -> StoredFile:
    row = conn.execute(
        select(videos.c.file_key, videos.c.bytes, videos.c.status).where(
            videos.c.id == video_id, _visible(viewer_creator_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"no video {video_id}")
    return StoredFile(row.file_key, "video/mp4", row.bytes, row.status == VideoStatus.PRIVATE)


def poster_file(conn: Connection, video_id: int, *, viewer_creator_id: int | None = None) -> StoredFile:
    row = conn.execute(
        select(videos.c.poster_key, videos.c.poster_type, videos.c.status).where(
            videos.c.id == video_id, _visible(viewer_creator_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"no video {video_id}")
    return StoredFile(row.poster_key, row.poster_type, -1, row.status == VideoStatus.PRIVATE)
