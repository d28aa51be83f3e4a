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
    shop_id = _shop_of(conn, product_id)
    require_shop(actor, shop_id)
    pi = product_images.c
    # Lock the product row (PostgreSQL) so two uploads at once take different positions.
    conn.execute(select(products.c.id).where(products.c.id == product_id).with_for_update())
    count = conn.execute(select(func.count()).where(pi.product_id == product_id)).scalar_one()
    if count >= MAX_IMAGES:
        raise InvalidInput(f"a product has at most {MAX_IMAGES} photos")
    conn.execute(
        product_images.insert().values(
            product_id=product_id, shop_id=shop_id, upload_id=upload_id, position=count + 1
        )
    )
    return count + 1


def image_uploads(conn: Connection, product_id: int) -> list[int]:
    """The product's photos (their upload ids), card photo first."""
    pi = product_images.c
    return list(
        conn.execute(select(pi.upload_id).where(pi.product_id == product_id).order_by(pi.position)).scalars()
    )


def managed_images(conn: Connection, actor: Actor, product_id: int) -> list[int]:
    """The product's photos (upload ids, card photo first) for a member of its shop to manage."""
    require_shop(actor, _shop_of(conn, product_id))
    return image_uploads(conn, product_id)


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


def _reorder(conn: Connection, product_id: int, row_ids: list[int]) -> None:
    """Write the photos' new order: through negative positions first, so the UNIQUE
    (product_id, position) never sees two photos at one place midway."""
    pi = product_images.c
    for i, row_id in enumerate(row_ids, 1):
        conn.execute(product_images.update().where(pi.id == row_id).values(position=-i))
    conn.execute(product_images.update().where(pi.product_id == product_id).values(position=-pi.position))


def _photos_of_shop(conn: Connection, actor: Actor, product_id: int, position: int) -> list[int]:
    require_shop(actor, _shop_of(conn, product_id))
    conn.execute(select(products.c.id).where(products.c.id == product_id).with_for_update())
    pi = product_images.c
    photos = list(
        conn.execute(select(pi.id).where(pi.product_id == product_id).order_by(pi.position)).scalars()
    )
    if type(position) is not int or not 1 <= position <= len(photos):
        raise NotFound(f"product {product_id} has no photo {position}")
    return photos


def remove_image(conn: Connection, actor: Actor, *, product_id: int, position: int) -> None:
    """Take a photo off the product; those after it move up (the second becomes the card photo
    when the first goes)."""
    photos = _photos_of_shop(conn, actor, product_id, position)
    removed = photos.pop(position - 1)
    conn.execute(product_images.delete().where(product_images.c.id == removed))
    _reorder(conn, product_id, photos)


def move_image(conn: Connection, actor: Actor, *, product_id: int, position: int, to: int) -> None:
    """Move a photo to another place (1: the card photo); the others keep their order."""
    photos = _photos_of_shop(conn, actor, product_id, position)
    if type(to) is not int or not 1 <= to <= len(photos):
        raise InvalidInput(f"a photo moves to a place from 1 to {len(photos)}")
    photos.insert(to - 1, photos.pop(position - 1))
    _reorder(conn, product_id, photos)
