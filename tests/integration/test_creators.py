"""Creator accounts and the affiliate marketplace through the services, on SQLite and PostgreSQL:
merchants offer effective-dated rates that never overlap, creators add only products a rate lets
them sell (douyin:aJoPPkXtaG25 "无佣金的达人不可带货"), the chosen-creator rate comes first, and
every refusal writes nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from pledge.catalog.tables import skus
from pledge.creators import services as creators
from pledge.creators.model import CreatorStatus
from pledge.creators.policy import BaseParts
from pledge.creators.tables import affiliate_rates, creator_grades
from pledge.creators.tables import creators as creator_rows
from pledge.kernel.errors import Conflict, Forbidden, IllegalTransition, InvalidInput, NotFound
from pledge.rulebooks.loader import load
from tests.support import run_concurrently

BOOK = load("douyin")
SH = ZoneInfo("Asia/Shanghai")
SEPT = datetime(2026, 9, 1, tzinfo=SH)


@pytest.fixture
def market(world):
    shop_id, owner = world.shop("小阿阮鲜花")
    sku = world.product(owner, shop_id, title="A级向日葵 12枝", price_fen=1990)
    with world.app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    return {"shop_id": shop_id, "owner": owner, "product_id": product_id}


def count(app, table) -> int:
    with app.uow.read() as c:
        return c.execute(select(func.count()).select_from(table)).scalar_one()


def new_creator(world, handle: str, followers: int = 5_000):
    actor, category = world.user("达人"), world.category()
    with world.app.uow.begin() as c:
        creator_id = creators.register_creator(
            c, actor, creators.NewCreator(handle, "花花达人", followers, (category,)), at=world.now
        )
    return actor, creator_id


def offer(app, actor, product_id, rate_bp, starts_at, ends_at=None, creator_id=None) -> int:
    with app.uow.begin() as c:
        new = creators.NewRate(product_id, rate_bp, starts_at, ends_at, creator_id)
        return creators.offer_rate(c, actor, new, at=app.clock.now())


def add(app, actor, product_id, at):
    with app.uow.begin() as c:
        return creators.add_to_showcase(c, actor, BOOK, product_id=product_id, at=at)


def test_register_a_creator_once_with_a_unique_handle(app, world):
    actor, creator_id = new_creator(world, "huahua")
    with pytest.raises(Conflict, match="already have a creator account"):
        with app.uow.begin() as c:
            creators.register_creator(c, actor, creators.NewCreator("other", "x", 1), at=world.now)
    someone = world.user()
    for new, error, says in [
        (creators.NewCreator("huahua", "x", 1), Conflict, "handle huahua is taken"),
        (creators.NewCreator("Hua Hua", "x", 1), InvalidInput, "a handle is 3 to 30"),
        (creators.NewCreator("hua2", "x", -1), InvalidInput, "a follower count"),
        (creators.NewCreator("hua3", "x", 1, (987_654,)), NotFound, "no category 987654"),
    ]:
        with pytest.raises(error, match=says):
            with app.uow.begin() as c:
                creators.register_creator(c, someone, new, at=world.now)
    assert count(app, creator_rows) == 1


def test_overlapping_rate_periods_are_refused_and_adjacent_ones_accepted(app, market):
    m = market
    first = offer(app, m["owner"], m["product_id"], 2_000, SEPT, SEPT + timedelta(days=15))
    with pytest.raises(Conflict, match=f"overlaps rate {first} of product"):
        offer(app, m["owner"], m["product_id"], 2_500, SEPT + timedelta(days=14))
    with pytest.raises(Conflict, match="overlaps"):
        offer(app, m["owner"], m["product_id"], 2_500, SEPT - timedelta(days=1), SEPT + timedelta(seconds=1))
    offer(app, m["owner"], m["product_id"], 2_500, SEPT + timedelta(days=15))  # the mid-month change
    assert count(app, affiliate_rates) == 2


def test_bad_rates_and_strangers_write_nothing(app, world, market):
    m = market
    _, stranger = world.shop("别人的店")
    for actor, rate_bp, ends_at, error, says in [
        (m["owner"], 10_001, None, InvalidInput, "from 0% to 100%"),
        (m["owner"], -1, None, InvalidInput, "from 0% to 100%"),
        (m["owner"], 1_000, SEPT, InvalidInput, "ends after it starts"),
        (stranger, 1_000, None, Forbidden, "not a member of shop"),
    ]:
        with pytest.raises(error, match=says):
            offer(app, actor, m["product_id"], rate_bp, SEPT, ends_at)
    with pytest.raises(NotFound, match="no product 987654"):
        offer(app, m["owner"], 987_654, 1_000, SEPT)
    assert count(app, affiliate_rates) == 0


def test_a_creator_cannot_add_a_product_not_in_the_marketplace_aJoPPkXtaG25(app, world, market):
    # 被设置了带货佣金的达人可以带货，无佣金的达人不可带货
    m = market
    actor, creator_id = new_creator(world, "huahua")
    with pytest.raises(Conflict, match="not in the affiliate marketplace for you"):
        add(app, actor, m["product_id"], SEPT)
    _, other_id = new_creator(world, "other")
    offer(app, m["owner"], m["product_id"], 3_000, SEPT, creator_id=other_id)  # only for someone else
    with pytest.raises(Conflict, match="not in the affiliate marketplace for you"):
        add(app, actor, m["product_id"], SEPT + timedelta(days=1))
    offer(app, m["owner"], m["product_id"], 2_000, SEPT + timedelta(days=2))
    rate = add(app, actor, m["product_id"], SEPT + timedelta(days=2))
    assert (rate.rate_bp, rate.exclusive) == (2_000, False)
    add(app, actor, m["product_id"], SEPT + timedelta(days=3))  # twice is once
    with app.uow.read() as c:
        assert creators.showcase(c, creator_id) == [m["product_id"]]


def test_the_chosen_creator_rate_comes_before_the_rate_for_all_aJoPPkXtaG25(app, world, market):
    # 费率结算优先级：…指定达人固定佣金…>…>全部达人固定佣金
    m = market
    _, creator_id = new_creator(world, "huahua")
    offer(app, m["owner"], m["product_id"], 2_000, SEPT)
    offer(app, m["owner"], m["product_id"], 3_500, SEPT, SEPT + timedelta(days=10), creator_id=creator_id)
    with app.uow.read() as c:
        inside = creators.rate_for(c, product_id=m["product_id"], creator_id=creator_id, at=SEPT)
        after = creators.rate_for(
            c, product_id=m["product_id"], creator_id=creator_id, at=SEPT + timedelta(days=10)
        )
        before = creators.rate_for(
            c, product_id=m["product_id"], creator_id=creator_id, at=SEPT - timedelta(seconds=1)
        )
    assert (inside.rate_bp, inside.exclusive) == (3_500, True)
    assert (after.rate_bp, after.exclusive) == (2_000, False)
    assert before is None


def test_too_few_followers_and_a_removed_creator_are_refused_and_removal_empties_the_showcase(
    app, world, market
):
    m = market
    offer(app, m["owner"], m["product_id"], 2_000, SEPT)
    small, _ = new_creator(world, "xiaohua", followers=999)  # creators.qualification: 1 000 (Pledge default)
    with pytest.raises(Forbidden, match="at least 1000 followers; you have 999"):
        add(app, small, m["product_id"], SEPT)
    actor, creator_id = new_creator(world, "huahua")
    add(app, actor, m["product_id"], SEPT)
    operator = world.user("运营", platform_role="operator")
    with pytest.raises(Forbidden):
        with app.uow.begin() as c:
            creators.set_creator_status(c, actor, creator_id=creator_id, status=CreatorStatus.REMOVED)
    with app.uow.begin() as c:
        creators.set_creator_status(c, operator, creator_id=creator_id, status=CreatorStatus.REMOVED)
    with app.uow.read() as c:
        assert creators.showcase(c, creator_id) == []
    with pytest.raises(Conflict, match="a removed creator cannot add"):
        add(app, actor, m["product_id"], SEPT)
    with pytest.raises(IllegalTransition):
        with app.uow.begin() as c:
            creators.set_creator_status(c, operator, creator_id=creator_id, status=CreatorStatus.ACTIVE)


def test_grades_are_published_for_periods_starting_on_the_9th_aJoPPkXtaG25(app, world):
    # 平台将于每个自然月8日生成并展示…订单支付时间发生于当期（当月9日-次月8日）的所有订单
    _, creator_id = new_creator(world, "huahua")
    operator = world.user("运营", platform_role="operator")

    def publish(period_start, grade):
        with app.uow.begin() as c:
            creators.set_grade(
                c, operator, BOOK, creator_id=creator_id, period_start=period_start, grade=grade, at=world.now
            )

    publish(date(2026, 9, 9), "b+")
    publish(date(2026, 9, 9), "C")  # published again: replaced
    with pytest.raises(InvalidInput, match="starts on day 9 of a month"):
        publish(date(2026, 9, 1), "A")
    with pytest.raises(InvalidInput, match="unknown creator grade"):
        publish(date(2026, 10, 9), "E")
    with app.uow.read() as c:
        assert creators.grade_of(c, BOOK, creator_id, datetime(2026, 10, 8, 23, tzinfo=SH)) == "C"
        assert creators.grade_of(c, BOOK, creator_id, datetime(2026, 10, 9, 0, tzinfo=SH)) is None
    assert count(app, creator_grades) == 1


def test_concurrent_overlapping_offers_write_one_rate(app, world, market):
    m = market

    def attempt(rate_bp):
        return lambda: offer(app, m["owner"], m["product_id"], rate_bp, SEPT)

    results = run_concurrently([attempt(1_000 + i) for i in range(3)])
    assert sum(isinstance(r, int) for r in results) == 1, results
    assert all(isinstance(r, int | Conflict) for r in results), results
    assert count(app, affiliate_rates) == 1


def test_a_line_commission_uses_the_rate_and_grade_in_force_at_payment_aJoPPkXtaG25(app, world, market):
    # Rate 20 % until 16 September, 25 % after (a mid-month change); grade C (20 %) for the period
    # from 9 September. Paid ¥100.00 incl. ¥10.00 shipping: base ¥90.00.
    m = market
    _, creator_id = new_creator(world, "huahua")
    operator = world.user("运营", platform_role="operator")
    offer(app, m["owner"], m["product_id"], 2_000, SEPT, SEPT + timedelta(days=15))
    offer(app, m["owner"], m["product_id"], 2_500, SEPT + timedelta(days=15))
    with app.uow.begin() as c:
        creators.set_grade(
            c, operator, BOOK, creator_id=creator_id, period_start=date(2026, 9, 9), grade="C", at=world.now
        )
    parts = BaseParts(paid_fen=10_000, shipping_fen=1_000)

    def line(paid_at):
        with app.uow.read() as c:
            return creators.line_commission(
                c, BOOK, creator_id=creator_id, product_id=m["product_id"], parts=parts, paid_at=paid_at
            )

    early = line(datetime(2026, 9, 10, 12, tzinfo=SH))
    late = line(datetime(2026, 9, 20, 12, tzinfo=SH))
    assert (early.commission_fen, early.service_fee_fen, early.creator_net_fen) == (1_800, 360, 1_440)
    assert (late.commission_fen, late.service_fee_fen, late.creator_net_fen) == (2_250, 450, 1_800)
    with pytest.raises(Conflict, match="no grade published for the period from 2026-08-09"):
        line(datetime(2026, 9, 5, 12, tzinfo=SH))
    with pytest.raises(Conflict, match="had no commission rate"):
        line(datetime(2026, 8, 31, 12, tzinfo=SH))
