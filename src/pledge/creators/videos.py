"""A creator's own short videos (达人短视频): no shop owns them, each sells products of several
shops, and every order bought from one is the creator's (creators.sources attributes it, checkout
splits the cart into one order per shop as for any cart).

- Publishing needs an active creator with the followers `creators.qualification` asks for (as a
  showcase and a room do); a removed creator cannot publish (409).
- Each product linked is one the creator may sell now: on sale, with a merchant's rate in force
  for the creator (`affiliate.rate-required`: "被设置了带货佣金的达人可以带货，无佣金的达人不可带货");
  any other is refused at publish time, and checked again at checkout.
- The video states no ship promise of its own: each product's promise binds its shop's order.
- The upload goes through the shops' own checks (videos.services.check_upload).
- Only the creator whose video it is takes it down; another creator's video is 404. A video a
  penalty made private (视频自见) stays on its creator's console and pages, for them alone
  (`viewer_creator_id` is who they are to the video reads), and they may take it down too.
- Removal of the creator from selling unlists their videos' products (unlist_products, called
  by creators.safety as rooms are cut): the videos stay on view and sell nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor
from pledge.creators.rooms import check_sellable, pickable, selling_creator
from pledge.creators.services import creator_of
from pledge.creators.tables import creators
from pledge.kernel.errors import NotFound
from pledge.kernel.indexing import Indexed, changed
from pledge.rulebooks.loader import Rulebook
from pledge.uploads.store import FileStore
from pledge.videos import services as videos
from pledge.videos.model import LIFECYCLE, VideoStatus
from pledge.videos.tables import video_products
from pledge.videos.tables import videos as video_rows


@dataclass(frozen=True)
class NewCreatorVideo:
    title: str
    mp4: bytes
    poster: bytes
    product_ids: Sequence[int]


def publish(
    conn: Connection, actor: Actor, book: Rulebook, store: FileStore, video: NewCreatorVideo, *, at: datetime
) -> int:
    """The caller's own video, linking products (of any shops) they may sell now."""
    creator = selling_creator(conn, actor, book, at, what="a video")
    upload = videos.check_upload(video.title, video.mp4, video.poster)
    linked = videos.wanted_products(video.product_ids)
    for product_id in linked:
        check_sellable(conn, book, creator.id, product_id, at)
    owner = videos.Owner(creator_id=creator.id)
    return videos.insert_video(conn, store, upload, linked, owner=owner, at=at)


def viewer_creator_id(conn: Connection, actor: Actor | None) -> int | None:
    """The caller's creator account, if they have one: the creator a private video is shown to."""
    if actor is None:
        return None
    return conn.execute(select(creators.c.id).where(creators.c.user_id == actor.user_id)).scalar()


def _own_video(conn: Connection, actor: Actor, video_id: int):
    """The creator's own video, published or private, else 404 (another's video is not revealed)."""
    creator = creator_of(conn, actor)
    v = video_rows.c
    row = conn.execute(select(v.id, v.shop_id, v.creator_id, v.status).where(v.id == video_id)).first()
    if row is None or row.shop_id is not None or row.creator_id != creator.id:
        raise NotFound(f"no video {video_id} of yours")
    if row.status not in (VideoStatus.PUBLISHED, VideoStatus.PRIVATE):
        raise NotFound(f"no video {video_id} of yours")
    return row


def take_down(conn: Connection, actor: Actor, *, video_id: int) -> None:
    """The creator takes their own video down (it leaves the feed, search and their page)."""
    row = _own_video(conn, actor, video_id)
    LIFECYCLE.move(conn, video_rows, video_id, row.status, VideoStatus.REMOVED)
    changed(conn, Indexed.VIDEO, [video_id])


def unlist_products(conn: Connection, *, creator_id: int) -> int:
    """A removed creator's own videos sell nothing more: their product links go (the videos stay
    for the record); returns the videos changed."""
    v = video_rows.c
    ids = list(
        conn.execute(
            select(v.id).where(v.creator_id == creator_id, v.shop_id.is_(None)).order_by(v.id)
        ).scalars()
    )
    if ids:
        conn.execute(video_products.delete().where(video_products.c.video_id.in_(ids)))
        changed(conn, Indexed.VIDEO, ids)
    return len(ids)


def pickable_products(conn: Connection, creator_id: int, *, now: datetime) -> list[dict]:
    """The products of the creator's showcase they may sell now (one per product, its lowest SKU
    price, its shop and rate): what the publish form offers to link."""
    found: dict[int, dict] = {}
    for sku in pickable(conn, creator_id, now=now):
        seen = found.get(sku["product_id"])
        if seen is None or sku["price_fen"] < seen["price_fen"]:
            found[sku["product_id"]] = {
                k: sku[k] for k in ("product_id", "title", "shop_name", "price_fen", "rate_bp")
            }
    return list(found.values())
