"""Deposits and settlement dates on a shop's real data: what the shop owes follows last month's
paid GMV from the 8th and its special categories (douyin:aJngrvusHLew); a deposit short of it
pauses payouts; a deposit below zero for 48 h stops new listings and checkout until it is topped up
to what is owed; proceeds become available 3 days after confirmed receipt, 15 for 花卉盆栽, 21 on
0元入驻 (douyin:aJoPPkWZ6ehX); a refund within the after-sales period still returns the fee."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from pledge.catalog import services as catalog
from pledge.compensation.tables import compensations
from pledge.kernel.errors import Forbidden
from pledge.ledger import services as ledger
from pledge.orders import services as orders
from pledge.promises.model import Promise
from pledge.settlement import accounts, deposits, payouts, queries
from pledge.settlement.deposits import DepositShort
from pledge.settlement.payouts import SandboxPayoutProvider
from pledge.settlement.tables import fee_orders, fee_refunds
from tests.e2e.conftest import snapshot
from tests.integration.test_settlement_story import PRICE, Florist, sh

FEE = 100


@pytest.fixture
def florist(app, clock):
    clock.set(sh(2026, 8, 1, 9))
    return Florist(app, clock)


def owed(f: Florist, at) -> deposits.DepositDue:
    return f.read(lambda c: deposits.required_deposit(c, f.app.rulebook, f.shop_id, at))


def test_what_a_shop_owes_follows_last_months_paid_gmv_from_the_8th_aJngrvusHLew(app, clock, florist):
    f = florist
    f.bulk_orders(
        [sh(2026, 8, 10, 12) + timedelta(hours=i) for i in range(3)], price=2_000_000
    )  # 60 000 yuan in August
    assert owed(f, sh(2026, 9, 7, 23)).amount_fen == 50_000  # July's GMV (none) still counts before the 8th
    due = owed(f, sh(2026, 9, 8, 0, 1))
    assert (due.amount_fen, due.gmv_month, due.gmv_fen, due.base.clause.id) == (
        200_000,
        "2026-08",
        6_000_000,
        "deposit.base.gmv-50k-100k",
    )
    assert owed(f, sh(2026, 10, 8, 9)).amount_fen == 50_000  # nothing sold in September
    # between the notice on the 1st and the 8th the balance says what is coming
    early = f.read(lambda c: queries.balance(c, f.owner, app.rulebook, f.shop_id, now=sh(2026, 9, 2, 9)))
    assert (early["deposit_tier_fen"], early["deposit_next_fen"], early["deposit_next_from"]) == (
        50_000,
        200_000,
        sh(2026, 9, 8),
    )
    late = f.read(lambda c: queries.balance(c, f.owner, app.rulebook, f.shop_id, now=sh(2026, 9, 9, 9)))
    assert (late["deposit_tier_fen"], late["deposit_next_fen"]) == (200_000, None)


def test_a_special_category_sold_in_the_last_30_days_adds_its_experience_deposit(app, clock, florist):
    f = florist
    pot = f.add_product("花卉盆栽", "农资园艺")
    assert owed(f, sh(2026, 9, 1)).part_fen("experience") == 0  # listed, not sold yet
    f.bulk_orders([sh(2026, 9, 2, 10)], product=pot)
    due = owed(f, sh(2026, 9, 3))
    assert [(p.kind, p.amount_fen, p.clause.id) for p in due.parts] == [
        ("base", 50_000, "deposit.base.gmv-0-50k"),
        ("experience", 500_000, "deposit.category-experience.5000"),
    ]
    assert (
        owed(f, sh(2026, 10, 3)).part_fen("experience") == 0
    )  # 30 days without such an order: lowered again


def test_a_zero_entry_shop_owes_no_base_deposit_and_waits_21_days_aJoPPkWZ6ehX(app, clock, florist):
    f, provider = florist, SandboxPayoutProvider(app.uow)
    with pytest.raises(Forbidden):
        f.do(lambda c: deposits.set_zero_entry(c, f.owner, f.shop_id, zero_entry=True, at=clock.now()))
    f.do(
        lambda c: deposits.set_zero_entry(
            c, f.operator, f.shop_id, zero_entry=True, at=clock.now(), book=app.rulebook
        )
    )
    assert owed(f, sh(2026, 9, 10)).amount_fen == 0
    f.bulk_orders([sh(2026, 9, 1, 10)])  # delivered 2 September 16:00
    clock.set(sh(2026, 9, 23, 15, 59))
    assert f.worker(provider)["settled"] == 0
    clock.set(sh(2026, 9, 23, 16, 0))
    assert f.worker(provider)["settled"] == 1
    bal = f.read(lambda c: queries.balance(c, f.owner, app.rulebook, f.shop_id, now=clock.now()))
    assert (bal["available_fen"], bal["zero_entry"], bal["payouts_paused"]) == (PRICE - FEE, True, False)
    assert bal["availability_clause"] == "settlement.available.zero-entry" and bal["availability_days"] == 21


def test_flower_pots_settle_15_days_after_confirmed_receipt_not_3_aJoPPkWZ6ehX(app, clock, florist):
    f, provider = florist, SandboxPayoutProvider(app.uow)
    pot = f.add_product("花卉盆栽", "农资园艺")
    f.bulk_orders([sh(2026, 9, 1, 10)], product=pot)
    cut = f.bulk_orders([sh(2026, 9, 1, 10)])[0]
    clock.set(sh(2026, 9, 5, 16, 1))  # 3 days after the sign-off: the cut flowers settle, the pot waits
    assert f.worker(provider)["settled"] == 1
    assert (
        f.read(
            lambda c: c.execute(
                select(fee_orders.c.order_id).where(fee_orders.c.settled_at.is_not(None))
            ).scalar()
        )
        == cut
    )
    clock.set(sh(2026, 9, 17, 15, 59))
    assert f.worker(provider)["settled"] == 0
    clock.set(sh(2026, 9, 17, 16, 0))
    assert f.worker(provider)["settled"] == 1


def test_a_refund_within_the_after_sales_period_returns_the_fee_even_after_settlement_aJmYzDVDDjey(
    app, clock, florist
):
    f, provider = florist, SandboxPayoutProvider(app.uow)
    order = f.bulk_orders([sh(2026, 9, 1, 10)])[
        0
    ]  # delivered 2 September 16:00: the period ends 10 September 00:00
    clock.set(sh(2026, 9, 6, 9))
    assert f.worker(provider)["settled"] == 1  # available after 3 days
    f.refund(order, PRICE)  # the buyer asks on 6 September, inside the after-sales period
    f.worker(provider)
    back = f.read(
        lambda c: c.execute(
            select(fee_refunds.c.amount_fen, fee_refunds.c.note).where(fee_refunds.c.order_id == order)
        ).one()
    )
    assert tuple(back) == (FEE, "pro rata")
    assert (
        f.read(lambda c: ledger.balance(c, accounts.available(f.shop_id))) == 0
    )  # sale − fee + fee − refund


def short_by_a_compensation(f: Florist, provider) -> int:
    """A refunded order that was also compensated 5 yuan, with no deposit: the platform advances
    the 5 yuan and the deposit goes to −5 yuan. Returns the order."""
    order = f.bulk_orders([sh(2026, 9, 1, 10)])[0]
    with f.app.uow.begin() as c:
        tx = ledger.record(
            c,
            key=f"late-ship:{order}",
            kind="late_ship",
            memo="",
            at=sh(2026, 9, 1, 12),
            postings=[
                ledger.Posting(ledger.shop_proceeds(f.shop_id), ledger.buyer_coupons(f.buyer.user_id), 500)
            ],
        )
        c.execute(
            compensations.insert().values(
                idempotency_key=f"late-ship:{order}",
                order_id=order,
                shop_id=f.shop_id,
                buyer_id=f.buyer.user_id,
                kind="late_ship",
                amount_fen=500,
                rulebook="douyin",
                rulebook_version="2026-08-10",
                clause_id="late-ship.48-240h.le48",
                clause_source="douyin:aJoPPkWZ7VQM",
                inputs="{}",
                explanation="",
                explanation_zh="",
                transaction_id=tx,
                created_at=sh(2026, 9, 1, 12),
            )
        )
    f.clock.set(sh(2026, 9, 1, 12))
    f.refund(order, PRICE)
    f.clock.set(sh(2026, 9, 6, 9))  # 3 days after the sign-off: the order settles to -5 yuan
    f.worker(provider)
    return order


def test_a_deposit_below_zero_for_48_hours_stops_listing_and_checkout_until_topped_up_aJngrvusHLew(
    app, clock, florist
):
    f, provider = florist, SandboxPayoutProvider(app.uow)
    short_by_a_compensation(f, provider)
    went_short = clock.now()
    assert f.read(lambda c: ledger.balance(c, accounts.deposit(f.shop_id))) == -500

    def buy():
        return f.do(
            lambda c: orders.place_order(
                c,
                f.buyer,
                [orders.LineRequest(f.sku_id, 1)],
                at=clock.now(),
                pay_window=app.pay_window,
                guards=app.sale_guards,
            )
        )

    def list_product():
        return f.do(
            lambda c: catalog.create_product(
                c,
                f.owner,
                catalog.NewProduct(
                    f.shop_id,
                    f.category_id,
                    "新品向日葵",
                    Promise.parse("48h"),
                    [catalog.NewSku("6枝", 990, 10)],
                ),
                at=clock.now(),
                guards=app.listing_guards,
            )
        )

    clock.set(went_short + timedelta(hours=47, minutes=59))
    buy()
    list_product()
    clock.set(went_short + timedelta(hours=48))
    before = snapshot(app)
    for attempt in (buy, list_product):
        with pytest.raises(DepositShort) as refused:
            attempt()
        assert refused.value.status == 409 and refused.value.extra["clause"] == "deposit.short.negative-48h"
        assert "deposit.short.negative-48h" in refused.value.detail
    assert snapshot(app) == before
    bal = f.read(lambda c: queries.balance(c, f.owner, app.rulebook, f.shop_id, now=clock.now()))
    assert bal["selling_restricted"] and bal["payouts_paused"]

    # Topping up to zero is not enough: the limits go when the deposit holds what is owed (500 yuan).
    f.do(
        lambda c: deposits.top_up_deposit(
            c, f.operator, f.shop_id, amount_fen=500, reference="T1", at=clock.now(), book=app.rulebook
        )
    )
    with pytest.raises(DepositShort):
        buy()
    f.do(
        lambda c: deposits.top_up_deposit(
            c, f.operator, f.shop_id, amount_fen=50_000, reference="T2", at=clock.now(), book=app.rulebook
        )
    )
    buy()
    list_product()
    bal = f.read(lambda c: queries.balance(c, f.owner, app.rulebook, f.shop_id, now=clock.now()))
    assert not bal["selling_restricted"] and not bal["payouts_paused"] and bal["deposit_fen"] == 50_000


def test_a_short_deposit_pauses_payouts_with_its_clause_aJngrvusHLew(app, clock, florist):
    f, provider = florist, SandboxPayoutProvider(app.uow)
    f.bulk_orders([sh(2026, 9, 1, 10)])
    clock.set(sh(2026, 9, 8, 9))
    f.worker(provider)
    f.do(
        lambda c: deposits.top_up_deposit(
            c, f.operator, f.shop_id, amount_fen=49_999, reference="T1", at=clock.now()
        )
    )
    with pytest.raises(DepositShort) as refused:
        f.do(
            lambda c: payouts.request_payout(
                c, f.owner, app.rulebook, f.shop_id, amount_fen=100, at=clock.now()
            )
        )
    assert refused.value.extra["clause"] == "deposit.short.payouts" and refused.value.status == 409
    f.do(
        lambda c: deposits.top_up_deposit(
            c, f.operator, f.shop_id, amount_fen=1, reference="T2", at=clock.now()
        )
    )
    assert f.do(
        lambda c: payouts.request_payout(c, f.owner, app.rulebook, f.shop_id, amount_fen=100, at=clock.now())
    )
