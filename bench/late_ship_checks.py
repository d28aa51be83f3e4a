"""late_ship_sweep's checks: after the sweep, every overdue order holds exactly its two
compensations (the late-ship cell, zero, and the out-of-stock deduction), one coupon and one
ledger transaction with one posting for the paid one, and the ledger balances."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from pledge.compensation.tables import compensations
from pledge.kernel.db import make_engine
from pledge.ledger.services import trial_balance
from pledge.ledger.tables import coupons, ledger_postings, ledger_transactions
from pledge.orders.tables import order_events, orders


def verify(url: str, n: int, total_fen: int, baseline_fen: int) -> dict:
    """Exactly two compensations per order (late-ship zero, out of stock paid), one coupon and one
    ledger transaction for the paid one; the ledger sums to zero."""
    engine: Engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found = {name: conn.execute(query).scalar() for name, query in _verification_queries().items()}
            balances = trial_balance(conn)
    finally:
        engine.dispose()
    found["compensation_fen"] = int(found["compensation_fen"])
    found["ledger_sum_fen"] = sum(balances.values())
    found["buyer_coupon_accounts_fen"] = sum(v for a, v in balances.items() if a.startswith("buyer:"))
    found["shop_proceeds_accounts_fen"] = sum(v for a, v in balances.items() if a.startswith("shop:"))
    expected = {
        "orders_without_exactly_two_compensations": 0,
        "compensations": 2 * n,
        "compensation_fen": total_fen,
        "late_ship_coupons": n,
        "compensations_with_matching_coupon": n,
        "late_ship_transactions": n,
        "compensations_with_matching_transaction": n,
        "postings_matching_compensation": n,
        "transactions_without_exactly_one_posting": 0,
        "orders_still_due": 0,
        "compensated_events": n,
        "ledger_sum_fen": 0,
        "buyer_coupon_accounts_fen": total_fen,
        "shop_proceeds_accounts_fen": -total_fen,
    }
    wrong = {
        key: {"found": found[key], "expected": want} for key, want in expected.items() if found[key] != want
    }
    if baseline_fen != total_fen:
        wrong["total_vs_set_based_baseline"] = {"found": total_fen, "expected": baseline_fen}
    return {"ok": not wrong, "wrong": wrong, "found": found}


def _verification_queries() -> dict:
    """What verify counts, by name: each a query of one number."""
    k, t, p, c = coupons.c, ledger_transactions.c, ledger_postings.c, compensations.c
    per_order = (
        select(func.count()).select_from(compensations).where(c.order_id == orders.c.id).scalar_subquery()
    )
    return {
        "orders_without_exactly_two_compensations": (
            select(func.count()).select_from(orders).where(per_order != 2)
        ),
        "compensations": (select(func.count()).select_from(compensations)),
        "compensation_fen": select(func.coalesce(func.sum(c.amount_fen), 0)),
        "late_ship_coupons": (
            select(func.count()).select_from(coupons).where(k.source.like("out-of-stock:%"))
        ),
        "compensations_with_matching_coupon": (
            select(func.count())
            .select_from(compensations.join(coupons, k.id == c.coupon_id))
            .where(k.source == c.idempotency_key, k.amount_fen == c.amount_fen, k.buyer_id == c.buyer_id)
        ),
        "late_ship_transactions": (
            select(func.count()).select_from(ledger_transactions).where(t.kind == "out_of_stock")
        ),
        "compensations_with_matching_transaction": (
            select(func.count())
            .select_from(compensations.join(ledger_transactions, t.id == c.transaction_id))
            .where(t.idempotency_key == c.idempotency_key)
        ),
        "postings_matching_compensation": (
            select(func.count())
            .select_from(compensations.join(ledger_postings, p.transaction_id == c.transaction_id))
            .where(p.amount_fen == c.amount_fen)
        ),
        "transactions_without_exactly_one_posting": (
            select(func.count()).select_from(
                select(p.transaction_id).group_by(p.transaction_id).having(func.count() != 1).subquery()
            )
        ),
        "orders_still_due": (
            select(func.count()).select_from(orders).where(orders.c.late_check_at.is_not(None))
        ),
        "compensated_events": (
            select(func.count())
            .select_from(order_events)
            .where(order_events.c.kind == "out_of_stock_compensated")
        ),
    }
