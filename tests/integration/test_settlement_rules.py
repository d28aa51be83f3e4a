"""Settlement rules one at a time: who funds a coupon, channel-scoped waivers, new-merchant and
monthly-task waivers, program history, deductions beyond proceeds, concurrent workers, and
bad input that changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pledge.kernel.errors import Conflict, Forbidden, InvalidInput
from pledge.ledger import services as ledger
from pledge.ledger.tables import coupons, ledger_transactions
from pledge.orders import services as orders
from pledge.payments.adapters import CallbackPayload
from pledge.payments.services import handle_callback
from pledge.settlement import accounts, deposits, fees, payouts, queries, reports
from pledge.settlement import programs as program_cases
from pledge.settlement import services as settlement
from pledge.settlement.payouts import SandboxPayoutProvider
from pledge.settlement.tables import fee_lines, fee_orders, program_versions, programs
from tests.e2e.conftest import snapshot
from tests.integration.test_settlement_story import PRICE, Florist, sh
from tests.support import run_concurrently


@pytest.fixture
def florist(app, clock):
    clock.set(sh(2026, 8, 1, 9))
    return Florist(app, clock)


def program(f, **kw):
    spec = dict(
        code="p",
        kind="category_waiver",
        name="免佣",
        name_en="Waiver",
        starts_at=sh(2026, 9, 1),
        rate_bp=60,
        categories=("鲜花园艺",),
    )
    spec.update(kw)
    return f.do(
        lambda c: program_cases.create_program(
            c, f.operator, program_cases.ProgramSpec(**spec), at=f.clock.now()
        )
    )


def charge(f) -> None:
    f.do(lambda c: fees.charge_fees(c, f.app.rulebook, now=f.clock.now()))


def fee_of_order(f, order_id: int):
    return f.read(lambda c: c.execute(select(fee_orders).where(fee_orders.c.order_id == order_id)).one())


def test_the_base_counts_platform_and_creator_coupons_but_not_the_merchants(app, clock, florist):
    f = florist
    clock.set(sh(2026, 9, 2, 10))
    ids = {}
    for funder in ("platform", "creator", "merchant"):
        with app.uow.begin() as c:
            coupon_id = c.execute(
                coupons.insert().values(
                    buyer_id=f.buyer.user_id,
                    amount_fen=500,
                    min_spend_fen=0,
                    status="available",
                    issued_at=clock.now(),
                    source=f"test:{funder}",
                    explanation="",
                    explanation_zh="",
                    funded_by=funder,
                )
            ).inserted_primary_key[0]
            ledger.record(
                c,
                key=f"issue:{coupon_id}",
                kind="coupon",
                memo="",
                at=clock.now(),
                postings=[ledger.Posting("platform:promotions", ledger.buyer_coupons(f.buyer.user_id), 500)],
            )
        placed = f.do(
            lambda c, coupon_id=coupon_id: orders.place_order(
                c,
                f.buyer,
                [orders.LineRequest(f.sku_id, 1)],
                at=clock.now(),
                pay_window=app.pay_window,
                guards=app.sale_guards,
                coupon_id=coupon_id,
            )
        )
        f.do(
            lambda c, placed=placed: handle_callback(
                c,
                CallbackPayload(placed.payment_ref, placed.total_fen, "captured"),
                book=app.rulebook,
                at=clock.now(),
            )
        )
        ids[funder] = placed.order_ids[0]
    charge(f)
    # paid 14.90 + a 5.00 coupon: the platform's and the creator's count, the merchant's does not
    assert fee_of_order(f, ids["platform"]).base_fen == PRICE
    assert fee_of_order(f, ids["creator"]).base_fen == PRICE
    assert fee_of_order(f, ids["merchant"]).base_fen == PRICE - 500
    assert fee_of_order(f, ids["merchant"]).fee_fen == 75  # 14.90 × 5 % = 0.745 → 0.75


def test_a_product_card_waiver_leaves_live_room_orders_at_the_full_rate(app, clock, florist):
    f = florist
    program(f, code="card", channel="product_card")
    card = f.bulk_orders([sh(2026, 9, 3)], channel="product_card")[0]
    live = f.bulk_orders([sh(2026, 9, 3)], channel="live_room")[0]
    clock.set(sh(2026, 9, 4))
    charge(f)
    assert (fee_of_order(f, card).fee_fen, fee_of_order(f, live).fee_fen) == (12, 100)


def test_new_merchant_and_monthly_task_waivers(app, clock, florist):
    f = florist  # the shop joined on 1 August
    program(f, code="new", kind="new_merchant", categories=(), days=45, rate_bp=0, starts_at=sh(2026, 1, 1))
    program(
        f,
        code="task",
        kind="task_waiver",
        categories=(),
        channel="product_card",
        task_orders=3,
        rate_bp=60,
        starts_at=sh(2026, 1, 1),
    )
    early = f.bulk_orders([sh(2026, 9, 10)])[0]  # day 40: new-merchant waiver, no fee at all
    f.bulk_orders(
        [sh(2026, 9, 20), sh(2026, 9, 21), sh(2026, 9, 22)]
    )  # the September task: 3 product-card orders
    october = f.bulk_orders([sh(2026, 10, 2)])[0]  # task done last month: 0.6 %
    clock.set(sh(2026, 10, 3))
    charge(f)
    assert fee_of_order(f, early).fee_fen == 0
    assert [fee_of_order(f, o).fee_fen for o in (early, october)] == [0, 12]
    sept_fees = f.read(
        lambda c: c.execute(
            select(func.sum(fee_orders.c.fee_fen)).where(fee_orders.c.month == "2026-09")
        ).scalar()
    )
    assert sept_fees == 3 * 100  # after day 45, before the task was done (August had no orders)


def test_extending_a_waiver_to_more_categories_is_a_new_version_and_old_fees_keep_theirs(app, clock, florist):
    f = florist
    pid = program(f, code="nine", categories=("生鲜",))
    before = f.bulk_orders([sh(2026, 9, 3)])[0]
    clock.set(sh(2026, 9, 4))
    charge(f)
    assert fee_of_order(f, before).fee_fen == 100  # flowers were not in the waiver yet
    assert (
        f.do(
            lambda c: program_cases.update_program(
                c, f.operator, pid, at=clock.now(), note="扩展到鲜花园艺", categories=("生鲜", "鲜花园艺")
            )
        )
        == 2
    )
    after = f.bulk_orders([sh(2026, 9, 5)])[0]
    clock.set(sh(2026, 9, 6))
    charge(f)
    assert fee_of_order(f, after).fee_fen == 12
    line = f.read(lambda c: c.execute(select(fee_lines).where(fee_lines.c.order_id == after)).one())
    assert (line.program_id, line.program_version) == (pid, 2)
    detail = f.read(lambda c: queries.program_detail(c, f.operator, pid))
    assert [h["version"] for h in detail["history"]] == [1, 2]
    assert (
        detail["history"][0]["snapshot"]["categories"] == ["生鲜"]
        and detail["history"][1]["note"] == "扩展到鲜花园艺"
    )


def test_bad_program_input_is_refused_and_changes_nothing(app, clock, florist):
    f = florist
    program(f, code="flowers")
    before = snapshot(app)
    with pytest.raises(
        Conflict, match="already covers the same scope"
    ):  # same kind and category, overlapping dates
        program(f, code="flowers-2", starts_at=sh(2026, 10, 1), ends_at=sh(2026, 12, 1))
    with pytest.raises(InvalidInput, match="between 0 and 10000"):
        program(f, code="neg", rate_bp=-5, categories=("生鲜",))
    with pytest.raises(InvalidInput, match="ends .* before it starts"):
        program(f, code="back", categories=("生鲜",), ends_at=sh(2026, 8, 1))
    with pytest.raises(InvalidInput, match="strictly increasing"):
        program(f, code="tiers", kind="turnover_rebate", rate_bp=None, tiers=((500, 10), (100, 20)))
    with pytest.raises(Forbidden):
        f.do(
            lambda c: program_cases.create_program(
                c,
                f.owner,
                program_cases.ProgramSpec(
                    code="mine",
                    kind="category_waiver",
                    name="x",
                    name_en="x",
                    starts_at=sh(2026, 9, 1),
                    rate_bp=0,
                ),
                at=clock.now(),
            )
        )
    with pytest.raises(InvalidInput, match="between 0 and 10000"):
        f.do(
            lambda c: program_cases.update_program(c, f.operator, 1, at=clock.now(), note="oops", rate_bp=-1)
        )
    assert snapshot(app) == before
    # a different scope (another category, or the same one in dates that do not overlap) is fine
    program(f, code="fruit", categories=("生鲜",))
    assert f.read(lambda c: c.execute(select(func.count()).select_from(programs)).scalar()) == 2
    assert f.read(lambda c: c.execute(select(func.count()).select_from(program_versions)).scalar()) == 2


def test_a_payout_above_the_available_balance_is_refused_and_changes_nothing(app, clock, florist):
    f = florist
    f.bulk_orders([sh(2026, 9, 1)])
    clock.set(sh(2026, 9, 20))
    settlement.run_step(app.uow, app.rulebook, clock, SandboxPayoutProvider(app.uow))
    f.do(
        lambda c: deposits.top_up_deposit(
            c, f.operator, f.shop_id, amount_fen=200_000, reference="T1", at=clock.now()
        )
    )
    available = f.read(lambda c: ledger.balance(c, accounts.available(f.shop_id)))
    assert available == PRICE - 100
    before = snapshot(app)
    for amount, error in ((available + 1, InvalidInput), (0, InvalidInput), (-5, InvalidInput)):
        with pytest.raises(error):
            f.do(
                lambda c, amount=amount: payouts.request_payout(
                    c, f.owner, app.rulebook, f.shop_id, amount_fen=amount, at=clock.now()
                )
            )
    with pytest.raises(Forbidden):  # another shop's owner
        f.do(
            lambda c: payouts.request_payout(
                c, f.buyer, app.rulebook, f.shop_id, amount_fen=1, at=clock.now()
            )
        )
    with pytest.raises(Conflict, match="already recorded"):
        f.do(
            lambda c: deposits.top_up_deposit(
                c, f.operator, f.shop_id, amount_fen=100, reference="T1", at=clock.now()
            )
        )
    assert snapshot(app) == before


def test_deductions_beyond_the_proceeds_come_from_the_deposit_and_pause_payouts(app, clock, florist):
    """A refunded order that was also compensated: nothing is left of its proceeds, the
    compensation comes out of the deposit, which falls below the 500 yuan the shop owes (its
    August paid GMV was 0: deposit.base.gmv-0-50k)."""
    f = florist
    f.do(
        lambda c: deposits.top_up_deposit(
            c, f.operator, f.shop_id, amount_fen=50_000, reference="T1", at=clock.now()
        )
    )
    order = f.bulk_orders([sh(2026, 9, 1)])[0]
    with app.uow.begin() as c:  # a 5-yuan compensation already booked against the order (as the sweep does)
        from pledge.compensation.tables import compensations

        tx = ledger.record(
            c,
            key=f"late-ship:{order}",
            kind="late_ship",
            memo="",
            at=sh(2026, 9, 4),
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
                clause_id="late-ship.le48h.over48",
                clause_source="douyin:aJoPPkWZ7VQM",
                inputs="{}",
                explanation="",
                explanation_zh="",
                transaction_id=tx,
                created_at=sh(2026, 9, 4),
            )
        )
    clock.set(sh(2026, 9, 2, 12))
    charge(f)
    f.refund(order, PRICE)
    f.worker(SandboxPayoutProvider(app.uow))
    clock.set(sh(2026, 9, 20))
    f.worker(SandboxPayoutProvider(app.uow))
    bal = f.read(lambda c: queries.balance(c, f.owner, app.rulebook, f.shop_id, now=clock.now()))
    # sale 19.90 − fee 1.00 + fee back 1.00 − refund 19.90 − compensation 5.00 = −5.00: from the deposit
    assert (bal["pending_fen"], bal["available_fen"], bal["deposit_fen"]) == (0, 0, 50_000 - 500)
    assert (
        bal["payouts_paused"]
        and bal["deposit_tier_fen"] == 50_000
        and bal["deposit_clause"] == "deposit.base.gmv-0-50k"
    )
    sept = f.read(lambda c: reports.statement(c, f.owner, app.rulebook, f.shop_id, "2026-09"))
    assert sept["reconciled"] and sept["totals"]["deductions"] == -500


def test_concurrent_workers_charge_settle_and_pay_once(app, clock, florist):
    f = florist
    f.bulk_orders([sh(2026, 9, 1) + timedelta(minutes=i) for i in range(60)])
    clock.set(sh(2026, 9, 20))
    provider = SandboxPayoutProvider(app.uow)
    results = run_concurrently(
        [lambda: settlement.run_step(app.uow, app.rulebook, clock, provider, batch=25) for _ in range(3)]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r["fees_charged"] for r in results) == 60
    keys = f.read(
        lambda c: c.execute(select(func.count()).where(ledger_transactions.c.kind == "fee")).scalar()
    )
    assert keys == 60
    assert f.read(lambda c: ledger.balance(c, accounts.available(f.shop_id))) == 60 * (PRICE - 100)
    assert f.read(lambda c: ledger.balance(c, accounts.FEES)) == 60 * 100


def test_an_order_cancelled_by_an_instant_refund_settles_at_once_with_its_fee_returned(app, clock, florist):
    f = florist
    order = f.bulk_orders([sh(2026, 9, 1, 10)])[0]
    clock.set(sh(2026, 9, 1, 11))
    charge(f)  # charged when paid, before the buyer asked for the money back
    with (
        app.uow.begin() as c
    ):  # 极速退款 before shipment cancels the order (aftersales.services._start_refund)
        from pledge.orders.tables import orders as orders_table

        c.execute(
            orders_table.update()
            .where(orders_table.c.id == order)
            .values(
                status="cancelled",
                cancelled_at=clock.now(),
                delivered_at=None,
                shipped_at=None,
                picked_up_at=None,
            )
        )
    f.refund(order, PRICE)
    report = f.worker(SandboxPayoutProvider(app.uow))
    assert (report["fees_refunded"], report["settled"]) == (1, 1)
    assert f.read(lambda c: ledger.balance(c, ledger.shop_proceeds(f.shop_id))) == 0
    assert f.read(lambda c: ledger.balance(c, accounts.FEES)) == 0
    assert f.read(lambda c: ledger.balance(c, accounts.available(f.shop_id))) == 0
