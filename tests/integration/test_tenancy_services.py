"""Tenancy at the service layer: a member of shop A can neither read nor change shop B's data,
whatever entry point calls the service (DESIGN: every merchant-scoped query is filtered by shop
membership in the service)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pledge.accounts import services as accounts
from pledge.catalog import services as catalog
from pledge.catalog.tables import content_promises, products, skus
from pledge.fulfilment.tables import shipments
from pledge.kernel.errors import Forbidden, NotFound
from pledge.orders.services import get_order_for
from pledge.orders.tables import orders
from pledge.promises.model import Promise


@pytest.fixture
def two_shops(world):
    shop_a, owner_a = world.shop("小阿阮鲜花")
    shop_b, owner_b = world.shop("大乐水果")
    sku_a = world.product(owner_a, shop_a, title="向日葵")
    sku_b = world.product(owner_b, shop_b, title="芒果", stock=50)
    buyer = world.user()
    order_a = world.paid_order(buyer, sku_a)
    order_b = world.paid_order(buyer, sku_b)
    return {
        "shop_a": shop_a,
        "owner_a": owner_a,
        "shop_b": shop_b,
        "owner_b": owner_b,
        "sku_a": sku_a,
        "sku_b": sku_b,
        "buyer": buyer,
        "order_a": order_a,
        "order_b": order_b,
    }


def catalog_state(app) -> dict:
    with app.uow.read() as c:
        return {
            "products": [tuple(r) for r in c.execute(select(products).order_by(products.c.id))],
            "skus": [tuple(r) for r in c.execute(select(skus).order_by(skus.c.id))],
            "content": c.execute(select(func.count()).select_from(content_promises)).scalar(),
        }


def staff_of(app, world, shop_id: int) -> accounts.Actor:
    user = world.user("店员")
    with app.uow.begin() as c:
        accounts.add_shop_member(c, shop_id=shop_id, user_id=user.user_id, role="staff")
        return accounts.load_actor(c, user.user_id)


def test_merchant_cannot_ship_another_shops_order(app, world, two_shops):
    t = two_shops
    staff_a = staff_of(app, world, t["shop_a"])
    for intruder in (t["owner_a"], staff_a, t["buyer"], world.user("运营", platform_role="operator")):
        with pytest.raises(NotFound):  # another shop's order is not revealed to exist
            world.ship(intruder, t["order_b"])

    with app.uow.read() as c:
        order_b = c.execute(select(orders).where(orders.c.id == t["order_b"])).one()
        assert c.execute(select(func.count()).select_from(shipments)).scalar() == 0
    assert (order_b.status, order_b.shipped_at) == ("paid", None)

    world.ship(staff_a, t["order_a"])  # staff of shop A may ship A's order
    world.ship(t["owner_b"], t["order_b"])
    with app.uow.read() as c:
        assert dict(c.execute(select(orders.c.id, orders.c.status)).all()) == {
            t["order_a"]: "shipped",
            t["order_b"]: "shipped",
        }


def test_merchant_cannot_change_another_shops_catalog(app, world, two_shops):
    t = two_shops
    category = world.category()
    before = catalog_state(app)

    with pytest.raises(Forbidden):
        with app.uow.begin() as c:
            catalog.create_product(
                c,
                t["owner_a"],
                catalog.NewProduct(
                    t["shop_b"], category, "冒名芒果", Promise.parse("48h"), [catalog.NewSku("默认", 100, 10)]
                ),
                at=world.now,
                guards=app.listing_guards,
            )
    with pytest.raises(Forbidden):
        with app.uow.begin() as c:
            catalog.set_stock(c, t["owner_a"], sku_id=t["sku_b"], stock=0)
    with pytest.raises(Forbidden):
        with app.uow.begin() as c:
            catalog.create_content_promise(
                c,
                t["owner_a"],
                shop_id=t["shop_b"],
                kind="live_room",
                title="蹭直播",
                promise=Promise.parse("same-day"),
            )
    assert catalog_state(app) == before

    with app.uow.begin() as c:  # the same calls on its own shop work
        catalog.set_stock(c, t["owner_a"], sku_id=t["sku_a"], stock=7)
        pid = catalog.create_product(
            c,
            t["owner_a"],
            catalog.NewProduct(
                t["shop_a"], category, "芍药", Promise.parse("48h"), [catalog.NewSku("默认", 100, 10)]
            ),
            at=world.now,
            guards=app.listing_guards,
        )
        assert c.execute(select(products.c.shop_id).where(products.c.id == pid)).scalar() == t["shop_a"]
        assert c.execute(select(skus.c.stock).where(skus.c.id == t["sku_b"])).scalar() == 49


def test_get_order_for_hides_other_shops_orders(app, world, two_shops):
    t = two_shops
    stranger = world.user()
    operator = world.user("运营", platform_role="operator")
    with app.uow.read() as c:
        with pytest.raises(NotFound) as hidden:
            get_order_for(c, t["owner_a"], t["order_b"])
        with pytest.raises(NotFound) as missing:
            get_order_for(c, t["owner_a"], 999999)
        with pytest.raises(NotFound):
            get_order_for(c, stranger, t["order_a"])
        # Hidden and missing look alike: the message does not reveal that B's order exists.
        assert hidden.value.detail == f"no order {t['order_b']}"
        assert missing.value.detail == "no order 999999"
        assert type(hidden.value) is type(missing.value)

        assert get_order_for(c, t["owner_a"], t["order_a"]).shop_id == t["shop_a"]
        assert get_order_for(c, t["owner_b"], t["order_b"]).shop_id == t["shop_b"]
        assert {get_order_for(c, t["buyer"], o).id for o in (t["order_a"], t["order_b"])} == {
            t["order_a"],
            t["order_b"],
        }
        assert get_order_for(c, operator, t["order_b"]).id == t["order_b"]
