"""A product's photos (several; the first one on cards). The image itself is cleaned and stored
by pledge.uploads (the caller saves it there first, in the same transaction); the catalog only
orders the uploads under the product."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_shop
from pledge.catalog.tables import product_images, products
from pledge.kernel.errors import InvalidInput, NotFound

MAX_IMAGES = 9  # photos per product (pledge:default: a phone grid of nine)


def _shop_of(conn: Connection, product_id: int) -> int:
    shop_id = conn.execute(select(products.c.shop_id).where(products.c.id == product_id)).scalar()
    if shop_id is None:
        raise NotFound(f"no product {product_id}")
    return shop_id


def add_image(conn: Connection, actor: Actor, *, product_id: int, upload_id: int) -> int:
    """Append a cleaned upload to the product's photos; its position (1 is the card photo)."""
    require_shop(actor, _shop_of(conn, product_id))
    pi = product_images.c
    # Lock the product row (PostgreSQL) so two uploads at once take different positions.
    conn.execute(select(products.c.id).where(products.c.id == product_id).with_for_update())
    count = conn.execute(select(func.count()).where(pi.product_id == product_id)).scalar_one()
    if count >= MAX_IMAGES:
        raise InvalidInput(f"a product has at most {MAX_IMAGES} photos")
    conn.execute(
        product_images.insert().values(product_id=product_id, upload_id=upload_id, position=count + 1)
    )
    return count + 1


def image_uploads(conn: Connection, product_id: int) -> list[int]:
    """The product's photos (their upload ids), card photo first."""
    pi = product_images.c
    return list(
        conn.execute(select(pi.upload_id).where(pi.product_id == product_id).order_by(pi.position)).scalars()
    )


def image_upload(conn: Connection, product_id: int, position: int) -> int:
    pi = product_images.c
    upload_id = conn.execute(
        select(pi.upload_id).where(pi.product_id == product_id, pi.position == position)
    ).scalar()
    if upload_id is None:
        raise NotFound(f"product {product_id} has no photo {position}")
    return upload_id


def card_photos(conn: Connection, product_ids: list[int]) -> set[int]:
    """Which of these products have a card photo."""
    if not product_ids:
        return set()
    pi = product_images.c
    return set(
        conn.execute(select(pi.product_id).where(pi.product_id.in_(product_ids), pi.position == 1)).scalars()
    )


def image_url(product_id: int, position: int = 1) -> str:
    return f"/api/v1/products/{product_id}/images/{position}"
