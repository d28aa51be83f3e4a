"""Refunds: a case's refund is first recorded as pending under the key `refund:{case_id}`
(UNIQUE), the provider is called with that key outside any transaction, and the result is
booked in a second transaction. The total refunded on an order never exceeds what the buyer
paid; the order row is locked while that is checked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Row

from pledge.aftersales import insurance
from pledge.aftersales.funds import payer_account, release_fund, take_fund
from pledge.aftersales.model import (
    CANCEL_UNSHIPPED,
    NEEDS_RETURN,
    REFUND_LIFECYCLE,
    CaseStatus,
    CaseType,
    RefundStatus,
)
from pledge.aftersales.records import case_event, lock_order, move_case, reload_case
from pledge.aftersales.tables import refunds
from pledge.catalog.tables import skus
from pledge.kernel.db import dialect_insert
from pledge.ledger import services as ledger
from pledge.orders.model import OrderStatus
from pledge.orders.services import record_events
from pledge.orders.services import transition as order_transition
from pledge.orders.tables import order_lines, orders, payments

S = CaseStatus


def _cancel_reason(case) -> str:
    return "instant_refund" if case.case_type == CaseType.INSTANT_REFUND else CANCEL_UNSHIPPED


def start_refund(conn: Connection, case_id: int, at: datetime) -> None:
    case = reload_case(conn, case_id)
    order = lock_order(conn, case.order_id)
    cancels = case.case_type == CaseType.INSTANT_REFUND or case.reason == CANCEL_UNSHIPPED
    if cancels and order.status == OrderStatus.PAID.value:
        order_transition(
            conn, order.id, order.status, OrderStatus.CANCELLED, cancelled_at=at, late_check_at=None
        )
        for line in conn.execute(
            select(order_lines.c.sku_id, order_lines.c.quantity).where(order_lines.c.order_id == order.id)
        ):
            conn.execute(
                skus.update().where(skus.c.id == line.sku_id).values(stock=skus.c.stock + line.quantity)
            )
        record_events(
            conn,
            [
                {
                    "order_id": order.id,
                    "at": at,
                    "kind": "cancelled",
                    "detail": {"reason": _cancel_reason(case)},
                }
            ],
        )
    refunded = conn.execute(
        select(func.coalesce(func.sum(refunds.c.amount_fen), 0)).where(refunds.c.order_id == order.id)
    ).scalar_one()
    amount = min(case.refund_fen, order.paid_fen - int(refunded))
    if case.case_type in NEEDS_RETURN:  # reserved in full at approval: give back what is not refunded
        release_fund(conn, case.payer, case.refund_fen - max(amount, 0))
    if amount <= 0:
        move_case(conn, case, S.CLOSED, at=at, closed_at=at)
        case_event(conn, case.id, at, "closed", "system", why="nothing left to refund on this order")
        return
    if case.case_type not in NEEDS_RETURN:
        take_fund(conn, case.payer, amount)
    insert = dialect_insert(conn)
    conn.execute(
        insert(refunds)
        .values(
            idempotency_key=f"refund:{case.id}",
            case_id=case.id,
            order_id=order.id,
            shop_id=case.shop_id,
            amount_fen=amount,
            payer=case.payer,
            status=RefundStatus.PENDING.value,
            created_at=at,
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
    )


def complete_refunds(uow, provider, clock, *, limit: int = 200) -> int:
    """Send pending refunds to the payment provider (outside any transaction) and book them."""
    with uow.read() as conn:
        pending = conn.execute(
            select(refunds, payments.c.provider_ref.label("payment_ref"), orders.c.shop_id)
            .join(orders, orders.c.id == refunds.c.order_id)
            .join(payments, payments.c.checkout_id == orders.c.checkout_id)
            .where(refunds.c.status == RefundStatus.PENDING.value)
            .order_by(refunds.c.id)
            .limit(limit)
        ).all()
    done = 0
    for refund in pending:
        provider_ref = provider.refund(refund.payment_ref, refund.amount_fen, refund.idempotency_key)
        with uow.begin() as conn:
            done += _book_refund(conn, refund, provider_ref, clock.now())
    return done


def _book_refund(conn: Connection, refund: Row, provider_ref: str, now: datetime) -> int:
    """The provider's answer, booked once: 1 if this worker booked it, 0 if another one had."""
    if not REFUND_LIFECYCLE.try_move(
        conn,
        refunds,
        refund.id,
        RefundStatus.PENDING,
        RefundStatus.SUCCEEDED,
        provider_ref=provider_ref,
        completed_at=now,
    ):
        return 0
    case = reload_case(conn, refund.case_id)
    ledger.record(
        conn,
        key=refund.idempotency_key,
        kind="refund",
        memo=case.explanation,
        at=now,
        postings=[
            ledger.Posting(payer_account(refund.payer, refund.shop_id), ledger.PAYMENTS_IN, refund.amount_fen)
        ],
    )
    move_case(conn, case, S.REFUNDED, at=now, closed_at=now)
    case_event(
        conn, case.id, now, "refunded", "system", amount_fen=refund.amount_fen, provider_ref=provider_ref
    )
    insurance.open_claim(conn, case, now)  # 退款成功
    record_events(
        conn,
        [
            {
                "order_id": refund.order_id,
                "at": now,
                "kind": "refunded",
                "detail": {"amount_fen": refund.amount_fen, "case_id": case.id},
            }
        ],
    )
    return 1
