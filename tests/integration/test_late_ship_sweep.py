"""The late-ship sweep (晚发即赔, douyin:aJoPPkWZ7VQM table effective 2026-08-10, paid as a
no-threshold coupon per douyin:aHwH9wK4JUHQ), worked examples with exact amounts, clauses and
explanations: the late-ship cell as soon as an order is late, the out-of-stock deduction
(douyin:aHwHGWzbmk88) in addition once it is more than 48 h late, each exactly once under
retries and concurrent workers; Taobao's buyer daily cap (tmall:10000177)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from pledge.accounts import services as accounts
from pledge.accounts.tables import users
from pledge.compensation.tables import compensations
from pledge.fulfilment.tables import tracking_events
from pledge.kernel import jsonutil
from pledge.lateship.services import sweep_batch, sweep_late_ship, sweep_threads
from pledge.ledger.services import buyer_coupons, shop_proceeds, trial_balance
from pledge.ledger.tables import coupons, ledger_accounts, ledger_postings, ledger_transactions
from pledge.orders.tables import order_events, orders
from tests.conftest import make_app, migrated_sqlite
from tests.support import World, run_concurrently

H = timedelta(hours=1)


def sweep(app):
    return sweep_late_ship(app.uow, app.rulebook, app.clock)


def comps(app, order_id: int | None = None) -> list:
    with app.uow.read() as c:
        q = select(compensations).order_by(compensations.c.id)
        if order_id is not None:
            q = q.where(compensations.c.order_id == order_id)
        return c.execute(q).all()


def coupon_rows(app, buyer_id: int | None = None) -> list:
    with app.uow.read() as c:
        q = select(coupons).order_by(coupons.c.id)
        if buyer_id is not None:
            q = q.where(coupons.c.buyer_id == buyer_id)
        return c.execute(q).all()


def order_row(app, order_id: int):
    with app.uow.read() as c:
        return c.execute(select(orders).where(orders.c.id == order_id)).one()


def legs(app, key: str) -> list[tuple[str, str, int]]:
    debit, credit = ledger_accounts.alias("debit"), ledger_accounts.alias("credit")
    with app.uow.read() as c:
        return [
            tuple(r)
            for r in c.execute(
                select(debit.c.code, credit.c.code, ledger_postings.c.amount_fen)
                .join(ledger_transactions, ledger_transactions.c.id == ledger_postings.c.transaction_id)
                .join(debit, debit.c.id == ledger_postings.c.debit_account_id)
                .join(credit, credit.c.id == ledger_postings.c.credit_account_id)
                .where(ledger_transactions.c.idempotency_key == key)
            )
        ]


def count(app, table, *where) -> int:
    with app.uow.read() as c:
        return c.execute(select(func.count()).select_from(table).where(*where)).scalar()


def quick_buyers(app, n: int) -> list[accounts.Actor]:
    with app.uow.begin() as c:
        start = c.execute(select(func.count()).select_from(users)).scalar()
        ids = [
            c.execute(
                insert(users).values(
                    email=f"late{start + i}@example.cn",
                    display_name=f"买家{start + i}",
                    password_hash="x",
                    created_at=app.clock.now(),
                )
            ).inserted_primary_key[0]
            for i in range(n)
        ]
        return [accounts.load_actor(c, uid) for uid in ids]


def test_douyin_aJoPPkWZ7VQM_over48_column_is_out_of_stock_not_paid_twice(app, world, clock):
    """Regression: a 72 h order picked up 50 h late used to be paid late-ship.48-240h.over48
    (3% = 5 yuan) by this sweep AND out-of-stock.pay.48-240h (3% = 5 yuan) by the logistics
    sweep: the table's second column twice, 10 yuan. Right: the late-ship cell (1% = 1.50 -> 2)
    as soon as it is late, the out-of-stock cell (3% = 4.50 -> 5) once more than 48 h late:
    7 yuan, each part once under its own key and clause, whatever sweeps run how often."""
    from pledge.logistics.services import sweep_logistics

    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, promise="72h", price_fen=15000)
    buyer = world.user()
    order_id = world.paid_order(buyer, sku)
    ship_by = clock.now() + 72 * H

    clock.set(ship_by + 30 * H)  # unshipped and 30 h late: the late-ship cell now, more may come
    interim = sweep(app)
    assert (interim.examined, interim.waiting, interim.compensated, interim.amount_fen) == (1, 1, 1, 200)
    assert order_row(app, order_id).late_check_at == ship_by + 48 * H + timedelta(seconds=1)

    clock.set(ship_by + 48 * H)
    world.ship(owner, order_id, carrier="sf")  # SF scans the parcel 2 h after the click
    clock.advance(2 * H)
    assert world.carrier_tick() == 1
    results = [sweep(app) for _ in range(3)]
    sweep_logistics(app.uow, app.rulebook, app.clock)  # the other out-of-stock trigger pays nothing more

    assert [(r.compensated, r.amount_fen) for r in results] == [(1, 500), (0, 0), (0, 0)]
    late, oos = comps(app)
    assert (late.order_id, late.shop_id, late.buyer_id, late.kind, late.amount_fen) == (
        order_id,
        shop_id,
        buyer.user_id,
        "late_ship",
        200,
    )
    assert (late.idempotency_key, late.rulebook, late.rulebook_version) == (
        f"late-ship:{order_id}",
        "douyin",
        "2026-08-10",
    )
    assert (late.clause_id, late.clause_source) == ("late-ship.48-240h.within48", "douyin:aJoPPkWZ7VQM")
    assert late.explanation == (
        "paid 150.00, promise 72 h, not shipped, 30 h late so far → clause late-ship.48-240h.within48 "
        "1% = 1.50 → rounded half-up 2 yuan [douyin:aJoPPkWZ7VQM]"
    )
    assert (oos.kind, oos.amount_fen, oos.idempotency_key) == (
        "out_of_stock",
        500,
        f"out-of-stock:{order_id}",
    )
    assert (oos.clause_id, oos.clause_source) == ("out-of-stock.pay.48-240h", "douyin:aHwHGWzbmk88")
    assert oos.explanation.startswith(
        "out of stock: paid 150.00, promise 72 h, shipped 50 h late, more than 48 h after"
    )
    assert "late-ship.48-240h.over48 [douyin:aJoPPkWZ7VQM]" in oos.explanation
    inputs = jsonutil.loads(oos.inputs)
    assert (inputs["paid_fen"], inputs["promise_seconds"], inputs["late_seconds"]) == (
        15000,
        72 * 3600,
        50 * 3600,
    )
    assert inputs["shipped_at"] == (ship_by + 50 * H).isoformat()
    assert inputs["trigger_clause"] == "out-of-stock.unshipped-48h-after-late"

    wallet = coupon_rows(app, buyer.user_id)
    assert [(c.id, c.amount_fen, c.min_spend_fen, c.status, c.source) for c in wallet] == [
        (late.coupon_id, 200, 0, "available", f"late-ship:{order_id}"),
        (oos.coupon_id, 500, 0, "available", f"out-of-stock:{order_id}"),
    ]
    assert (
        "条款 out-of-stock.pay.48-240h 3% = 4.50 → 四舍五入 5 元 [douyin:aHwHGWzbmk88]"
        in wallet[1].explanation_zh
    )

    assert legs(app, f"late-ship:{order_id}") == [(shop_proceeds(shop_id), buyer_coupons(buyer.user_id), 200)]
    assert legs(app, f"out-of-stock:{order_id}") == [
        (shop_proceeds(shop_id), buyer_coupons(buyer.user_id), 500)
    ]
    with app.uow.read() as c:
        balances = trial_balance(c)
    assert balances[shop_proceeds(shop_id)] == 15000 - 700
    assert balances[buyer_coupons(buyer.user_id)] == 700
    assert sum(balances.values()) == 0
    for kind in ("late_ship_compensated", "out_of_stock_compensated"):
        assert count(app, order_events, order_events.c.order_id == order_id, order_events.c.kind == kind) == 1
    assert order_row(app, order_id).late_check_at is None


def test_48h_order_shipped_10h_late_records_a_zero_compensation(app, world, clock):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, promise="48h", price_fen=1990)
    buyer = world.user()
    order_id = world.paid_order(buyer, sku)
    ship_by = clock.now() + 48 * H
    clock.set(ship_by + 8 * H)
    world.ship(owner, order_id, carrier="sf")
    clock.advance(2 * H)
    world.carrier_tick()

    result = sweep(app)
    sweep(app)

    assert (result.compensated, result.no_compensation, result.amount_fen) == (0, 1, 0)
    [comp] = comps(app)
    assert (comp.order_id, comp.amount_fen, comp.clause_id) == (order_id, 0, "late-ship.le48h.within48")
    assert (comp.coupon_id, comp.transaction_id) == (None, None)
    assert (
        comp.explanation
        == "paid 19.90, promise 48 h, shipped 10 h late → clause late-ship.le48h.within48: no compensation"
    )
    assert coupon_rows(app) == []
    assert count(app, ledger_transactions, ledger_transactions.c.kind == "late_ship") == 0


@pytest.mark.parametrize("paid_fen, expected_fen", [(1990, 200), (35000, 400), (600000, 5000)])
def test_unshipped_48h_order_is_paid_out_of_stock_only_once_more_than_48h_late(
    app, world, clock, paid_fen, expected_fen
):
    """A promise of 48 h or less earns nothing in the first column; more than 48 h late the
    out-of-stock cell: 1% of 19.90 rounds to 0 -> minimum 2; 1% of 350.00 = 3.50 -> 4; 1% of
    6000.00 = 60 -> maximum 50."""
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, promise="48h", price_fen=paid_fen)
    buyer = world.user()
    order_id = world.paid_order(buyer, sku)
    ship_by = clock.now() + 48 * H

    for late in (timedelta(minutes=1), 24 * H, 47 * H, 48 * H):
        clock.set(ship_by + late)
        sweep(app)
        assert [(c.kind, c.amount_fen) for c in comps(app)] == [("late_ship", 0)], late
    clock.set(ship_by + 48 * H + timedelta(seconds=1))
    result = sweep(app)

    assert (result.compensated, result.amount_fen) == (1, expected_fen)
    zero, comp = comps(app)
    assert (zero.clause_id, zero.amount_fen) == ("late-ship.le48h.within48", 0)
    assert (comp.kind, comp.amount_fen, comp.clause_id) == (
        "out_of_stock",
        expected_fen,
        "out-of-stock.pay.le48h",
    )
    assert (
        "promise 48 h, not shipped, 48 h 0 min 1 s late so far, more than 48 h after the ship-by time"
        in comp.explanation
    )
    assert [c.amount_fen for c in coupon_rows(app, buyer.user_id)] == [expected_fen]

    clock.advance(72 * H)  # shipping later does not pay again
    world.ship(owner, order_id, carrier="other", tracking_no="ZT000111222")
    clock.advance(H)
    world.carrier_tick()
    sweep(app)
    assert len(comps(app)) == 2 and len(coupon_rows(app)) == 1


@pytest.mark.parametrize("carrier", ["sf", "zto", "other"])
def test_on_time_shipment_pays_nothing(app, world, clock, carrier):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, promise="48h", price_fen=15000)
    order_id = world.paid_order(world.user(), sku)
    clock.advance(40 * H)  # the zto pickup scan 6 h later is still 2 h early
    world.ship(owner, order_id, carrier=carrier)
    for _ in range(4):
        clock.advance(6 * H)
        world.carrier_tick()
        sweep(app)
    clock.advance(300 * H)
    world.carrier_tick()
    sweep(app)

    assert comps(app) == [] and coupon_rows(app) == []
    order = order_row(app, order_id)
    assert order.picked_up_at <= order.ship_by
    assert order.late_check_at is None
    assert order.status == ("shipped" if carrier == "other" else "delivered")


def test_sweep_is_idempotent_over_many_orders(app, world, clock):
    shop_id, owner = world.shop()
    buyers = [world.user() for _ in range(3)]
    skus = {
        p: world.product(owner, shop_id, promise="72h", price_fen=p, title=f"伞{p}")
        for p in (1990, 15000, 99900)
    }
    ids = [world.paid_order(b, s) for b in buyers for s in skus.values()]
    clock.advance((72 + 49) * H)

    results = [sweep(app) for _ in range(3)]

    # late-ship 1% (min 2) + out of stock 3% (min 3): 19.90 -> 2 + 3; 150 -> 2 + 5; 999 -> 10 + 30
    assert [r.compensated for r in results] == [18, 0, 0]
    assert results[0].amount_fen == 3 * (500 + 700 + 4000)
    assert sorted(c.order_id for c in comps(app)) == sorted(ids + ids)
    assert count(app, coupons) == 18
    assert count(app, ledger_transactions, ledger_transactions.c.kind == "late_ship") == 9
    assert count(app, ledger_transactions, ledger_transactions.c.kind == "out_of_stock") == 9


def test_untracked_carrier_the_ship_click_counts(app, world, clock):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, promise="72h", price_fen=15000)
    order_id = world.paid_order(world.user(), sku)
    ship_by = clock.now() + 72 * H
    clock.set(ship_by + 10 * H)

    world.ship(owner, order_id, carrier="other", tracking_no="SELF00001")
    order = order_row(app, order_id)
    assert order.picked_up_at == order.shipped_at == ship_by + 10 * H
    sweep(app)

    [comp] = comps(app)
    assert (comp.amount_fen, comp.clause_id) == (200, "late-ship.48-240h.within48")
    assert comp.explanation == (
        "paid 150.00, promise 72 h, shipped 10 h late → clause late-ship.48-240h.within48 "
        "1% = 1.50 → rounded half-up 2 yuan [douyin:aJoPPkWZ7VQM]"
    )


def test_tracked_carrier_the_pickup_scan_counts_not_the_click(app, world, clock):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, promise="72h", price_fen=15000)
    buyer = world.user()
    zto_order = world.paid_order(buyer, sku)
    untracked_order = world.paid_order(buyer, sku)
    ship_by = clock.now() + 72 * H
    clock.set(ship_by - H)  # both clicked an hour early; ZTO scans 6 h after the click
    world.ship(owner, zto_order, carrier="zto", tracking_no="ZTO123456789")
    world.ship(owner, untracked_order, carrier="other", tracking_no="SELF00002")

    clock.set(ship_by + H)  # no scan yet: the ZTO order counts as unshipped, 1 h late, still open
    interim = sweep(app)
    assert (interim.compensated, interim.waiting) == (0, 1)
    clock.set(ship_by + 5 * H)
    world.carrier_tick()
    sweep(app)
    sweep(app)

    [comp] = comps(app)
    assert (comp.order_id, comp.amount_fen, comp.clause_id) == (zto_order, 200, "late-ship.48-240h.within48")
    assert jsonutil.loads(comp.inputs)["late_seconds"] == 5 * 3600
    assert "shipped 5 h late" in comp.explanation
    order = order_row(app, zto_order)
    assert (order.shipped_at, order.picked_up_at) == (ship_by - H, ship_by + 5 * H)
    assert order_row(app, untracked_order).late_check_at is None


# --- exactly once under concurrency -------------------------------------------------------

# 72 h promise, 49 h late: late-ship 1% (min 2, max 50) + out of stock 3% (min 3, max 50)
EXPECTED_OVER48_72H = {
    1990: 200 + 300,
    15000: 200 + 500,
    35000: 400 + 1100,
    99900: 1000 + 3000,
    250000: 2500 + 5000,
}


@pytest.mark.postgres
def test_four_concurrent_workers_pay_each_order_exactly_once(postgres_url, clock):
    app = make_app(postgres_url, clock)
    apps = [make_app(postgres_url, clock) for _ in range(4)]
    try:
        world = World(app)
        shops = [world.shop(), world.shop("飞恋伞厂")]
        skus = [
            (world.product(owner, shop_id, promise="72h", price_fen=p, stock=1000, title=f"商品{p}"), p)
            for shop_id, owner in shops
            for p in EXPECTED_OVER48_72H
        ]
        buyers = quick_buyers(app, 20)  # coupon accounts do not exist yet: the workers create them
        expected: dict[int, int] = {}
        for i in range(200):
            sku, price = skus[i % len(skus)]
            expected[world.paid_order(buyers[i % len(buyers)], sku)] = EXPECTED_OVER48_72H[price]
        clock.advance((72 + 49) * H)

        out = run_concurrently(
            [lambda a=a: sweep_late_ship(a.uow, a.rulebook, clock, batch=15) for a in apps]
        )

        assert [type(o).__name__ for o in out] == ["SweepResult"] * 4, [repr(o)[:300] for o in out]
        assert sum(o.compensated for o in out) == 400
        assert sum(o.amount_fen for o in out) == sum(expected.values())
        with app.uow.read() as c:
            per_order = dict(
                c.execute(
                    select(compensations.c.order_id, func.count()).group_by(compensations.c.order_id)
                ).all()
            )
            amounts = dict(
                c.execute(
                    select(compensations.c.order_id, func.sum(compensations.c.amount_fen)).group_by(
                        compensations.c.order_id
                    )
                ).all()
            )
            tx_per_key = c.execute(
                select(func.count(), func.count(func.distinct(ledger_transactions.c.idempotency_key))).where(
                    ledger_transactions.c.kind.in_(["late_ship", "out_of_stock"])
                )
            ).one()
            coupon_sources = c.execute(select(coupons.c.source, coupons.c.amount_fen)).all()
            postings_total = c.execute(
                select(func.sum(ledger_postings.c.amount_fen))
                .join(ledger_transactions, ledger_transactions.c.id == ledger_postings.c.transaction_id)
                .where(ledger_transactions.c.kind.in_(["late_ship", "out_of_stock"]))
            ).scalar()
            balances = trial_balance(c)
        assert per_order == {oid: 2 for oid in expected}
        assert {oid: int(v) for oid, v in amounts.items()} == expected
        assert tuple(tx_per_key) == (400, 400)
        assert sorted(s for s, _ in coupon_sources) == sorted(
            f"{k}:{oid}" for oid in expected for k in ("late-ship", "out-of-stock")
        )
        assert sum(a for _, a in coupon_sources) == sum(expected.values()) == int(postings_total)
        assert sum(balances[buyer_coupons(b.user_id)] for b in buyers) == sum(expected.values())
        assert sum(balances.values()) == 0
    finally:
        for a in (app, *apps):
            a.uow.engine.dispose()


def test_two_concurrent_sweep_batches_on_one_sqlite_file_pay_once(tmp_path, sqlite_template, clock):
    url = migrated_sqlite(sqlite_template, tmp_path, "two-workers.sqlite3")
    first, second = make_app(url, clock), make_app(url, clock)
    try:
        world = World(first)
        shop_id, owner = world.shop()
        sku = world.product(owner, shop_id, promise="72h", price_fen=15000)
        buyers = [world.user() for _ in range(3)]
        ids = [world.paid_order(b, sku) for b in buyers for _ in range(4)]
        clock.advance((72 + 49) * H)

        def one_batch(app):
            with app.uow.begin() as c:
                return sweep_batch(c, app.rulebook, now=clock.now())

        out = run_concurrently([lambda a=a: one_batch(a) for a in (first, second)], timeout=60)

        assert [type(o).__name__ for o in out] == ["SweepResult"] * 2, out
        assert sorted(o.compensated for o in out) == [0, 24]
        assert sum(o.amount_fen for o in out) == 12 * 700  # 2 (late-ship) + 5 (out of stock) each
        assert sorted(c.order_id for c in comps(first)) == sorted(ids + ids)
        assert count(first, coupons) == 24
        assert count(first, ledger_transactions, ledger_transactions.c.kind == "late_ship") == 12
    finally:
        first.uow.engine.dispose()
        second.uow.engine.dispose()


def test_the_worker_sweeps_with_two_threads_on_postgresql_and_pays_once(db_url, clock):
    # sweep_threads: 2 on PostgreSQL (SKIP LOCKED hands each thread its own batches), 1 on SQLite
    app = make_app(db_url, clock)
    try:
        world = World(app)
        shop_id, owner = world.shop()
        sku = world.product(owner, shop_id, promise="72h", price_fen=15000)
        buyers = quick_buyers(app, 7)  # their coupon accounts are created by the sweep's threads
        ids = [world.paid_order(buyers[i % 7], sku) for i in range(40)]
        clock.advance((72 + 49) * H)
        threads = sweep_threads(app.uow)

        result = sweep_late_ship(app.uow, app.rulebook, clock, batch=3, workers=threads)
        again = sweep_late_ship(app.uow, app.rulebook, clock, batch=3, workers=threads)

        assert threads == (2 if app.uow.engine.dialect.name == "postgresql" else 1)
        assert (result.examined, result.compensated, result.amount_fen) == (40, 80, 40 * 700)
        assert result.batches >= 14  # 40 orders in batches of 3, split between the threads
        assert (again.examined, again.compensated) == (0, 0)
        assert sorted(c.order_id for c in comps(app)) == sorted(ids + ids)
        assert count(app, coupons) == 80
    finally:
        app.uow.engine.dispose()


# --- Taobao: one buyer, one day, at most 100 yuan -----------------------------------------


@pytest.fixture
def taobao(db_url, clock):
    app = make_app(db_url, clock, rulebook="taobao")
    yield app
    app.uow.engine.dispose()


def test_taobao_buyer_gets_at_most_100_yuan_a_day(taobao, clock):
    world = World(taobao)
    assert (taobao.rulebook.name, taobao.rulebook.version) == ("taobao", "2025-09")
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, promise="72h", price_fen=100000)  # 5% = 50 -> max 30 yuan each
    buyer, other = world.user(), world.user()
    ids = [world.paid_order(buyer, sku) for _ in range(5)]
    other_id = world.paid_order(other, sku)
    clock.advance(73 * H)

    result = sweep(taobao)

    by_order = {c.order_id: c for c in comps(taobao)}
    assert [by_order[i].amount_fen for i in ids] == [3000, 3000, 3000, 1000, 0]
    assert by_order[other_id].amount_fen == 3000  # the cap is per buyer
    assert {by_order[i].clause_id for i in ids} == {"late-ship.gt48h"}
    assert "late-ship.buyer-daily-cap" not in by_order[ids[0]].explanation
    for capped in ids[3:]:
        assert "buyer daily cap 100.00 yuan (late-ship.buyer-daily-cap)" in by_order[capped].explanation
        assert "买家单日赔付上限100.00元" in by_order[capped].explanation_zh
    assert (result.compensated, result.amount_fen, result.no_compensation) == (5, 13000, 1)
    assert sum(c.amount_fen for c in coupon_rows(taobao, buyer.user_id)) == 10000
    assert len(coupon_rows(taobao, buyer.user_id)) == 4

    later = world.paid_order(buyer, sku)  # late three days later: a new day, a new 100 yuan
    clock.advance(73 * H)
    sweep(taobao)
    assert [c.amount_fen for c in comps(taobao, later)] == [3000]


def test_taobao_daily_cap_follows_the_shanghai_day_not_utc(taobao, clock):
    """07:30 and 10:00 in Shanghai are the same day, although 23:30 and 02:00 UTC are not."""
    world = World(taobao)
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, promise="72h", price_fen=100000)
    buyer = world.user()
    clock.set(datetime(2026, 9, 1, 23, 0, tzinfo=UTC))
    early = [world.paid_order(buyer, sku) for _ in range(3)]
    clock.advance(timedelta(hours=2, minutes=30))
    late = [world.paid_order(buyer, sku) for _ in range(2)]

    clock.set(datetime(2026, 9, 4, 23, 30, tzinfo=UTC))  # 2026-09-05 07:30 Shanghai
    sweep(taobao)
    clock.set(datetime(2026, 9, 5, 2, 0, tzinfo=UTC))  # 2026-09-05 10:00 Shanghai
    sweep(taobao)

    amounts = {c.order_id: c.amount_fen for c in comps(taobao)}
    assert [amounts[i] for i in early] == [3000, 3000, 3000]
    assert [amounts[i] for i in late] == [1000, 0]
    assert sum(c.amount_fen for c in coupon_rows(taobao, buyer.user_id)) == 10000


@pytest.mark.postgres
def test_taobao_daily_cap_holds_under_concurrent_workers(postgres_url, clock):
    """Workers sweeping different orders of one buyer at the same moment must still see each
    other's payouts when they apply the 100-yuan cap."""
    apps = [make_app(postgres_url, clock, rulebook="taobao") for _ in range(4)]
    try:
        world = World(apps[0])
        shop_id, owner = world.shop()
        sku = world.product(owner, shop_id, promise="72h", price_fen=100000, stock=1000)
        buyers = quick_buyers(apps[0], 3)
        for _ in range(12):  # 12 x 30 yuan due per buyer, interleaved across batches
            for b in buyers:
                world.paid_order(b, sku)
        clock.advance(73 * H)
        out = run_concurrently([lambda a=a: sweep_late_ship(a.uow, a.rulebook, clock, batch=3) for a in apps])

        assert [type(o).__name__ for o in out] == ["SweepResult"] * 4, [repr(o)[:300] for o in out]
        assert len(comps(apps[0])) == 36
        paid = {b.user_id: sum(c.amount_fen for c in coupon_rows(apps[0], b.user_id)) for b in buyers}
        assert paid == {b.user_id: 10000 for b in buyers}
    finally:
        for a in apps:
            a.uow.engine.dispose()


def test_a_late_pickup_scan_still_decides_the_lateness(app, world, clock):
    """The ship click came in time for the 46 h-late bracket, but the sweep ran before the
    carrier's scan arrived: it waits for the scan (shipped.pickup-scan-grace) instead of paying
    the unshipped >48 h rate, and pays by the scan time once it arrives."""
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, promise="72h", price_fen=15000)
    buyer = world.user()
    order_id = world.paid_order(buyer, sku)
    clock.advance(timedelta(hours=72 + 40))
    world.ship(owner, order_id, carrier="sf")  # scan due 2 h later: 42 h late
    clock.advance(timedelta(hours=10))  # 50 h late now, but the scan has not been applied
    first = sweep_late_ship(app.uow, app.rulebook, clock)
    assert (first.compensated, first.waiting) == (0, 1)
    world.carrier_tick()
    clock.advance(timedelta(hours=14, seconds=1))  # past the 24 h grace after the click
    sweep_late_ship(app.uow, app.rulebook, clock)
    with app.uow.read() as c:
        rows = c.execute(select(compensations).where(compensations.c.order_id == order_id)).all()
        assert c.execute(
            select(tracking_events.c.applied).where(tracking_events.c.kind == "picked_up")
        ).scalar()
    assert [(r.amount_fen, r.clause_id) for r in rows] == [(200, "late-ship.48-240h.within48")]
