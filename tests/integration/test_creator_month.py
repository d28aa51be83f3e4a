"""A creator's month selling the florist's sunflowers (issue 18, douyin:aJoPPkXtaG25): 40 orders
in September from the creator's showcase, the rate changing from 20 % to 25 % on 15 September and
the creator's grade from C to A on 9 September; a partial refund inside the after-sales period
before settlement (cancelled pro rata), a full one inside the period completed after settlement
(clawed back), one after the period (the commission stands). The creator's commissions, the
florist's statements and the ledger agree to the fen with hand arithmetic.

The orders are inserted set-based (as in the florist's settlement story) and attributed as a
showcase checkout would (tests/integration/test_creator_commissions.py checks the checkout)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from pledge.aftersales.tables import cases
from pledge.creators import commissions, queries
from pledge.creators import services as creators
from pledge.creators.payouts import request_creator_payout, send_creator_payouts
from pledge.creators.statements import CREATOR_WORDS, creator_statement
from pledge.creators.tables import creator_commissions, creator_payouts
from pledge.kernel.errors import InvalidInput
from pledge.ledger import services as ledger
from pledge.orders.tables import orders as orders_table
from pledge.settlement import reports
from pledge.settlement.payouts import SandboxPayoutProvider
from pledge.settlement.statements import to_csv, to_pdf
from tests.integration.test_settlement_story import PRICE, Florist, sh

# Hand arithmetic per order of ¥19.90 (base 1990 fen: no shipping, no coupon):
# rate 20 %: commission 398; grade C fee 20 % = 79.6 -> 80, net 318; grade A fee 10 % = 39.8 -> 40, net 358
# rate 25 %: commission 497.5 -> 498; grade A fee 49.8 -> 50, net 448
EARLY_C, EARLY_A, LATE_A = (398, 80), (398, 40), (498, 50)


def attribute(f: Florist, order_ids: list[int], creator_id: int) -> None:
    with f.app.uow.begin() as c:
        c.execute(
            update(orders_table)
            .where(orders_table.c.id.in_(order_ids))
            .values(creator_id=creator_id, channel="showcase", source_ref=f"showcase:{creator_id}")
        )


def test_a_creators_month_agrees_with_the_florists_statement_and_the_ledger(app, clock, world):
    provider = SandboxPayoutProvider(app.uow)
    clock.set(sh(2026, 8, 20, 9))
    f = Florist(app, clock)
    book = app.rulebook
    actor, operator = world.user("达人"), world.user("运营", platform_role="operator")
    with app.uow.begin() as c:
        creator_id = creators.register_creator(
            c, actor, creators.NewCreator("huahua", "花花", 20_000), at=clock.now()
        )
        for starts, ends, rate in ((sh(2026, 9, 1), sh(2026, 9, 15), 2_000), (sh(2026, 9, 15), None, 2_500)):
            creators.offer_rate(
                c, f.owner, creators.NewRate(f.product_id, rate, starts, ends), at=clock.now()
            )
        for period, grade in ((date(2026, 8, 9), "C"), (date(2026, 9, 9), "A")):
            creators.set_grade(
                c, operator, book, creator_id=creator_id, period_start=period, grade=grade, at=clock.now()
            )

    clock.set(sh(2026, 10, 1, 10))
    early_c = f.bulk_orders([sh(2026, 9, 2 + i // 4, 10 + i % 4) for i in range(8)])  # 2-3 Sept: grade C
    early_a = f.bulk_orders([sh(2026, 9, 10 + i // 4, 10 + i % 4) for i in range(12)])  # 10-12 Sept
    late_a = f.bulk_orders([sh(2026, 9, 16 + i // 4, 10 + i % 4) for i in range(20)])  # 16-20 Sept: 25 %
    attribute(f, early_c + early_a + late_a, creator_id)

    # Inside the after-sales period (delivered 3 Sept, period to 11 Sept 00:00), before settlement:
    # half refunded -> 398 × 995 / 1990 = 199 cancelled; 199 settles, grade C fee 39.8 -> 40.
    cancelled = early_c[0]
    f.refund(cancelled, 995)
    f.do(lambda c: c.execute(update_case_time(cancelled, sh(2026, 9, 5, 12))))
    f.worker(provider)
    report = commissions.run_step(app.uow, book, clock)
    # The refund is decided before the settlement of the same pass; the orders of 2-12 September
    # are 15 days past receipt already, those of 16-20 September not yet.
    assert (report["commissions_booked"], report["commissions_returned"], report["commissions_settled"]) == (
        40,
        1,
        20,
    )

    clock.set(sh(2026, 10, 20, 10))  # every September order is 15 days past receipt now
    f.worker(provider)
    assert commissions.run_step(app.uow, book, clock)["commissions_settled"] == 20

    # Asked inside the period (11 Sept), completed after the commission settled: clawed back.
    clawed = early_a[0]
    f.refund(clawed, PRICE)
    f.do(lambda c: c.execute(update_case_time(clawed, sh(2026, 9, 12, 9))))
    # Asked after the period: the commission stands.
    stands = late_a[0]
    f.refund(stands, PRICE)
    f.worker(provider)
    assert commissions.run_step(app.uow, book, clock)["commissions_returned"] == 2
    assert commissions.run_step(app.uow, book, clock)["commissions_returned"] == 0

    commission = 8 * 398 + 12 * 398 + 20 * 498
    returned = 199 + 398
    fees = 40 + 7 * EARLY_C[1] + 11 * EARLY_A[1] + 20 * LATE_A[1]  # the clawed-back fee is returned
    with app.uow.read() as c:
        assert ledger.balance(c, commissions.creator_pending(creator_id)) == 0
        assert ledger.balance(c, commissions.AFFILIATE_FEES) == fees
        assert ledger.balance(c, commissions.creator_available(creator_id)) == commission - returned - fees
        summary = queries.commission_summary(c, creator_id, since=sh(2026, 9, 1), until=sh(2026, 10, 1))
        rows = {r.order_id: r for r in c.execute(select(creator_commissions))}
        october = reports.statement(c, f.owner, book, f.shop_id, "2026-10")
        september = reports.statement(c, f.owner, book, f.shop_id, "2026-09")
    assert (rows[cancelled].returned_fen, rows[clawed].returned_fen, rows[stands].returned_fen) == (
        199,
        398,
        0,
    )
    assert summary["gmv_fen"] == 40 * PRICE and summary["orders"] == 40
    assert (summary["commission_fen"], summary["returned_fen"], summary["pending_fen"]) == (
        commission,
        returned,
        0,
    )
    assert summary["settled_fen"] == commission - returned and summary["service_fee_fen"] == fees
    assert {g["product_id"]: g["orders"] for g in summary["by_product"]} == {f.product_id: 40}
    assert october["reconciled"] and september["reconciled"], (
        october["ledger_unexplained"],
        october["totals"],
    )
    assert october["totals"]["affiliate"] == -commission
    assert october["totals"]["affiliate_returns"] == returned
    assert october["ledger_totals"]["affiliate"] == -commission

    # The creator's statement: booked, the fee at settlement, returns; equal to the ledger.
    with app.uow.read() as c:
        mine = creator_statement(c, book, creator_id, "2026-10")
    assert mine["reconciled"], (mine["totals"], mine["ledger_totals"], mine["ledger_unexplained"])
    clawed_fee = EARLY_A[1]  # the platform returns the fee of the clawed-back commission
    assert mine["totals"] == {
        "commissions": commission,
        "service_fees": -(fees + clawed_fee),
        "returns": -(199 + 398 - clawed_fee),
        "payouts": 0,
        "payout_returns": 0,
    }
    assert mine["closing_fen"] == commission - returned - fees  # what the creator is owed

    # The merchant's view of the creators selling its products.
    with app.uow.read() as c:
        [sold] = queries.shop_creator_sales(c, f.shop_id, since=sh(2026, 9, 1), until=sh(2026, 10, 1))
    assert (sold["creator_id"], sold["orders"], sold["gmv_fen"]) == (creator_id, 40, 40 * PRICE)
    assert (sold["commission_fen"], sold["remaining_fen"]) == (commission, commission - returned)

    # The reserve: 5 % of the commissions settled in the last 15 days (the 20 orders of 16-20
    # September, settled on 20 October: 20 × 498 = 9 960 -> 498), not payable yet.
    with app.uow.read() as c:
        now_payable = queries.payable(c, book, creator_id, now=clock.now())
    assert now_payable == {
        "available_fen": commission - returned - fees,
        "reserve_fen": 498,
        "frozen_until": None,
        "frozen_products": [],
        "payable_fen": commission - returned - fees - 498,
    }

    # The creator withdraws what is payable, through the payout adapter, once; a fen more is refused.
    owed = commission - returned - fees - 498
    with pytest.raises(InvalidInput, match="more than the payable"):
        with app.uow.begin() as c:
            request_creator_payout(c, actor, book, amount_fen=owed + 1, at=clock.now())
    with app.uow.begin() as c:
        payout_id = request_creator_payout(c, actor, book, amount_fen=owed, at=clock.now())
    assert send_creator_payouts(app.uow, provider, clock) == 1
    assert send_creator_payouts(app.uow, provider, clock) == 0
    with app.uow.read() as c:
        assert ledger.balance(c, commissions.creator_available(creator_id)) == 498  # the reserve
        ref = c.execute(
            select(creator_payouts.c.provider_ref).where(creator_payouts.c.id == payout_id)
        ).scalar()
        after = creator_statement(c, book, creator_id, "2026-10")
    assert provider.sent()[ref] == owed
    assert after["reconciled"] and after["totals"]["payouts"] == -owed and after["closing_fen"] == 498
    csv_text = to_csv(mine, book.timezone, "zh_CN", CREATOR_WORDS).decode("utf-8-sig")
    assert "达人,花花" in csv_text and "推广费" in csv_text and "是" in csv_text.splitlines()[-1]
    assert to_pdf(mine, book.timezone, CREATOR_WORDS).startswith(b"%PDF")


def update_case_time(order_id: int, asked_at):
    """Back-date the buyer's request of the order's case to when it was asked."""
    return update(cases).where(cases.c.order_id == order_id).values(created_at=asked_at)
