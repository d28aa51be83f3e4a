"""The other logistics timers (RULES.md §1, douyin:aJoPPkWZ7VQM 2.3): an order unshipped 365 days
after it was placed is closed and what the buyer paid goes back through the payment adapter,
exactly once; a booked delivery (预约达) not delivered by the booked day pays 5% (5-50 yuan) once,
through the same compensation path as late shipment. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from pledge.aftersales.tables import cases, refunds
from pledge.catalog.tables import skus
from pledge.compensation.tables import compensations
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.ledger.services import PAYMENTS_IN, buyer_coupons, shop_proceeds, trial_balance
from pledge.ledger.tables import coupons, ledger_transactions
from pledge.logistics.timers import book_delivery, close_unshipped, sweep_booked_delivery
from pledge.orders.tables import order_events, order_lines, orders
from pledge.worker import run_once
from tests.conftest import make_app
from tests.integration.test_late_ship_sweep import legs
from tests.support import World, run_concurrently

H = timedelta(hours=1)
DAY = timedelta(days=1)
S = timedelta(seconds=1)


class CountingProvider:
    """The sandbox provider, counting refunds per idempotency key."""

    def __init__(self, inner) -> None:
        self.inner, self.calls = inner, []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def refund(self, provider_ref: str, amount_fen: int, idempotency_key: str) -> str:
        self.calls.append((idempotency_key, amount_fen))
        return self.inner.refund(provider_ref, amount_fen, idempotency_key)


def order_row(app, order_id: int):
    with app.uow.read() as c:
        return c.execute(select(orders).where(orders.c.id == order_id)).one()


# --- unshipped 365 days ------------------------------------------------------------------------


def test_douyin_aJoPPkWZ7VQM_unshipped_365_days_is_closed_and_refunded_once(app, world, clock):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, promise="72h", price_fen=15000, stock=10)
    buyer = world.user()
    placed_at = clock.now()
    order_id = world.paid_order(buyer, sku)
    shipped = world.paid_order(buyer, sku)
    world.ship(owner, shipped)  # SF scans it 2 h later: shipped, never closed
    clock.advance(3 * H)
    world.carrier_tick()
    app.payments = CountingProvider(app.payments)

    clock.set(placed_at + 365 * DAY)  # exactly 365 days: not yet
    assert close_unshipped(app.uow, app.rulebook, clock).closed == 0
    clock.set(placed_at + 365 * DAY + S)
    first, second = run_once(app), run_once(app)

    assert (first["unshipped_closed"], second["unshipped_closed"]) == (1, 0)
    order = order_row(app, order_id)
    assert (order.status, order.cancelled_at, order.late_check_at) == (
        "cancelled",
        placed_at + 365 * DAY + S,
        None,
    )
    assert order_row(app, shipped).status == "delivered"
    with app.uow.read() as c:
        [case] = c.execute(select(cases).where(cases.c.order_id == order_id)).all()
        [refund] = c.execute(select(refunds).where(refunds.c.order_id == order_id)).all()
        stock = c.execute(select(skus.c.stock).where(skus.c.id == sku)).scalar()
        events = (
            c.execute(select(order_events.c.kind).where(order_events.c.order_id == order_id)).scalars().all()
        )
        balances = trial_balance(c)
    assert (case.case_type, case.status, case.refund_fen, case.clause_id, case.clause_source) == (
        "refund_only",
        "refunded",
        15000,
        "unshipped-close.365d",
        "douyin:aJoPPkWZ7VQM",
    )
    assert "365天内未发货" in case.note and "15000" not in case.note
    assert (refund.idempotency_key, refund.amount_fen, refund.status) == (
        f"refund:{case.id}",
        15000,
        "succeeded",
    )
    assert app.payments.calls == [(f"refund:{case.id}", 15000)]  # through the payment adapter, once
    assert legs(app, f"refund:{case.id}") == [(shop_proceeds(shop_id), PAYMENTS_IN, 15000)]
    assert sum(balances.values()) == 0
    assert stock == 9  # the closed order's unit is back on sale
    assert "cancelled" in events and "refunded" in events


def test_a_clicked_parcel_never_picked_up_is_closed_too_but_an_open_case_waits(app, world, clock):
    """ "未进行发货/未有物流轨迹更新，且未进行退款": a tracking number with no scan at all is no
    shipment; an order whose buyer has a refund request open is on its way out already."""
    from pledge.aftersales import services as aftersales
    from pledge.fulfilment.tables import tracking_events

    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, promise="48h", price_fen=5000)
    buyer = world.user()
    placed_at = clock.now()
    clicked = world.paid_order(buyer, sku)
    world.ship(owner, clicked, tracking_no="SF5550000001")
    with app.uow.begin() as c:
        c.execute(tracking_events.delete())  # the carrier never reports anything
    waiting = world.paid_order(buyer, sku)
    with app.uow.begin() as c:
        line_id = c.execute(select(order_lines.c.id).where(order_lines.c.order_id == waiting)).scalar()
        aftersales.file_case(
            c,
            buyer,
            aftersales.NewCase(waiting, "refund_only", "other", [(line_id, 1)]),
            book=app.rulebook,
            at=clock.now(),
        )
    clock.set(placed_at + 366 * DAY)
    result = close_unshipped(app.uow, app.rulebook, clock)
    assert (result.closed, result.refund_fen) == (1, 5000)
    assert order_row(app, clicked).status == "cancelled"
    assert order_row(app, waiting).status == "paid"


@pytest.mark.postgres
def test_four_workers_close_and_refund_each_order_once(postgres_url, clock):
    apps = [make_app(postgres_url, clock) for _ in range(4)]
    try:
        world = World(apps[0])
        shop_id, owner = world.shop()
        sku = world.product(owner, shop_id, promise="72h", price_fen=2990, stock=1000)
        buyers = [world.user() for _ in range(5)]
        ids = [world.paid_order(buyers[i % 5], sku) for i in range(40)]
        clock.advance(366 * DAY)

        out = run_concurrently([lambda a=a: close_unshipped(a.uow, a.rulebook, clock, batch=7) for a in apps])
        assert [type(o).__name__ for o in out] == ["ClosureResult"] * 4, out
        assert sum(o.closed for o in out) == 40
        run_concurrently([lambda a=a: run_once(a) for a in apps])
        with apps[0].uow.read() as c:
            per_order = dict(
                c.execute(select(refunds.c.order_id, func.count()).group_by(refunds.c.order_id)).all()
            )
            succeeded = c.execute(
                select(func.count(), func.sum(refunds.c.amount_fen)).where(refunds.c.status == "succeeded")
            ).one()
            refund_tx = c.execute(select(func.count()).where(ledger_transactions.c.kind == "refund")).scalar()
            balances = trial_balance(c)
        assert per_order == {oid: 1 for oid in ids}
        assert tuple(succeeded) == (40, 40 * 2990) and refund_tx == 40
        assert balances[shop_proceeds(shop_id)] == 0 and sum(balances.values()) == 0
    finally:
        for a in apps:
            a.uow.engine.dispose()


# --- booked delivery (预约达) -------------------------------------------------------------------


def booked_order(app, world, clock, *, price_fen=99900, booked=True):
    shop_id, owner = world.shop("居家大件")
    sku = world.product(
        owner, shop_id, promise="72h", price_fen=price_fen, title="布艺沙发", booked_delivery=booked
    )
    buyer = world.user()
    return shop_id, owner, buyer, world.paid_order(buyer, sku)


def test_douyin_aJoPPkWZ7VQM_booked_delivery_late_pays_5_percent_once(app, world, clock):
    shop_id, owner, buyer, order_id = booked_order(app, world, clock)  # paid 2026-09-01 10:00 Beijing
    with app.uow.begin() as c:
        deadline = book_delivery(
            c, buyer, app.rulebook, order_id=order_id, day=date(2026, 9, 5), at=clock.now()
        )
    assert deadline == datetime.fromisoformat("2026-09-05T23:59:59+08:00")
    world.ship(owner, order_id)  # SF: delivered 36 h later, 09-03 morning... unless the carrier is slow
    from pledge.fulfilment.tables import tracking_events

    with app.uow.begin() as c:  # the delivery scan comes on 09-06 10:00 Beijing instead
        c.execute(
            tracking_events.update()
            .where(tracking_events.c.kind == "delivered")
            .values(occurs_at=datetime.fromisoformat("2026-09-06T10:00:00+08:00"))
        )

    clock.set(deadline)  # the booked day is not over yet
    world.carrier_tick()
    assert sweep_booked_delivery(app.uow, app.rulebook, clock).compensated == 0
    clock.set(deadline + S)
    results = [sweep_booked_delivery(app.uow, app.rulebook, clock) for _ in range(3)]
    clock.set(datetime.fromisoformat("2026-09-06T11:00:00+08:00"))
    world.carrier_tick()  # delivered late: nothing more to pay
    results.append(sweep_booked_delivery(app.uow, app.rulebook, clock))

    assert [(r.compensated, r.amount_fen) for r in results] == [
        (1, 5000),
        (0, 0),
        (0, 0),
        (0, 0),
    ]  # 5% of 999 -> max 50
    with app.uow.read() as c:
        [comp] = c.execute(select(compensations).where(compensations.c.order_id == order_id)).all()
        [coupon] = c.execute(select(coupons).where(coupons.c.buyer_id == buyer.user_id)).all()
    assert (comp.kind, comp.idempotency_key, comp.clause_id, comp.clause_source) == (
        "booked_delivery",
        f"booked-delivery:{order_id}",
        "booked-delivery.pay",
        "douyin:aJoPPkWZ7VQM",
    )
    assert "delivery booked by 5 Sep 2026 23:59 (Beijing time), not delivered" in comp.explanation
    assert (coupon.amount_fen, coupon.source, coupon.min_spend_fen) == (
        5000,
        f"booked-delivery:{order_id}",
        0,
    )
    assert legs(app, f"booked-delivery:{order_id}") == [
        (shop_proceeds(shop_id), buyer_coupons(buyer.user_id), 5000)
    ]


def test_booked_delivery_on_time_pays_nothing_and_booking_is_checked(app, world, clock):
    shop_id, owner, buyer, order_id = booked_order(app, world, clock, price_fen=15000)
    _, _, other_buyer, plain = booked_order(app, world, clock, booked=False)
    with app.uow.begin() as c:
        with pytest.raises(InvalidInput, match="do not offer booked delivery"):
            book_delivery(c, other_buyer, app.rulebook, order_id=plain, day=date(2026, 9, 5), at=clock.now())
    with app.uow.begin() as c:
        with pytest.raises(NotFound):  # only the buyer books
            book_delivery(c, owner, app.rulebook, order_id=order_id, day=date(2026, 9, 5), at=clock.now())
    with app.uow.begin() as c:
        with pytest.raises(InvalidInput, match="after today"):
            book_delivery(c, buyer, app.rulebook, order_id=order_id, day=date(2026, 9, 1), at=clock.now())
    with app.uow.begin() as c:
        book_delivery(c, buyer, app.rulebook, order_id=order_id, day=date(2026, 9, 4), at=clock.now())
    with app.uow.begin() as c:
        with pytest.raises(Conflict):  # once
            book_delivery(c, buyer, app.rulebook, order_id=order_id, day=date(2026, 9, 9), at=clock.now())
    world.ship(owner, order_id)  # SF delivers 36 h later: 09-02 22:00 Beijing
    clock.advance(4 * DAY)
    world.carrier_tick()
    result = sweep_booked_delivery(app.uow, app.rulebook, clock)
    assert (result.examined, result.compensated, result.cleared) == (1, 0, 1)
    assert sweep_booked_delivery(app.uow, app.rulebook, clock).examined == 0
