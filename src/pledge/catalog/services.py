"""Shops, the two-level category tree, products with SKUs and their ship promises."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_shop
from pledge.catalog.guards import ListingGuard, ListingScreen, Screening, check_listing, check_presale
from pledge.catalog.tables import categories, content_promises, products, shops, skus
from pledge.kernel.clock import zone
from pledge.kernel.db import inserted_id
from pledge.kernel.errors import InvalidInput, NotFound
from pledge.kernel.indexing import Indexed, changed
from pledge.kernel.limits import DESCRIPTION_MAX, MAX_PRICE_FEN, MAX_STOCK, NAME_MAX, TITLE_MAX
from pledge.kernel.money import format_yuan
from pledge.kernel.text import clean_text
from pledge.promises.model import Promise


@dataclass(frozen=True)
class NewSku:
    name: str
    price_fen: int
    stock: int


@dataclass(frozen=True)
class NewProduct:
    shop_id: int
    category_id: int
    title: str
    promise: Promise
    skus: list[NewSku]
    description: str = ""
    perishable: bool = False
    custom_made: bool = False
    blind_box: bool = False
    booked_delivery: bool = False  # the buyer may book the arrival day (预约达)
    shipping_fee_fen: int = 0  # 运费 an order holding this product pays (0: free shipping)


def create_shop(
    conn: Connection,
    *,
    name: str,
    slug: str,
    at: datetime,
    timezone: str = "Asia/Shanghai",
    city: str = "",
    description: str = "",
) -> int:
    zone(timezone)
    shop_id = inserted_id(
        conn,
        shops.insert().values(
            name=name, slug=slug, timezone=timezone, city=city, description=description, created_at=at
        ),
    )
    changed(conn, Indexed.SHOP, [shop_id])
    return shop_id


def create_category(conn: Connection, *, name: str, name_en: str, parent_id: int | None = None) -> int:
    if parent_id is not None:
        parent = conn.execute(select(categories.c.parent_id).where(categories.c.id == parent_id)).first()
        if parent is None:
            raise NotFound(f"no category {parent_id}")
        if parent.parent_id is not None:
            raise InvalidInput("the category tree has two levels: a sub-category cannot have children")
    return inserted_id(conn, categories.insert().values(name=name, name_en=name_en, parent_id=parent_id))


PRESALE = "presale"  # the promise kind of a presale (预售) listing (promises.model.PROMISE_KINDS)


def _promise_columns(promise: Promise) -> dict:
    return {
        "promise_kind": promise.kind,
        "promise_hours": promise.hours,
        "presale_date": promise.presale_date,
    }


def _check_guards(guards: Sequence[ListingGuard], conn: Connection, cmd: NewProduct, at: datetime) -> None:
    """The listing guards, and for a presale listing the presale guards too."""
    check_listing(guards, conn, cmd.shop_id, at=at)
    if cmd.promise.kind == PRESALE:
        check_presale(guards, conn, cmd.shop_id, at=at)


def create_product(
    conn: Connection,
    actor: Actor,
    cmd: NewProduct,
    *,
    at: datetime,
    guards: Sequence[ListingGuard],
    screen: ListingScreen | None = None,
) -> int:
    """`guards` may refuse the listing (a shop whose deposit has been below zero for 48 h cannot
    list); `screen` checks its texts against the platform's content rules."""
    require_shop(actor, cmd.shop_id)
    _check_guards(guards, conn, cmd, at)
    if not cmd.title.strip():
        raise InvalidInput("a product needs a title")
    title, description = _title_and_description(cmd.title, cmd.description)
    if not cmd.skus:
        raise InvalidInput("a product needs at least one SKU")
    if not 0 <= cmd.shipping_fee_fen <= MAX_PRICE_FEN:
        raise InvalidInput(f"a shipping fee is between 0 and {MAX_PRICE_FEN} fen")
    for sku in cmd.skus:
        clean_text(sku.name, field="SKU name", max_length=NAME_MAX)
        check_sku_numbers(sku.name, sku.price_fen, sku.stock)
    screening = _screen(screen, title, description, [s.name for s in cmd.skus])
    category = conn.execute(select(categories.c.parent_id).where(categories.c.id == cmd.category_id)).first()
    if category is None:
        raise NotFound(f"no category {cmd.category_id}")
    product_id = inserted_id(
        conn,
        products.insert().values(
            shop_id=cmd.shop_id,
            category_id=cmd.category_id,
            title=title,
            description=description,
            perishable=cmd.perishable,
            custom_made=cmd.custom_made,
            blind_box=cmd.blind_box,
            booked_delivery=cmd.booked_delivery,
            shipping_fee_fen=cmd.shipping_fee_fen,
            active=screening.publish,
            created_at=at,
            **_promise_columns(cmd.promise),
        ),
    )
    conn.execute(
        skus.insert(),
        [
            {
                "product_id": product_id,
                "shop_id": cmd.shop_id,
                "name": s.name.strip(),
                "price_fen": s.price_fen,
                "stock": s.stock,
            }
            for s in cmd.skus
        ],
    )
    _hold(screen, conn, cmd.shop_id, product_id, screening, at)
    changed(conn, Indexed.PRODUCT, [product_id])
    return product_id


@dataclass(frozen=True)
class EditedSku:
    """A SKU as the editor sends it: `sku_id` None for a new one."""

    sku_id: int | None
    name: str
    price_fen: int
    stock: int


@dataclass(frozen=True)
class ProductEdit:
    category_id: int
    title: str
    promise: Promise
    skus: list[EditedSku]
    description: str = ""
    perishable: bool = False
    custom_made: bool = False
    booked_delivery: bool = False


def _title_and_description(title: str, description: str) -> tuple[str, str]:
    return clean_text(title, field="title", max_length=TITLE_MAX), clean_text(
        description, field="description", max_length=DESCRIPTION_MAX, multiline=True, required=False
    )


def _screen(screen: ListingScreen | None, title: str, description: str, sku_names: list[str]) -> Screening:
    if screen is None:
        return Screening()
    return screen([("title", title), ("description", description), *(("SKU name", n) for n in sku_names)])


def _hold(
    screen: ListingScreen | None,
    conn: Connection,
    shop_id: int,
    product_id: int,
    screening: Screening,
    at: datetime,
) -> None:
    """A listing the checks send to a reviewer waits unpublished in the queue (issue 14)."""
    if screen is not None and not screening.publish:
        screen.hold(conn, shop_id=shop_id, product_id=product_id, screening=screening, at=at)


def set_listed(conn: Connection, product_id: int, *, listed: bool) -> None:
    """The platform takes a product off sale (下架) or puts it back (a reviewer allowed it, or an
    appeal was upheld). Trust & safety (pledge.governance) decides and authorises; merchants have
    no way to relist a product the platform took down."""
    if conn.execute(products.update().where(products.c.id == product_id).values(active=listed)).rowcount != 1:
        raise NotFound(f"no product {product_id}")
    changed(conn, Indexed.PRODUCT, [product_id])


def update_product(
    conn: Connection,
    actor: Actor,
    product_id: int,
    edit: ProductEdit,
    *,
    at: datetime,
    screen: ListingScreen | None = None,
    guards: Sequence[ListingGuard] = (),
) -> None:
    """The merchant's editor: title, category, promise, flags and SKUs (existing ones by id,
    new ones added; a SKU is never deleted, since orders name it: set its stock to 0). Turning a
    product into a presale one asks the presale guards (`guards`) first."""
    row = conn.execute(
        select(products.c.shop_id, products.c.promise_kind).where(products.c.id == product_id)
    ).first()
    if row is None:
        raise NotFound(f"no product {product_id}")
    shop_id = row.shop_id
    require_shop(actor, shop_id)
    if edit.promise.kind == PRESALE and row.promise_kind != PRESALE:
        check_presale(guards, conn, shop_id, at=at)
    title, description = _title_and_description(edit.title, edit.description)
    if conn.execute(select(categories.c.id).where(categories.c.id == edit.category_id)).first() is None:
        raise NotFound(f"no category {edit.category_id}")
    if not edit.skus:
        raise InvalidInput("a product needs at least one SKU")
    own = set(conn.execute(select(skus.c.id).where(skus.c.product_id == product_id)).scalars())
    for sku in edit.skus:
        clean_text(sku.name, field="SKU name", max_length=NAME_MAX)
        check_sku_numbers(sku.name, sku.price_fen, sku.stock)
        if sku.sku_id is not None and sku.sku_id not in own:
            raise NotFound(f"product {product_id} has no SKU {sku.sku_id}")
    screening = _screen(screen, title, description, [s.name for s in edit.skus])
    waits = {} if screening.publish else {"active": False}
    conn.execute(
        products.update()
        .where(products.c.id == product_id)
        .values(
            **waits,
            title=title,
            description=description,
            category_id=edit.category_id,
            perishable=edit.perishable,
            custom_made=edit.custom_made,
            booked_delivery=edit.booked_delivery,
            **_promise_columns(edit.promise),
        )
    )
    for sku in edit.skus:
        values = {"name": sku.name.strip(), "price_fen": sku.price_fen, "stock": sku.stock}
        if sku.sku_id is None:
            conn.execute(skus.insert().values(product_id=product_id, shop_id=shop_id, **values))
        else:
            conn.execute(skus.update().where(skus.c.id == sku.sku_id).values(**values))
    _hold(screen, conn, shop_id, product_id, screening, at)
    changed(conn, Indexed.PRODUCT, [product_id])


def add_sku(
    conn: Connection,
    actor: Actor,
    product_id: int,
    sku: NewSku,
    *,
    at: datetime,
    screen: ListingScreen | None = None,
) -> int:
    """A new SKU of an existing product of the actor's shop (the editor's checks on its name,
    price and stock; a name the screen sends to a reviewer holds the product as an edit does)."""
    shop_id = conn.execute(select(products.c.shop_id).where(products.c.id == product_id)).scalar()
    if shop_id is None:
        raise NotFound(f"no product {product_id}")
    require_shop(actor, shop_id)
    name = clean_text(sku.name, field="SKU name", max_length=NAME_MAX)
    check_sku_numbers(name, sku.price_fen, sku.stock)
    screening = Screening() if screen is None else screen([("SKU name", name)])
    sku_id = inserted_id(
        conn,
        skus.insert().values(
            product_id=product_id, shop_id=shop_id, name=name, price_fen=sku.price_fen, stock=sku.stock
        ),
    )
    if not screening.publish:
        conn.execute(products.update().where(products.c.id == product_id).values(active=False))
    _hold(screen, conn, shop_id, product_id, screening, at)
    changed(conn, Indexed.PRODUCT, [product_id])
    return sku_id


def check_sku_numbers(name: str, price_fen: object, stock: object) -> None:
    """A price from one fen to MAX_PRICE_FEN and a stock from 0 to MAX_STOCK (kernel/limits.py):
    a price of 2^62 fen once overflowed every sum the finance pages make."""
    if type(price_fen) is not int or not 0 < price_fen <= MAX_PRICE_FEN:
        raise InvalidInput(
            f"SKU {name!r}: price must be positive and at most {format_yuan(MAX_PRICE_FEN)} yuan"
        )
    if type(stock) is not int or not 0 <= stock <= MAX_STOCK:
        raise InvalidInput(f"SKU {name!r}: stock must be between 0 and {MAX_STOCK} units")


def create_content_promise(
    conn: Connection, actor: Actor, *, shop_id: int, kind: str, title: str, promise: Promise
) -> int:
    """A live room or short video that states its own ship promise."""
    require_shop(actor, shop_id)
    if kind not in ("live_room", "video"):
        raise InvalidInput("content is a live_room or a video")
    return inserted_id(
        conn,
        content_promises.insert().values(
            shop_id=shop_id, kind=kind, title=title, **_promise_columns(promise)
        ),
    )


def set_stock(conn: Connection, actor: Actor, *, sku_id: int, stock: int) -> None:
    row = conn.execute(select(skus.c.shop_id).where(skus.c.id == sku_id)).first()
    if row is None:
        raise NotFound(f"no SKU {sku_id}")
    require_shop(actor, row.shop_id)
    if type(stock) is not int or not 0 <= stock <= MAX_STOCK:
        raise InvalidInput(f"stock must be a whole number of units from 0 to {MAX_STOCK}")
    conn.execute(skus.update().where(skus.c.id == sku_id).values(stock=stock))


def promise_of(row) -> Promise:
    presale = row.presale_date
    if isinstance(presale, str):
        presale = date.fromisoformat(presale)
    return Promise(row.promise_kind, hours=row.promise_hours, presale_date=presale)
