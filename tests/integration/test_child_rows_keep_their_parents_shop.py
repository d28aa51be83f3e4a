"""A shop's child rows carry their parent's shop_id (docs/scaling.md, issue 19), and the composite
foreign key (shop_id, parent_id) -> parent (shop_id, id) refuses a child whose shop disagrees with
its parent's, on SQLite and PostgreSQL: a refund must be in its case's shop, stock in its
warehouse's."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pledge.aftersales.tables import case_events, cases, refunds
from pledge.inventory.tables import stock_levels, warehouses


@pytest.fixture
def two_shops_case(world):
    """A requested case on an order of the first shop, and a second shop with nothing to do with it."""
    shop_id, owner = world.shop()
    other_shop_id, _ = world.shop("别家店")
    buyer = world.user()
    sku_id = world.product(owner, shop_id)
    order_id = world.paid_order(buyer, sku_id)
    with world.app.uow.begin() as c:
        case_id = c.execute(
            cases.insert().values(
                order_id=order_id,
                buyer_id=buyer.user_id,
                shop_id=shop_id,
                case_type="refund_only",
                status="requested",
                reason="other",
                created_at=world.now,
            )
        ).inserted_primary_key[0]
    return {
        "shop_id": shop_id,
        "other": other_shop_id,
        "case_id": case_id,
        "order_id": order_id,
        "sku_id": sku_id,
    }


def _refund(case: dict, shop_id: int, now) -> dict:
    return {
        "idempotency_key": f"refund:{case['case_id']}",
        "case_id": case["case_id"],
        "order_id": case["order_id"],
        "shop_id": shop_id,
        "amount_fen": 100,
        "payer": "merchant",
        "status": "pending",
        "created_at": now,
    }


def test_a_refund_in_another_shop_than_its_case_is_refused(world, two_shops_case):
    case = two_shops_case
    with pytest.raises(IntegrityError), world.app.uow.begin() as c:
        c.execute(refunds.insert().values(**_refund(case, case["other"], world.now)))
    with world.app.uow.begin() as c:  # the same refund in the case's own shop is accepted
        c.execute(refunds.insert().values(**_refund(case, case["shop_id"], world.now)))
        assert c.execute(select(func.count()).select_from(refunds)).scalar_one() == 1


def test_a_case_event_takes_its_case_s_shop(world, two_shops_case):
    from pledge.aftersales.records import case_event

    with world.app.uow.begin() as c:
        case_event(c, two_shops_case["case_id"], world.now, "note", "operator", why="test")
        shop = c.execute(select(case_events.c.shop_id).where(case_events.c.kind == "note")).scalar_one()
    assert shop == two_shops_case["shop_id"]


def test_a_case_event_for_no_case_is_refused_not_dropped(world, two_shops_case):
    from pledge.aftersales.records import case_event
    from pledge.kernel.errors import NotFound

    with pytest.raises(NotFound), world.app.uow.begin() as c:
        case_event(c, two_shops_case["case_id"] + 999, world.now, "note", "operator", why="test")
    with world.app.uow.read() as c:
        assert c.execute(select(func.count()).select_from(case_events)).scalar_one() == 0  # none written


def test_stock_in_another_shop_than_its_warehouse_is_refused(world, two_shops_case):
    case = two_shops_case
    with world.app.uow.begin() as c:
        warehouse_id = c.execute(
            warehouses.insert().values(
                shop_id=case["shop_id"], code="WH1", name="一号仓", created_at=world.now
            )
        ).inserted_primary_key[0]
    level = {"warehouse_id": warehouse_id, "sku_id": case["sku_id"], "on_hand": 0, "low_at": 0}
    with pytest.raises(IntegrityError), world.app.uow.begin() as c:
        c.execute(stock_levels.insert().values(**level, shop_id=case["other"]))
    with world.app.uow.begin() as c:
        c.execute(stock_levels.insert().values(**level, shop_id=case["shop_id"]))
