"""The per-day facts of the experience score (pledge.experience.facts) against the full scan
(services.measure, the oracle), on SQLite and PostgreSQL: random histories of orders, pickups,
deliveries, reviews, after-sales cases, escalations, chats, compensations and incidents over
~45 days and several shops must give the same scores from facts as from the full computation,
on several days (across the 2026-09-08 version change), before and after late changes; the
refresh is idempotent, and concurrent refreshes write each row once."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from pledge.aftersales.tables import case_events, cases
from pledge.bootstrap import build
from pledge.chat.tables import conversations
from pledge.compensation.tables import compensations
from pledge.config import Settings
from pledge.experience import facts, policy, services
from pledge.experience.tables import incidents, shop_day_facts
from pledge.kernel.screening import Outcome
from pledge.orders.tables import order_lines, orders
from pledge.reviews import services as review_services
from pledge.reviews.tables import reviews
from tests.support import World, run_concurrently

SH = ZoneInfo("Asia/Shanghai")
BASE = datetime(2026, 7, 28, tzinfo=SH)  # the histories start here and run ~45 days
DAYS = (date(2026, 9, 1), date(2026, 9, 5), date(2026, 9, 11))  # 09-11: the 2026-09-08 version
FIRST_REFRESH = datetime(2026, 8, 25, tzinfo=SH)  # the facts are first brought up to date then
REASONS = ("quality", "not_as_described", "wrong_item", "shipping", "damaged", "other")
CASE_TYPES = ("refund_only", "return_refund", "damage_claim", "instant_refund")
COMPENSATIONS = ("late_ship", "fraudulent_shipping", "abnormal_tracking", "slow_tracking", "out_of_stock")
HOUR = 3600


class Histories:
    """Writes random histories straight into the tables, cloning one real paid order."""

    def __init__(self, world) -> None:
        self.world = world
        shop_id, owner = world.shop()
        self.buyer = world.user()
        self.template = world.paid_order(self.buyer, world.product(owner, shop_id, stock=10))
        self.staff = world.user()

    def shops(self, n: int) -> list[int]:
        return [self.world.shop()[0] for _ in range(n)]

    def order(self, c, shop_id: int, paid: datetime, picked, delivered) -> int:
        row = dict(c.execute(select(orders).where(orders.c.id == self.template)).mappings().one())
        row.pop("id")
        status = "delivered" if delivered else "shipped" if picked else "paid"
        row.update(shop_id=shop_id, paid_at=paid, picked_up_at=picked, delivered_at=delivered, status=status)
        order_id = c.execute(orders.insert().values(**row)).inserted_primary_key[0]
        line = dict(
            c.execute(select(order_lines).where(order_lines.c.order_id == self.template)).mappings().first()
        )
        line.pop("id")
        c.execute(order_lines.insert().values(**line | {"order_id": order_id, "shop_id": shop_id}))
        return order_id

    def review(self, c, order_id: int, stars: int, at: datetime, shown: bool) -> None:
        line = c.execute(select(order_lines).where(order_lines.c.order_id == order_id)).first()
        shop_id = c.execute(select(orders.c.shop_id).where(orders.c.id == order_id)).scalar()
        c.execute(
            reviews.insert().values(
                order_id=order_id,
                order_line_id=line.id,
                product_id=line.product_id,
                shop_id=shop_id,
                buyer_id=self.buyer.user_id,
                stars=stars,
                body="",
                created_at=at,
                edits=0,
                moderation="allow" if shown else "review",
            )
        )

    def case(
        self, c, order_id: int, reason: str, case_type: str, filed: datetime, review_h, escalate
    ) -> None:
        shop_id = c.execute(select(orders.c.shop_id).where(orders.c.id == order_id)).scalar()
        decided = None if review_h is None else filed + timedelta(hours=review_h)
        case_id = c.execute(
            cases.insert().values(
                order_id=order_id,
                buyer_id=self.buyer.user_id,
                shop_id=shop_id,
                case_type=case_type,
                status="requested" if decided is None else "refunded",
                reason=reason,
                created_at=filed,
                decided_at=decided,
                closed_at=decided and decided + timedelta(hours=2),
            )
        ).inserted_primary_key[0]
        if escalate:
            c.execute(
                case_events.insert().values(
                    case_id=case_id,
                    shop_id=shop_id,
                    at=filed + timedelta(hours=30),
                    kind="escalated",
                    actor="buyer",
                    detail="{}",
                )
            )

    def compensate(self, c, order_id: int, kind: str, at: datetime) -> None:
        shop_id = c.execute(select(orders.c.shop_id).where(orders.c.id == order_id)).scalar()
        c.execute(
            compensations.insert().values(
                idempotency_key=f"{kind}:{order_id}",
                order_id=order_id,
                shop_id=shop_id,
                buyer_id=self.buyer.user_id,
                kind=kind,
                amount_fen=300,
                rulebook="douyin",
                rulebook_version="2026-08-10",
                clause_id=f"{kind}.test",
                clause_source="douyin:test",
                inputs="{}",
                explanation="",
                explanation_zh="",
                created_at=at,
            )
        )

    def chat(self, c, order_id: int, at: datetime) -> None:
        shop_id = c.execute(select(orders.c.shop_id).where(orders.c.id == order_id)).scalar()
        c.execute(
            conversations.insert().values(
                shop_id=shop_id,
                buyer_id=self.buyer.user_id,
                order_id=order_id,
                status="closed",
                created_at=at,
            )
        )

    def incident(self, c, shop_id: int, kind: str, at: datetime) -> None:
        c.execute(
            incidents.insert().values(
                shop_id=shop_id,
                kind=kind,
                occurred_at=at,
                note="",
                recorded_by=self.staff.user_id,
                created_at=at,
            )
        )


hours = st.integers(min_value=0, max_value=100)
an_order = st.fixed_dictionaries(
    {
        "shop": st.integers(min_value=0, max_value=2),
        "paid_h": st.integers(min_value=0, max_value=45 * 24 - 1),
        "paid_min": st.integers(min_value=0, max_value=59),
        "pickup_h": st.none() | hours,
        "delivery_h": st.none() | st.integers(min_value=5, max_value=120),
        "stars": st.none() | st.integers(min_value=1, max_value=5),
        "shown": st.booleans(),
        "case": st.none()
        | st.tuples(
            st.sampled_from(REASONS), st.sampled_from(CASE_TYPES), hours, st.none() | hours, st.booleans()
        ),
        "compensation": st.none() | st.sampled_from(COMPENSATIONS),
        "chat": st.booleans(),
    }
)
a_late_change = st.fixed_dictionaries(
    {
        "order": st.integers(min_value=0, max_value=1000),
        "what": st.sampled_from(("case", "review", "compensation", "chat", "pickup", "delivery")),
        "reason": st.sampled_from(REASONS),
        "case_type": st.sampled_from(CASE_TYPES),
        "after_h": st.integers(min_value=0, max_value=17 * 24),
        "stars": st.integers(min_value=1, max_value=5),
    }
)
histories = st.fixed_dictionaries(
    {
        "orders": st.lists(an_order, min_size=1, max_size=30),
        "incidents": st.lists(
            st.tuples(st.integers(0, 2), st.sampled_from(services.INCIDENT_KINDS), st.integers(0, 44)),
            max_size=3,
        ),
        "late": st.lists(a_late_change, max_size=8),
    }
)


def write_history(h: Histories, c, shop_ids: list[int], history: dict) -> list[dict]:
    written = []
    for o in history["orders"]:
        paid = BASE + timedelta(hours=o["paid_h"], minutes=o["paid_min"])
        picked = None if o["pickup_h"] is None else paid + timedelta(hours=o["pickup_h"])
        delivered = (
            None if picked is None or o["delivery_h"] is None else picked + timedelta(hours=o["delivery_h"])
        )
        order_id = h.order(c, shop_ids[o["shop"]], paid, picked, delivered)
        if o["stars"] is not None and delivered is not None:
            h.review(c, order_id, o["stars"], delivered + timedelta(hours=5), o["shown"])
        if o["case"] is not None:
            reason, case_type, filed_h, review_h, escalate = o["case"]
            h.case(c, order_id, reason, case_type, paid + timedelta(hours=filed_h), review_h, escalate)
        if o["compensation"] is not None:
            h.compensate(c, order_id, o["compensation"], paid + timedelta(days=3))
        if o["chat"]:
            h.chat(c, order_id, paid + timedelta(hours=1))
        written.append({"id": order_id, "paid": paid, "picked": picked, "delivered": delivered})
    for shop, kind, day in history["incidents"]:
        h.incident(c, shop_ids[shop], kind, BASE + timedelta(days=day, hours=12))
    return written


def apply_late_changes(h: Histories, c, written: list[dict], late: list[dict]) -> None:
    """Changes after the first refresh: new rows with any timestamp, order scans from then on."""
    for change in late:
        o = written[change["order"] % len(written)]
        at = FIRST_REFRESH + timedelta(hours=change["after_h"])
        what = change["what"]
        if what == "case":
            h.case(
                c,
                o["id"],
                change["reason"],
                change["case_type"],
                max(at, o["paid"]),
                30,
                change["after_h"] % 2,
            )
        elif what == "review" and o["delivered"] is not None and not _reviewed(c, o["id"]):
            h.review(c, o["id"], change["stars"], at, True)
        elif what == "compensation" and not _compensated(c, o["id"]):
            h.compensate(c, o["id"], COMPENSATIONS[change["stars"] % len(COMPENSATIONS)], at)
        elif what == "chat":
            h.chat(c, o["id"], at)
        elif what == "pickup" and o["picked"] is None and at > o["paid"]:
            c.execute(orders.update().where(orders.c.id == o["id"]).values(picked_up_at=at, status="shipped"))
            o["picked"] = at
        elif what == "delivery" and o["picked"] is not None and o["delivered"] is None and at > o["picked"]:
            c.execute(
                orders.update().where(orders.c.id == o["id"]).values(delivered_at=at, status="delivered")
            )
            o["delivered"] = at


def _reviewed(c, order_id: int) -> bool:
    return c.execute(select(reviews.c.id).where(reviews.c.order_id == order_id)).first() is not None


def _compensated(c, order_id: int) -> bool:
    return (
        c.execute(select(compensations.c.id).where(compensations.c.order_id == order_id)).first() is not None
    )


def scores(c, book, day: date, measures: dict[int, dict], shop_ids: list[int]) -> dict:
    """What the snapshot writes for each shop (score, stage, stars, every indicator's points)."""
    vday = policy.version_day(book, None, day)
    since, until = services.window_for(book, day)
    out = {}
    for shop_id in shop_ids:
        r = policy.evaluate(
            book,
            vday,
            measures.get(shop_id, {}),
            profile=services.profile_of(c, shop_id),
            incident_kinds=services.incident_kinds(c, since, until, shop_id).get(shop_id, []),
        )
        out[shop_id] = (r.stage, r.score, r.shown, [(i.code, i.value, i.points) for i in r.indicators])
    return out


def additive(measures: dict) -> dict:
    return {k: measures.get(k, 0) for k in facts.FACT_MEASURES}


def assert_facts_agree(app, shop_ids: list[int], at: datetime) -> None:
    book = app.rulebook
    for day in DAYS:
        with app.uow.begin() as c:
            from_facts = facts.measure(c, book, day, at=at)
            full = services.measure(c, book, day, shop_ids=shop_ids)
            for shop_id in shop_ids:
                assert additive(from_facts.get(shop_id, {})) == additive(full[shop_id]), (day, shop_id)
            assert scores(c, book, day, from_facts, shop_ids) == scores(c, book, day, full, shop_ids), day


def test_scores_from_facts_equal_the_full_computation_on_random_histories(app, world):
    h = Histories(world)
    examples = 12 if app.uow.engine.dialect.name == "sqlite" else 5

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(history=histories)
    def check(history):
        shop_ids = h.shops(3)  # new shops per example; the facts of earlier ones stay (incremental)
        with app.uow.begin() as c:
            written = write_history(h, c, shop_ids, history)
        assert_facts_agree(app, shop_ids, FIRST_REFRESH)
        with app.uow.begin() as c:
            apply_late_changes(h, c, written, history["late"])
        assert_facts_agree(app, shop_ids, FIRST_REFRESH + timedelta(days=20))

    check()


def _history_of_one_shop(h: Histories) -> tuple[int, int]:
    """A shop with an order paid 2026-08-12 10:00, picked up and delivered, no case yet."""
    shop_id = h.shops(1)[0]
    with h.world.app.uow.begin() as c:
        paid = datetime(2026, 8, 12, 10, tzinfo=SH)
        order_id = h.order(c, shop_id, paid, paid + timedelta(hours=5), paid + timedelta(hours=40))
        h.order(c, shop_id, paid + timedelta(days=3), None, None)
    return shop_id, order_id


def fact_rows(app, shop_id: int) -> dict:
    with app.uow.read() as c:
        rows = c.execute(select(shop_day_facts).where(shop_day_facts.c.shop_id == shop_id)).mappings().all()
    return {(r["day"], r["version"]): {k: r[k] for k in facts.FACT_MEASURES} for r in rows}


def refresh(app, day: date, at: datetime) -> int:
    book = app.rulebook
    with app.uow.begin() as c:
        return facts.refresh(
            c, book, policy.version_day(book, None, day), facts.window_days(book, day), at=at
        )


def test_damage_return_filed_later_moves_the_paid_day_fact_row(app, world):
    """damage_return_rate counts orders PAID in the window: a case filed 20 days after payment
    changes the fact row of the paid day (2026-08-12), not the day it was filed."""
    h = Histories(world)
    shop_id, order_id = _history_of_one_shop(h)
    refresh(app, DAYS[0], FIRST_REFRESH)
    paid_day = (date(2026, 8, 12), "2026-07-14")
    assert fact_rows(app, shop_id)[paid_day]["damage_returns"] == 0
    assert fact_rows(app, shop_id)[paid_day]["paid_orders"] == 1
    with app.uow.begin() as c:
        h.case(c, order_id, "damaged", "refund_only", datetime(2026, 9, 1, 9, tzinfo=SH), None, True)
    refresh(app, DAYS[0], datetime(2026, 9, 1, 10, tzinfo=SH))
    row = fact_rows(app, shop_id)[paid_day]
    assert (row["damage_returns"], row["escalated_orders"], row["helped_orders"]) == (1, 1, 1)
    assert_facts_agree(app, [shop_id], datetime(2026, 9, 1, 10, tzinfo=SH))


def test_a_pickup_scanned_after_the_refresh_lands_on_its_own_day(app, world):
    """pickup_score keys on the pickup scan: an order scanned after the last refresh (an UPDATE,
    no new row) is found by its timestamp and counted on the scan's day."""
    h = Histories(world)
    shop_id, _order_id = _history_of_one_shop(h)
    refresh(app, DAYS[0], FIRST_REFRESH)
    with app.uow.begin() as c:
        waiting = c.execute(
            select(orders.c.id).where(orders.c.shop_id == shop_id, orders.c.picked_up_at.is_(None))
        ).scalar_one()
        c.execute(
            orders.update()
            .where(orders.c.id == waiting)
            .values(picked_up_at=datetime(2026, 8, 26, 9, tzinfo=SH))
        )
    refresh(app, DAYS[0], datetime(2026, 8, 27, tzinfo=SH))
    assert fact_rows(app, shop_id)[(date(2026, 8, 26), "2026-07-14")]["picked"] == 1
    assert_facts_agree(app, [shop_id], datetime(2026, 8, 27, tzinfo=SH))


def test_a_held_review_allowed_later_counts_on_the_delivery_day(app, world):
    """product rating counts shown reviews of orders delivered in the window: a held review a
    reviewer allows after the refresh (no new row, no edit) reaches the delivery day's row."""
    h = Histories(world)
    shop_id, order_id = _history_of_one_shop(h)
    with app.uow.begin() as c:
        h.review(c, order_id, 1, datetime(2026, 8, 15, tzinfo=SH), False)
        review_id = c.execute(select(reviews.c.id).where(reviews.c.order_id == order_id)).scalar_one()
    refresh(app, DAYS[0], FIRST_REFRESH)
    delivery_day = (date(2026, 8, 14), "2026-07-14")
    assert fact_rows(app, shop_id)[delivery_day]["rated"] == 0
    allowed = FIRST_REFRESH + timedelta(days=2)
    with app.uow.begin() as c:
        review_services.set_moderation(c, review_id, Outcome.ALLOW, at=allowed)
    refresh(app, DAYS[0], allowed + timedelta(hours=1))
    row = fact_rows(app, shop_id)[delivery_day]
    assert (row["rated"], row["bad_reviews"], row["rating_sum"]) == (1, 1, 1.0)
    assert_facts_agree(app, [shop_id], allowed + timedelta(hours=1))


def test_refresh_is_idempotent(app, world):
    h = Histories(world)
    shop_id, _order_id = _history_of_one_shop(h)
    assert refresh(app, DAYS[0], FIRST_REFRESH) > 0
    before = fact_rows(app, shop_id)
    assert refresh(app, DAYS[0], FIRST_REFRESH + timedelta(hours=2)) == 0  # nothing changed since
    assert refresh(app, DAYS[0], FIRST_REFRESH + timedelta(hours=4)) == 0
    assert fact_rows(app, shop_id) == before


@pytest.mark.postgres
def test_concurrent_refreshes_write_each_fact_once(postgres_url, clock):
    app = build(Settings(database_url=postgres_url), clock=clock)
    try:
        h = Histories(World(app))
        shop_id, _order_id = _history_of_one_shop(h)
        results = run_concurrently([lambda: refresh(app, DAYS[0], FIRST_REFRESH) for _ in range(3)])
        assert not [r for r in results if isinstance(r, Exception)], results
        rows = fact_rows(app, shop_id)
        assert rows[(date(2026, 8, 12), "2026-07-14")]["paid_orders"] == 1  # once, not three times
        assert rows[(date(2026, 8, 15), "2026-07-14")]["paid_orders"] == 1
        with app.uow.begin() as c:
            h.case(c, _order_id, "quality", "return_refund", datetime(2026, 8, 20, tzinfo=SH), 10, False)
        later = FIRST_REFRESH + timedelta(days=1)
        results = run_concurrently([lambda: refresh(app, DAYS[0], later) for _ in range(3)])
        assert not [r for r in results if isinstance(r, Exception)], results
        assert fact_rows(app, shop_id)[(date(2026, 8, 14), "2026-07-14")]["quality_returns"] == 1
        assert_facts_agree(app, [shop_id], later)
    finally:
        app.uow.engine.dispose()
