"""The orders' change feed (issue 20): every insert and status change of a shop's orders, oldest
first, from a signed cursor; never a change skipped, also when transactions commit in another
order than they wrote (PostgreSQL); a cursor not ours or of another shop is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pledge.accounts.services import load_actor
from pledge.fulfilment.services import ship_order
from pledge.integrations import changes
from pledge.integrations.tables import order_changes
from pledge.kernel.errors import InvalidInput
from pledge.orders.model import OrderStatus
from tests.conftest import make_app
from tests.support import World

SECRETS = ("feed-secret", "")


def read(app, actor, cursor=None, limit=100, shop_id=None):
    with app.uow.read() as c:
        return changes.changes_since(c, actor, shop_id=shop_id, cursor=cursor, limit=limit, secrets=SECRETS)


def statuses(page) -> list[tuple[int, str]]:
    return [(c["order_id"], c["status"]) for c in page.changes]


@pytest.fixture
def shop(world):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, stock=50)
    return shop_id, owner, sku


def test_every_insert_and_status_change_is_in_the_feed_oldest_first(app, world, shop):
    shop_id, owner, sku = shop
    buyer = world.user()
    first = world.paid_order(buyer, sku)
    world.ship(owner, first)
    page = read(app, owner)
    assert statuses(page) == [
        (first, OrderStatus.PENDING_PAYMENT.value),
        (first, OrderStatus.PAID.value),
        (first, OrderStatus.SHIPPED.value),
    ]
    assert not page.more
    second = world.paid_order(buyer, sku)
    after = read(app, owner, page.next_cursor)
    assert statuses(after) == [(second, OrderStatus.PENDING_PAYMENT.value), (second, OrderStatus.PAID.value)]
    assert statuses(read(app, owner, after.next_cursor)) == []


def test_a_page_ends_at_the_limit_and_the_next_cursor_goes_on(app, world, shop):
    shop_id, owner, sku = shop
    buyer = world.user()
    for _ in range(3):
        world.paid_order(buyer, sku)
    seen, cursor, more = [], None, True
    while more:
        page = read(app, owner, cursor, limit=2)
        assert len(page.changes) <= 2
        seen += [c["change_id"] for c in page.changes]
        cursor, more = page.next_cursor, page.more
    assert len(seen) == 6 == len(set(seen))


def test_a_cursor_not_ours_or_of_another_shop_is_refused(app, world, shop):
    shop_id, owner, sku = shop
    world.paid_order(world.user(), sku)
    cursor = read(app, owner, limit=1).next_cursor
    other_shop, other_owner = world.shop("大乐水果")
    with pytest.raises(InvalidInput, match="another shop"):
        read(app, other_owner, cursor)
    body, _, signature = cursor.rpartition(".")
    forged = body.rsplit(".", 1)[0] + ".99." + signature
    for bad in (forged, "garbage", cursor + "x", "1.2.3.4.5"):
        with pytest.raises(InvalidInput, match="cursor"):
            read(app, owner, bad)
    with pytest.raises(InvalidInput, match="limit"):
        read(app, owner, limit=changes.LIMIT_MAX + 1)


def test_another_shops_orders_are_not_in_the_feed(app, world, shop):
    shop_id, owner, sku = shop
    other_shop, other_owner = world.shop("大乐水果")
    other_sku = world.product(other_owner, other_shop)
    world.paid_order(world.user(), other_sku)
    assert read(app, owner).changes == []
    assert len(read(app, other_owner).changes) == 2


@pytest.mark.postgres
def test_a_change_committed_after_a_later_one_is_never_skipped(postgres_url, clock):
    """T1 changes order A first (the smaller change id), T2 changes order B and commits first; a
    reader between the two commits must not move its cursor past A's change."""
    app = make_app(postgres_url, clock)
    try:
        world = World(app)
        shop_id, owner = world.shop()
        sku = world.product(owner, shop_id, stock=10)
        buyer = world.user()
        a, b = world.paid_order(buyer, sku), world.paid_order(buyer, sku)
        cursor = read(app, owner).next_cursor
        with app.uow.engine.connect() as t1, app.uow.engine.connect() as t2:
            with t1.begin():
                ship_order(
                    t1,
                    load_actor(t1, owner.user_id),
                    order_id=a,
                    carrier="sf",
                    tracking_no="SF1000000001",
                    at=clock.now(),
                )
                with t2.begin():
                    ship_order(
                        t2,
                        load_actor(t2, owner.user_id),
                        order_id=b,
                        carrier="sf",
                        tracking_no="SF1000000002",
                        at=clock.now(),
                    )
                ids = dict(
                    t2.execute(
                        select(order_changes.c.order_id, order_changes.c.id).where(
                            order_changes.c.status == "shipped"
                        )
                    ).all()
                )
                assert ids == {b: ids[b]}  # B committed; A's change (a smaller id) is not yet visible
                between = read(app, owner, cursor)
                assert statuses(between) == []  # B is held back while A's transaction runs
                cursor = between.next_cursor
            after = read(app, owner, cursor)
        assert statuses(after) == [(a, OrderStatus.SHIPPED.value), (b, OrderStatus.SHIPPED.value)]
    finally:
        app.uow.engine.dispose()
