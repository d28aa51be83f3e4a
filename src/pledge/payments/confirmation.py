"""The buyer confirms a sandbox payment: one use case in one transaction. The payment row is
locked while it is checked (the caller's, still pending, its checkout not cancelled as unpaid),
then the provider's signed callback is built and handled exactly as a real provider's would be,
so the check and the capture cannot be separated by a sweep cancelling the checkout."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection, Row

from pledge.accounts.services import Actor
from pledge.kernel.errors import Conflict, NotFound
from pledge.orders.model import OrderStatus, PaymentStatus
from pledge.orders.tables import orders, payments
from pledge.payments.adapters import CallbackPayload, PaymentProvider
from pledge.payments.services import CaptureResult, handle_callback
from pledge.rulebooks.loader import Rulebook


def buyer_payment(conn: Connection, actor: Actor, provider_ref: str) -> Row:
    """The caller's own payment by its provider reference; anyone else's is not found."""
    payment = conn.execute(select(payments).where(payments.c.provider_ref == provider_ref)).first()
    if payment is None or payment.buyer_id != actor.user_id:
        raise NotFound("no such payment")
    return payment


def confirm_sandbox_payment(
    conn: Connection,
    actor: Actor,
    checkout_id: int,
    *,
    provider: PaymentProvider,
    book: Rulebook,
    at: datetime,
) -> CaptureResult:
    """Pay a checkout with the sandbox provider: the signed callback goes through exactly the
    path a real provider's callback takes (verify, then handle_callback)."""
    payment = conn.execute(
        select(payments).where(payments.c.checkout_id == checkout_id).with_for_update()
    ).first()
    if payment is None or payment.buyer_id != actor.user_id:
        raise NotFound(f"no checkout {checkout_id}")
    if payment.status != PaymentStatus.PENDING:
        raise Conflict(f"checkout {checkout_id} is already {payment.status}; it cannot be paid again")
    cancelled = conn.execute(
        select(orders.c.id).where(
            orders.c.checkout_id == checkout_id, orders.c.status == OrderStatus.CANCELLED.value
        )
    ).first()
    if cancelled is not None:
        raise Conflict(f"checkout {checkout_id} was cancelled as unpaid; place the order again")
    body, signature = provider.sign(
        CallbackPayload(payment.provider_ref, payment.amount_fen, PaymentStatus.CAPTURED.value)
    )
    return handle_callback(conn, provider.verify(body, signature), book=book, at=at)
