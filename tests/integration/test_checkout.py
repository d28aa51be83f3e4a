"""Checkout: split by shop, stock taken exactly once, bad input changes nothing, unpaid orders
give their stock and coupon back. The races run on PostgreSQL with real concurrent connections
(saleor#543, medusa#16569, vendure#3508: two checkouts selling the last unit; medusa#16502: two
lines on one stock item)."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from pledge.accounts import services as accounts
from pledge.accounts.tables import users
from pledge.attribution.model import Channel, Source
from pledge.catalog.tables import skus
from pledge.kernel.errors import Conflict, InvalidInput, NotFound, OutOfStock
from pledge.lateship.services import sweep_late_ship
from pledge.ledger.services import balance, shop_proceeds
from pledge.ledger.tables import coupons
from pledge.live import services as live_services
from pledge.live.tables import live_rooms
from pledge.orders import services as orders_svc
from pledge.orders.services import LineRequest, PlacedCheckout, cancel_unpaid, place_order
from pledge.orders.tables import cart_lines, checkouts, order_events, order_lines, orders, payments
from pledge.promises.model import Promise
from tests.conftest import make_app
from tests.support import World

WRITTEN = (checkouts, orders, order_lines, payments, order_events, cart_lines, coupons)


def row_counts(app) -> dict[str, int]:
    with app.uow.read() as c:
        return {t.name: c.execute(select(func.count()).select_from(t)).scalar() for t in WRITTEN}


def stock_of(app, sku_id: int) -> int:
    with app.uow.read() as c:
        return c.execute(select(skus.c.stock).where(skus.c.id == sku_id)).scalar_one()


def all_stock(app) -> dict[int, int]:
    with app.uow.read() as c:
        return dict(c.execute(select(skus.c.id, skus.c.stock)).all())


def earn_coupon(world: World, clock, buyer) -> int:
    """A real late-ship coupon: a 72 h order for 500.00 left unshipped until it is 10 h late pays
    the late-ship cell 1% = 5 yuan (late-ship.48-240h.within48); it is not yet 48 h late, so no
    out-of-stock coupon comes with it."""
    shop_id, owner = world.shop("大乐水果")
    sku = world.product(owner, shop_id, promise="72h", price_fen=50000)
    world.paid_order(buyer, sku)
    clock.advance(timedelta(hours=72 + 10))
    sweep_late_ship(world.app.uow, world.app.rulebook, clock)
    with world.app.uow.read() as c:
        coupon = c.execute(select(coupons).where(coupons.c.buyer_id == buyer.user_id)).one()
    assert (coupon.amount_fen, coupon.status) == (500, "available")
    return coupon.id


def quick_buyers(app, n: int) -> list[accounts.Actor]:
    """Many buyers without paying for n password hashes."""
    with app.uow.begin() as c:
        start = c.execute(select(func.count()).select_from(users)).scalar()
        ids = [
            c.execute(
                insert(users).values(
                    email=f"racer{start + i}@example.cn",
                    display_name=f"抢购{start + i}",
                    password_hash="x",
                    created_at=app.clock.now(),
                )
            ).inserted_primary_key[0]
            for i in range(n)
        ]
        return [accounts.load_actor(c, uid) for uid in ids]


def test_checkout_splits_by_shop_into_orders_with_one_payment(app, world, clock):
    flowers, florist = world.shop("小阿阮鲜花")
    umbrellas, maker = world.shop("飞恋伞厂")
    sunflower = world.product(florist, flowers, price_fen=1990, stock=10, title="A级向日葵 12枝")
    peony = world.product(florist, flowers, promise="next-day", price_fen=500, stock=5, title="芍药")
    umbrella = world.product(maker, umbrellas, price_fen=4990, stock=3, title="激光变色伞")
    buyer = world.user()

    placed = world.place(buyer, (sunflower, 2), (umbrella, 1), (peony, 1))

    assert len(placed.order_ids) == 2
    assert placed.total_fen == 2 * 1990 + 500 + 4990 == 9470
    with app.uow.read() as c:
        rows = {
            r.shop_id: r for r in c.execute(select(orders).where(orders.c.checkout_id == placed.checkout_id))
        }
        pays = c.execute(select(payments).where(payments.c.checkout_id == placed.checkout_id)).all()
        lines = c.execute(
            select(
                order_lines.c.order_id,
                order_lines.c.sku_id,
                order_lines.c.quantity,
                order_lines.c.line_total_fen,
            ).order_by(order_lines.c.sku_id)
        ).all()
        total = c.execute(
            select(checkouts.c.total_fen).where(checkouts.c.id == placed.checkout_id)
        ).scalar_one()
    assert set(rows) == {flowers, umbrellas}
    assert (rows[flowers].items_fen, rows[flowers].paid_fen, rows[flowers].status) == (
        4480,
        4480,
        "pending_payment",
    )
    assert (rows[umbrellas].items_fen, rows[umbrellas].paid_fen, rows[umbrellas].status) == (
        4990,
        4990,
        "pending_payment",
    )
    assert rows[flowers].pay_by == clock.now() + timedelta(minutes=30)
    assert total == 9470
    assert [(p.amount_fen, p.status, p.provider_ref) for p in pays] == [(9470, "pending", placed.payment_ref)]
    assert [(line.order_id, line.sku_id, line.quantity, line.line_total_fen) for line in lines] == [
        (rows[flowers].id, sunflower, 2, 3980),
        (rows[flowers].id, peony, 1, 500),
        (rows[umbrellas].id, umbrella, 1, 4990),
    ]
    assert (stock_of(app, sunflower), stock_of(app, peony), stock_of(app, umbrella)) == (8, 4, 2)

    capture = world.pay(placed)
    assert capture.applied and sorted(capture.order_ids) == sorted(placed.order_ids)
    with app.uow.read() as c:
        assert {
            r.status
            for r in c.execute(select(orders.c.status).where(orders.c.checkout_id == placed.checkout_id))
        } == {"paid"}
        assert balance(c, shop_proceeds(flowers)) == 4480
        assert balance(c, shop_proceeds(umbrellas)) == 4990


def test_shortest_promise_of_a_multi_product_order_binds_at_payment(app, world, clock):
    """douyin:101706: the product pages, the live room and the video may promise different times;
    the shortest binds. Four products and a live room on one order (this used to overflow the
    pending order's promise_source column on PostgreSQL)."""
    shop_id, owner = world.shop()
    slow = world.product(owner, shop_id, promise="72h", title="定制书法伞")
    standard = world.product(owner, shop_id, promise="48h", title="晴雨伞")
    next_day = world.product(owner, shop_id, promise="next-day", title="卡通伞")
    presale = world.product(owner, shop_id, promise="presale:2026-09-20", title="钓鱼斗篷伞")
    with app.uow.begin() as c:
        room_id = live_services.create_room(
            c, owner, shop_id=shop_id, title="七夕专场", promise=Promise.parse("same-day"), at=clock.now()
        )
        session_id = live_services.go_live(
            c, owner, room_id=room_id, playback_url="/media/live.m3u8", at=clock.now(), title="七夕"
        )
        for sku in (slow, standard, next_day, presale):
            live_services.pin_card(
                c, owner, session_id=session_id, sku_id=sku, price_fen=1000, at=clock.now()
            )
        live = c.execute(select(live_rooms.c.content_id).where(live_rooms.c.id == room_id)).scalar_one()
    buyer = world.user()
    room = Source(Channel.LIVE_ROOM, room_id)
    with app.uow.begin() as c:
        placed = place_order(
            c,
            buyer,
            [LineRequest(sku, 1, room) for sku in (slow, standard, next_day, presale)],
            at=clock.now(),
            pay_window=app.pay_window,
            guards=app.sale_guards,
            sources=app.sources,
        )
    world.pay(placed)  # paid 10:00 in Shanghai: same-day means by 23:59:59 today
    with app.uow.read() as c:
        order = c.execute(select(orders).where(orders.c.id == placed.order_ids[0])).one()
    assert (order.status, order.promise_kind, order.promise_source) == (
        "paid",
        "same-day",
        f"live_room:{live}",
    )
    assert order.ship_by == datetime(2026, 9, 1, 15, 59, 59, tzinfo=UTC)

    quick = world.product(owner, shop_id, promise="6h", title="加急")
    placed = world.place(buyer, (slow, 1), (quick, 1), (next_day, 1))
    world.pay(placed)
    with app.uow.read() as c:
        order = c.execute(select(orders).where(orders.c.id == placed.order_ids[0])).one()
    assert (order.promise_kind, order.promise_hours, order.promise_source) == ("hours", 6, "product")
    assert order.ship_by == clock.now() + timedelta(hours=6)


def test_coupon_goes_to_the_largest_order_of_a_split_checkout(app, world, clock):
    buyer = world.user()
    coupon_id = earn_coupon(world, clock, buyer)
    small_shop, small_owner = world.shop()
    big_shop, big_owner = world.shop()
    small = world.product(small_owner, small_shop, price_fen=1990)
    big = world.product(big_owner, big_shop, price_fen=8800)

    placed = world.place(buyer, (small, 1), (big, 1), coupon_id=coupon_id)

    assert placed.total_fen == 1990 + 8800 - 500
    with app.uow.read() as c:
        rows = {
            r.shop_id: r for r in c.execute(select(orders).where(orders.c.checkout_id == placed.checkout_id))
        }
        coupon = c.execute(select(coupons).where(coupons.c.id == coupon_id)).one()
    assert (rows[big_shop].discount_fen, rows[big_shop].paid_fen, rows[big_shop].coupon_id) == (
        500,
        8300,
        coupon_id,
    )
    assert (rows[small_shop].discount_fen, rows[small_shop].paid_fen, rows[small_shop].coupon_id) == (
        0,
        1990,
        None,
    )
    assert (coupon.status, coupon.spent_order_id) == ("spent", rows[big_shop].id)
    with pytest.raises(Conflict):  # a spent coupon cannot be used twice
        world.place(buyer, (small, 1), coupon_id=coupon_id)
    other = world.user()
    with pytest.raises(NotFound):  # nor by somebody else
        world.place(other, (small, 1), coupon_id=coupon_id)


def test_unknown_sku_is_not_found_and_writes_nothing(app, world):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, stock=7)
    buyer = world.user()
    before, stock_before = row_counts(app), all_stock(app)

    with pytest.raises(NotFound) as err:
        world.place(buyer, (sku, 2), (987654, 1))

    assert "987654" in err.value.detail
    assert row_counts(app) == before
    assert all_stock(app) == stock_before and stock_before[sku] == 7


@pytest.mark.parametrize(
    "quantity, error",
    [(0, InvalidInput), (-1, InvalidInput), (-5, InvalidInput), (8, OutOfStock), (1000, InvalidInput)],
)
def test_bad_quantity_is_refused_and_writes_nothing(app, world, quantity, error):
    shop_id, owner = world.shop()
    good = world.product(owner, shop_id, stock=20)
    limited = world.product(owner, shop_id, stock=7)
    buyer = world.user()
    before, stock_before = row_counts(app), all_stock(app)

    with pytest.raises(error):
        world.place(buyer, (good, 3), (limited, quantity))
    with pytest.raises(error):
        with app.uow.begin() as c:
            orders_svc.add_to_cart(c, buyer, LineRequest(limited, quantity), at=world.now)

    assert row_counts(app) == before
    assert all_stock(app) == stock_before
    assert (stock_before[good], stock_before[limited]) == (20, 7)


def test_two_lines_on_one_sku_are_summed_and_cannot_oversell_together(app, world):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, stock=3)
    buyer = world.user()
    before = row_counts(app)

    with pytest.raises(OutOfStock):  # 2 + 2 > 3 although each line alone fits
        world.place(buyer, (sku, 2), (sku, 2))
    assert row_counts(app) == before and stock_of(app, sku) == 3

    placed = world.place(buyer, (sku, 1), (sku, 2))
    with app.uow.read() as c:
        lines = c.execute(
            select(order_lines.c.sku_id, order_lines.c.quantity).where(
                order_lines.c.order_id == placed.order_ids[0]
            )
        ).all()
    assert [tuple(line) for line in lines] == [(sku, 3)]
    assert placed.total_fen == 3 * 1990
    assert stock_of(app, sku) == 0
    with pytest.raises(OutOfStock):
        world.place(world.user(), (sku, 1))
    assert stock_of(app, sku) == 0


def test_cart_lines_on_one_sku_are_summed_and_checkout_empties_the_cart(app, world, clock):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, stock=3)
    buyer = world.user()
    with app.uow.begin() as c:
        orders_svc.add_to_cart(c, buyer, LineRequest(sku, 2), at=clock.now())
    with pytest.raises(OutOfStock):
        with app.uow.begin() as c:
            orders_svc.add_to_cart(c, buyer, LineRequest(sku, 2), at=clock.now())
    with app.uow.begin() as c:
        orders_svc.add_to_cart(c, buyer, LineRequest(sku, 1), at=clock.now())
        assert orders_svc.cart_lines_for(c, buyer.user_id, secrets=app.source_secrets, now=clock.now()) == [
            LineRequest(sku, 3)
        ]

    with app.uow.begin() as c:
        placed = orders_svc.checkout_cart(
            c, buyer, at=clock.now(), pay_window=app.pay_window, guards=app.sale_guards
        )

    assert placed.total_fen == 3 * 1990
    assert stock_of(app, sku) == 0
    with app.uow.read() as c:
        assert orders_svc.cart_lines_for(c, buyer.user_id, secrets=app.source_secrets, now=clock.now()) == []


def test_checkout_of_a_cart_that_no_longer_fits_keeps_the_cart(app, world, clock):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, stock=3)
    buyer, rival = world.user(), world.user()
    with app.uow.begin() as c:
        orders_svc.add_to_cart(c, buyer, LineRequest(sku, 2), at=clock.now())
    world.place(rival, (sku, 2))
    before = row_counts(app)

    with pytest.raises(OutOfStock):
        with app.uow.begin() as c:
            orders_svc.checkout_cart(
                c, buyer, at=clock.now(), pay_window=app.pay_window, guards=app.sale_guards
            )

    assert row_counts(app) == before
    assert stock_of(app, sku) == 1
    with app.uow.read() as c:
        assert orders_svc.cart_lines_for(c, buyer.user_id, secrets=app.source_secrets, now=clock.now()) == [
            LineRequest(sku, 2)
        ]


def test_unpaid_orders_are_cancelled_after_pay_by_and_give_back_stock_and_coupon(app, world, clock):
    buyer = world.user()
    coupon_id = earn_coupon(world, clock, buyer)
    flowers, florist = world.shop()
    fruit, grower = world.shop("大乐水果")
    sunflower = world.product(florist, flowers, stock=10, price_fen=1990)
    cherries = world.product(grower, fruit, stock=4, price_fen=12800)
    placed = world.place(buyer, (sunflower, 3), (cherries, 2), coupon_id=coupon_id)
    assert (stock_of(app, sunflower), stock_of(app, cherries)) == (7, 2)

    clock.advance(timedelta(minutes=30))  # exactly at pay-by: still payable
    with app.uow.begin() as c:
        assert cancel_unpaid(c, now=clock.now()) == 0
    clock.advance(timedelta(seconds=1))
    with app.uow.begin() as c:
        assert cancel_unpaid(c, now=clock.now()) == 2
    with app.uow.begin() as c:  # a second run finds nothing and gives nothing back twice
        assert cancel_unpaid(c, now=clock.now()) == 0

    assert (stock_of(app, sunflower), stock_of(app, cherries)) == (10, 4)
    with app.uow.read() as c:
        statuses = c.execute(
            select(orders.c.status, orders.c.cancelled_at).where(orders.c.checkout_id == placed.checkout_id)
        ).all()
        coupon = c.execute(select(coupons).where(coupons.c.id == coupon_id)).one()
        cancelled_events = c.execute(
            select(func.count())
            .select_from(order_events)
            .where(order_events.c.order_id.in_(placed.order_ids), order_events.c.kind == "cancelled")
        ).scalar()
    assert [tuple(s) for s in statuses] == [("cancelled", clock.now())] * 2
    assert (coupon.status, coupon.spent_at, coupon.spent_order_id) == ("available", None, None)
    assert cancelled_events == 2

    again = world.place(buyer, (cherries, 1), coupon_id=coupon_id)  # the coupon works again
    assert again.total_fen == 12800 - 500


def test_stock_never_goes_negative_and_is_conserved(app, world, clock):
    """Random checkouts, payments and expiries: stock stays >= 0 and stock plus what live orders
    hold always equals what the merchant put up."""
    shop_id, owner = world.shop()
    initial = {world.product(owner, shop_id, stock=n, title=f"商品{n}"): n for n in (0, 1, 4, 9)}
    buyers = [world.user() for _ in range(3)]
    rng = random.Random(20260901)
    for step in range(60):
        action = rng.random()
        if action < 0.7:
            picks = rng.sample(sorted(initial), rng.randint(1, 3))
            lines = [(s, rng.randint(1, 4)) for s in picks]
            try:
                placed = world.place(rng.choice(buyers), *lines)
            except OutOfStock:
                pass
            else:
                if rng.random() < 0.5:
                    world.pay(placed)
        else:
            clock.advance(timedelta(minutes=rng.choice((5, 20, 31))))
            with app.uow.begin() as c:
                cancel_unpaid(c, now=clock.now())
        stock = all_stock(app)
        with app.uow.read() as c:
            held = dict(
                c.execute(
                    select(order_lines.c.sku_id, func.sum(order_lines.c.quantity))
                    .join(orders, orders.c.id == order_lines.c.order_id)
                    .where(orders.c.status != "cancelled")
                    .group_by(order_lines.c.sku_id)
                ).all()
            )
        assert all(v >= 0 for v in stock.values()), (step, stock)
        assert {s: stock[s] + int(held.get(s, 0)) for s in initial} == initial, step


# --- real concurrency on PostgreSQL -------------------------------------------------------


def _race(app, barrier: threading.Barrier, buyer, lines: list[LineRequest], out: list, i: int) -> None:
    barrier.wait()
    try:
        with app.uow.begin() as c:
            out[i] = place_order(
                c, buyer, lines, at=app.clock.now(), pay_window=app.pay_window, guards=app.sale_guards
            )
    except Exception as exc:
        out[i] = exc


@pytest.mark.postgres
@pytest.mark.parametrize("stock, racers", [(1, 20), (5, 30)])
def test_concurrent_buyers_never_oversell_the_last_units(postgres_url, clock, stock, racers):
    app = make_app(postgres_url, clock)
    try:
        world = World(app)
        shop_id, owner = world.shop()
        sku = world.product(owner, shop_id, stock=stock, price_fen=1990)
        buyers = quick_buyers(app, racers)
        barrier = threading.Barrier(racers)
        out: list = [None] * racers
        threads = [
            threading.Thread(target=_race, args=(app, barrier, b, [LineRequest(sku, 1)], out, i))
            for i, b in enumerate(buyers)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)

        won = [o for o in out if isinstance(o, PlacedCheckout)]
        lost = [o for o in out if not isinstance(o, PlacedCheckout)]
        assert len(won) == stock
        assert len(lost) == racers - stock
        assert all(isinstance(o, OutOfStock) for o in lost), [
            repr(o) for o in lost if not isinstance(o, OutOfStock)
        ]
        assert stock_of(app, sku) == 0
        with app.uow.read() as c:
            sold = c.execute(
                select(func.coalesce(func.sum(order_lines.c.quantity), 0)).where(order_lines.c.sku_id == sku)
            ).scalar()
            order_count = c.execute(select(func.count()).select_from(orders)).scalar()
            payment_count = c.execute(select(func.count()).select_from(payments)).scalar()
        assert (sold, order_count, payment_count) == (stock, stock, stock)
    finally:
        app.uow.engine.dispose()


@pytest.mark.postgres
def test_concurrent_multi_sku_checkouts_lock_in_one_order_and_never_oversell(postgres_url, clock):
    """Half the buyers list the SKUs the other way round: locks are still taken in SKU-id order,
    so there is no deadlock, and neither SKU oversells."""
    app = make_app(postgres_url, clock)
    try:
        world = World(app)
        shop_a, owner_a = world.shop()
        shop_b, owner_b = world.shop()
        rose = world.product(owner_a, shop_a, stock=6, title="多头玫瑰")
        umbrella = world.product(owner_b, shop_b, stock=4, title="书法伞")
        racers = 24
        buyers = quick_buyers(app, racers)
        barrier = threading.Barrier(racers)
        out: list = [None] * racers
        threads = []
        for i, b in enumerate(buyers):
            lines = [LineRequest(rose, 1), LineRequest(umbrella, 1)]
            threads.append(
                threading.Thread(
                    target=_race, args=(app, barrier, b, lines if i % 2 else lines[::-1], out, i)
                )
            )
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)

        won = [o for o in out if isinstance(o, PlacedCheckout)]
        assert len(won) == 4
        assert all(isinstance(o, OutOfStock) for o in out if not isinstance(o, PlacedCheckout)), out
        assert (stock_of(app, rose), stock_of(app, umbrella)) == (2, 0)
        assert all(len(w.order_ids) == 2 for w in won)
    finally:
        app.uow.engine.dispose()
