"""The logistics-rule sweeps end to end (RULES.md §1): slow tracking, abnormal tracking and out
of stock pay the buyer a no-threshold coupon charged to the shop, exactly once per order and
rule, at the rule's boundary; parcels that move on time are decided clear and never looked at
again; concurrent workers on PostgreSQL pay once. Fraudulent shipping is an operator's finding."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pledge.compensation.tables import compensations
from pledge.fulfilment.tables import shipments, tracking_events
from pledge.kernel import jsonutil
from pledge.kernel.errors import Conflict, Forbidden, InvalidInput
from pledge.ledger.services import buyer_coupons, shop_proceeds, trial_balance
from pledge.ledger.tables import coupons, ledger_transactions
from pledge.logistics.services import report_fraudulent_shipping, sweep_logistics
from pledge.logistics.tables import logistics_outcomes, shipment_routes
from pledge.orders.tables import order_events
from tests.conftest import make_app
from tests.integration.test_late_ship_sweep import legs, quick_buyers
from tests.support import World, run_concurrently

H = timedelta(hours=1)
S = timedelta(seconds=1)


def sweep(app):
    return sweep_logistics(app.uow, app.rulebook, app.clock)


def comps(app, order_id: int, kind: str | None = None) -> list:
    with app.uow.read() as c:
        q = select(compensations).where(compensations.c.order_id == order_id).order_by(compensations.c.id)
        if kind:
            q = q.where(compensations.c.kind == kind)
        return c.execute(q).all()


def shipment_of(app, order_id: int) -> int:
    with app.uow.read() as c:
        return c.execute(select(func.max(shipments.c.id)).where(shipments.c.order_id == order_id)).scalar()


def bare_shipment(app, world, owner, order_id: int, tracking_no: str = "SF9000000001") -> int:
    """Shipped with a tracking number whose scans only come through the carrier's webhook:
    the sandbox's scheduled scans are removed."""
    world.ship(owner, order_id, tracking_no=tracking_no)
    sid = shipment_of(app, order_id)
    with app.uow.begin() as c:
        c.execute(tracking_events.delete().where(tracking_events.c.shipment_id == sid))
    return sid


def shop_of_shipment(c, shipment_id: int) -> int:
    return c.execute(select(shipments.c.shop_id).where(shipments.c.id == shipment_id)).scalar_one()


def scan(app, shipment_id: int, kind: str, at) -> None:
    with app.uow.begin() as c:
        c.execute(
            tracking_events.insert().values(
                shipment_id=shipment_id,
                shop_id=shop_of_shipment(c, shipment_id),
                kind=kind,
                occurs_at=at,
                location="",
                applied=False,
            )
        )


def setup(world, *, promise="48h", price_fen=45000):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, promise=promise, price_fen=price_fen)
    buyer = world.user()
    return shop_id, owner, buyer, world.paid_order(buyer, sku)


def test_no_pickup_scan_pays_slow_then_abnormal_then_out_of_stock_each_once(app, world, clock):
    shop_id, owner, buyer, order_id = setup(world)
    uploaded = clock.now()
    bare_shipment(app, world, owner, order_id)

    clock.set(uploaded + 24 * H)  # at the limit: still in time
    assert sweep(app).compensated == 0
    clock.set(uploaded + 24 * H + S)
    first = sweep(app)
    assert (first.compensated, first.amount_fen) == (1, 500)  # 1% of 450.00 = 4.50 -> 5 yuan
    assert sweep(app).compensated == 0
    [slow] = comps(app, order_id)
    assert (
        slow.kind,
        slow.idempotency_key,
        slow.clause_id,
        slow.clause_source,
        slow.buyer_id,
        slow.shop_id,
    ) == (
        "slow_tracking",
        f"slow-tracking:{order_id}",
        "slow-tracking.pay.le48h",
        "douyin:aHwHroCPheig",
        buyer.user_id,
        shop_id,
    )
    assert slow.explanation.startswith("slow tracking: tracking number uploaded ")
    assert (
        "no pickup scan within 24 h (slow-tracking.no-pickup-24h [douyin:aHwHroCPheig])" in slow.explanation
    )
    assert slow.explanation_zh.startswith("物流轨迹超时：")
    inputs = jsonutil.loads(slow.inputs)
    assert (inputs["paid_fen"], inputs["trigger_clause"], inputs["route"]) == (
        45000,
        "slow-tracking.no-pickup-24h",
        "remote",
    )
    assert inputs["violated_at"] == (uploaded + 24 * H).isoformat()

    clock.set(uploaded + 48 * H)
    assert sweep(app).compensated == 0
    clock.set(uploaded + 48 * H + S)
    assert (sweep(app).amount_fen, sweep(app).compensated) == (10000, 0)  # 25% of 450 = 112.50 -> max 100
    clock.set(uploaded + 120 * H + S)
    assert sweep(app).amount_fen == 500  # out of stock: 1% -> 5 yuan
    assert [sweep(app).compensated for _ in range(2)] == [0, 0]

    rows = comps(app, order_id)
    assert [(c.kind, c.amount_fen) for c in rows] == [
        ("slow_tracking", 500),
        ("abnormal_tracking", 10000),
        ("out_of_stock", 500),
    ]
    with app.uow.read() as c:
        wallet = c.execute(
            select(coupons.c.source, coupons.c.amount_fen, coupons.c.min_spend_fen, coupons.c.status)
            .where(coupons.c.buyer_id == buyer.user_id)
            .order_by(coupons.c.id)
        ).all()
        balances = trial_balance(c)
        events = (
            c.execute(select(order_events.c.kind).where(order_events.c.order_id == order_id)).scalars().all()
        )
    assert [tuple(w) for w in wallet] == [
        (f"slow-tracking:{order_id}", 500, 0, "available"),
        (f"abnormal-tracking:{order_id}", 10000, 0, "available"),
        (f"out-of-stock:{order_id}", 500, 0, "available"),
    ]
    assert legs(app, f"abnormal-tracking:{order_id}") == [
        (shop_proceeds(shop_id), buyer_coupons(buyer.user_id), 10000)
    ]
    assert balances[buyer_coupons(buyer.user_id)] == 11000
    assert balances[shop_proceeds(shop_id)] == 45000 - 11000
    assert {"slow_tracking_compensated", "abnormal_tracking_compensated", "out_of_stock_compensated"} <= set(
        events
    )


def test_sandbox_parcel_moving_on_time_is_decided_clear_once(app, world, clock):
    _, owner, _, order_id = setup(world)
    world.ship(owner, order_id)  # SF: pickup +2 h, sorting centre +10 h, delivered +36 h
    clock.advance(24 * H + S)
    first = sweep(app)
    # picked up in time, so never out of stock; slow and abnormal tracking wait while it moves
    assert (first.examined, first.compensated, first.cleared) == (1, 0, 1)
    clock.advance(16 * H)
    world.carrier_tick()
    done = sweep(app)
    assert (done.compensated, done.cleared) == (0, 2)  # delivered: nothing can go wrong any more
    with app.uow.read() as c:
        outcomes = dict(
            c.execute(
                select(logistics_outcomes.c.rule, logistics_outcomes.c.outcome).where(
                    logistics_outcomes.c.order_id == order_id
                )
            ).all()
        )
    assert outcomes == {
        "slow_tracking": "clear",
        "abnormal_tracking": "clear",
        "out_of_stock.tracking": "clear",
    }
    assert sweep(app).examined == 0
    assert comps(app, order_id) == []


@pytest.mark.parametrize(
    "origin, destination, gap_h, pays",
    [
        ("浙江", "上海", 48, False),
        ("浙江", "上海", 49, True),  # one region: 48 h
        ("浙江", "北京", 72, False),
        ("浙江", "北京", 73, True),  # cross-province: 72 h
        ("广东", "云南", 120, False),
        ("广东", "云南", 121, True),  # remote: 120 h
    ],
)
def test_scan_gap_limit_follows_the_reported_route(app, world, clock, origin, destination, gap_h, pays):
    _, owner, _, order_id = setup(world, promise="72h", price_fen=15000)
    start = clock.now()
    sid = bare_shipment(app, world, owner, order_id)
    with app.uow.begin() as c:
        c.execute(
            shipment_routes.insert().values(
                shipment_id=sid,
                shop_id=shop_of_shipment(c, sid),
                origin_province=origin,
                destination_province=destination,
            )
        )
    scan(app, sid, "picked_up", start + H)
    scan(app, sid, "in_transit", start + 5 * H)
    scan(app, sid, "in_transit", start + (5 + gap_h) * H)
    scan(app, sid, "delivered", start + (6 + gap_h) * H)
    clock.set(start + (7 + gap_h) * H)
    result = sweep(app)
    slow = comps(app, order_id, "slow_tracking")
    if pays:
        assert [(c.amount_fen, jsonutil.loads(c.inputs)["route"]) for c in slow] == [
            (800, jsonutil.loads(slow[0].inputs)["route"])
        ]
        assert result.amount_fen == 800  # promise 72 h: 5% of 150 = 7.50 -> 8
    else:
        assert slow == [] and result.compensated == 0


def test_out_of_stock_48h_after_going_late(app, world, clock):
    """Out of stock "48 h after going late" is the late-ship table's second column: the late-ship
    sweep pays it (key out-of-stock:{id}); the tracking sweep's own out-of-stock trigger (no
    pickup 5 days after upload) shares the key, so the two can never both pay an order."""
    from pledge.lateship.services import sweep_late_ship

    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, promise="48h", price_fen=15000)
    buyer = world.user()
    never, shipped_at_limit = world.paid_order(buyer, sku), world.paid_order(buyer, sku)
    limit = clock.now() + 48 * H + 48 * H  # ship-by + 48 h

    clock.set(limit)
    assert sweep_late_ship(app.uow, app.rulebook, clock).compensated == 0
    world.ship(owner, shipped_at_limit, carrier="other")  # shipped exactly at the limit: not out of stock
    clock.set(limit + S)
    result = sweep_late_ship(app.uow, app.rulebook, clock)
    assert sweep(app).compensated == 0
    assert (result.compensated, result.amount_fen) == (1, 200)  # 1% of 150 = 1.50 -> 2 yuan
    [oos] = comps(app, never, "out_of_stock")
    assert (oos.kind, oos.clause_id, oos.idempotency_key) == (
        "out_of_stock",
        "out-of-stock.pay.le48h",
        f"out-of-stock:{never}",
    )
    assert oos.explanation == (
        "out of stock: paid 150.00, promise 48 h, not shipped, 48 h 0 min 1 s late so far, more than 48 h "
        "after the ship-by "
        "time (out-of-stock.unshipped-48h-after-late [douyin:aHwHGWzbmk88], the late-ship table's column "
        "over 48 h: "
        "late-ship.le48h.over48 [douyin:aJoPPkWZ7VQM]) → clause out-of-stock.pay.le48h 1% = 1.50 → rounded "
        "half-up 2 yuan "
        "[douyin:aHwHGWzbmk88]"
    )
    assert "超过发货时限48小时" in oos.explanation_zh
    assert comps(app, shipped_at_limit, "out_of_stock") == []
    clock.advance(10 * H)
    world.ship(owner, never, carrier="other")  # shipping now changes nothing
    assert sweep_late_ship(app.uow, app.rulebook, clock).compensated == 0
    assert sweep(app).compensated == 0
    assert len(comps(app, never, "out_of_stock")) == 1


def test_fraudulent_shipping_finding_pays_once(app, world, clock):
    shop_id, owner, buyer, order_id = setup(world, price_fen=15000)
    operator = world.user("运营", platform_role="operator")
    book = app.rulebook
    with pytest.raises(Conflict):  # not shipped yet
        with app.uow.begin() as c:
            report_fraudulent_shipping(
                c, operator, book, order_id=order_id, finding="empty_parcel", at=clock.now()
            )
    world.ship(owner, order_id)
    with pytest.raises(Forbidden):
        with app.uow.begin() as c:
            report_fraudulent_shipping(
                c, buyer, book, order_id=order_id, finding="empty_parcel", at=clock.now()
            )
    with pytest.raises(InvalidInput):
        with app.uow.begin() as c:
            report_fraudulent_shipping(c, operator, book, order_id=order_id, finding="late", at=clock.now())
    with app.uow.begin() as c:
        done = report_fraudulent_shipping(
            c, operator, book, order_id=order_id, finding="wrong_item", note="发了袜子", at=clock.now()
        )
    assert (done["amount_fen"], done["clause_id"]) == (4500, "fraudulent-shipping.pay.ge10")  # 30% of 150
    assert "wrong item (发了袜子)" in done["explanation"]
    with pytest.raises(Conflict):
        with app.uow.begin() as c:
            report_fraudulent_shipping(
                c, operator, book, order_id=order_id, finding="empty_parcel", at=clock.now()
            )
    assert [(c.kind, c.amount_fen) for c in comps(app, order_id)] == [("fraudulent_shipping", 4500)]
    assert legs(app, f"fraudulent-shipping:{order_id}") == [
        (shop_proceeds(shop_id), buyer_coupons(buyer.user_id), 4500)
    ]


@pytest.mark.parametrize("received, ok", [(5, False), (4, True)])
def test_short_parcel_must_be_more_than_half_short(app, world, clock, received, ok):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, price_fen=500)
    buyer = world.user()
    order_id = world.paid_order(buyer, sku, quantity=10)  # paid 50.00
    world.ship(owner, order_id)
    operator = world.user("运营", platform_role="operator")

    def call():
        return report_fraudulent_shipping(
            c,
            operator,
            app.rulebook,
            order_id=order_id,
            finding="short",
            units_received=received,
            at=clock.now(),
        )

    if not ok:
        with pytest.raises(InvalidInput, match="5 of 10 units missing is not more than 50% short"):
            with app.uow.begin() as c:
                call()
        assert comps(app, order_id) == []
        return
    with app.uow.begin() as c:
        done = call()
    assert done["amount_fen"] == 1500  # 30% of 50 = 15


def test_four_concurrent_workers_pay_each_logistics_violation_once(postgres_url, clock):
    app = make_app(postgres_url, clock)
    apps = [make_app(postgres_url, clock) for _ in range(4)]
    try:
        world = World(app)
        shop_id, owner = world.shop()
        sku = world.product(owner, shop_id, promise="48h", price_fen=45000, stock=1000)
        buyers = quick_buyers(app, 10)
        order_ids = [world.paid_order(buyers[i % 10], sku) for i in range(60)]
        for i, oid in enumerate(order_ids):
            bare_shipment(app, world, owner, oid, tracking_no=f"SF{9000000000 + i}")
        clock.advance(24 * H + S)

        out = run_concurrently([lambda a=a: sweep_logistics(a.uow, a.rulebook, clock, batch=7) for a in apps])

        assert [type(o).__name__ for o in out] == ["LogisticsResult"] * 4, [repr(o)[:300] for o in out]
        assert sum(o.compensated for o in out) == 60
        assert sum(o.amount_fen for o in out) == 60 * 500
        with app.uow.read() as c:
            per_key = c.execute(
                select(func.count(), func.count(func.distinct(compensations.c.idempotency_key))).where(
                    compensations.c.kind == "slow_tracking"
                )
            ).one()
            tx = c.execute(select(func.count()).where(ledger_transactions.c.kind == "slow_tracking")).scalar()
            coupon_total = c.execute(select(func.sum(coupons.c.amount_fen))).scalar()
            balances = trial_balance(c)
        assert tuple(per_key) == (60, 60) and tx == 60 and coupon_total == 60 * 500
        assert balances[shop_proceeds(shop_id)] == 60 * (45000 - 500)
        assert sum(balances.values()) == 0
        assert sweep_logistics(app.uow, app.rulebook, clock).compensated == 0
    finally:
        for a in (app, *apps):
            a.uow.engine.dispose()


def test_untracked_parcels_are_not_judged_on_scans_and_the_worker_runs_the_sweep(app, world, clock):
    from pledge.worker import run_once

    _, owner, _, untracked = setup(world)
    world.ship(owner, untracked, carrier="other")  # no carrier data: the click counts as shipped
    _, owner2, buyer2, tracked = setup(world)
    bare_shipment(app, world, owner2, tracked)
    clock.advance(24 * H + S)
    report = run_once(app)
    assert (report["logistics_compensated"], report["logistics_amount_fen"]) == (1, 500)
    assert comps(app, untracked) == [] and [c.kind for c in comps(app, tracked)] == ["slow_tracking"]
    assert run_once(app)["logistics_compensated"] == 0
