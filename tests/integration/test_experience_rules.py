"""Issue 10, item 5, on SQLite and PostgreSQL: the measures of the score count what the official
texts count (douyin:103956, douyin:aJmVWbCJyD8M, douyin:aJoPPkXuLRqc). Each test is named after
the rule and the clause. The clock stands at 2026-09-01 10:00 Shanghai: the window is
2026-08-02 00:00 to 09-01 00:00 platform time."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from pledge.experience import queries, services
from pledge.experience.insurance import InsuranceFacts
from pledge.experience.tables import snapshots
from pledge.kernel import jsonutil
from pledge.orders.tables import orders
from tests.integration.test_experience import DAY, History, sh


def test_103956_pickup_forced_fraudulent_shipping_and_abnormal_tracking_orders_score_50(app, world):
    """ "存在欺诈发货或物流轨迹异常赔付的订单，该订单的揽收时长得分为50分" (experience.pickup-forced)."""
    h = History(world)
    fast = [h.order("2026-08-10T10:00", picked="2026-08-10T12:00") for _ in range(4)]  # 2 h: 100 points each
    h.compensate(fast[0], "fraudulent_shipping")
    h.compensate(fast[1], "abnormal_tracking")
    h.compensate(fast[2], "slow_tracking")  # not a reason to force the pickup score
    m = h.measures()
    assert (m["picked"], m["pickup_seconds"], m["pickup_points"]) == (4, 4 * 2 * 3600, 100 + 50 + 50 + 100)
    with app.uow.read() as c:
        behind = queries.indicator_orders(
            c,
            h.owner,
            h.shop_id,
            "pickup_score",
            book=app.rulebook,
            now=app.clock.now(),
            version="2026-07-14",
        )
        new = services.measure(c, app.rulebook, date(2026, 9, 9), shop_ids=[h.shop_id])[h.shop_id]
    assert [(o["order_id"], o["pickup_points"], o["forced"]) for o in behind["orders"]] == [
        (fast[0], 50, True),
        (fast[1], 50, True),
    ]
    assert new["pickup_seconds"] == 4 * 2 * 3600  # 平均揽收时长 (2026-09-08) counts hours, nothing forced


def test_103956_delivery_not_met_abnormal_tracking_waybill_counts_as_not_on_time(world):
    """ "如运单存在物流轨迹异常赔付，则该运单计为不达成" (experience.delivery-not-met)."""
    h = History(world)
    ids = [
        h.order("2026-08-10T10:00", "2026-08-10T12:00", "2026-08-11T12:00") for _ in range(3)
    ]  # 24 h: on time
    h.compensate(ids[0], "abnormal_tracking")
    h.compensate(ids[1], "fraudulent_shipping")  # the text names only abnormal tracking for waybills
    m = h.measures()
    assert (m["due_waybills"], m["on_time"]) == (3, 2)


def test_103956_logistics_return_rate_counts_only_judged_or_compensated_returns(world):
    """ "取用户首次申请售后原因为物流品质原因，且产生…判责或赔付的品退订单" (logistics-return-rate)."""
    h = History(world)
    judged_late = h.order("2026-08-10T10:00", "2026-08-13T12:00", "2026-08-14T12:00", reason="wrong_item")
    h.compensate(
        judged_late, "late_ship", amount_fen=0
    )  # judged late, nothing left to pay under a cap: counts
    out_of_stock = h.order("2026-08-10T10:00", "2026-08-11T12:00", "2026-08-12T12:00", reason="wrong_item")
    h.compensate(out_of_stock, "out_of_stock")
    h.order(
        "2026-08-10T10:00", "2026-08-11T12:00", "2026-08-12T12:00", reason="wrong_item"
    )  # nobody judged it
    quality = h.order("2026-08-10T10:00", "2026-08-11T12:00", "2026-08-12T12:00", reason="quality")
    h.compensate(quality, "slow_tracking")  # judged, but the buyer's first reason was not logistics
    assert h.measures()["logistics_returns"] == 2


def test_aJoPPkXuLRqc_damage_return_rate_counts_breakage_not_rot(app, world):
    """ "近30天支付订单中因商品/包装破损售后的订单数" (damage-return-rate): rot and thaw are not breakage."""
    h = History(world)
    broken = h.order("2026-08-10T10:00", "2026-08-10T12:00", "2026-08-11T12:00", reason="damaged")
    for reason in ("visible_rot", "internal_rot", "thawed_dead"):
        h.order("2026-08-10T10:00", "2026-08-10T12:00", "2026-08-11T12:00", reason=reason)
    with app.uow.read() as c:
        m = services.measure(c, app.rulebook, date(2026, 9, 9), shop_ids=[h.shop_id])[h.shop_id]
        behind = queries.indicator_orders(
            c,
            h.owner,
            h.shop_id,
            "damage_return_rate",
            book=app.rulebook,
            now=app.clock.now(),
            version="2026-09-08",
        )
    assert m["damage_returns"] == 1 and [o["order_id"] for o in behind["orders"]] == [broken]


def test_aJmVWbCJyD8M_review_hours_count_refunds_after_shipment_and_returns(app, world):
    """ "考核售后单类型：已发货退款、退货退款"; "近30天退款成功售后单" (aftersales-review-hours)."""
    h = History(world)
    o = h.order("2026-08-10T10:00", "2026-08-10T12:00", "2026-08-11T12:00")
    unshipped = h.order("2026-08-20T09:00")  # a refund asked before the parcel left: 未发货退款
    h.case(unshipped, "other", filed="2026-08-20T10:00", decided="2026-08-20T15:00", status="refunded")
    with app.uow.begin() as c:  # shipped afterwards: the request stays a refund before shipment
        c.execute(orders.update().where(orders.c.id == unshipped).values(shipped_at=sh("2026-08-21T10:00")))
    h.case(o, "quality", filed="2026-08-20T10:00", decided="2026-08-20T11:00", status="refunded")  # 1 h
    h.case(
        o,
        "quality",
        filed="2026-08-20T10:00",
        decided="2026-08-20T12:00",
        status="refunded",
        case_type="return_refund",
        refunded="2026-08-25T10:00",
    )  # 2 h to the return's approval
    h.case(
        o,
        "damaged",
        filed="2026-08-20T10:00",
        decided="2026-08-20T14:00",
        status="refunded",
        case_type="damage_claim",
    )  # 4 h: a refund without return after shipment
    h.case(
        o,
        "quality",
        filed="2026-07-25T10:00",
        decided="2026-07-25T18:00",
        status="refunded",
        case_type="return_refund",
        refunded="2026-08-03T10:00",
    )  # 8 h: refunded in the window, counts
    h.case(
        o,
        "quality",
        filed="2026-08-30T10:00",
        decided="2026-08-30T10:30",
        status="refunded",
        case_type="return_refund",
        refunded="2026-09-01T08:00",
    )  # refunded after the window: not yet
    m = h.measures()
    assert (m["reviewed_cases"], m["review_seconds"]) == (4, (1 + 2 + 4 + 8) * 3600)
    with app.uow.read() as c:
        behind = queries.indicator_orders(
            c, h.owner, h.shop_id, "aftersales_review_hours", book=app.rulebook, now=app.clock.now()
        )
    assert [x["review_hours"] for x in behind["orders"]] == [8, 4, 2, 1]


def test_platform_time_decides_indicator_days_and_night_rules_not_the_shop_zone(app, world):
    """The window and the night rules (experience.night-pickup, experience.night-aftersales) run
    on platform time, Asia/Shanghai, for a shop that keeps New York time."""
    h = History(world, timezone="America/New_York")
    h.order(
        "2026-08-20T20:00", picked="2026-08-21T07:00"
    )  # paid 20:00 Beijing (08:00 NY): counts from 06:00, 1 h
    h.order(
        "2026-09-01T08:00", picked="2026-09-01T09:00"
    )  # 08-31 20:00 in New York, but 09-01 on the platform
    o = h.order("2026-08-10T10:00", "2026-08-10T12:00", "2026-08-11T12:00")
    h.case(
        o, "quality", filed="2026-08-20T23:30", decided="2026-08-21T08:30", status="refunded"
    )  # from 08:00: 0.5 h
    m = h.measures()
    assert (m["paid_orders"], m["picked"], m["pickup_seconds"]) == (2, 2, 1 * 3600 + 2 * 3600)
    assert m["review_seconds"] == 1800
    with app.uow.read():
        since, until = services.window_for(app.rulebook, DAY)
    assert (since, until) == (sh("2026-08-02T00:00"), sh("2026-09-01T00:00"))


class FakeInsurance:
    """The after-sales adapter's stand-in: the shop has return insurance on both days asked."""

    def __init__(self, shop_id: int, enabled_days: int, insured_orders: int) -> None:
        self.shop_id, self.answer, self.asked = shop_id, InsuranceFacts(enabled_days, insured_orders), []

    def facts(self, conn, shop_ids, *, kind, days, since, until):
        self.asked.append((kind, days, since, until))
        return {self.shop_id: self.answer} if kind == "return" and self.shop_id in shop_ids else {}


@pytest.mark.parametrize("enabled_days, bonus", [(2, 2), (1, 0)])
def test_aJoPPkXuLRqc_return_insurance_bonus_reads_the_insurance_port(app, world, enabled_days, bonus):
    """ "近2天均开通退换货运费险，且近30天支付订单中，有1单退换货运费险订单 → 体验分单次加2分"."""
    h = History(world)
    for _ in range(30):  # picked up 58 h after payment: a score well under 100, room for the bonus
        h.order("2026-08-15T10:00", picked="2026-08-17T20:00", delivered="2026-08-19T12:00", stars=5)
    port = FakeInsurance(h.shop_id, enabled_days, insured_orders=1)
    with app.uow.read() as c:
        plain = services.score_shop(c, app.rulebook, h.shop_id, day=DAY, version="2026-09-08")
        insured = services.score_shop(
            c, app.rulebook, h.shop_id, day=DAY, version="2026-09-08", insurance=port
        )
        current = services.score_shop(
            c, app.rulebook, h.shop_id, day=DAY, version="2026-07-14", insurance=port
        )
    assert [b["clause"] for b in insured.bonuses] == (["experience.bonus.return-insurance"] if bonus else [])
    assert plain.score < 98 and insured.score == pytest.approx(plain.score + bonus, abs=0.01)
    assert not plain.bonuses and not current.bonuses  # default port: no insurance; 2026-07-14: no such bonus
    kind, days, since, until = port.asked[0]
    assert days == [date(2026, 8, 30), date(2026, 8, 31)]  # "近2天": the last two platform days
    assert (since, until) == (sh("2026-08-02T00:00"), sh("2026-09-01T00:00"))


def test_snapshots_pass_the_insurance_port_through(app, world):
    h = History(world)
    for _ in range(30):
        h.order("2026-08-15T10:00", picked="2026-08-17T20:00", delivered="2026-08-19T12:00", stars=5)
    port = FakeInsurance(h.shop_id, 2, 4)
    with app.uow.begin() as c:
        services.snapshot_day(c, app.rulebook, date(2026, 9, 9), at=app.clock.now(), insurance=port)
    with app.uow.read() as c:
        detail = c.execute(select(snapshots.c.detail).where(snapshots.c.shop_id == h.shop_id)).scalar_one()
    assert jsonutil.loads(detail)["bonuses"] == 2  # the 2026-09-08 rule is in force on 09-09
    assert {kind for kind, *_ in port.asked} == {"return", "large_return"}


def test_aJoPPkXuLRqc_return_insurance_bonus_from_the_products_after_sales_insures(app, world):
    """The real adapter: after-sales keeps per-product insurance periods (douyin:aJpAMtJPdWH7);
    a product insured from before the last two platform days, and one order paid while insured,
    earn the +2 of experience.bonus.return-insurance; large-item cover does not count as 退换货运费险."""
    from pledge.aftersales.tables import product_services
    from pledge.experience.insurance import SHIPPING_INSURANCE_FROM_AFTERSALES as real
    from pledge.orders.tables import order_lines

    h = History(world)
    ids = [
        h.order("2026-08-15T10:00", picked="2026-08-17T20:00", delivered="2026-08-19T12:00", stars=5)
        for _ in range(30)
    ]
    with app.uow.begin() as c:
        product_id = c.execute(
            select(order_lines.c.product_id).where(order_lines.c.order_id == ids[0])
        ).scalar_one()
        c.execute(
            product_services.insert().values(
                product_id=product_id,
                shop_id=h.shop_id,
                service="shipping_insurance",
                tier="small",
                starts_at=sh("2026-08-01T09:00"),
            )
        )
    with app.uow.read() as c:
        facts = real.facts(
            c,
            [h.shop_id],
            kind="return",
            days=[date(2026, 8, 30), date(2026, 8, 31)],
            since=sh("2026-08-02T00:00"),
            until=sh("2026-09-01T00:00"),
        )
        large = real.facts(
            c,
            [h.shop_id],
            kind="large_return",
            days=[date(2026, 8, 30), date(2026, 8, 31)],
            since=sh("2026-08-02T00:00"),
            until=sh("2026-09-01T00:00"),
        )
        result = services.score_shop(c, app.rulebook, h.shop_id, day=DAY, version="2026-09-08")
    assert facts == {h.shop_id: InsuranceFacts(enabled_days=2, insured_orders=30)}
    assert large == {}
    assert [b["clause"] for b in result.bonuses] == ["experience.bonus.return-insurance"]
