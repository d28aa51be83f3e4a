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
from pledge.integrations import outbox
from pledge.kernel import jsonutil
from pledge.kernel.db import dialect_insert
from pledge.ledger import services as ledger
from pledge.notifications.model import Kind
from pledge.notifications.services import Note, notify_each
from pledge.orders.services import record_events
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
    if not paying:
        return won
    _post(conn, paying, now)
    _tell_buyers(conn, paying, now)
    _publish(conn, paying, now)
    record_events(
        conn,
        [
            {
                "order_id": d.order_id,
                "at": now,
                "kind": f"{d.rule}_compensated",
                "detail": {
                    "amount_fen": d.amount_fen,
                    "clause": d.clause_id,
                    "explanation": d.explanation_en,
                },
            }
            for d in paying
        ],
    )
    return won


def _publish(conn: Connection, paying: list[Due], now: datetime) -> None:
    """`compensation.paid` to the shops' webhook endpoints (integrations.outbox), in bulk."""
    outbox.publish_many(
        conn,
        [
            outbox.Event(
                d.shop_id,
                "compensation.paid",
                d.order_id,
                {
                    "order_id": d.order_id,
                    "at": now,
                    "rule": d.rule,
                    "amount_fen": d.amount_fen,
                    "clause": d.clause_id,
                },
            )
            for d in paying
        ],
        at=now,
    )


def _post(conn: Connection, paying: list[Due], now: datetime) -> None:
    """The ledger transactions and coupons of the won, non-zero dues, linked to their rows."""
    tx_ids = ledger.record_many(
        conn,
        [
            ledger.Transaction(
                d.key,
                d.rule,
                d.explanation_en,
                (
                    ledger.Posting(
                        ledger.shop_proceeds(d.shop_id), ledger.buyer_coupons(d.buyer_id), d.amount_fen
                    ),
                ),
            )
            for d in paying
        ],
        at=now,
    )
    coupon_ids = ledger.issue_coupons(
        conn,
        [
            ledger.CouponGrant(d.buyer_id, d.amount_fen, d.key, d.explanation_en, d.explanation_zh)
            for d in paying
        ],
        at=now,
    )
    c = compensations.c
    conn.execute(
        compensations.update()
        .where(c.id == bindparam("cid"))
        .values(transaction_id=bindparam("tid"), coupon_id=bindparam("kid")),
        [{"cid": d.compensation_id, "tid": tx_ids[d.key], "kid": coupon_ids[d.key]} for d in paying],
    )


def _tell_buyers(conn: Connection, paying: list[Due], now: datetime) -> None:
    """Each paid buyer's inbox: the coupon, why and for which order (once per compensation)."""
    notify_each(
        conn,
        [
            Note(
                d.buyer_id,
                Kind.COUPON_ISSUED,
                {"amount_fen": d.amount_fen, "rule": d.rule, "order_id": d.order_id},
                "/wallet",
                f"coupon:{d.key}",
            )
            for d in paying
        ],
        at=now,
    )


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
