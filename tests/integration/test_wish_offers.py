"""Issue 15's remainder through the services on SQLite and PostgreSQL: a demand becomes a new SKU
of an existing product or a presale (through the catalogue's use cases); the wisher offer (a
merchant-funded wisher price per wisher, first access for wishers only) within its Pledge-default
bounds, exactly once per wisher; the conversion of wishers into buyers; bad offers writing nothing."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from pledge.catalog import services as catalog
from pledge.catalog.tables import skus
from pledge.kernel.errors import Conflict, InvalidInput
from pledge.ledger import services as ledger
from pledge.ledger.tables import coupons, ledger_transactions
from pledge.notifications.tables import notifications
from pledge.promises.model import Promise
from pledge.wishes import queries, services
from pledge.wishes.model import Target
from pledge.wishes.offers import wisher_price_source
from pledge.wishes.policy import WisherOffer
from pledge.wishes.tables import wish_demands, wish_offers
from tests.support import run_concurrently


@pytest.fixture
def pool(app, world):
    """飞恋伞厂 with one product on sale and one open demand of two wishers."""
    shop_id, owner = world.shop("飞恋伞厂")
    sku = world.product(owner, shop_id, title="晴雨两用伞", price_fen=4000)
    a, b = world.user(), world.user()
    with app.uow.begin() as c:
        services.make_wish(c, a, shop_id=shop_id, text="能不能出一款大一点的伞", at=app.clock.now())
        services.make_wish(c, b, shop_id=shop_id, text="求双人伞，大一点的", at=app.clock.now())
    with app.uow.read() as c:
        demand_id = c.execute(select(wish_demands.c.id)).scalar_one()
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    return {
        "shop_id": shop_id,
        "owner": owner,
        "sku": sku,
        "product_id": product_id,
        "wishers": (a, b),
        "demand_id": demand_id,
    }


def count(app, table) -> int:
    with app.uow.read() as c:
        return c.execute(select(func.count()).select_from(table)).scalar_one()


def closed(app, pool) -> dict:
    with app.uow.read() as c:
        return queries.board(c, pool["owner"], pool["shop_id"], now=app.clock.now())["closed"][0]


def fulfil(app, pool, product_id=None, offer=None, sku_id=None):
    with app.uow.begin() as c:
        return services.fulfil(
            c,
            pool["owner"],
            demand_id=pool["demand_id"],
            product_id=product_id or pool["product_id"],
            sku_id=sku_id,
            at=app.clock.now(),
            offer=offer,
            book=app.rulebook,
        )


def new_sku(app, pool, demand_id, name="双人加大款", offer=None):
    with app.uow.begin() as c:
        return services.new_sku(
            c,
            pool["owner"],
            demand_id=demand_id,
            product_id=pool["product_id"],
            sku=catalog.NewSku(name, 5900, 30),
            at=app.clock.now(),
            offer=offer,
            book=app.rulebook,
        )


def test_a_demand_becomes_a_new_sku_of_an_existing_product_once(app, world, pool):
    sku_id = new_sku(app, pool, pool["demand_id"])
    with app.uow.read() as c:
        sku = c.execute(select(skus).where(skus.c.id == sku_id)).one()
        params = c.execute(select(notifications.c.params)).scalars().all()
        assert queries.made_for(c, pool["product_id"]) == 2
    assert (sku.product_id, sku.name, sku.price_fen) == (pool["product_id"], "双人加大款", 5900)
    assert [json.loads(p)["title"] if isinstance(p, str) else p["title"] for p in params] == [
        "晴雨两用伞 · 双人加大款"
    ] * 2
    came = closed(app, pool)
    assert (came["target"], came["sku_name"], came["product_id"]) == (
        Target.SKU,
        "双人加大款",
        pool["product_id"],
    )
    # The same SKU cannot serve a second demand; another new SKU of the product can.
    other = world.user()
    with app.uow.begin() as c:
        services.make_wish(c, other, shop_id=pool["shop_id"], text="许愿透明伞", at=app.clock.now())
    second = queries_open_id(app, pool)
    with pytest.raises(Conflict), app.uow.begin() as c:
        services.fulfil(
            c,
            pool["owner"],
            demand_id=second,
            product_id=pool["product_id"],
            sku_id=sku_id,
            at=app.clock.now(),
        )
    new_sku(app, pool, second, name="透明款")
    with app.uow.read() as c:
        assert queries.made_for(c, pool["product_id"]) == 3


def queries_open_id(app, pool) -> int:
    with app.uow.read() as c:
        return queries.board(c, pool["owner"], pool["shop_id"], now=app.clock.now())["open"][0]["id"]


def test_a_demand_becomes_a_presale_through_the_presale_promise(app, world, pool):
    cmd = catalog.NewProduct(
        pool["shop_id"],
        world.category(),
        "双人超大晴雨伞（预售）",
        Promise("presale", presale_date=date(2027, 1, 20)),
        [catalog.NewSku("双人款", 6900, 200)],
    )
    with app.uow.begin() as c:
        product_id = services.new_product(
            c, pool["owner"], demand_id=pool["demand_id"], cmd=cmd, at=app.clock.now(), guards=()
        )
        assert queries.made_for(c, product_id) == 2
    assert closed(app, pool)["target"] == Target.PRESALE


def test_the_wisher_price_gives_each_wisher_one_merchant_coupon_and_moves_no_money(app, pool):
    before = count(app, ledger_transactions)
    fulfil(app, pool, offer=WisherOffer(price_off_fen=800, valid_days=7))
    with app.uow.read() as c:
        issued = c.execute(select(coupons).order_by(coupons.c.buyer_id)).all()
    a, b = pool["wishers"]
    assert [(k.buyer_id, k.amount_fen, k.funded_by, k.shop_id) for k in issued] == [
        (a.user_id, 800, "merchant", pool["shop_id"]),
        (b.user_id, 800, "merchant", pool["shop_id"]),
    ]
    assert {k.source for k in issued} == {wisher_price_source(pool["demand_id"], w.user_id) for w in (a, b)}
    assert {k.expires_at for k in issued} == {app.clock.now() + timedelta(days=7)}
    assert count(app, ledger_transactions) == before  # nothing moves at issue
    offer = closed(app, pool)["offer"]
    assert offer["price_off_fen"] == 800 and offer["first_access_until"] is None


def test_a_wisher_spends_the_wisher_price_and_the_shop_pays_the_discount(app, world, pool):
    fulfil(app, pool, offer=WisherOffer(price_off_fen=800, valid_days=7))
    buyer = pool["wishers"][0]
    with app.uow.read() as c:
        coupon_id = c.execute(select(coupons.c.id).where(coupons.c.buyer_id == buyer.user_id)).scalar_one()
        view = queries.wisher_offer(c, pool["product_id"], buyer.user_id, now=app.clock.now())
    assert view is not None and view["price_off_fen"] == 800
    placed = world.place(buyer, (pool["sku"], 1), coupon_id=coupon_id)
    assert placed.total_fen == 4000 - 800
    world.pay(placed)
    with app.uow.read() as c:
        assert ledger.balance(c, ledger.shop_proceeds(pool["shop_id"])) == 3200
        assert queries.wisher_offer(c, pool["product_id"], buyer.user_id, now=app.clock.now()) is None


def test_first_access_keeps_the_product_for_wishers_until_it_ends(app, world, pool, clock):
    fulfil(app, pool, offer=WisherOffer(first_access_hours=24))
    stranger = world.user()
    with pytest.raises(Conflict, match="kept for the people who wished"):
        world.place(stranger, (pool["sku"], 1))
    world.place(pool["wishers"][1], (pool["sku"], 1))
    with app.uow.read() as c:
        assert queries.wisher_offer(c, pool["product_id"], None, now=app.clock.now())["first_access_until"]
    clock.advance(timedelta(hours=24))
    world.place(stranger, (pool["sku"], 1))
    assert count(app, coupons) == 0  # first access alone gives no coupon


@pytest.mark.parametrize(
    "offer",
    [
        WisherOffer(),  # offers nothing
        WisherOffer(price_off_fen=0, valid_days=7),
        WisherOffer(price_off_fen=-100, valid_days=7),
        WisherOffer(price_off_fen=2001, valid_days=7),  # over 50% of ¥40.00 (wishes.wisher-offer)
        WisherOffer(price_off_fen=800),  # no days
        WisherOffer(price_off_fen=800, valid_days=31),
        WisherOffer(price_off_fen=800, valid_days=0),
        WisherOffer(first_access_hours=73),
        WisherOffer(first_access_hours=0),
        WisherOffer(price_off_fen=True, valid_days=7),  # type: ignore[arg-type]
    ],
)
def test_wisher_offer_bounds_refuse_a_bad_offer_and_nothing_is_written(app, pool, offer):
    with pytest.raises(InvalidInput):
        fulfil(app, pool, offer=offer)
    with app.uow.read() as c:
        assert c.execute(select(wish_demands.c.status)).scalar_one() == "open"
    assert (count(app, coupons), count(app, notifications), count(app, wish_offers)) == (0, 0, 0)


def test_first_access_is_not_for_a_new_sku_of_a_product_on_sale(app, pool):
    with pytest.raises(InvalidInput, match="first access"):
        new_sku(app, pool, pool["demand_id"], offer=WisherOffer(first_access_hours=12))
    assert (count(app, coupons), count(app, notifications), count(app, wish_offers)) == (0, 0, 0)
    with app.uow.read() as c:
        assert c.execute(select(func.count()).select_from(skus)).scalar_one() == 1


def test_conversion_counts_wishers_who_paid_after_the_demand_came_true(app, world, pool, clock):
    a, b = pool["wishers"]
    world.paid_order(a, pool["sku"])  # before it came true: not a conversion
    clock.advance(timedelta(minutes=1))
    fulfil(app, pool)
    assert (closed(app, pool)["notified"], closed(app, pool)["bought"]) == (2, 0)
    clock.advance(timedelta(minutes=1))
    world.paid_order(b, pool["sku"])
    world.paid_order(world.user(), pool["sku"])  # not a wisher
    came = closed(app, pool)
    assert (came["notified"], came["bought"], came["conversion_bp"]) == (2, 1, 5000)


def test_concurrent_fulfils_with_a_wisher_price_issue_one_coupon_per_wisher(app, pool):
    def turn():
        return fulfil(app, pool, offer=WisherOffer(price_off_fen=500, valid_days=3, first_access_hours=6))

    results = run_concurrently([turn] * 3)
    assert results.count(2) == 1, results
    assert all(isinstance(r, Conflict) for r in results if r != 2), results
    assert (count(app, coupons), count(app, notifications), count(app, wish_offers)) == (2, 2, 1)


def test_conversion_of_a_new_sku_counts_orders_of_that_sku_only(app, world, pool, clock):
    sku_id = new_sku(app, pool, pool["demand_id"])
    a, b = pool["wishers"]
    clock.advance(timedelta(minutes=1))
    world.paid_order(a, pool["sku"])  # the product's older SKU: not what was wished for
    assert closed(app, pool)["bought"] == 0
    world.paid_order(b, sku_id)
    came = closed(app, pool)
    assert (came["notified"], came["bought"], came["conversion_bp"]) == (2, 1, 5000)
