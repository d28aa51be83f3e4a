"""Penalties by rulebook (issue 14): the false-advertising ladder (douyin:101936 as RULES.md
digests it) picks each case's actions; every action is a record and its effects go through the
owning domain: catalog delists, the guards refuse a suspended shop's sales and listings, the
ledger moves a money penalty exactly once (also under concurrent workers on PostgreSQL), and a
reversal undoes all of it (the refund under its own key)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pledge.catalog.tables import products, skus
from pledge.governance import penalties
from pledge.governance.guards import ShopSuspended
from pledge.governance.tables import governance_actions, governance_penalties
from pledge.kernel.errors import Forbidden, InvalidInput, NotFound
from pledge.ledger import services as ledger
from pledge.ledger.tables import ledger_transactions
from tests.support import run_concurrently

LADDER = "governance.false-advertising"


@pytest.fixture
def fruit(app, world):
    shop_id, owner = world.shop("大乐水果")
    sku = world.product(owner, shop_id, title="赣南脐橙 5斤", price_fen=3990)
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    return {"shop_id": shop_id, "owner": owner, "product_id": product_id, "sku": sku}


def impose(app, who, fruit, **kw):
    order = penalties.PenaltyOrder(
        fruit["shop_id"],
        kw.pop("clause", LADDER),
        "商品标题宣称“全网第一甜”，与实物不符",
        "标题截图",
        fruit["product_id"],
    )
    with app.uow.begin() as c:
        return penalties.impose(c, who, order, book=app.rulebook, at=app.clock.now(), **kw)


def kinds(app, penalty_id) -> list[str]:
    with app.uow.read() as c:
        return list(
            c.execute(
                select(governance_actions.c.kind)
                .where(governance_actions.c.penalty_id == penalty_id)
                .order_by(governance_actions.c.id)
            ).scalars()
        )


def proceeds(app, shop_id) -> int:
    with app.uow.read() as c:
        return ledger.balance(c, ledger.shop_proceeds(shop_id))


def test_false_advertising_ladder_cases_1_to_7(app, world, clock, fruit):
    reviewer = world.user("审核员", platform_role="reviewer")
    seen = []
    for _ in range(7):
        seen.append(kinds(app, impose(app, reviewer, fruit)))
        clock.advance(timedelta(hours=1))
    assert seen[0] == seen[1] == ["listing_removed"]
    assert seen[2] == seen[3] == ["product_banned", "presale_closed"]
    assert seen[4] == seen[5] == ["proceeds_frozen", "shop_suspended", "money_penalty"]
    assert seen[6] == ["shop_removed", "money_penalty"]
    assert proceeds(app, fruit["shop_id"]) == -(2 * 500_000 + 2_000_000)
    with app.uow.read() as c:
        assert (
            c.execute(select(products.c.active).where(products.c.id == fruit["product_id"])).scalar() is False
        )
        cases = list(
            c.execute(select(governance_penalties.c.case_no).order_by(governance_penalties.c.id)).scalars()
        )
    assert cases == [1, 2, 3, 4, 5, 6, 7]


def test_cases_outside_the_counting_window_do_not_count(app, world, clock, fruit):
    reviewer = world.user("审核员", platform_role="reviewer")
    impose(app, reviewer, fruit)
    clock.advance(timedelta(days=366))
    penalty_id = impose(app, reviewer, fruit)
    with app.uow.read() as c:
        case_no = c.execute(
            select(governance_penalties.c.case_no).where(governance_penalties.c.id == penalty_id)
        ).scalar()
    assert case_no == 1


def test_a_suspended_shop_cannot_sell_or_list_until_the_suspension_ends_or_is_reversed(
    app, world, clock, fruit
):
    reviewer = world.user("审核员", platform_role="reviewer")
    listed = world.product(fruit["owner"], fruit["shop_id"], title="沃柑 5斤")
    for _ in range(5):
        last = impose(app, reviewer, fruit)
    buyer = world.user("买家")
    with pytest.raises(ShopSuspended, match="suspended"):
        world.product(fruit["owner"], fruit["shop_id"], title="砂糖橘 3斤")
    with pytest.raises(ShopSuspended, match="suspended"):  # checkout reads the probe with the SKU
        world.paid_order(buyer, listed)
    with app.uow.begin() as c:
        penalties.reverse(c, last, at=app.clock.now())
    sku = world.product(fruit["owner"], fruit["shop_id"], title="砂糖橘 3斤")
    assert world.paid_order(buyer, sku)
    assert proceeds(app, fruit["shop_id"]) > -500_000  # the 5 000 yuan came back
    with app.uow.read() as c:
        keys = set(c.execute(select(ledger_transactions.c.idempotency_key)).scalars())
    assert {k for k in keys if k.startswith("governance-")} == {
        f"governance-penalty:{a}" for a in _money_actions(app, last)
    } | {f"governance-refund:{a}" for a in _money_actions(app, last)}


def _money_actions(app, penalty_id) -> list[int]:
    with app.uow.read() as c:
        return list(
            c.execute(
                select(governance_actions.c.id).where(
                    governance_actions.c.penalty_id == penalty_id,
                    governance_actions.c.kind == "money_penalty",
                )
            ).scalars()
        )


def test_reversing_relists_the_product_and_refunds_once(app, world, fruit):
    reviewer = world.user("审核员", platform_role="reviewer")
    penalty_id = impose(app, reviewer, fruit)
    with app.uow.begin() as c:
        penalties.reverse(c, penalty_id, at=app.clock.now())
    with app.uow.read() as c:
        assert (
            c.execute(select(products.c.active).where(products.c.id == fruit["product_id"])).scalar() is True
        )
    with pytest.raises(Exception, match="reversed"), app.uow.begin() as c:
        penalties.reverse(c, penalty_id, at=app.clock.now())


def test_bad_penalty_orders_change_nothing(app, world, fruit):
    reviewer = world.user("审核员", platform_role="reviewer")
    with pytest.raises(Forbidden):
        impose(app, fruit["owner"], fruit)
    with pytest.raises(NotFound):
        impose(app, reviewer, fruit, clause="governance.no-such-ladder")
    with pytest.raises(InvalidInput, match="not a penalty ladder"):
        impose(app, reviewer, fruit, clause="governance.points")
    with pytest.raises(NotFound), app.uow.begin() as c:
        penalties.impose(
            c,
            reviewer,
            penalties.PenaltyOrder(fruit["shop_id"], LADDER, "虚假宣传", "", 999_999),
            book=app.rulebook,
            at=app.clock.now(),
        )
    with app.uow.read() as c:
        assert c.execute(select(func.count()).select_from(governance_penalties)).scalar_one() == 0


@pytest.mark.postgres
def test_a_money_penalty_moves_once_under_concurrent_workers(app, world, fruit, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("concurrency is proven on PostgreSQL")
    reviewer = world.user("审核员", platform_role="reviewer")
    for _ in range(4):
        impose(app, reviewer, fruit)
    order = penalties.PenaltyOrder(fruit["shop_id"], LADDER, "第五次虚假宣传", "", fruit["product_id"])
    with app.uow.begin() as c:  # the fifth case's money action, recorded but not yet charged
        penalty_id = penalties.record_penalty(c, reviewer, order, LADDER, 5, app.rulebook, app.clock.now())
        step = penalties.Step(penalties.ActionKind.MONEY_PENALTY, amount_fen=500_000)
        action_id = penalties.add_action(c, penalty_id, fruit["shop_id"], step, None, app.clock.now())

    def charge():
        with app.uow.begin() as c:
            return penalties.charge(c, action_id, at=app.clock.now())

    def refund():
        with app.uow.begin() as c:
            return penalties.refund(c, action_id, at=app.clock.now())

    assert sorted(run_concurrently([charge] * 6)) == [False] * 5 + [True]
    assert proceeds(app, fruit["shop_id"]) == -500_000
    assert sorted(run_concurrently([refund] * 6)) == [False] * 5 + [True]
    assert proceeds(app, fruit["shop_id"]) == 0
