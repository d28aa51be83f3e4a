"""Settlement invariants over random sequences of events (refunds, deductions, worker passes at
random times, a rebate at month end, payouts), on SQLite and PostgreSQL:
- the ledger always balances;
- what the merchant is paid out equals sales − fees − deductions − refunds + rebates (plus what
  is still pending, which is zero once every order has settled and nothing is owed);
- a refund returns its share of the fee only within the after-sales period, and fees are never
  returned twice: per order, never more than was charged, one ledger transaction per refund."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from pledge.aftersales.tables import refunds as refunds_t
from pledge.compensation.tables import compensations
from pledge.ledger import services as ledger
from pledge.ledger.tables import ledger_transactions
from pledge.settlement import accounts, deposits, policy, programs
from pledge.settlement import payouts as payout_cases
from pledge.settlement.payouts import SandboxPayoutProvider
from pledge.settlement.tables import fee_orders, fee_refunds, payouts, rebates
from tests.integration.test_settlement_story import PRICE, Florist, sh

PROPERTY = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=12, deadline=None
)
FEE = 100  # 19.90 × 5 %

actions = st.lists(
    st.one_of(
        st.tuples(st.just("advance"), st.integers(min_value=1, max_value=120)),  # hours
        st.tuples(
            st.just("refund"),
            st.integers(min_value=0, max_value=3),
            st.integers(min_value=1, max_value=PRICE),
        ),
        st.tuples(
            st.just("deduct"),
            st.integers(min_value=0, max_value=3),
            st.integers(min_value=200, max_value=3000),
        ),
        st.tuples(st.just("worker")),
    ),
    min_size=1,
    max_size=14,
)


@PROPERTY
@given(n_orders=st.integers(min_value=1, max_value=4), steps=actions)
def test_payout_equals_sales_minus_fees_deductions_refunds_plus_rebates(app, clock, n_orders, steps):
    tag = uuid.uuid4().hex[:8]
    clock.set(sh(2026, 8, 1, 9))
    f = Florist(app, clock, tag)
    f.do(
        lambda c: programs.create_program(
            c,
            f.operator,
            programs.ProgramSpec(
                code=f"rebate-{tag}",
                kind="turnover_rebate",
                name="返佣",
                name_en="Rebate",
                starts_at=sh(2026, 9, 1),
                shop_id=f.shop_id,
                tiers=((0, 1000),),
            ),
            at=clock.now(),
        )
    )
    provider = SandboxPayoutProvider(app.uow)
    order_ids = f.bulk_orders([sh(2026, 9, 1) + timedelta(hours=i) for i in range(n_orders)])
    clock.set(sh(2026, 9, 3))
    refunded = defaultdict(int)
    deducted: dict[int, int] = {}
    for step in steps:
        if step[0] == "advance":
            clock.advance(timedelta(hours=step[1]))
        elif step[0] == "worker":
            f.worker(provider)
        elif step[0] == "refund":
            order = order_ids[step[1] % n_orders]
            amount = min(step[2], PRICE - refunded[order])
            if amount > 0:
                f.refund(order, amount)
                refunded[order] += amount
        elif step[0] == "deduct":
            order = order_ids[step[1] % n_orders]
            if order not in deducted:
                deducted[order] = step[2]
                _deduct(f, order, step[2])
    clock.set(sh(2026, 10, 20))  # every order settled, September's rebate computed
    f.worker(provider)
    f.worker(provider)
    f.do(
        lambda c: deposits.top_up_deposit(
            c, f.operator, f.shop_id, amount_fen=200_000, reference="T", at=clock.now()
        )
    )
    available = f.read(lambda c: ledger.balance(c, accounts.available(f.shop_id)))
    if available > 0:
        f.do(
            lambda c: payout_cases.request_payout(
                c, f.owner, f.app.rulebook, f.shop_id, amount_fen=available, at=clock.now()
            )
        )
        f.worker(provider)

    with app.uow.read() as c:
        assert sum(ledger.trial_balance(c).values()) == 0
        fees = c.execute(
            select(func.sum(fee_orders.c.fee_fen)).where(fee_orders.c.shop_id == f.shop_id)
        ).scalar()
        back = dict(
            c.execute(
                select(fee_refunds.c.order_id, func.sum(fee_refunds.c.amount_fen))
                .where(fee_refunds.c.shop_id == f.shop_id)
                .group_by(fee_refunds.c.order_id)
            ).all()
        )
        rebate = c.execute(
            select(func.coalesce(func.sum(rebates.c.amount_fen), 0)).where(rebates.c.shop_id == f.shop_id)
        ).scalar()
        paid_out = c.execute(
            select(func.coalesce(func.sum(payouts.c.amount_fen), 0)).where(
                payouts.c.shop_id == f.shop_id, payouts.c.status == "sent"
            )
        ).scalar()
        pending = ledger.balance(c, ledger.shop_proceeds(f.shop_id))
        deposit_used = 200_000 - ledger.balance(c, accounts.deposit(f.shop_id))
        fee_refund_txs = c.execute(
            select(func.count()).where(
                ledger_transactions.c.kind == "fee_refund",
                ledger_transactions.c.idempotency_key.in_(
                    [f"fee-refund:{r}" for r in _refund_ids(c, order_ids)]
                ),
            )
        ).scalar()
        within = dict(
            c.execute(
                select(refunds_t.c.order_id, func.sum(refunds_t.c.amount_fen))
                .join(fee_refunds, fee_refunds.c.refund_id == refunds_t.c.id)
                .where(fee_refunds.c.shop_id == f.shop_id, fee_refunds.c.note == "pro rata")
                .group_by(refunds_t.c.order_id)
            ).all()
        )
        positive_fee_refunds = c.execute(
            select(func.count()).where(fee_refunds.c.shop_id == f.shop_id, fee_refunds.c.amount_fen > 0)
        ).scalar()
    sales = n_orders * PRICE
    assert fees == n_orders * FEE
    assert all(0 <= back.get(o, 0) <= FEE for o in order_ids)  # never more than charged
    assert fee_refund_txs == positive_fee_refunds  # one ledger transaction per returning refund
    fee_back = sum(back.values())
    assert rebate == max(fees - fee_back, 0) * 1000 // 10_000
    owed = sales - fees + fee_back - sum(refunded.values()) - sum(deducted.values()) + rebate
    assert paid_out + pending - deposit_used == owed
    if pending == 0 and deposit_used == 0:
        assert paid_out == owed  # sales − fees − deductions − refunds + rebates, to the fen
    # refunds within the after-sales period (booked before the order settled) return the fee pro rata;
    # later ones return nothing: per order, fee × refunded-within-the-period / paid, rounded down
    for o in order_ids:
        assert back.get(o, 0) == FEE * within.get(o, 0) // PRICE


def _refund_ids(conn, order_ids):
    from pledge.aftersales.tables import refunds

    return list(conn.execute(select(refunds.c.id).where(refunds.c.order_id.in_(order_ids))).scalars())


def _deduct(f: Florist, order: int, amount: int) -> None:
    """A compensation booked against the order's proceeds, as the late-ship sweep books it."""
    now = f.clock.now()
    with f.app.uow.begin() as c:
        tx = ledger.record(
            c,
            key=f"late-ship:{order}",
            kind="late_ship",
            memo="",
            at=now,
            postings=[
                ledger.Posting(ledger.shop_proceeds(f.shop_id), ledger.buyer_coupons(f.buyer.user_id), amount)
            ],
        )
        c.execute(
            compensations.insert().values(
                idempotency_key=f"late-ship:{order}",
                order_id=order,
                shop_id=f.shop_id,
                buyer_id=f.buyer.user_id,
                kind="late_ship",
                amount_fen=amount,
                rulebook="douyin",
                rulebook_version="2026-08-10",
                clause_id="late-ship.le48h.over48",
                clause_source="douyin:aJoPPkWZ7VQM",
                inputs="{}",
                explanation="晚发",
                explanation_zh="晚发",
                transaction_id=tx,
                created_at=now,
            )
        )


@PROPERTY
@given(
    refunds=st.lists(st.integers(min_value=1, max_value=5000), min_size=1, max_size=6),
    fee=st.integers(min_value=0, max_value=500),
    paid=st.integers(min_value=1, max_value=5000),
)
def test_fee_refunds_telescope_to_at_most_the_fee_in_any_order(refunds, fee, paid):
    parts, before = [], 0
    for amount in refunds:
        amount = min(amount, paid - before)
        if amount <= 0:
            break
        parts.append(policy.fee_refund_of(fee, paid, before, amount))
        before += amount
    assert all(p >= 0 for p in parts) and sum(parts) <= fee
    assert sum(parts) == fee * before // paid  # the same total whatever the split
