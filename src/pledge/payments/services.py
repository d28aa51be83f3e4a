"""Payment capture. The provider's callback is idempotent: the payment row moves from pending
to captured with a conditional update, so a repeated callback finds nothing to do and changes
nothing (mercur#909 re-ran order completion on a repeated webhook)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.catalog.tables import shops
from pledge.kernel import jsonutil
from pledge.kernel.db import AnyRow
from pledge.kernel.errors import InvalidInput, NotFound
from pledge.ledger import services as ledger
from pledge.orders.model import PAYMENT_LIFECYCLE, OrderStatus, PaymentStatus
from pledge.orders.services import record_events, transition
from pledge.orders.tables import orders, payments
from pledge.payments.adapters import CallbackPayload
from pledge.promises.model import Promise
from pledge.promises.policy import binding_promise
from pledge.rulebooks.loader import Rulebook

BREAKAGE = "platform:coupon-breakage"
UNMATCHED = "platform:unmatched-payments"  # captured for a checkout that no longer exists


@dataclass(frozen=True)
class CaptureResult:
    payment_id: int
    applied: bool  # False when the callback had already been processed
    order_ids: list[int]


def handle_callback(
    conn: Connection, payload: CallbackPayload, *, book: Rulebook, at: datetime
) -> CaptureResult:
    payment = conn.execute(select(payments).where(payments.c.provider_ref == payload.provider_ref)).first()
    if payment is None:
        raise NotFound(f"no payment {payload.provider_ref}")
    if payload.amount_fen != payment.amount_fen:
        raise InvalidInput(
            f"callback amount {payload.amount_fen} does not match payment {payment.amount_fen}"
        )
    if payload.status != PaymentStatus.CAPTURED:
        PAYMENT_LIFECYCLE.try_move(conn, payments, payment.id, PaymentStatus.PENDING, PaymentStatus.FAILED)
        return CaptureResult(payment.id, False, [])
    if not PAYMENT_LIFECYCLE.try_move(
        conn, payments, payment.id, PaymentStatus.PENDING, PaymentStatus.CAPTURED, captured_at=at
    ):
        return CaptureResult(payment.id, False, [])
    rows = conn.execute(
        select(orders, shops.c.timezone)
        .join(shops, shops.c.id == orders.c.shop_id)
        .where(orders.c.checkout_id == payment.checkout_id)
        .order_by(orders.c.id)
    ).all()
    if any(r.status != OrderStatus.PENDING_PAYMENT.value for r in rows):
        return _capture_for_nothing(conn, payment, at)
    postings, events = [], []
    for row in rows:
        events.append(_mark_paid(conn, book, row, at))
        postings += _payment_postings(conn, row)
    ledger.record(
        conn,
        key=f"payment:{payment.id}",
        kind="payment",
        memo=f"checkout {payment.checkout_id}",
        postings=postings,
        at=at,
    )
    record_events(conn, events)
    return CaptureResult(payment.id, True, [r.id for r in rows])


def _capture_for_nothing(conn: Connection, payment, at: datetime) -> CaptureResult:
    """The provider took the buyer's money for a checkout already cancelled as unpaid: the
    money is held as unmatched and the worker returns it (refund_unmatched_payments)."""
    PAYMENT_LIFECYCLE.move(conn, payments, payment.id, PaymentStatus.CAPTURED, PaymentStatus.REFUND_PENDING)
    ledger.record(
        conn,
        key=f"payment:{payment.id}",
        kind="payment",
        memo=f"checkout {payment.checkout_id} was cancelled",
        postings=[ledger.Posting(ledger.PAYMENTS_IN, UNMATCHED, payment.amount_fen)],
        at=at,
    )
    return CaptureResult(payment.id, False, [])


def refund_unmatched_payments(uow, provider, clock, *, limit: int = 100) -> int:
    """Return money captured for cancelled checkouts, once per payment (key payment-refund:{id});
    the provider is called outside any transaction."""
    with uow.read() as conn:
        due = conn.execute(
            select(payments)
            .where(payments.c.status == PaymentStatus.REFUND_PENDING.value)
            .order_by(payments.c.id)
            .limit(limit)
        ).all()
    done = 0
    for payment in due:
        key = f"payment-refund:{payment.id}"
        provider.refund(payment.provider_ref, payment.amount_fen, key)
        with uow.begin() as conn:
            if PAYMENT_LIFECYCLE.try_move(
                conn, payments, payment.id, PaymentStatus.REFUND_PENDING, PaymentStatus.REFUNDED
            ):
                ledger.record(
                    conn,
                    key=key,
                    kind="refund",
                    memo=f"payment {payment.id} for a cancelled checkout",
                    postings=[ledger.Posting(UNMATCHED, ledger.PAYMENTS_IN, payment.amount_fen)],
                    at=clock.now(),
                )
                done += 1
    return done


def _mark_paid(conn: Connection, book: Rulebook, row: AnyRow, at: datetime) -> dict:
    """Move one order to paid with the promise that binds it from now on; returns its event."""
    candidates = [(source, Promise.parse(code)) for source, code in jsonutil.loads(row.promise_candidates)]
    source, promise, deadline = binding_promise(book, candidates, at)
    transition(
        conn,
        row.id,
        row.status,
        OrderStatus.PAID,
        paid_at=at,
        ship_by=deadline,
        late_check_at=deadline,
        promise_kind=promise.kind,
        promise_hours=promise.hours,
        promise_date=promise.presale_date.isoformat() if promise.presale_date else None,
        promise_source=source,
    )
    return {
        "order_id": row.id,
        "shop_id": row.shop_id,
        "at": at,
        "kind": "paid",
        "detail": {"ship_by": deadline, "promise": promise.code, "promise_source": source},
    }


def _payment_postings(conn: Connection, row) -> list[ledger.Posting]:
    proceeds = ledger.shop_proceeds(row.shop_id)
    postings = [ledger.Posting(ledger.PAYMENTS_IN, proceeds, row.paid_fen)]
    # A merchant's own coupon (商家券) was never credited to the wallet: the shop pays for it by
    # receiving only what the buyer paid, so nothing else moves.
    if row.coupon_id is not None and ledger.coupon_funders(conn, {row.coupon_id}) != {
        row.coupon_id: "merchant"
    }:
        coupon_fen = ledger.coupon_amount(conn, row.coupon_id)
        wallet = ledger.buyer_coupons(row.buyer_id)
        if row.discount_fen > 0:
            postings.append(ledger.Posting(wallet, proceeds, row.discount_fen))
        if coupon_fen > row.discount_fen:  # a coupon larger than the order is used up whole
            postings.append(ledger.Posting(wallet, BREAKAGE, coupon_fen - row.discount_fen))
    return postings
