"""The one way a clause pays a buyer (晚发即赔, 缺货/无货, 物流轨迹超时/异常, 欺诈发货, 预约达): a
no-threshold coupon of the clause's amount, deducted from the shop's proceeds
(douyin:aHwH9wK4JUHQ 2.2), exactly once per order and rule.

Each part is claimed under its UNIQUE idempotency key `{rule}:{order_id}` (late-ship:42,
out-of-stock:42, …) with INSERT ... ON CONFLICT DO NOTHING before any money moves, so retries and
concurrent workers can never pay a part twice. A non-zero part is claimed by its ledger
transaction (that key, UNIQUE), and only the transaction that won the claim writes the postings,
the coupon (its source is the key, UNIQUE) and then the compensation row (the key, UNIQUE too),
already linked to the two. A zero amount is recorded (the clause said "nothing") without a coupon
or a ledger transaction: its compensation row is its claim. Everything is written in bulk: a
sweep batch of 500 orders is a handful of statements, each row written once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from sqlalchemy.engine import Connection

from pledge.compensation.tables import compensations
from pledge.integrations import outbox
from pledge.kernel import jsonutil
from pledge.kernel.bulk import insert_rows
from pledge.kernel.errors import Conflict
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

    @cached_property  # asked several times per due by the sweep's batch steps (issue 19)
    def key(self) -> str:
        return compensation_key(self.rule, self.order_id)


def pay(conn: Connection, book: Rulebook, dues: list[Due], *, now: datetime) -> list[Due]:
    """Claim every due's key and pay the ones this transaction won. Returns the won dues (zero
    amounts included), each with its compensation id; dues another worker or an earlier run
    already holds are left out.

    A non-zero due is claimed by its ledger transaction (same key, UNIQUE, inserted with ON
    CONFLICT DO NOTHING), then its coupon is issued, and its compensation row is written last,
    already linked to both: one write per row, no UPDATE after. A zero due is claimed by its
    compensation row alone."""
    unique = list({d.key: d for d in dues}.values())
    if not unique:
        return []
    tx_ids, coupon_ids = _post(conn, [d for d in unique if d.amount_fen > 0], now)
    claiming = [d for d in unique if d.amount_fen == 0 or d.key in tx_ids]
    won = _claim(conn, book, claiming, now, tx_ids, coupon_ids)
    lost = [d.key for d in claiming if d.key in tx_ids and d.compensation_id is None]
    if lost:  # a zero compensation of the same key was committed meanwhile: retry the batch
        raise Conflict(f"compensations {', '.join(lost[:3])} were recorded by another worker meanwhile")
    paying = [d for d in won if d.amount_fen > 0]
    if not paying:
        return won
    _tell_buyers(conn, paying, now)
    _publish(conn, paying, now)
    record_events(
        conn,
        [
            {
                "order_id": d.order_id,
                "shop_id": d.shop_id,
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


def _post(conn: Connection, paying: list[Due], now: datetime) -> tuple[dict[str, int], dict[str, int]]:
    """The ledger transactions of the non-zero dues whose keys are not recorded yet (the claim),
    and their coupons: (transaction id, coupon id) by key, for the ones this transaction won."""
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
        skip_recorded=True,
    )
    coupon_ids = ledger.issue_coupons(
        conn,
        [
            ledger.CouponGrant(d.buyer_id, d.amount_fen, d.key, d.explanation_en, d.explanation_zh)
            for d in paying
            if d.key in tx_ids
        ],
        at=now,
    )
    return tx_ids, coupon_ids


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


def _claim(
    conn: Connection,
    book: Rulebook,
    dues: list[Due],
    now: datetime,
    tx_ids: dict[str, int],
    coupon_ids: dict[str, int],
) -> list[Due]:
    if not dues:
        return []
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
            "transaction_id": tx_ids.get(d.key),
            "coupon_id": coupon_ids.get(d.key),
        }
        for d in dues
    ]
    claimed = insert_rows(
        conn, compensations, rows, returning=("id", "idempotency_key"), skip_conflicts_on=("idempotency_key",)
    )
    ids = {r.idempotency_key: r.id for r in claimed}
    for d in dues:
        d.compensation_id = ids.get(d.key)
    return [d for d in dues if d.compensation_id is not None]
