"""The affiliate marketplace (精选联盟) a creator browses, on SQLite and PostgreSQL: only products
with a rate in force for them (everyone's, or theirs alone first: `affiliate.rate-priority`),
filtered by rate, category, the shop's experience score and its late-ship rate over the window
of `marketplace.late-ship-window`, sorted and paged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from pledge.catalog.tables import skus
from pledge.creators import services as creators
from pledge.creators.marketplace import PAGE_SIZE, Filters, Sort, marketplace
from pledge.experience.tables import snapshots
from pledge.kernel.errors import InvalidInput
from pledge.orders.tables import orders
from pledge.rulebooks.loader import load

BOOK = load("douyin")


def product(world, owner, shop_id, title, price_fen=1990, category=None) -> int:
    sku = world.product(owner, shop_id, title=title, price_fen=price_fen, category=category)
    with world.app.uow.read() as c:
        return c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()


def rate(world, owner, product_id, rate_bp, creator_id=None, days_ago=1, ends_in=None):
    starts = world.now - timedelta(days=days_ago)
    ends = None if ends_in is None else world.now + timedelta(days=ends_in)
    with world.app.uow.begin() as c:
        creators.offer_rate(
            c, owner, creators.NewRate(product_id, rate_bp, starts, ends, creator_id), at=world.now
        )


def score(world, shop_id, tenths):
    with world.app.uow.begin() as c:
        c.execute(
            snapshots.insert().values(
                shop_id=shop_id,
                day=world.now.date(),
                version="v",
                stage="formal",
                score_centi=tenths * 200,
                shown_tenths=tenths,
                detail="{}",
                computed_at=world.now,
            )
        )


@pytest.fixture
def market(world):
    florist, florist_owner = world.shop("小阿阮鲜花")
    fruit, fruit_owner = world.shop("大乐水果")
    flowers, fruit_cat = world.named_category("鲜花", "向日葵"), world.named_category("水果", "芒果")
    sunflower = product(world, florist_owner, florist, "A级向日葵 12枝", 1990, flowers)
    rose = product(world, florist_owner, florist, "多头玫瑰", 3990, flowers)
    mango = product(world, fruit_owner, fruit, "攀枝花芒果", 5990, fruit_cat)
    hidden = product(world, fruit_owner, fruit, "没有佣金的桃子", 990, fruit_cat)
    actor, someone = world.user("达人"), world.user("达人")
    with world.app.uow.begin() as c:
        me = creators.register_creator(
            c, actor, creators.NewCreator("flower_fan", "花花", 8000), at=world.now
        )
        other = creators.register_creator(
            c, someone, creators.NewCreator("someone_else", "别人", 8000), at=world.now
        )
    rate(world, florist_owner, sunflower, 2000)
    rate(world, florist_owner, sunflower, 3500, creator_id=me)  # theirs alone comes first
    rate(world, florist_owner, rose, 1000, days_ago=40, ends_in=None)
    rate(world, fruit_owner, mango, 1500)
    rate(world, fruit_owner, hidden, 5000, creator_id=other)  # someone else's only: not shown to me
    score(world, florist, 48)
    score(world, fruit, 42)
    return {
        "me": me,
        "florist": florist,
        "fruit": fruit,
        "flowers": flowers,
        "ids": {"sunflower": sunflower, "rose": rose, "mango": mango},
        "fruit_owner": fruit_owner,
    }


def titles(app, market, **filters) -> list[str]:
    with app.uow.read() as c:
        page = marketplace(c, market["me"], BOOK, Filters(**filters), now=app.clock.now())
    return [item["title"] for item in page["items"]]


def test_marketplace_lists_products_with_a_rate_for_me_exclusive_first(app, market):
    with app.uow.read() as c:
        page = marketplace(c, market["me"], BOOK, Filters(), now=app.clock.now())
    got = {i["title"]: (i["rate_bp"], i["exclusive"]) for i in page["items"]}
    assert got == {"A级向日葵 12枝": (3500, True), "攀枝花芒果": (1500, False), "多头玫瑰": (1000, False)}
    assert [i["title"] for i in page["items"]] == ["A级向日葵 12枝", "攀枝花芒果", "多头玫瑰"]
    assert page["total"] == 3 and page["pages"] == 1


def test_marketplace_filters_by_rate_category_and_score(app, market):
    assert titles(app, market, min_rate_bp=1500) == ["A级向日葵 12枝", "攀枝花芒果"]
    assert titles(app, market, category_id=market["flowers"]) == ["A级向日葵 12枝", "多头玫瑰"]
    assert titles(app, market, min_score_tenths=45) == ["A级向日葵 12枝", "多头玫瑰"]
    assert titles(app, market, sort=Sort.PRICE) == ["A级向日葵 12枝", "多头玫瑰", "攀枝花芒果"]
    assert titles(app, market, sort=Sort.SCORE)[-1] == "攀枝花芒果"


def test_marketplace_late_ship_rate_counts_the_last_30_days(app, world, market):
    """The fruit shop had 4 orders due to ship in the window, one picked up late: 25 %; the
    florist had 2, both on time: 0 %. An order due 31 days ago is outside the window."""
    sku_of = {}
    with app.uow.read() as c:
        for name in ("mango", "sunflower"):
            sku_of[name] = c.execute(
                select(skus.c.id).where(skus.c.product_id == market["ids"][name])
            ).scalar_one()
    buyer = world.user("买家")
    plan = [("mango", 2, 1), ("mango", 3, None), ("mango", 5, None), ("mango", 6, None), ("mango", 31, 5)]
    plan += [("sunflower", 2, None), ("sunflower", 3, None)]
    for name, days_ago, late_hours in plan:
        order_id = world.paid_order(buyer, sku_of[name])
        ship_by = world.now - timedelta(days=days_ago)
        picked = ship_by + timedelta(hours=late_hours) if late_hours else ship_by - timedelta(hours=2)
        with app.uow.begin() as c:
            c.execute(
                update(orders).where(orders.c.id == order_id).values(ship_by=ship_by, picked_up_at=picked)
            )
    with app.uow.read() as c:
        items = marketplace(c, market["me"], BOOK, Filters(sort=Sort.LATE_SHIP), now=app.clock.now())["items"]
    assert [(i["title"], i["late_bp"]) for i in items] == [  # equal rates: the newest product first
        ("多头玫瑰", 0),
        ("A级向日葵 12枝", 0),
        ("攀枝花芒果", 2500),
    ]
    assert titles(app, market, max_late_ship_bp=2499) == ["A级向日葵 12枝", "多头玫瑰"]
    assert titles(app, market, max_late_ship_bp=2500) == ["A级向日葵 12枝", "攀枝花芒果", "多头玫瑰"]


def test_marketplace_pages_of_20(app, world, market):
    for i in range(PAGE_SIZE):
        pid = product(world, market["fruit_owner"], market["fruit"], f"芒果礼盒 {i}", 2000 + i)
        rate(world, market["fruit_owner"], pid, 800)
    with app.uow.read() as c:
        first = marketplace(c, market["me"], BOOK, Filters(), now=app.clock.now())
        second = marketplace(c, market["me"], BOOK, Filters(page=2), now=app.clock.now())
    assert (first["total"], first["pages"], len(first["items"]), len(second["items"])) == (23, 2, 20, 3)
    assert not {i["product_id"] for i in first["items"]} & {i["product_id"] for i in second["items"]}


def test_marketplace_refuses_filters_out_of_range(app, market):
    for bad in ({"min_rate_bp": 10_001}, {"min_score_tenths": 51}, {"max_late_ship_bp": -1}, {"page": 0}):
        with pytest.raises(InvalidInput), app.uow.read() as c:
            marketplace(c, market["me"], BOOK, Filters(**bad), now=app.clock.now())
