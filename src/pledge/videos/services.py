"""Short-video use cases: publish (the MP4 checked by its container, the poster re-encoded, the
products the shop's own), count plays and likes, remove.

The files go to the file store before the row is written; the store writes whole files or
nothing, and keys are the content's SHA-256, so a retried upload stores the same bytes under the
same key and a rolled-back publish leaves at most an unreferenced file, never a row without one."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_shop
from pledge.catalog.services import create_content_promise
from pledge.catalog.tables import products
from pledge.kernel.db import dialect_insert
from pledge.kernel.errors import Forbidden, InvalidInput, NotFound
from pledge.kernel.indexing import Indexed, changed
from pledge.kernel.text import clean_text
from pledge.promises.model import Promise
from pledge.uploads.services import CleanImage, clean_image
from pledge.uploads.store import FileStore
from pledge.videos.model import (
    LIFECYCLE,
    MAX_DURATION_MS,
    MAX_PRODUCTS,
    MAX_VIDEO_BYTES,
    TITLE_MAX,
    VideoStatus,
)
from pledge.videos.mp4 import Mp4Info, inspect
from pledge.videos.tables import video_likes, video_products, videos

MODERATING_ROLES = ("operator", "reviewer")


@dataclass(frozen=True)
class NewVideo:
    shop_id: int
    title: str
    mp4: bytes
    poster: bytes
    product_ids: Sequence[int]
    promise: Promise


def _store(store: FileStore, data: bytes, ext: str) -> str:
    key = hashlib.sha256(data).hexdigest() + ext
    store.put(key, data)
    return key


@dataclass(frozen=True)
class Owner:
    """Whose video it is: a shop's (with its content promise) or a creator's."""

    shop_id: int | None = None
    content_id: int | None = None
    creator_id: int | None = None


def _check_products(conn: Connection, shop_id: int, product_ids: Sequence[int]) -> list[int]:
    wanted = wanted_products(product_ids)
    owned = set(
        conn.execute(
            select(products.c.id).where(products.c.id.in_(wanted), products.c.shop_id == shop_id)
        ).scalars()
    )
    missing = [p for p in wanted if p not in owned]
    if missing:
        raise NotFound(f"shop {shop_id} sells no product {missing[0]}")
    return wanted


@dataclass(frozen=True)
class CheckedUpload:
    """An upload whose title, MP4 and poster passed their checks, not stored yet."""

    title: str
    mp4: bytes
    info: Mp4Info
    poster: CleanImage


def check_upload(title: object, mp4: bytes, poster: bytes) -> CheckedUpload:
    """The title, the MP4 (read from its container) and the poster (re-encoded) of an upload,
    each checked; a shop's and a creator's videos go through here alike."""
    clean_title = clean_text(title, field="the title", max_length=TITLE_MAX)
    if len(mp4) > MAX_VIDEO_BYTES:
        raise InvalidInput(f"a video may be at most {MAX_VIDEO_BYTES // (1024 * 1024)} MB")
    info = inspect(mp4)
    if not 0 < info.duration_ms <= MAX_DURATION_MS:
        raise InvalidInput(f"a video lasts at most {MAX_DURATION_MS // 60_000} minutes")
    return CheckedUpload(clean_title, mp4, info, clean_image(poster))


def wanted_products(product_ids: Sequence[int]) -> list[int]:
    """The distinct product ids a video links, in order: 1 to MAX_PRODUCTS of them."""
    wanted = list(dict.fromkeys(product_ids))
    if not 1 <= len(wanted) <= MAX_PRODUCTS:
        raise InvalidInput(f"a video links 1 to {MAX_PRODUCTS} products")
    if any(type(p) is not int for p in wanted):
        raise InvalidInput("products are given by their ids")
    return wanted


def insert_video(
    conn: Connection,
    store: FileStore,
    upload: CheckedUpload,
    linked: Sequence[int],
    *,
    owner: Owner,
    at: datetime,
) -> int:
    """Store the files, write the video and its product links; the owner is a shop (with the
    video's promise) or a creator (no promise of its own)."""
    video_id = conn.execute(
        videos.insert()
        .values(
            shop_id=owner.shop_id,
            content_id=owner.content_id,
            creator_id=owner.creator_id,
            title=upload.title,
            file_key=_store(store, upload.mp4, ".mp4"),
            bytes=len(upload.mp4),
            duration_ms=upload.info.duration_ms,
            width=upload.info.width,
            height=upload.info.height,
            poster_key=_store(store, upload.poster.data, "." + upload.poster.ext),
            poster_type=upload.poster.content_type,
            status=VideoStatus.PUBLISHED,
            created_at=at,
        )
        .returning(videos.c.id)
    ).scalar_one()
    conn.execute(
        video_products.insert(),
        [{"video_id": video_id, "product_id": p, "position": i} for i, p in enumerate(linked, 1)],
    )
    changed(conn, Indexed.VIDEO, [video_id])
    return video_id


def publish_video(conn: Connection, actor: Actor, store: FileStore, video: NewVideo, *, at: datetime) -> int:
    require_shop(actor, video.shop_id)
    upload = check_upload(video.title, video.mp4, video.poster)
    linked = _check_products(conn, video.shop_id, video.product_ids)
    content_id = create_content_promise(
        conn, actor, shop_id=video.shop_id, kind="video", title=upload.title, promise=video.promise
    )
    owner = Owner(shop_id=video.shop_id, content_id=content_id)
    return insert_video(conn, store, upload, linked, owner=owner, at=at)


def _published(conn: Connection, video_id: int):
    row = conn.execute(select(videos.c.id, videos.c.status).where(videos.c.id == video_id)).first()
    if row is None or row.status != VideoStatus.PUBLISHED:
        raise NotFound(f"no video {video_id}")
    return row


def count_play(conn: Connection, *, video_id: int) -> None:
    _published(conn, video_id)
    conn.execute(update(videos).where(videos.c.id == video_id).values(plays=videos.c.plays + 1))


def like_video(conn: Connection, actor: Actor, *, video_id: int, at: datetime) -> int:
    """The viewer likes the video, once (liking again changes nothing); the video's likes. The
    like row is UNIQUE (video_id, user_id): a double tap or a retry adds one like at most."""
    _published(conn, video_id)
    added = conn.execute(
        dialect_insert(conn)(video_likes)
        .values(video_id=video_id, user_id=actor.user_id, created_at=at)
        .on_conflict_do_nothing(index_elements=["video_id", "user_id"])
        .returning(video_likes.c.id)
    ).first()
    if added is not None:
        conn.execute(update(videos).where(videos.c.id == video_id).values(likes=videos.c.likes + 1))
    return _likes(conn, video_id)


def unlike_video(conn: Connection, actor: Actor, *, video_id: int) -> int:
    """The viewer takes back their like (nothing, if there was none); the video's likes."""
    _published(conn, video_id)
    v = video_likes.c
    removed = conn.execute(
        video_likes.delete().where(v.video_id == video_id, v.user_id == actor.user_id).returning(v.id)
    ).first()
    if removed is not None:
        conn.execute(update(videos).where(videos.c.id == video_id).values(likes=videos.c.likes - 1))
    return _likes(conn, video_id)


def _likes(conn: Connection, video_id: int) -> int:
    return conn.execute(select(videos.c.likes).where(videos.c.id == video_id)).scalar_one()


def liked_by(conn: Connection, video_id: int, user_id: int | None) -> bool:
    if user_id is None:
        return False
    v = video_likes.c
    return conn.execute(select(v.id).where(v.video_id == video_id, v.user_id == user_id)).first() is not None


def remove_video(conn: Connection, actor: Actor, *, video_id: int) -> None:
    """The shop takes its video down, or trust & safety does."""
    row = conn.execute(select(videos.c.shop_id, videos.c.status).where(videos.c.id == video_id)).first()
    if row is None:
        raise NotFound(f"no video {video_id}")
    if actor.shops.get(row.shop_id) is None and actor.platform_role not in MODERATING_ROLES:
        raise Forbidden(f"you cannot remove video {video_id}")
    LIFECYCLE.move(conn, videos, video_id, row.status, VideoStatus.REMOVED)
    changed(conn, Indexed.VIDEO, [video_id])
