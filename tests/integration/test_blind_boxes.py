"""Blind boxes and minors at checkout (douyin:aHGYneqr4WDJ; minors' spending limits are a Pledge
default): a box is listed only with its series and never as a banned kind; a buyer needs a birth
date, is refused under 8 and needs a guardian's consent (an SMS code to the guardian) until 18;
a minor's orders stay within the per-order and monthly limits; every unit bought is drawn once
and the draw is kept. A refusal writes nothing: no order, no stock taken, no draw."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from threading import Barrier, Thread
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from pledge.aftersales.cancellation import request_cancellation
from pledge.aftersales.model import CaseStatus, CaseType
from pledge.aftersales.tables import cases
from pledge.blindboxes import queries as box_queries
from pledge.blindboxes.policy import RANDOM_SOURCE, BannedBlindBox
from pledge.blindboxes.services import list_product
from pledge.blindboxes.tables import blind_box_draws, blind_box_items, blind_box_series
from pledge.catalog import services as catalog
from pledge.catalog.tables import products, skus
from pledge.kernel.db import inserted_id
from pledge.kernel.errors import Conflict, InvalidInput
from pledge.minors import services as minors
from pledge.minors.policy import MinorRestricted
from pledge.orders.model import OrderStatus
from pledge.orders.services import release_unpaid
from pledge.orders.tables import orders
from pledge.promises.model import Promise
from pledge.sms.services import WrongCode
from tests.blindbox_support import SEED_BOX, list_seed_box
from tests.conftest import make_app
from tests.integration.test_checkout import stock_of
from tests.support import World

ADULT = date(1990, 5, 20)
GUARDIAN = "13800138000"
BEIJING = ZoneInfo("Asia/Shanghai")


def _counts(app) -> tuple[int, int]:
    with app.uow.read() as c:
        return (
            c.execute(select(func.count()).select_from(orders)).scalar_one(),
            c.execute(select(func.count()).select_from(blind_box_draws)).scalar_one(),
        )


def _consent(app, buyer, phone: str = GUARDIAN) -> int:
    minors.request_guardian_code(app.uow, app.sms, buyer, phone=phone, at=app.clock.now())
    return minors.record_guardian_consent(
        app.uow, buyer, phone=phone, code=app.sms.last_code(phone), at=app.clock.now()
    )


def test_blind_box_listing_keeps_its_series_as_disclosed(app, world):
    shop_id, owner = world.shop()
    sku = list_seed_box(world, owner, shop_id)
    with app.uow.read() as c:
        product_id = c.execute(select(products.c.id).where(products.c.blind_box)).scalar_one()
        assert box_queries.series_of(c, product_id) == SEED_BOX
    assert stock_of(app, sku) == 100


@pytest.mark.parametrize("box_type", ["parcel", "alcohol", "electronics"])
def test_banned_blind_box_types_are_refused_at_listing_and_nothing_is_written(app, world, box_type):
    shop_id, owner = world.shop()
    with pytest.raises(BannedBlindBox, match=f"blindbox.banned.{box_type}"):
        list_seed_box(world, owner, shop_id, series=replace(SEED_BOX, box_type=box_type))
    with app.uow.read() as c:
        assert c.execute(select(func.count()).select_from(products)).scalar_one() == 0
        assert c.execute(select(func.count()).select_from(blind_box_series)).scalar_one() == 0


def test_a_blind_box_without_odds_and_values_is_refused(app, world):
    shop_id, owner = world.shop()
    with pytest.raises(InvalidInput, match="blindbox.disclosure"):
        list_seed_box(world, owner, shop_id, series=None)
    cmd = catalog.NewProduct(
        shop_id, world.category(), "向日葵", Promise.parse("48h"), [catalog.NewSku("一束", 1990, 5)]
    )
    with pytest.raises(InvalidInput, match="blind boxes only"), app.uow.begin() as c:
        list_product(c, owner, cmd, SEED_BOX, book=app.rulebook, at=world.now, guards=())
    with app.uow.read() as c:
        assert c.execute(select(func.count()).select_from(blind_box_items)).scalar_one() == 0


def test_an_adult_buys_blind_boxes_and_each_unit_is_drawn_once_and_kept(app, world):
    shop_id, owner = world.shop()
    sku = list_seed_box(world, owner, shop_id)
    buyer = world.user(born=ADULT)
    placed = world.place(buyer, (sku, 3))
    with app.uow.read() as c:
        draws = box_queries.draws_of_order(c, placed.order_ids[0])
        items = {r.name: r.odds_bp for r in c.execute(select(blind_box_items))}
    assert [d.unit for d in draws] == [1, 2, 3]
    for draw in draws:
        assert draw.odds_bp == items[draw.item_name] and 0 <= draw.roll < 10_000
        assert draw.random_source == RANDOM_SOURCE
        assert draw.drawn_at == world.now
        assert draw.keep_until == date(2029, 9, 1)  # blindbox.draw-records: 3 years from 2026-09-01
    assert stock_of(app, sku) == 97


def _birthday(world, years: int, *, tomorrow: bool = False) -> date:
    """The birth date of a buyer who turns `years` today (or tomorrow) in Beijing (the test
    clock starts on 2026-09-01 at 10:00 Beijing time)."""
    day = world.now.astimezone(BEIJING).date() + timedelta(days=1 if tomorrow else 0)
    return day.replace(year=day.year - years)


@pytest.mark.parametrize(
    ("years", "tomorrow", "reason"),
    [
        (None, False, "birth_date_required"),
        (8, True, "under_age"),  # 7 until tomorrow
        (12, False, "guardian_consent_required"),
        (18, True, "guardian_consent_required"),  # 17 until tomorrow
    ],
)
def test_blind_box_checkout_is_refused_without_age_under_8_and_without_consent_and_writes_nothing(
    app, world, years, tomorrow, reason
):
    shop_id, owner = world.shop()
    sku = list_seed_box(world, owner, shop_id, price_fen=990)
    buyer = world.user(born=None if years is None else _birthday(world, years, tomorrow=tomorrow))
    with pytest.raises(MinorRestricted) as refused:
        world.place(buyer, (sku, 1))
    assert refused.value.extra == {"clause": "blindbox.minors", "reason": reason}
    assert _counts(app) == (0, 0)
    assert stock_of(app, sku) == 100


def test_the_eighth_birthday_in_beijing_opens_blind_boxes_with_a_guardians_consent(app, world, clock):
    shop_id, owner = world.shop()
    sku = list_seed_box(world, owner, shop_id, price_fen=990)
    clock.set(
        datetime(2026, 8, 31, 15, 59, tzinfo=UTC)
    )  # 23:59 Beijing time, the day before the 8th birthday
    buyer = world.user(born=date(2018, 9, 1))
    _consent(app, buyer)
    with pytest.raises(MinorRestricted, match="under 8"):
        world.place(buyer, (sku, 1))
    clock.advance(timedelta(minutes=1))  # 00:00 Beijing time on the birthday, still 2026-08-31 in UTC
    assert world.place(buyer, (sku, 1)).order_ids


def test_a_guardian_consents_with_the_code_texted_to_their_phone(app, world):
    shop_id, owner = world.shop()
    sku = list_seed_box(world, owner, shop_id, price_fen=990)
    buyer = world.user(born=_birthday(world, 12))
    minors.request_guardian_code(app.uow, app.sms, buyer, phone=GUARDIAN, at=world.now)
    with pytest.raises(WrongCode):
        minors.record_guardian_consent(app.uow, buyer, phone=GUARDIAN, code="000000", at=world.now)
    minors.record_guardian_consent(
        app.uow, buyer, phone=GUARDIAN, code=app.sms.last_code(GUARDIAN), at=world.now
    )
    with app.uow.read() as c:
        status = minors.status_of(c, app.rulebook, buyer.user_id, world.now)
    assert (status.age, status.minor, status.consent_phone, status.consented_at) == (
        12,
        True,
        GUARDIAN,
        world.now,
    )
    placed = world.place(buyer, (sku, 1))
    assert len(box_queries_draws(app, placed.order_ids[0])) == 1


def box_queries_draws(app, order_id: int):
    with app.uow.read() as c:
        return box_queries.draws_of_order(c, order_id)


def test_a_guardian_code_needs_a_birth_date_and_another_phone_than_the_buyers(app, world):
    buyer = world.user()
    with pytest.raises(Conflict, match="birth date first"):
        _consent(app, buyer)
    with pytest.raises(InvalidInput, match="11-digit"):
        minors.request_guardian_code(app.uow, app.sms, buyer, phone="12345", at=world.now)


def test_a_series_allows_its_disclosed_draws_per_buyer(app, world, clock):
    shop_id, owner = world.shop()
    sku = list_seed_box(world, owner, shop_id, series=replace(SEED_BOX, draws_per_buyer=2))
    buyer = world.user(born=ADULT)
    first = world.place(buyer, (sku, 2))
    with pytest.raises(Conflict, match="allows 2 draws per buyer and you already drew 2"):
        world.place(buyer, (sku, 1))
    with app.uow.begin() as c:  # a cancelled order's draws no longer count
        release_unpaid(
            c,
            c.execute(select(orders).where(orders.c.id == first.order_ids[0])).one(),
            now=world.now,
            reason="test",
        )
    assert world.place(buyer, (sku, 1)).order_ids
    assert len(box_queries_draws(app, first.order_ids[0])) == 2  # the cancelled order's record is kept


def test_a_minors_orders_stay_within_the_per_order_and_monthly_limits(app, world, clock):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, price_fen=5000, stock=100)  # not a blind box: limits still apply
    buyer = world.user(born=_birthday(world, 15))
    with pytest.raises(MinorRestricted, match="minors.spending-limits") as refused:
        world.place(buyer, (sku, 3))  # 150.00 > 100.00 per order
    assert refused.value.extra["reason"] == "per_order_limit"
    for _ in range(4):
        world.place(buyer, (sku, 2))  # 4 × 100.00 = 400.00: the month's limit exactly
    with pytest.raises(MinorRestricted) as refused:
        world.place(buyer, (sku, 1))
    assert refused.value.extra["reason"] == "per_month_limit"
    assert stock_of(app, sku) == 92
    clock.set(datetime(2026, 9, 30, 16, 0, tzinfo=UTC))  # 2026-10-01 00:00 in Beijing
    assert world.place(buyer, (sku, 2)).order_ids
    adult = world.user(born=ADULT)
    assert world.place(adult, (sku, 10)).order_ids


@pytest.mark.postgres
def test_two_concurrent_checkouts_of_a_minor_cannot_both_pass_the_monthly_limit(
    postgres_url, clock, monkeypatch
):
    app = make_app(postgres_url, clock)
    counted = minors.spent_this_month

    def slowly_counted(*args, **kwargs):  # widen the window between reading the month and writing
        spent = counted(*args, **kwargs)
        time.sleep(0.5)
        return spent

    monkeypatch.setattr(minors, "spent_this_month", slowly_counted)
    try:
        world = World(app)
        shop_id, owner = world.shop()
        # Two products, so that the checkouts do not already wait for each other on one SKU's row.
        skus = [world.product(owner, shop_id, price_fen=10000, stock=100) for _ in range(2)]
        buyer = world.user(born=_birthday(world, 15))
        for _ in range(3):
            world.place(buyer, (skus[0], 1))  # 300.00 of 400.00
        barrier, results = Barrier(2), []

        def buy(sku: int):
            barrier.wait()
            try:
                world.place(buyer, (sku, 1))
                results.append("placed")
            except MinorRestricted:
                results.append("refused")

        threads = [Thread(target=buy, args=(sku,)) for sku in skus]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == ["placed", "refused"]
        with app.uow.read() as c:
            live = c.execute(
                select(func.count()).where(orders.c.status != OrderStatus.CANCELLED.value)
            ).scalar_one()
        assert live == 4
    finally:
        app.uow.engine.dispose()


def test_a_listed_blind_box_has_no_instant_refund(app, world):
    """RULES.md §3 (douyin:aJmtW2ombFf1): instant refund is not for blind-box goods; a box
    listed with its series carries the product flag the after-sales rule reads."""
    shop_id, owner = world.shop()
    sku = list_seed_box(world, owner, shop_id)
    buyer = world.user(born=ADULT)
    order_id = world.paid_order(buyer, sku)
    with app.uow.begin() as c:
        case_id = request_cancellation(c, buyer, order_id, book=app.rulebook, at=world.now)
        case = c.execute(select(cases).where(cases.c.id == case_id)).one()
    assert (case.case_type, case.status) == (CaseType.REFUND_ONLY, CaseStatus.REQUESTED)


def test_two_skus_of_one_box_in_one_order_draw_units_one_to_n(app, world):
    """A box sold in two SKUs (say, two sizes of seed pack): the order's units are numbered across
    both, so each unit is drawn once under the (order, product, unit) key."""
    shop_id, owner = world.shop()
    sku = list_seed_box(world, owner, shop_id)
    with app.uow.begin() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
        other = inserted_id(
            c,
            skus.insert().values(
                product_id=product_id, shop_id=shop_id, name="大包", price_fen=2990, stock=10
            ),
        )
    placed = world.place(world.user(born=ADULT), (sku, 2), (other, 1))
    assert [d.unit for d in box_queries_draws(app, placed.order_ids[0])] == [1, 2, 3]
