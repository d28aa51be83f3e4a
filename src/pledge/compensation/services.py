"""The one way a clause pays a buyer (晚发即赔, 缺货/无货, 物流轨迹超时/异常, 欺诈发货, 预约达): a
no-threshold coupon of the clause's amount, deducted from the shop's proceeds
(douyin:aHwH9wK4JUHQ 2.2), exactly once per order and rule.

The compensation row's UNIQUE idempotency key `{rule}:{order_id}` (late-ship:42,
out-of-stock:42, …) is claimed with INSERT ... ON CONFLICT DO NOTHING before any money moves, so
retries and concurrent workers can never pay a part twice; only the transaction that won the
claim writes the ledger transaction (same key, UNIQUE too) and the coupon (its source is the key,
UNIQUE). A zero amount is recorded (the clause said "nothing") without a coupon or a ledger
transaction. Everything is written in bulk: a sweep batch of 500 orders is a handful of
statements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam
from sqlalchemy.engine import Connection

from pledge.compensation.tables import compensations
from pledge.kernel import jsonutil
from pledge.kernel.db import dialect_insert
from pledge.ledger import services as ledger
from pledge.ledger.model import CouponStatus
from pledge.ledger.tables import coupons, ledger_postings, ledger_transactions
from pledge.orders.tables import order_events
from pledge.rulebooks.loader import Rulebook


def compensation_key(rule: str, order_id: int) -> str:
    """late_ship → late-ship:42; the key is the cause, so one rule pays an order once."""
    return f"{rule.replace('_', '-')}:{order_id}"


@dataclass
class Due:
    """One amount a clause gives a buyer for one order."""

    rule: str
    order_id: int
    shop_id: int
    buyer_id: int
    amount_fen: int
    clause_id: str
    clause_source: str
    explanation_en: str
    explanation_zh: str
    inputs: dict = field(default_factory=dict)
    compensation_id: int | None = None  # set once this transaction has won the claim

    @property
    def key(self) -> str:
        return compensation_key(self.rule, self.order_id)


def pay(conn: Connection, book: Rulebook, dues: list[Due], *, now: datetime) -> list[Due]:
    """Claim every due's key and pay the ones this transaction won. Returns the won dues (zero
    amounts included), each with its compensation id; dues another worker or an earlier run
    already holds are left out."""
    unique = list({d.key: d for d in dues}.values())
    if not unique:
        return []
    won = _claim(conn, book, unique, now)
    paying = [d for d in won if d.amount_fen > 0]
    if paying:
        tx_ids = _ledger(conn, paying, now)
        coupon_ids = {
            r.source: r.id
            for r in conn.execute(
                coupons.insert().returning(coupons.c.id, coupons.c.source),
                [
                    {
                        "buyer_id": d.buyer_id,
                        "amount_fen": d.amount_fen,
                        "min_spend_fen": 0,
                        "status": CouponStatus.AVAILABLE.value,
                        "issued_at": now,
                        "source": d.key,
                        "explanation": d.explanation_en,
                        "explanation_zh": d.explanation_zh,
                    }
                    for d in paying
                ],
            )
        }
        c = compensations.c
        conn.execute(
            compensations.update()
            .where(c.id == bindparam("cid"))
            .values(transaction_id=bindparam("tid"), coupon_id=bindparam("kid")),
            [{"cid": d.compensation_id, "tid": tx_ids[d.key], "kid": coupon_ids[d.key]} for d in paying],
        )
        conn.execute(
            order_events.insert(),
            [
                {
                    "order_id": d.order_id,
                    "at": now,
                    "kind": f"{d.rule}_compensated",
                    "detail": jsonutil.dumps(
                        {"amount_fen": d.amount_fen, "clause": d.clause_id, "explanation": d.explanation_en}
                    ),
                }
                for d in paying
            ],
        )
    return won


def _claim(conn: Connection, book: Rulebook, dues: list[Due], now: datetime) -> list[Due]:
    stmt = (
        dialect_insert(conn)(compensations)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(compensations.c.id, compensations.c.idempotency_key)
    )
    rows = [
        {
            "idempotency_key": d.key,
            "order_id": d.order_id,
            "shop_id": d.shop_id,
            "buyer_id": d.buyer_id,
            "kind": d.rule,
            "amount_fen": d.amount_fen,
            "rulebook": book.name,
            "rulebook_version": book.version,
            "clause_id": d.clause_id,
            "clause_source": d.clause_source,
            "inputs": jsonutil.dumps(d.inputs),
            "explanation": d.explanation_en,
            "explanation_zh": d.explanation_zh,
            "created_at": now,
        }
        for d in dues
    ]
    ids = {r.idempotency_key: r.id for r in conn.execute(stmt, rows)}
    for d in dues:
        d.compensation_id = ids.get(d.key)
    return [d for d in dues if d.compensation_id is not None]


def _ledger(conn: Connection, paying: list[Due], now: datetime) -> dict[str, int]:
    """One balanced transaction per paying due: the shop's proceeds to the buyer's coupons.
    Accounts are created first, all at once in code order, so concurrent workers creating the
    same buyers' accounts queue instead of deadlocking."""
    for d in paying:
        ledger.validate(
            [ledger.Posting(ledger.shop_proceeds(d.shop_id), ledger.buyer_coupons(d.buyer_id), d.amount_fen)]
        )
    accounts = ledger.account_ids(
        conn,
        {
            code
            for d in paying
            for code in (ledger.shop_proceeds(d.shop_id), ledger.buyer_coupons(d.buyer_id))
        },
    )
    tx_ids = {
        r.idempotency_key: r.id
        for r in conn.execute(
            ledger_transactions.insert().returning(
                ledger_transactions.c.id, ledger_transactions.c.idempotency_key
            ),
            [
                {"idempotency_key": d.key, "kind": d.rule, "memo": d.explanation_en, "created_at": now}
                for d in paying
            ],
        )
    }
    conn.execute(
        ledger_postings.insert(),
        [
            {
                "transaction_id": tx_ids[d.key],
                "debit_account_id": accounts[ledger.shop_proceeds(d.shop_id)],
                "credit_account_id": accounts[ledger.buyer_coupons(d.buyer_id)],
                "amount_fen": d.amount_fen,
            }
            for d in paying
        ],
    )
    return tx_ids
