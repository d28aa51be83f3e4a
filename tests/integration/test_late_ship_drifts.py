"""Smaller drifts of the late-ship and logistics rules (issue 10, item 6), each against the
official text: "shipped" is douyin:101706 2.2 (the carrier's pickup record; without carrier
data the ship click, or the carrier slip's time if later); ship-by is platform time, not the
shop's own; a parcel the buyer refused is not a recall (douyin:aHzmeN9E9dBF); an order paid
before 2026-08-10 is paid by the version then in force (douyin:aHwH9wK4Je2N). SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pledge.compensation.tables import compensations
from pledge.fulfilment.tables import shipments, tracking_events
from pledge.kernel.errors import InvalidInput, NotFound
from pledge.lateship.services import report_carrier_slip, sweep_late_ship
from pledge.logistics.services import sweep_logistics
from pledge.logistics.tables import logistics_outcomes
from pledge.logistics.webhook import parse_event
from pledge.orders.tables import orders

H = timedelta(hours=1)
S = timedelta(seconds=1)


def comps(app, order_id: int) -> list:
    with app.uow.read() as c:
        return c.execute(
            select(compensations).where(compensations.c.order_id == order_id).order_by(compensations.c.id)
        ).all()


def order_row(app, order_id: int):
    with app.uow.read() as c:
        return c.execute(select(orders).where(orders.c.id == order_id)).one()


def slip(app, actor, order_id, at, now):
    with app.uow.begin() as c:
        report_carrier_slip(c, actor, order_id=order_id, slip_at=at, at=now)


def test_douyin_101706_shipped_is_the_later_of_ship_click_and_carrier_slip(app, world, clock):
    """ "无物流公司回传信息的订单，以商家操作发货时间为准；若其提供物流公司发货底单显示发货时间更晚，
    取晚者": clicked an hour early with a carrier that reports nothing, the slip shows the parcel
    left 3 h late, so the order was 3 h late: 1% of 150 = 1.50 -> 2 yuan, once."""
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, promise="72h", price_fen=15000)
    order_id = world.paid_order(world.user(), sku)
    ship_by = clock.now() + 72 * H
    clock.set(ship_by - H)
    world.ship(owner, order_id, carrier="other", tracking_no="SELF00042")
    sweep_late_ship(app.uow, app.rulebook, clock)
    assert comps(app, order_id) == []  # by the click, on time

    clock.set(ship_by + 5 * H)
    slip(app, owner, order_id, ship_by - 2 * H, clock.now())  # an earlier slip changes nothing
    assert order_row(app, order_id).picked_up_at == ship_by - H
    slip(app, owner, order_id, ship_by + 3 * H, clock.now())
    assert order_row(app, order_id).picked_up_at == ship_by + 3 * H
    results = [sweep_late_ship(app.uow, app.rulebook, clock) for _ in range(2)]

    assert [(r.compensated, r.amount_fen) for r in results] == [(1, 200), (0, 0)]
    [comp] = comps(app, order_id)
    assert (comp.kind, comp.clause_id) == ("late_ship", "late-ship.48-240h.within48")
    assert "shipped 3 h late" in comp.explanation
    assert order_row(app, order_id).late_check_at is None

    other_shop, other_owner = world.shop("别家")
    with pytest.raises(NotFound):
        slip(app, other_owner, order_id, ship_by + 4 * H, clock.now())
    with pytest.raises(InvalidInput, match="between the payment and now"):
        slip(app, owner, order_id, clock.now() + H, clock.now())
    tracked = world.paid_order(world.user(), sku)
    world.ship(owner, tracked, carrier="sf")
    with pytest.raises(InvalidInput, match="pickup scan"):
        slip(app, owner, tracked, clock.now(), clock.now())


def test_a_clicked_parcel_the_carrier_never_reports_counts_from_the_click_after_the_grace(app, world, clock):
    """douyin:101706 2.2 (2): with no carrier data the ship click counts. The sweep waits for the
    pickup scan for 24 h (shipped.pickup-scan-grace); after that the parcel has no carrier data:
    clicked in time, it is not late (the tracking rules judge the missing scans instead)."""
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, promise="72h", price_fen=15000)
    order_id = world.paid_order(world.user(), sku)
    ship_by = clock.now() + 72 * H
    clock.set(ship_by - H)
    world.ship(owner, order_id, carrier="sf", tracking_no="SF0000000077")
    with app.uow.begin() as c:
        c.execute(tracking_events.delete())
    clock.set(ship_by + 2 * H)
    waiting = sweep_late_ship(app.uow, app.rulebook, clock)
    assert (waiting.waiting, waiting.compensated) == (1, 0)
    assert order_row(app, order_id).late_check_at == ship_by - H + 24 * H
    clock.set(ship_by + 23 * H + S)
    done = sweep_late_ship(app.uow, app.rulebook, clock)
    assert (done.waiting, done.compensated, done.no_compensation) == (0, 0, 0)
    assert comps(app, order_id) == [] and order_row(app, order_id).late_check_at is None
    sweep_logistics(app.uow, app.rulebook, clock)
    assert [c.kind for c in comps(app, order_id)] == ["slow_tracking"]  # no pickup 24 h after upload


def test_douyin_101706_ship_by_is_platform_time_for_a_shop_in_new_york(app, world, clock):
    """Paid 2026-09-01 08:00Z: 16:00 in Beijing (after the same-day cut-off), 04:00 in New York.
    The platform's clock decides: ship by 2026-09-02 23:59:59 Beijing."""
    shop_id, owner = world.shop("纽约花店", timezone="America/New_York")
    sku = world.product(owner, shop_id, promise="same-day", price_fen=1990)
    clock.set(datetime(2026, 9, 1, 8, 0, tzinfo=UTC))
    order_id = world.paid_order(world.user(), sku)
    assert order_row(app, order_id).ship_by == datetime(2026, 9, 2, 15, 59, 59, tzinfo=UTC)


def test_douyin_aHzmeN9E9dBF_a_parcel_returned_at_the_buyers_wish_is_not_abnormal(app, world, clock):
    """ "私自召回：出现非消费者意愿的发货物流异常退回": the carrier reports `refused` (拒收/应买家要求
    退回) and nothing is paid; `returned` without the buyer's wish is a recall (25%, 5-100)."""
    assert (
        parse_event(
            b'{"event_id": "e1", "tracking_no": "SF1", "kind": "refused", '
            b'"occurred_at": "2026-09-01T10:00:00+08:00"}',
            now=clock.now(),
        )["kind"]
        == "refused"
    )
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, promise="48h", price_fen=15000)
    buyer = world.user()
    refused, recalled = world.paid_order(buyer, sku), world.paid_order(buyer, sku)
    start = clock.now()
    for order_id, ending in ((refused, "refused"), (recalled, "returned")):
        world.ship(owner, order_id, tracking_no=f"SF{order_id:010d}")
        with app.uow.begin() as c:
            sid = c.execute(select(shipments.c.id).where(shipments.c.order_id == order_id)).scalar()
            c.execute(tracking_events.delete().where(tracking_events.c.shipment_id == sid))
            c.execute(
                tracking_events.insert(),
                [
                    {
                        "shipment_id": sid,
                        "shop_id": shop_id,
                        "kind": "picked_up",
                        "occurs_at": start + H,
                        "location": "",
                        "applied": False,
                    },
                    {
                        "shipment_id": sid,
                        "shop_id": shop_id,
                        "kind": "in_transit",
                        "occurs_at": start + 5 * H,
                        "location": "",
                        "applied": False,
                    },
                    {
                        "shipment_id": sid,
                        "shop_id": shop_id,
                        "kind": ending,
                        "occurs_at": start + 20 * H,
                        "location": "",
                        "applied": False,
                    },
                ],
            )
    clock.set(start + 21 * H)
    world.carrier_tick()
    sweep_logistics(app.uow, app.rulebook, clock)
    clock.set(start + 300 * H)
    sweep_logistics(app.uow, app.rulebook, clock)

    assert comps(app, refused) == []
    assert [(c.kind, c.amount_fen, c.clause_source) for c in comps(app, recalled)] == [
        ("abnormal_tracking", 3800, "douyin:aHzmeN9E9dBF")
    ]  # 25% of 150 = 37.50 -> 38
    with app.uow.read() as c:
        outcomes = dict(
            c.execute(
                select(logistics_outcomes.c.rule, logistics_outcomes.c.outcome).where(
                    logistics_outcomes.c.order_id == refused
                )
            ).all()
        )
    assert outcomes == {
        "slow_tracking": "clear",
        "abnormal_tracking": "clear",
        "out_of_stock.tracking": "clear",
    }


def test_an_order_paid_before_2026_08_10_is_paid_by_the_version_then_in_force(app, world, clock):
    """Regression: orders paid before the 2026-08-10 table said "no clause" and got nothing. The
    version it revised (douyin:aHwH9wK4Je2N, same cells) applies to them."""
    clock.set(datetime(2026, 8, 1, 2, 0, tzinfo=UTC))
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, promise="72h", price_fen=15000)
    order_id = world.paid_order(world.user(), sku)
    clock.advance((72 + 49) * H)
    result = sweep_late_ship(app.uow, app.rulebook, clock)
    assert (result.compensated, result.amount_fen) == (2, 700)
    assert [(c.kind, c.clause_id, c.clause_source, c.amount_fen) for c in comps(app, order_id)] == [
        ("late_ship", "late-ship.48-240h.within48", "douyin:aHwH9wK4Je2N", 200),
        ("out_of_stock", "out-of-stock.pay.48-240h", "douyin:aHwHGWzbmk88", 500),
    ]
