"""Buyer actions racing the system on PostgreSQL (one App and pool per thread): a buyer
cancelling an unpaid checkout while the unpaid sweep cancels it returns the stock and the
coupon once; reminders sent at the same moment count once; two cancellation requests at once
refund the order once."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from pledge.aftersales.cancellation import request_cancellation
from pledge.aftersales.tables import refunds
from pledge.kernel.errors import DomainError
from pledge.orders import buyer_actions
from pledge.orders import services as order_services
from pledge.orders.tables import order_events, orders
from tests.conftest import make_app
from tests.integration.test_checkout import stock_of
from tests.support import World, run_concurrently

pytestmark = pytest.mark.postgres
WORKERS = 4


@pytest.fixture
def apps(postgres_url, clock):
    made = [make_app(postgres_url, clock) for _ in range(WORKERS)]
    yield made
    for app in made:
        app.uow.engine.dispose()


def _outcomes(results: list) -> Counter:
    for r in results:
        if isinstance(r, Exception) and not isinstance(r, DomainError):
            raise r
    return Counter("refused" if isinstance(r, DomainError) else "done" for r in results)


def test_buyer_cancel_racing_the_unpaid_sweep_returns_stock_once(apps, clock):
    world = World(apps[0])
    buyer = world.user()
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, stock=10)
    placed = world.place(buyer, (sku, 3))
    clock.advance(apps[0].pay_window * 2)

    def cancel(app):
        with app.uow.begin() as c:
            return buyer_actions.cancel_unpaid_order(c, buyer, placed.order_ids[0], at=clock.now())

    def sweep(app):
        with app.uow.begin() as c:
            return order_services.cancel_unpaid(c, now=clock.now())

    _outcomes(
        run_concurrently([lambda a=a: cancel(a) for a in apps[:2]] + [lambda a=a: sweep(a) for a in apps[2:]])
    )
    assert stock_of(apps[0], sku) == 10
    with apps[0].uow.read() as c:
        events = c.execute(
            select(func.count())
            .select_from(order_events)
            .where(order_events.c.order_id == placed.order_ids[0], order_events.c.kind == "cancelled")
        ).scalar_one()
    assert events == 1


def test_simultaneous_reminders_count_once(apps, clock):
    world = World(apps[0])
    buyer = world.user()
    shop_id, owner = world.shop()
    order_id = world.paid_order(buyer, world.product(owner, shop_id))

    def remind(app):
        with app.uow.begin() as c:
            return buyer_actions.remind_to_ship(c, buyer, order_id, book=app.rulebook, at=clock.now())

    assert _outcomes(run_concurrently([lambda a=a: remind(a) for a in apps])) == Counter(done=1, refused=3)
    with apps[0].uow.read() as c:
        assert c.execute(select(orders.c.ship_reminders).where(orders.c.id == order_id)).scalar_one() == 1


def test_two_cancellation_requests_at_once_refund_the_order_once(apps, clock):
    world = World(apps[0])
    buyer = world.user()
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id)
    order_id = world.paid_order(buyer, sku, 2)

    def ask(app):
        with app.uow.begin() as c:
            return request_cancellation(c, buyer, order_id, book=app.rulebook, at=clock.now())

    assert _outcomes(run_concurrently([lambda a=a: ask(a) for a in apps]))["done"] == 1
    with apps[0].uow.read() as c:
        refunded = c.execute(
            select(func.sum(refunds.c.amount_fen)).where(refunds.c.order_id == order_id)
        ).scalar()
        paid = c.execute(select(orders.c.paid_fen).where(orders.c.id == order_id)).scalar_one()
    assert refunded == paid
    assert stock_of(apps[0], sku) == 100
