"""Each indicator's measure on hand-built histories, on SQLite and PostgreSQL: the set-based
SQL (pledge.experience.indicators) must match the definitions, night rules included
(paid 18:00-06:00 counts from 06:00; after-sales filed 23:00-08:00 counts from 08:00).
The clock stands at 2026-09-01 10:00 Shanghai: the window is 2026-08-02 00:00 to 09-01 00:00."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from pledge.aftersales.tables import case_events, cases
from pledge.compensation.tables import compensations
from pledge.experience import queries, services
from pledge.experience.tables import snapshots
from pledge.kernel.errors import Forbidden, NotFound
from pledge.orders.tables import order_lines, orders
from pledge.reviews.tables import reviews
from tests.support import run_concurrently

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 9, 1)


def sh(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


class History:
    def __init__(self, world, timezone: str = "Asia/Shanghai") -> None:
        self.world = world
        self.shop_id, self.owner = world.shop(timezone=timezone)
        self.sku = world.product(self.owner, self.shop_id, stock=1000)
        self.buyer = world.user()

    def order(
        self,
        paid: str,
        picked: str | None = None,
        delivered: str | None = None,
        stars: int | None = None,
        reason: str | None = None,
        escalated: bool = False,
    ) -> int:
        order_id = self.world.paid_order(self.buyer, self.sku)
        app = self.world.app
        with app.uow.begin() as c:
            c.execute(
                orders.update()
                .where(orders.c.id == order_id)
                .values(
                    paid_at=sh(paid),
                    picked_up_at=picked and sh(picked),
                    delivered_at=delivered and sh(delivered),
                    status="delivered" if delivered else "shipped" if picked else "paid",
                )
            )
            line = c.execute(select(order_lines).where(order_lines.c.order_id == order_id)).first()
            if stars is not None:
                c.execute(
                    reviews.insert().values(
                        order_id=order_id,
                        order_line_id=line.id,
                        product_id=line.product_id,
                        shop_id=self.shop_id,
                        buyer_id=self.buyer.user_id,
                        stars=stars,
                        body="",
                        created_at=sh(delivered),
                        edits=0,
                    )
                )
            if reason is not None:
                case_id = self.case(order_id, reason, filed=delivered or paid, conn=c)
                if escalated:
                    c.execute(
                        case_events.insert().values(
                            case_id=case_id,
                            shop_id=self.shop_id,
                            at=sh(paid),
                            kind="escalated",
                            actor="buyer",
                            detail="{}",
                        )
                    )
        return order_id

    def case(
        self,
        order_id: int,
        reason: str,
        *,
        filed: str,
        decided: str | None = None,
        status: str = "requested",
        case_type: str = "refund_only",
        refunded: str | None = None,
        conn=None,
    ) -> int:
        """A case; a refunded one's refund completes (closed_at) at `refunded`, default when decided."""
        if conn is None:
            with self.world.app.uow.begin() as c:
                return self.case(
                    order_id,
                    reason,
                    filed=filed,
                    decided=decided,
                    status=status,
                    case_type=case_type,
                    refunded=refunded,
                    conn=c,
                )
        closed = refunded or (decided if status == "refunded" else None)
        return conn.execute(
            cases.insert().values(
                order_id=order_id,
                buyer_id=self.buyer.user_id,
                shop_id=self.shop_id,
                case_type=case_type,
                status=status,
                reason=reason,
                created_at=sh(filed),
                decided_at=decided and sh(decided),
                closed_at=closed and sh(closed),
            )
        ).inserted_primary_key[0]

    def compensate(self, order_id: int, kind: str, amount_fen: int = 300) -> None:
        """A compensation row (a logistics finding against the merchant) as the sweeps write it."""
        with self.world.app.uow.begin() as c:
            c.execute(
                compensations.insert().values(
                    idempotency_key=f"{kind.replace('_', '-')}:{order_id}",
                    order_id=order_id,
                    shop_id=self.shop_id,
                    buyer_id=self.buyer.user_id,
                    kind=kind,
                    amount_fen=amount_fen,
                    rulebook="douyin",
                    rulebook_version="2026-08-10",
                    clause_id=f"{kind}.test",
                    clause_source="douyin:test",
                    inputs="{}",
                    explanation="",
                    explanation_zh="",
                    created_at=sh("2026-08-20T10:00"),
                )
            )

    def measures(self) -> dict:
        with self.world.app.uow.read() as c:
            return services.measure(c, self.world.app.rulebook, DAY, shop_ids=[self.shop_id])[self.shop_id]


def test_pickup_time_counts_night_orders_from_six(world):
    h = History(world)
    h.order("2026-08-20T19:00", picked="2026-08-21T08:00")  # paid in the evening: from 06:00 -> 2 h
    h.order("2026-08-20T03:00", picked="2026-08-20T07:00")  # paid before 06:00: from 06:00 -> 1 h
    h.order("2026-08-20T17:59:59", picked="2026-08-20T18:59:59")  # by day: 1 h
    h.order("2026-08-20T10:00", picked="2026-08-21T12:00")  # 26 h -> 80 points per order
    h.order("2026-07-20T10:00", picked="2026-07-21T10:00")  # picked up before the window
    h.order("2026-08-31T20:00")  # not picked up: not counted
    m = h.measures()
    assert m["picked"] == 4 and m["paid_orders"] == 5
    assert m["pickup_seconds"] == (2 + 1 + 1 + 26) * 3600
    assert m["pickup_points"] == 100 + 100 + 100 + 80


def test_product_rating_quality_logistics_and_damage_returns(world):
    h = History(world)
    h.order("2026-08-10T10:00", "2026-08-10T12:00", "2026-08-11T12:00", stars=5)
    h.order("2026-08-10T10:00", "2026-08-10T12:00", "2026-08-12T12:00", stars=2, reason="quality")
    h.order("2026-08-10T10:00", "2026-08-10T12:00", "2026-08-14T12:00", stars=4, reason="damaged")
    wrong = h.order("2026-08-10T10:00", "2026-08-10T12:00", reason="wrong_item", escalated=True)
    h.compensate(wrong, "fraudulent_shipping")  # 买A发B found: judged, so the logistics return counts
    h.order("2026-07-25T10:00", "2026-07-26T10:00", "2026-08-03T10:00", stars=1)  # delivered in the window
    m = h.measures()
    assert (m["delivered"], m["rated"], m["rating_sum"], m["bad_reviews"]) == (4, 4, 12.0, 2)
    assert m["quality_returns"] == 1  # first reason quality, on an order delivered in the window
    assert (m["logistics_returns"], m["damage_returns"], m["paid_orders"]) == (1, 1, 4)
    assert (m["escalated_orders"], m["helped_orders"]) == (1, 3)
    # route standard 72 h after pickup: due in the window are the four picked up 08-10 (and the
    # one picked up 07-26, due 07-29: not in the window); on time: 08-11, 08-12 (48 h), not 08-14
    assert (m["due_waybills"], m["on_time"]) == (4, 2)
    assert m["next_day"] == 1  # signed for 08-11, the day after payment


def test_first_after_sales_reason_decides(world):
    h = History(world)
    order_id = h.order("2026-08-10T10:00", "2026-08-10T12:00", "2026-08-11T12:00")
    h.case(order_id, "other", filed="2026-08-11T13:00")
    h.case(order_id, "quality", filed="2026-08-11T14:00")
    assert h.measures()["quality_returns"] == 0


def test_after_sales_review_time_counts_night_requests_from_eight(world):
    h = History(world)
    o = h.order("2026-08-10T10:00", "2026-08-10T12:00", "2026-08-11T12:00")
    h.case(o, "quality", filed="2026-08-20T23:30", decided="2026-08-21T08:30", status="refunded")  # 0.5 h
    h.case(
        o, "quality", filed="2026-08-21T07:00", decided="2026-08-21T07:30", status="refunded"
    )  # before 08:00: 0
    h.case(o, "quality", filed="2026-08-21T10:00", decided="2026-08-21T12:00", status="refunded")  # 2 h
    h.case(
        o, "quality", filed="2026-08-21T10:00", decided="2026-08-21T12:00", status="rejected"
    )  # not refunded
    h.case(
        o,
        "quality",
        filed="2026-08-21T10:00",
        decided="2026-08-21T12:00",
        status="refunded",
        case_type="exchange",
    )  # not a refund type
    m = h.measures()
    assert (m["reviewed_cases"], m["review_seconds"]) == (3, int(2.5 * 3600))


def test_score_under_both_versions_and_orders_behind_an_indicator(app, world):
    h = History(world)
    slow = [h.order("2026-08-15T10:00", picked="2026-08-17T10:00") for _ in range(3)]  # 48 h
    for _ in range(30):
        h.order("2026-08-15T10:00", picked="2026-08-16T06:00")  # 20 h
    with app.uow.read() as c:
        now = services.shop_score(c, h.owner, h.shop_id, book=app.rulebook, now=app.clock.now())
        new = services.shop_score(
            c, h.owner, h.shop_id, book=app.rulebook, now=app.clock.now(), version="2026-09-08"
        )
        behind = queries.indicator_orders(
            c,
            h.owner,
            h.shop_id,
            "average_pickup_hours",
            book=app.rulebook,
            now=app.clock.now(),
            version="2026-09-08",
        )
        diff = queries.compare_versions(
            c,
            h.owner,
            h.shop_id,
            book=app.rulebook,
            now=app.clock.now(),
            base="2026-07-14",
            target="2026-09-08",
        )
    assert now.stage == new.stage == "formal" and now.version == "2026-07-14" and new.version == "2026-09-08"
    assert new.indicator("average_pickup_hours").value == pytest.approx((3 * 48 + 30 * 20) / 33, abs=0.01)
    # every order over the best band (12 h) is behind it, the slowest first
    assert [o["order_id"] for o in behind["orders"]][:3] == slow and behind["total"] == 33
    assert [o["pickup_hours"] for o in behind["orders"]][2:4] == [48, 20]
    assert behind["advice"] == {"value": 12, "points": 100, "unit": "hours", "better": "lower"}
    rows = {r["code"]: r for r in diff["indicators"]}
    assert rows["average_pickup_hours"]["in_new"] and not rows["average_pickup_hours"]["in_old"]
    assert diff["score_change"] == pytest.approx(new.score - now.score, abs=0.01)


def test_another_shop_cannot_read_the_score(app, world):
    h = History(world)
    _other_shop, stranger = world.shop("大乐水果")
    with app.uow.read() as c, pytest.raises(Forbidden):
        services.shop_score(c, stranger, h.shop_id, book=app.rulebook, now=app.clock.now())
    with app.uow.read() as c, pytest.raises(NotFound):
        queries.indicator_orders(c, h.owner, h.shop_id, "no_such", book=app.rulebook, now=app.clock.now())


def test_snapshots_once_per_shop_and_day_even_concurrently(app, world):
    h = History(world)
    for _ in range(3):
        h.order("2026-08-15T10:00", picked="2026-08-15T12:00", delivered="2026-08-16T12:00")
    results = run_concurrently(
        [lambda: services.snapshot_due(app.uow, app.rulebook, app.clock) for _ in range(3)]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    with app.uow.read() as c:
        rows = c.execute(select(snapshots.c.shop_id, func.count()).group_by(snapshots.c.shop_id)).all()
        mine = c.execute(select(snapshots).where(snapshots.c.shop_id == h.shop_id)).one()
    assert rows and all(n == 1 for _shop, n in rows)
    assert (mine.day, mine.version, mine.stage, mine.score_centi) == (DAY, "2026-07-14", "growth", 7000)
    assert services.snapshot_due(app.uow, app.rulebook, app.clock) == 0
    app.clock.advance(timedelta(days=1))
    assert services.snapshot_due(app.uow, app.rulebook, app.clock) >= 1


def test_gates_answer_with_their_clause(app, world):
    h = History(world)
    for _ in range(30):
        h.order("2026-08-15T10:00", picked="2026-08-17T20:00")  # 58 h each: pickup points 60
    with app.uow.read() as c:
        signup = services.gate(
            c, h.owner, h.shop_id, "campaign_signup", book=app.rulebook, now=app.clock.now()
        )
        ads = services.gate(
            c, h.owner, h.shop_id, "ad_spend", book=app.rulebook, now=app.clock.now(), amount_fen=600_000
        )
        small = services.gate(
            c, h.owner, h.shop_id, "ad_spend", book=app.rulebook, now=app.clock.now(), amount_fen=100
        )
    assert signup["stage"] == "formal" and signup["clause_id"] == "experience.gate.campaign-signup"
    assert signup["allowed"] == (signup["score"] >= 80)
    if 60 <= ads["score"] < 75:
        assert not ads["allowed"] and ads["daily_cap_fen"] == 500_000 and small["allowed"]
    assert ads["source"] == "pledge:default"
