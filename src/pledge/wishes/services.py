"""Wish pool use cases: wishes arrive (found in what buyers write, or made with the 许愿 button,
or a +1 on a demand), each joins the shop's open demand it groups with or starts one; the
merchant merges, splits and renames demands, and turns one into a product, which closes it and
tells every wisher.

A wish joins a demand one at a time (grouping.closest: the same average-linkage rule as the
offline grouping, applied to the new wish against each open demand), so a board never
regroups by itself: what the merchant merged or split stays merged or split."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from pledge.accounts.services import Actor
from pledge.catalog import services as catalog
from pledge.catalog.guards import ListingGuard, ListingScreen
from pledge.catalog.tables import products, shops, skus
from pledge.kernel.db import inserted_id
from pledge.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from pledge.kernel.heard import Heard
from pledge.kernel.text import clean_text
from pledge.live.tables import live_rooms, live_sessions
from pledge.notifications.model import Kind
from pledge.notifications.services import notify
from pledge.rulebooks.loader import Rulebook
from pledge.wishes.detection import detect
from pledge.wishes.grouping import closest
from pledge.wishes.model import DemandStatus, Source, Target
from pledge.wishes.offers import Came, make_offer
from pledge.wishes.policy import WisherOffer
from pledge.wishes.tables import wish_demands, wishes

WISH_MAX_CHARS = 200  # pledge:default: a 许愿 is a short form, like a comment
NAME_MAX_CHARS = 60
PRESALE = "presale"  # promises.model.PROMISE_KINDS: a product sold before it exists


@dataclass(frozen=True)
class Place:
    """Where a wish came from: its source and what it was about."""

    source: Source
    source_id: int | None = None
    session_id: int | None = None
    order_id: int | None = None

    @property
    def dedupe_key(self) -> str | None:
        return None if self.source_id is None else f"{self.source.value}:{self.source_id}"


@dataclass(frozen=True)
class WishIn:
    shop_id: int
    author_id: int
    text: str
    item: str
    place: Place


class WishListener:
    """The listener port (pledge.kernel.heard) answered by the wish pool: a comment, message or
    review that is a wish is stored in the same transaction; anything else is let go."""

    def heard(self, conn: Connection, said: Heard) -> None:
        try:
            found = detect(said.text)
        except InvalidInput:
            return  # empty or huge: not a comment the wish rules read
        if not found.wish or found.item is None:
            return
        place = Place(Source(said.kind.value), said.source_id, said.session_id, said.order_id)
        try:
            with conn.begin_nested():
                record(conn, WishIn(said.shop_id, said.author_id, said.text, found.item, place), at=said.at)
        except IntegrityError:
            return  # this comment was read already (its transaction retried)


def record(conn: Connection, wish: WishIn, *, at: datetime) -> int:
    """Store a wish in the demand it groups with (or a new one); the wish's id."""
    demand_id = _demand_for(conn, wish.shop_id, wish.item, at)
    return inserted_id(
        conn,
        wishes.insert().values(
            shop_id=wish.shop_id,
            demand_id=demand_id,
            author_id=wish.author_id,
            text=wish.text,
            item=wish.item[:200],
            source=wish.place.source.value,
            source_id=wish.place.source_id,
            session_id=wish.place.session_id,
            order_id=wish.place.order_id,
            created_at=at,
            dedupe_key=wish.place.dedupe_key,
        ),
    )


def _demand_for(conn: Connection, shop_id: int, item: str, at: datetime) -> int:
    rows = conn.execute(
        select(wishes.c.demand_id, wishes.c.item)
        .join(wish_demands, wish_demands.c.id == wishes.c.demand_id)
        .where(wishes.c.shop_id == shop_id, wish_demands.c.status == DemandStatus.OPEN.value)
        .order_by(wishes.c.demand_id, wishes.c.id)
    ).all()
    items: dict[int, list[str]] = {}
    for row in rows:
        items.setdefault(row.demand_id, []).append(row.item)
    ids = list(items)
    found = closest(item, [items[i] for i in ids])
    if found is not None:
        return ids[found]
    return _new_demand(conn, shop_id, item, at)


def _new_demand(conn: Connection, shop_id: int, name: str, at: datetime) -> int:
    return inserted_id(
        conn,
        wish_demands.insert().values(
            shop_id=shop_id, name=name[:NAME_MAX_CHARS], status=DemandStatus.OPEN.value, created_at=at
        ),
    )


def make_wish(
    conn: Connection, actor: Actor, *, shop_id: int, text: object, at: datetime, session_id: int | None = None
) -> int:
    """The 许愿 button: a buyer's wish in their own words, a wish whatever its wording (the
    detector only names its item; where it finds none, the words are the item)."""
    body = clean_text(text, field="wish", max_length=WISH_MAX_CHARS)
    _buyer_of(conn, actor, shop_id)
    if session_id is not None and _shop_of_session(conn, session_id) != shop_id:
        raise NotFound(f"shop {shop_id} has no live session {session_id}")
    found = detect(body)
    item = found.item if found.wish and found.item else body
    return record(
        conn, WishIn(shop_id, actor.user_id, body, item, Place(Source.BUTTON, session_id=session_id)), at=at
    )


def _shop_of_session(conn: Connection, session_id: int) -> int | None:
    return conn.execute(
        select(live_rooms.c.shop_id)
        .join(live_sessions, live_sessions.c.room_id == live_rooms.c.id)
        .where(live_sessions.c.id == session_id)
    ).scalar()


def _buyer_of(conn: Connection, actor: Actor, shop_id: int) -> None:
    if conn.execute(select(shops.c.id).where(shops.c.id == shop_id)).first() is None:
        raise NotFound(f"no shop {shop_id}")
    if shop_id in actor.shops:
        raise Forbidden(f"members of shop {shop_id} read its wishes; they cannot wish in it")


def plus_one(conn: Connection, actor: Actor, *, demand_id: int, at: datetime) -> int:
    """+1 an open demand, once per buyer (a buyer who wished for it already has counted)."""
    demand = _demand(conn, demand_id)
    _buyer_of(conn, actor, demand.shop_id)
    if demand.status != DemandStatus.OPEN.value:
        raise Conflict(f"wish {demand_id} has come true already; it takes no more wishes")
    if actor.user_id in wishers(conn, demand_id):
        raise Conflict(f"you have wished for {demand_id} already")
    place = Place(Source.PLUS_ONE)
    try:
        with conn.begin_nested():
            return inserted_id(
                conn,
                wishes.insert().values(
                    shop_id=demand.shop_id,
                    demand_id=demand_id,
                    author_id=actor.user_id,
                    text="+1",
                    item=demand.name,
                    source=place.source.value,
                    created_at=at,
                    dedupe_key=f"plus_one:{demand_id}:{actor.user_id}",
                ),
            )
    except IntegrityError:
        raise Conflict(f"you have wished for {demand_id} already") from None


def _demand(conn: Connection, demand_id: int, *, lock: bool = False):
    query = select(wish_demands).where(wish_demands.c.id == demand_id)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no wish {demand_id}")
    return row


def merchant_demand(conn: Connection, actor: Actor, demand_id: int, *, lock: bool = False):
    """The demand, if the actor is a member of its shop; another shop's is not revealed."""
    row = _demand(conn, demand_id, lock=lock)
    if row.shop_id not in actor.shops:
        raise NotFound(f"no wish {demand_id}")
    return row


def _open_demand(conn: Connection, actor: Actor, demand_id: int):
    row = merchant_demand(conn, actor, demand_id, lock=True)
    if row.status != DemandStatus.OPEN.value:
        raise Conflict(f"wish {demand_id} is closed: it became product {row.product_id}")
    return row


def wishers(conn: Connection, demand_id: int) -> list[int]:
    return list(
        conn.execute(
            select(wishes.c.author_id)
            .distinct()
            .where(wishes.c.demand_id == demand_id)
            .order_by(wishes.c.author_id)
        ).scalars()
    )


def rename(conn: Connection, actor: Actor, *, demand_id: int, name: object) -> None:
    _open_demand(conn, actor, demand_id)
    clean = clean_text(name, field="name", max_length=NAME_MAX_CHARS)
    conn.execute(wish_demands.update().where(wish_demands.c.id == demand_id).values(name=clean))


def merge(conn: Connection, actor: Actor, *, into_id: int, from_id: int) -> None:
    """Move every wish of `from_id` into `into_id` (both open, same shop); `from_id` is gone."""
    if into_id == from_id:
        raise InvalidInput("a wish cannot be merged into itself")
    into = _open_demand(conn, actor, into_id)
    other = _open_demand(conn, actor, from_id)
    if into.shop_id != other.shop_id:
        raise NotFound(f"no wish {from_id}")
    conn.execute(wishes.update().where(wishes.c.demand_id == from_id).values(demand_id=into_id))
    conn.execute(wish_demands.delete().where(wish_demands.c.id == from_id))


def split(conn: Connection, actor: Actor, *, wish_id: int, at: datetime) -> int:
    """Take one wish out of its demand into a new demand named by its item; the new demand."""
    row = conn.execute(select(wishes).where(wishes.c.id == wish_id)).first()
    if row is None or row.shop_id not in actor.shops:
        raise NotFound(f"no wish entry {wish_id}")
    _open_demand(conn, actor, row.demand_id)
    count = conn.execute(select(func.count()).where(wishes.c.demand_id == row.demand_id)).scalar_one()
    if count == 1:
        raise Conflict(f"wish entry {wish_id} is alone in its wish already")
    demand_id = _new_demand(conn, row.shop_id, row.item, at)
    conn.execute(wishes.update().where(wishes.c.id == wish_id).values(demand_id=demand_id))
    return demand_id


def fulfil(
    conn: Connection,
    actor: Actor,
    *,
    demand_id: int,
    product_id: int,
    at: datetime,
    sku_id: int | None = None,
    offer: WisherOffer | None = None,
    book: Rulebook | None = None,
) -> int:
    """The demand became the shop's product (a new SKU of it when `sku_id` is given; a presale
    when the product is sold under a presale promise): closed with the link, every wisher told
    once, and the merchant's wisher offer made (`book` holds its bounds). Turning a closed demand
    again, or a product (SKU) already made for another demand, is a conflict. The number of
    wishers it was made for."""
    demand = _open_demand(conn, actor, demand_id)
    product = conn.execute(
        select(products.c.shop_id, products.c.title, products.c.promise_kind).where(
            products.c.id == product_id
        )
    ).first()
    if product is None or product.shop_id != demand.shop_id:
        raise NotFound(f"shop {demand.shop_id} has no product {product_id}")
    title = _title(conn, product.title, product_id, sku_id)
    _not_taken(conn, product_id, sku_id)
    target = Target.SKU if sku_id else Target.PRESALE if product.promise_kind == PRESALE else Target.PRODUCT
    people = wishers(conn, demand_id)
    conn.execute(
        wish_demands.update()
        .where(wish_demands.c.id == demand_id, wish_demands.c.status == DemandStatus.OPEN.value)
        .values(
            status=DemandStatus.CLOSED.value,
            product_id=product_id,
            sku_id=sku_id,
            target=target.value,
            wishers_at_close=len(people),
            closed_at=at,
        )
    )
    if offer is not None:
        if book is None:
            raise TypeError("a wisher offer is checked against the rulebook: pass book=")
        came = Came(demand_id, demand.shop_id, product_id, sku_id, title, people)
        make_offer(conn, came, offer, book=book, at=at)
    shop = conn.execute(select(shops.c.name).where(shops.c.id == demand.shop_id)).scalar_one()
    notify(
        conn,
        people,
        kind=Kind.WISH_CAME_TRUE,
        params={"shop": shop, "title": title, "product_id": product_id},
        link=f"/products/{product_id}",
        cause=f"wish-came-true:{demand_id}",
        at=at,
    )
    return len(people)


def _title(conn: Connection, product_title: str, product_id: int, sku_id: int | None) -> str:
    """What the wishers are told came: the product, or the product and its new SKU's name."""
    if sku_id is None:
        return product_title
    name = conn.execute(
        select(skus.c.name).where(skus.c.id == sku_id, skus.c.product_id == product_id)
    ).scalar()
    if name is None:
        raise NotFound(f"product {product_id} has no SKU {sku_id}")
    return f"{product_title} · {name}"


def _not_taken(conn: Connection, product_id: int, sku_id: int | None) -> None:
    """A product serves one demand; a new SKU of it serves one more each."""
    d = wish_demands.c
    query = select(d.id).where(d.product_id == product_id)
    query = query.where(d.sku_id.is_(None) if sku_id is None else d.sku_id == sku_id)
    taken = conn.execute(query).first()
    if taken is not None and sku_id is None:
        raise Conflict(f"product {product_id} was made for wish {taken.id} already")
    if taken is not None:
        raise Conflict(f"SKU {sku_id} was made for wish {taken.id} already")


def new_product(
    conn: Connection,
    actor: Actor,
    *,
    demand_id: int,
    cmd: catalog.NewProduct,
    at: datetime,
    guards: Sequence[ListingGuard],
    screen: ListingScreen | None = None,
    offer: WisherOffer | None = None,
    book: Rulebook | None = None,
) -> int:
    """Turn the demand into a new product (a presale when `cmd.promise` is one) through the
    catalogue's own use case; its id."""
    demand = _open_demand(conn, actor, demand_id)
    if cmd.shop_id != demand.shop_id:
        raise NotFound(f"no wish {demand_id}")
    product_id = catalog.create_product(conn, actor, cmd, at=at, guards=guards, screen=screen)
    fulfil(conn, actor, demand_id=demand_id, product_id=product_id, at=at, offer=offer, book=book)
    return product_id


def new_sku(
    conn: Connection,
    actor: Actor,
    *,
    demand_id: int,
    product_id: int,
    sku: catalog.NewSku,
    at: datetime,
    screen: ListingScreen | None = None,
    offer: WisherOffer | None = None,
    book: Rulebook | None = None,
) -> int:
    """Turn the demand into a new SKU of one of the shop's products through the catalogue's own
    use case; the SKU's id."""
    _open_demand(conn, actor, demand_id)
    sku_id = catalog.add_sku(conn, actor, product_id, sku, at=at, screen=screen)
    fulfil(
        conn, actor, demand_id=demand_id, product_id=product_id, at=at, sku_id=sku_id, offer=offer, book=book
    )
    return sku_id
