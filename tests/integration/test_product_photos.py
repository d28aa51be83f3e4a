"""A product's photos managed by its shop (SQLite and PostgreSQL): added in order, removed (those
after move up, the second becomes the card photo), moved to another place (the others keep their
order), never by another shop, never to a place that does not exist; nothing changes on a refusal."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pledge.catalog import images
from pledge.catalog.tables import skus
from pledge.kernel.errors import Forbidden, InvalidInput, NotFound
from pledge.uploads.services import save_image
from tests.e2e.test_aftersales_api import PNG


@pytest.fixture
def product(app, world):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id)
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    uploads = []
    with app.uow.begin() as c:
        for n in range(3):
            upload_id = save_image(c, app.files, owner, data=PNG, filename=f"{n}.png", at=app.clock.now())
            assert images.add_image(c, owner, product_id=product_id, upload_id=upload_id) == n + 1
            uploads.append(upload_id)
    return {"owner": owner, "product_id": product_id, "uploads": uploads}


def order(app, product_id: int) -> list[int]:
    with app.uow.read() as c:
        return images.image_uploads(c, product_id)


def test_a_photo_moves_and_the_others_keep_their_order(app, product):
    a, b, c_ = product["uploads"]
    with app.uow.begin() as c:
        images.move_image(c, product["owner"], product_id=product["product_id"], position=3, to=1)
    assert order(app, product["product_id"]) == [c_, a, b]
    with app.uow.begin() as c:
        images.move_image(c, product["owner"], product_id=product["product_id"], position=1, to=3)
    assert order(app, product["product_id"]) == [a, b, c_]


def test_removing_the_card_photo_makes_the_next_one_the_card_photo(app, product):
    a, b, c_ = product["uploads"]
    with app.uow.begin() as c:
        images.remove_image(c, product["owner"], product_id=product["product_id"], position=1)
    assert order(app, product["product_id"]) == [b, c_]
    with app.uow.read() as c:
        assert images.image_upload(c, product["product_id"], 1) == b


def test_another_shop_and_bad_places_are_refused_and_change_nothing(app, world, product):
    _, stranger = world.shop("别家")
    before = order(app, product["product_id"])
    for call, error in (
        (lambda c: images.remove_image(c, stranger, product_id=product["product_id"], position=1), Forbidden),
        (
            lambda c: images.move_image(c, stranger, product_id=product["product_id"], position=1, to=2),
            Forbidden,
        ),
        (
            lambda c: images.remove_image(c, product["owner"], product_id=product["product_id"], position=4),
            NotFound,
        ),
        (
            lambda c: images.move_image(
                c, product["owner"], product_id=product["product_id"], position=1, to=4
            ),
            InvalidInput,
        ),
    ):
        with pytest.raises(error), app.uow.begin() as c:
            call(c)
    assert order(app, product["product_id"]) == before
