"""Shipping and carrier tracking: the ship click, the scheduled carrier events, the pickup scan
that fixes the shipped time (douyin:101706), delivery; bad input changes nothing."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pledge.fulfilment.services import ship_order
from pledge.fulfilment.tables import shipments, tracking_events
from pledge.kernel.errors import Conflict, IllegalTransition, InvalidInput, NotFound
from pledge.orders.services import cancel_unpaid
from pledge.orders.tables import order_events, orders
from tests.conftest import make_app
from tests.support import World

H = timedelta(hours=1)


def order_row(app, order_id: int):
    with app.uow.read() as c:
        return c.execute(select(orders).where(orders.c.id == order_id)).one()


def shipping_state(app) -> dict:
    with app.uow.read() as c:
        return {
            "orders": [tuple(r) for r in c.execute(select(orders).order_by(orders.c.id))],
            "shipments": c.execute(select(func.count()).select_from(shipments)).scalar(),
            "tracking": c.execute(select(func.count()).select_from(tracking_events)).scalar(),
            "events": c.execute(select(func.count()).select_from(order_events)).scalar(),
        }


def events_of(app, order_id: int) -> list[tuple]:
    with app.uow.read() as c:
        return [
            tuple(r)
            for r in c.execute(
                select(order_events.c.kind, order_events.c.at)
                .where(order_events.c.order_id == order_id)
                .order_by(order_events.c.id)
            )
        ]


@pytest.fixture
def paid(world):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, promise="48h", price_fen=1990)
    buyer = world.user()
    return shop_id, owner, buyer, world.paid_order(buyer, sku)


def test_ship_with_sf_schedules_pickup_transit_and_delivery(app, world, clock, paid):
    shop_id, owner, buyer, order_id = paid
    clicked = clock.advance(3 * H)

    shipment_id = world.ship(owner, order_id, carrier="sf", tracking_no="  SF1234567890 ")

    order = order_row(app, order_id)
    assert (order.status, order.shipped_at, order.picked_up_at) == ("shipped", clicked, None)
    with app.uow.read() as c:
        shipment = c.execute(select(shipments).where(shipments.c.id == shipment_id)).one()
        scheduled = c.execute(
            select(
                tracking_events.c.kind,
                tracking_events.c.occurs_at,
                tracking_events.c.location,
                tracking_events.c.applied,
            ).order_by(tracking_events.c.id)
        ).all()
    assert (shipment.order_id, shipment.carrier, shipment.tracking_no, shipment.shipped_at) == (
        order_id,
        "sf",
        "SF1234567890",
        clicked,
    )
    assert [tuple(s) for s in scheduled] == [
        ("picked_up", clicked + 2 * H, "昆明", False),
        ("in_transit", clicked + 10 * H, "昆明 → 转运中心", False),
        ("delivered", clicked + 36 * H, "买家签收", False),
    ]

    clock.advance(H + timedelta(minutes=59))
    assert world.carrier_tick() == 0
    clock.advance(timedelta(minutes=1))
    assert world.carrier_tick() == 1
    order = order_row(app, order_id)
    assert (order.status, order.picked_up_at, order.late_check_at) == (
        "shipped",
        clicked + 2 * H,
        clicked + 2 * H,
    )

    clock.set(clicked + 40 * H)
    assert world.carrier_tick() == 2
    assert world.carrier_tick() == 0  # each event applies once
    order = order_row(app, order_id)
    assert (order.status, order.delivered_at) == ("delivered", clicked + 36 * H)
    with app.uow.read() as c:
        shipment = c.execute(select(shipments).where(shipments.c.id == shipment_id)).one()
    assert (shipment.picked_up_at, shipment.delivered_at) == (clicked + 2 * H, clicked + 36 * H)
    assert [k for k, _ in events_of(app, order_id)] == [
        "placed",
        "paid",
        "shipped",
        "picked_up",
        "in_transit",
        "delivered",
    ]


def test_untracked_carrier_counts_the_click_and_schedules_nothing(app, world, clock, paid):
    _, owner, _, order_id = paid
    clicked = clock.advance(5 * H)
    world.ship(owner, order_id, carrier="other", tracking_no="SELF2026090101")
    clock.advance(100 * H)
    assert world.carrier_tick() == 0

    order = order_row(app, order_id)
    assert (order.status, order.shipped_at, order.picked_up_at) == ("shipped", clicked, clicked)
    with app.uow.read() as c:
        assert c.execute(select(func.count()).select_from(tracking_events)).scalar() == 0
        assert c.execute(select(shipments.c.picked_up_at)).scalar_one() == clicked


@pytest.mark.parametrize(
    "carrier, tracking_no",
    [
        ("dhl", "SF1234567890"),  # not a carrier Pledge knows
        ("sf", ""),
        ("sf", "SF123"),  # too short
        ("sf", "SF-1234-5678"),  # not letters or digits
        ("sf", "S" * 41),  # too long
        ("sf", "顺丰 1234567"),
    ],
)
def test_bad_carrier_or_tracking_number_is_refused_and_changes_nothing(
    app, world, paid, carrier, tracking_no
):
    _, owner, _, order_id = paid
    before = shipping_state(app)
    with pytest.raises(InvalidInput):
        world.ship(owner, order_id, carrier=carrier, tracking_no=tracking_no)
    assert shipping_state(app) == before
    assert order_row(app, order_id).status == "paid"


def test_only_a_paid_order_can_be_shipped_and_only_once(app, world, clock, paid):
    shop_id, owner, buyer, order_id = paid
    sku = world.product(owner, shop_id)
    pending = world.place(buyer, (sku, 1)).order_ids[0]
    with pytest.raises(IllegalTransition):
        world.ship(owner, pending)
    expired = world.place(buyer, (sku, 1)).order_ids[0]
    clock.advance(app.pay_window + timedelta(seconds=1))
    with app.uow.begin() as c:
        assert cancel_unpaid(c, now=clock.now()) == 2
    world.ship(owner, order_id)
    before = shipping_state(app)

    for target in (pending, expired, order_id):
        with pytest.raises(IllegalTransition):
            world.ship(owner, target, tracking_no="SF9999999999")
    with pytest.raises(NotFound):
        world.ship(owner, 424242)
    assert shipping_state(app) == before


def test_an_order_waiting_for_payment_cannot_be_shipped(app, world):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id)
    order_id = world.place(world.user(), (sku, 1)).order_ids[0]
    before = shipping_state(app)
    with pytest.raises(IllegalTransition):
        world.ship(owner, order_id)
    assert shipping_state(app) == before
    assert order_row(app, order_id).status == "pending_payment"


@pytest.mark.postgres
def test_two_concurrent_ship_clicks_ship_once(postgres_url, clock):
    app = make_app(postgres_url, clock)
    try:
        world = World(app)
        shop_id, owner = world.shop()
        sku = world.product(owner, shop_id)
        order_id = world.paid_order(world.user(), sku)
        workers = 6
        barrier = threading.Barrier(workers)
        out: list = [None] * workers

        def click(i: int) -> None:
            barrier.wait()
            try:
                with app.uow.begin() as c:
                    out[i] = ship_order(
                        c,
                        owner,
                        order_id=order_id,
                        carrier="sf",
                        tracking_no=f"SF00000000{i}",
                        at=clock.now(),
                    )
            except Exception as exc:
                out[i] = exc

        threads = [threading.Thread(target=click, args=(i,)) for i in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)

        shipped = [o for o in out if isinstance(o, int)]
        assert len(shipped) == 1
        assert all(isinstance(o, Conflict) for o in out if not isinstance(o, int)), out
        with app.uow.read() as c:
            assert c.execute(select(func.count()).select_from(shipments)).scalar() == 1
            assert c.execute(select(func.count()).select_from(tracking_events)).scalar() == 3
            assert (
                c.execute(
                    select(func.count()).select_from(order_events).where(order_events.c.kind == "shipped")
                ).scalar()
                == 1
            )
    finally:
        app.uow.engine.dispose()
