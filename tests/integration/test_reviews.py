"""Review rules (clause review.window, a Pledge default): only the order's buyer, only after
delivery, within 15 days of sign-off, one review per line, edited once within 30 days; a
refused review changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.orders.tables import order_lines
from pledge.reviews import services as reviews
from pledge.reviews.tables import review_photos
from pledge.reviews.tables import reviews as reviews_table
from pledge.uploads.services import save_image
from pledge.uploads.store import LocalFileStore
from tests.e2e.test_aftersales_api import PNG, delivered_order


@pytest.fixture
def delivered(app, world, tmp_path):
    app.files = LocalFileStore(tmp_path / "uploads")
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, stock=100)
    buyer = world.user()
    order_id, line_id = delivered_order(app, buyer, owner, sku, hours_ago=1)
    return {"owner": owner, "buyer": buyer, "sku": sku, "order_id": order_id, "line_id": line_id}


def post(app, actor, line_id: int, stars: int = 5, at=None, **kw):
    with app.uow.begin() as c:
        return reviews.post_review(
            c, actor, line_id, reviews.ReviewIn(stars, **kw), book=app.rulebook, at=at or app.clock.now()
        )


def edit(app, actor, review_id: int, stars: int, at=None):
    with app.uow.begin() as c:
        reviews.edit_review(
            c, actor, review_id, reviews.ReviewIn(stars, "改"), book=app.rulebook, at=at or app.clock.now()
        )


def count(app) -> int:
    with app.uow.read() as c:
        return c.execute(select(func.count()).select_from(reviews_table)).scalar()


def test_only_the_buyer_reviews_and_only_once_per_line(app, world, delivered):
    with pytest.raises(NotFound):
        post(app, delivered["owner"], delivered["line_id"])
    with pytest.raises(NotFound):
        post(app, world.user(), delivered["line_id"])
    for bad in (0, 6, True):
        with pytest.raises(InvalidInput):
            post(app, delivered["buyer"], delivered["line_id"], stars=bad)
    assert count(app) == 0
    with app.uow.begin() as c:
        photo = save_image(
            c, app.files, delivered["buyer"], data=PNG, filename="flowers.png", at=app.clock.now()
        )
    review_id = post(
        app, delivered["buyer"], delivered["line_id"], stars=4, body="很新鲜", upload_ids=[photo]
    )
    with pytest.raises(Conflict):
        post(app, delivered["buyer"], delivered["line_id"])
    assert count(app) == 1
    with app.uow.read() as c:
        assert (
            c.execute(
                select(review_photos.c.upload_id).where(review_photos.c.review_id == review_id)
            ).scalar()
            == photo
        )


def test_only_delivered_orders_within_the_window(app, world, delivered):
    unshipped = world.paid_order(delivered["buyer"], delivered["sku"])
    with app.uow.read() as c:
        line = c.execute(select(order_lines.c.id).where(order_lines.c.order_id == unshipped)).scalar_one()
    with pytest.raises(Conflict, match="not been delivered"):
        post(app, delivered["buyer"], line)
    days = app.rulebook.one("review_window", app.clock.now()).get("days")
    late = app.clock.now() - timedelta(hours=1) + timedelta(days=days, seconds=1)
    with pytest.raises(Conflict, match="closed"):
        post(app, delivered["buyer"], delivered["line_id"], at=late)
    assert count(app) == 0
    post(app, delivered["buyer"], delivered["line_id"], at=late - timedelta(seconds=2))
    assert count(app) == 1


def test_a_review_is_edited_once_by_its_author(app, world, delivered):
    review_id = post(app, delivered["buyer"], delivered["line_id"], stars=2)
    with pytest.raises(NotFound):
        edit(app, delivered["owner"], review_id, 5)
    edit(app, delivered["buyer"], review_id, 5)
    with pytest.raises(Conflict, match="edited already"):
        edit(app, delivered["buyer"], review_id, 1)
    with app.uow.read() as c:
        row = c.execute(select(reviews_table).where(reviews_table.c.id == review_id)).one()
    assert (row.stars, row.edits, row.body) == (5, 1, "改")


def test_the_edit_window_closes(app, delivered):
    review_id = post(app, delivered["buyer"], delivered["line_id"], stars=2)
    edit_days = app.rulebook.one("review_window", app.clock.now()).get("edit_days")
    with pytest.raises(Conflict, match="no longer"):
        edit(app, delivered["buyer"], review_id, 5, at=app.clock.now() + timedelta(days=edit_days, seconds=1))
