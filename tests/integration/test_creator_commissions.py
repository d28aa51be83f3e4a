"""Orders attributed to creators and their commissions through the ledger, on SQLite and
PostgreSQL (douyin:aJoPPkXtaG25): an order bought from a creator's showcase carries the creator;
a product outside the marketplace, outside the showcase or a removed creator is refused with
nothing written; the merchant's own selling (自卖) stays the shop's. When the order is paid a
commission is booked once per line, from the shop's proceeds; it settles 15 days after confirmed
receipt once the proceeds have settled, the service fee of the creator's grade to the platform;
refunds inside the after-sales period cancel it or claw it back pro rata, after it it stands;
3 concurrent workers book and settle each commission once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from pledge.aftersales.services import complete_refunds
from pledge.attribution.model import Channel
from pledge.catalog.tables import skus
from pledge.creators import commissions, queries
from pledge.creators import services as creators
from pledge.creators.sources import showcase_source
from pledge.creators.tables import commission_returns, creator_commissions
from pledge.kernel.errors import Conflict
from pledge.ledger import services as ledger
from pledge.ledger.tables import ledger_transactions
from pledge.orders import services as orders
from pledge.orders.tables import orders as orders_table
from pledge.settlement import services as settlement
from pledge.settlement.payouts import SandboxPayoutProvider
from pledge.settlement.tables import fee_orders
from tests.integration.test_settlement_story import approved_refund
from tests.support import run_concurrently

PRICE = 1990  # ¥19.90; rate 20 %: commission ¥3.98; grade C (20 %): fee ¥0.80, net ¥3.18


@pytest.fixture
def shop(app, world):
    shop_id, owner = world.shop("小阿阮鲜花")
    sku = world.product(owner, shop_id, title="A级向日葵 12枝", price_fen=PRICE, stock=1_000)
    plain_sku = world.product(owner, shop_id, title="洋桔梗 10枝", price_fen=3990)
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    with app.uow.begin() as c:
        new = creators.NewRate(product_id, 2_000, app.clock.now() - timedelta(days=1))
        creators.offer_rate(c, owner, new, at=app.clock.now())
    return {"shop_id": shop_id, "owner": owner, "sku": sku, "plain_sku": plain_sku, "product_id": product_id}


def creator_selling(app, world, shop, actor=None, handle="huahua"):
    actor = actor or world.user("达人")
    operator = world.user("运营", platform_role="operator")
    with app.uow.begin() as c:
        creator_id = creators.register_creator(
            c, actor, creators.NewCreator(handle, "花花达人", 5_000), at=app.clock.now()
        )
        creators.add_to_showcase(c, actor, app.rulebook, product_id=shop["product_id"], at=app.clock.now())
        creators.set_grade(
            c,
            operator,
            app.rulebook,
            creator_id=creator_id,
            period_start=date(2026, 8, 9),
            grade="C",
            at=app.clock.now(),
        )
    return creator_id, operator


def buy(app, world, sku, source, quantity=1):
    buyer = world.user()
    with app.uow.begin() as c:
        placed = orders.place_order(
            c,
            buyer,
            [orders.LineRequest(sku, quantity, source)],
            at=app.clock.now(),
            pay_window=app.pay_window,
            guards=app.sale_guards,
            sources=app.sources,
        )
    world.pay(placed)
    return placed.order_ids[0]


def order_row(app, order_id):
    with app.uow.read() as c:
        return c.execute(select(orders_table).where(orders_table.c.id == order_id)).one()


def count(app, table) -> int:
    with app.uow.read() as c:
        return c.execute(select(func.count()).select_from(table)).scalar_one()


def balance(app, code) -> int:
    with app.uow.read() as c:
        return ledger.balance(c, code)


def work(app):
    """One worker pass of settlement and then the creators' step."""
    settlement.run_step(app.uow, app.rulebook, app.clock, SandboxPayoutProvider(app.uow))
    return commissions.run_step(app.uow, app.rulebook, app.clock)


def deliver(app, order_id):
    now = app.clock.now()
    with app.uow.begin() as c:
        c.execute(
            update(orders_table)
            .where(orders_table.c.id == order_id)
            .values(status="delivered", shipped_at=now, picked_up_at=now, delivered_at=now)
        )


def refund(app, world, order_id, amount_fen, asked_at):
    """A succeeded refund of an approved case the buyer opened at `asked_at`."""
    order = order_row(app, order_id)
    approved_refund(app, order_id, order.buyer_id, order.shop_id, amount_fen, asked_at)
    complete_refunds(app.uow, app.payments, app.clock)


def test_an_order_from_a_creators_showcase_carries_the_creator(app, world, shop):
    creator_id, _ = creator_selling(app, world, shop)
    order = order_row(app, buy(app, world, shop["sku"], showcase_source(creator_id)))
    assert (order.creator_id, order.channel, order.source_ref) == (
        creator_id,
        Channel.SHOWCASE.value,
        f"showcase:{creator_id}",
    )
    card = order_row(app, buy(app, world, shop["sku"], orders.PRODUCT_CARD))
    assert card.creator_id is None  # the shop's own channel stays the shop's


def test_a_creator_selling_a_product_not_in_the_marketplace_writes_nothing_aJoPPkXtaG25(app, world, shop):
    # 被设置了带货佣金的达人可以带货，无佣金的达人不可带货; nor what is not in the showcase
    creator_id, operator = creator_selling(app, world, shop)
    before = count(app, orders_table)
    with pytest.raises(Conflict, match="not in creator .* showcase"):
        buy(app, world, shop["plain_sku"], showcase_source(creator_id))
    with app.uow.begin() as c:
        creators.set_creator_status(c, operator, creator_id=creator_id, status="removed")
    with pytest.raises(Conflict, match="has been removed from selling"):
        buy(app, world, shop["sku"], showcase_source(creator_id))
    assert count(app, orders_table) == before


def test_the_merchants_own_selling_stays_the_shops_aJoPPkXtaG25(app, world, shop):
    # 若最后一次站内推广渠道的属于商家自卖……本单佣金结算为0
    creator_id, _ = creator_selling(app, world, shop, actor=shop["owner"], handle="shopowner")
    order = order_row(app, buy(app, world, shop["sku"], showcase_source(creator_id)))
    assert order.creator_id is None
    work(app)
    assert count(app, creator_commissions) == 0


def test_a_paid_order_books_its_commission_once_and_settles_after_15_days_aJoPPkXtaG25(app, world, shop):
    creator_id, _ = creator_selling(app, world, shop)
    order_id = buy(app, world, shop["sku"], showcase_source(creator_id), quantity=2)
    proceeds_before = balance(app, ledger.shop_proceeds(shop["shop_id"]))
    assert work(app)["commissions_booked"] == 1 and work(app)["commissions_booked"] == 0
    with app.uow.read() as c:
        row = c.execute(select(creator_commissions)).one()
    # base ¥39.80 × 20 % = ¥7.96; fee 20 % of it = ¥1.592 -> ¥1.59 (half-up); net ¥6.37
    assert (row.base_fen, row.rate_bp, row.commission_fen, row.grade, row.service_fee_fen) == (
        3980,
        2000,
        796,
        "C",
        159,
    )
    assert balance(app, commissions.creator_pending(creator_id)) == 796
    with app.uow.read() as c:
        platform_fee = c.execute(
            select(fee_orders.c.fee_fen).where(fee_orders.c.order_id == order_id)
        ).scalar_one()
    assert balance(app, ledger.shop_proceeds(shop["shop_id"])) == proceeds_before - platform_fee - 796
    deliver(app, order_id)
    app.clock.advance(timedelta(days=15) - timedelta(minutes=1))
    assert work(app)["commissions_settled"] == 0  # the proceeds settled after 3 days; 15 not yet
    app.clock.advance(timedelta(minutes=2))
    assert work(app)["commissions_settled"] == 1
    assert work(app)["commissions_settled"] == 0
    assert balance(app, commissions.creator_pending(creator_id)) == 0
    assert balance(app, commissions.creator_available(creator_id)) == 637
    assert balance(app, commissions.AFFILIATE_FEES) == 159


def test_refunds_cancel_claw_back_or_leave_the_commission_aJoPPkXtaG25(app, world, shop):
    # 售后期内的订单……发生退款时，推广费……不再进行结算，已经结算的将从账户预留金中扣回……超过售后期的
    # 订单发生退款时，推广费……正常结算
    creator_id, _ = creator_selling(app, world, shop)
    cancelled, clawed, stands = (buy(app, world, shop["sku"], showcase_source(creator_id)) for _ in range(3))
    work(app)
    for order_id in (cancelled, clawed, stands):
        deliver(app, order_id)
    delivered_at = app.clock.now()
    app.clock.advance(timedelta(days=1))
    refund(app, world, cancelled, 995, asked_at=app.clock.now())  # half, before settlement
    work(app)
    app.clock.advance(timedelta(days=15))
    work(app)
    # Asked inside the after-sales period, completed after the commission settled: clawed back.
    refund(app, world, clawed, PRICE, asked_at=delivered_at + timedelta(days=2))
    # Asked after the period (168 h from the next 00:00): the commission stands.
    refund(app, world, stands, PRICE, asked_at=app.clock.now())
    assert work(app)["commissions_returned"] == 2
    assert work(app)["commissions_returned"] == 0
    with app.uow.read() as c:
        rows = {r.order_id: r for r in c.execute(select(creator_commissions))}
        outcomes = dict(
            c.execute(
                select(creator_commissions.c.order_id, commission_returns.c.outcome).join(
                    creator_commissions, creator_commissions.c.id == commission_returns.c.commission_id
                )
            ).all()
        )
    assert outcomes == {cancelled: "cancelled", clawed: "clawed_back", stands: "stands"}
    # 398 × 995 / 1990 = 199 cancelled; 199 settled: fee 39.8 -> 40, net 159
    assert (rows[cancelled].returned_fen, rows[cancelled].settled_fee_fen) == (199, 40)
    assert (rows[clawed].returned_fen, rows[clawed].settled_fee_fen) == (398, 0)
    assert (rows[stands].returned_fen, rows[stands].settled_fee_fen) == (0, 80)
    assert balance(app, commissions.creator_available(creator_id)) == 159 + 318
    assert balance(app, commissions.AFFILIATE_FEES) == 40 + 80
    assert balance(app, commissions.creator_pending(creator_id)) == 0
    with app.uow.read() as c:
        summary = queries.commission_summary(c, creator_id)
        listed = queries.creator_orders(c, creator_id)
    assert (
        summary["gmv_fen"],
        summary["settled_fen"],
        summary["returned_fen"],
        summary["service_fee_fen"],
    ) == (
        3 * PRICE,
        199 + 398,
        199 + 398,
        120,
    )
    assert summary["balance_available_fen"] == 477
    assert {o["order_id"]: o["remaining_fen"] for o in listed} == {cancelled: 199, clawed: 0, stands: 398}


def test_three_concurrent_workers_book_and_settle_each_commission_once(app, world, shop):
    creator_id, _ = creator_selling(app, world, shop)
    order_ids = [buy(app, world, shop["sku"], showcase_source(creator_id)) for _ in range(6)]
    settlement.run_step(app.uow, app.rulebook, app.clock, SandboxPayoutProvider(app.uow))

    def worker():
        return commissions.run_step(app.uow, app.rulebook, app.clock, batch=2)

    results = run_concurrently([worker, worker, worker])
    assert all(isinstance(r, dict) for r in results), results
    assert sum(r["commissions_booked"] for r in results) == 6
    for order_id in order_ids:
        deliver(app, order_id)
    app.clock.advance(timedelta(days=16))
    settlement.run_step(app.uow, app.rulebook, app.clock, SandboxPayoutProvider(app.uow))
    results = run_concurrently([worker, worker, worker])
    assert all(isinstance(r, dict) for r in results), results
    assert sum(r["commissions_settled"] for r in results) == 6
    with app.uow.read() as c:
        kinds = dict(
            c.execute(
                select(ledger_transactions.c.kind, func.count())
                .where(ledger_transactions.c.kind.like("affiliate%"))
                .group_by(ledger_transactions.c.kind)
            ).all()
        )
    assert kinds == {"affiliate_commission": 6, "affiliate_settle": 6}
    assert balance(app, commissions.creator_available(creator_id)) == 6 * 318
