"""A creator's own live room (达人直播间): no shop owns it, it sells several shops' products, and
every order bought there is the creator's (creators.sources attributes it, checkout splits the
cart into one order per shop as for any cart).

- Opening a room and pinning need an active creator with the followers `creators.qualification`
  asks for (as a showcase does); a removed creator cannot go live or pin (409), a limited one
  keeps what it has and may go live with it.
- A card is a product the creator may sell: active, with a merchant's rate in force for the
  creator now (`affiliate.rate-required`: "被设置了带货佣金的达人可以带货，无佣金的达人不可带货");
  any other is refused at pin time with a clear error, and checked again at checkout.
- The room states no ship promise of its own: each product's promise binds its shop's order.
- Only the creator whose room it is works it; another creator's or a shop's room is 404."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor
from pledge.catalog.tables import products, shops, skus
from pledge.creators.model import CreatorStatus
from pledge.creators.policy import clause_of
from pledge.creators.services import creator_of, rate_for
from pledge.creators.tables import showcase_items
from pledge.kernel.errors import Conflict, Forbidden, NotFound
from pledge.kernel.screening import ADMIT_ALL, ContentScreen
from pledge.live import queries as live_queries
from pledge.live import services as live
from pledge.live.tables import live_rooms
from pledge.rulebooks.loader import Rulebook


def selling_creator(
    conn: Connection, actor: Actor, book: Rulebook, at: datetime, *, what: str = "a live room"
):
    """The caller's creator account, if it may add products to sell (active and qualified):
    rooms and videos (creators.videos) ask the same."""
    creator = creator_of(conn, actor)
    if creator.status == CreatorStatus.REMOVED:
        raise Conflict("you have been removed from selling; you cannot go live, pin or publish products")
    if creator.status != CreatorStatus.ACTIVE:
        raise Conflict(f"a {creator.status} creator cannot add products to sell")
    least = int(clause_of(book, "creator_qualification", at).get("min_followers"))
    if creator.follower_count < least:
        raise Forbidden(f"{what} needs at least {least} followers; you have {creator.follower_count}")
    return creator


def check_sellable(conn: Connection, book: Rulebook, creator_id: int, product_id: int, at: datetime) -> None:
    """A product the creator may sell now: on sale, with a merchant's rate in force for them."""
    active = conn.execute(select(products.c.active).where(products.c.id == product_id)).scalar()
    if active is None:
        raise NotFound(f"no product {product_id}")
    if not active:
        raise Conflict(f"product {product_id} is no longer on sale")
    clause_of(book, "affiliate_rate_required", at)
    if rate_for(conn, product_id=product_id, creator_id=creator_id, at=at) is None:
        raise Conflict(
            f"product {product_id} is not in the affiliate marketplace for you: "
            "its merchant has set no commission rate you may sell at"
        )


def _own_room(conn: Connection, actor: Actor, room_id: int):
    """The creator's own room, else 404 (another's room is not revealed)."""
    creator = creator_of(conn, actor)
    room = conn.execute(select(live_rooms).where(live_rooms.c.id == room_id)).first()
    if room is None or room.shop_id is not None or room.creator_id != creator.id:
        raise NotFound(f"no live room {room_id} of yours")
    return creator, room


def _open_session(conn: Connection, actor: Actor, room_id: int):
    """The creator's own room's live or announced session (the one the console works on)."""
    creator, _room = _own_room(conn, actor, room_id)
    return creator, live.open_session(conn, live_queries.open_session_id(conn, room_id))


def open_room(
    conn: Connection,
    actor: Actor,
    book: Rulebook,
    *,
    title: object,
    at: datetime,
    screen: ContentScreen = ADMIT_ALL,
) -> int:
    """The caller's own room; `screen` checks its title."""
    creator = selling_creator(conn, actor, book, at)
    return live.insert_creator_room(conn, creator_id=creator.id, title=title, at=at, screen=screen)


def go_live(
    conn: Connection,
    actor: Actor,
    *,
    room_id: int,
    playback_url: object,
    at: datetime,
    title: object = None,
    screen: ContentScreen = ADMIT_ALL,
) -> int:
    """Start a session in the creator's own room now (a removed creator: 409)."""
    creator, room = _own_room(conn, actor, room_id)
    if creator.status == CreatorStatus.REMOVED:
        raise Conflict(f"live room {room_id} belongs to a creator removed from selling; it cannot go live")
    audience = live.Audience(creator.handle)
    return live.start_session(
        conn, room, playback_url=playback_url, at=at, title=title, screen=screen, audience=audience
    )


def end_session(conn: Connection, actor: Actor, *, room_id: int, at: datetime) -> int:
    """End the live session of the creator's own room; the session ended."""
    _creator, session = _open_session(conn, actor, room_id)
    live.finish_session(conn, session, at=at)
    return int(session.id)


def pin(
    conn: Connection,
    actor: Actor,
    book: Rulebook,
    *,
    room_id: int,
    sku_id: int,
    price_fen: int,
    at: datetime,
) -> live.Card:
    """Put a product the creator may sell on the cart of the room's open session, from whichever
    shop sells it."""
    _own_room(conn, actor, room_id)
    creator = selling_creator(conn, actor, book, at)  # a removed creator pins nothing (409)
    _creator, session = _open_session(conn, actor, room_id)
    product_id = conn.execute(select(skus.c.product_id).where(skus.c.id == sku_id)).scalar()
    if product_id is None:
        raise NotFound(f"no SKU {sku_id}")
    check_sellable(conn, book, creator.id, product_id, at)
    return live.place_card(conn, session.id, sku_id, price_fen, at=at)


def unpin(conn: Connection, actor: Actor, *, room_id: int, sku_id: int) -> live.Card:
    _creator, session = _open_session(conn, actor, room_id)
    return live.take_card_off(conn, session.id, sku_id)


def room_for_creator(conn: Connection, actor: Actor, room_id: int) -> live_queries.RoomView:
    """The creator's own room as the console shows it (another's: 404)."""
    _own_room(conn, actor, room_id)
    return live_queries.room_view(conn, room_id)


def my_rooms(conn: Connection, creator_id: int) -> list[live_queries.RoomView]:
    return live_queries.rooms(conn, creator_id=creator_id)


def pickable(conn: Connection, creator_id: int, *, now: datetime) -> list[dict]:
    """The SKUs of the creator's showcase (their selection, 选品) that they may sell now, each with
    its shop, list price and the rate it earns: what the console offers to pin."""
    sc = showcase_items.c
    rows = conn.execute(
        select(
            skus.c.id.label("sku_id"),
            skus.c.name.label("sku_name"),
            skus.c.price_fen,
            products.c.id.label("product_id"),
            products.c.title,
            shops.c.name.label("shop_name"),
        )
        .join(products, products.c.id == skus.c.product_id)
        .join(showcase_items, sc.product_id == products.c.id)
        .join(shops, shops.c.id == products.c.shop_id)
        .where(sc.creator_id == creator_id, products.c.active.is_(True))
        .order_by(sc.id, skus.c.id)
    ).all()
    out = []
    for row in rows:
        rate = rate_for(conn, product_id=row.product_id, creator_id=creator_id, at=now)
        if rate is not None:
            out.append(dict(row._mapping, rate_bp=rate.rate_bp))
    return out
