"""Payment capture. The provider's callback is idempotent: the payment row moves from pending
to captured with a conditional update, so a repeated callback finds nothing to do and changes
nothing (mercur#909 re-ran order completion on a repeated webhook)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.catalog.tables import shops
from pledge.guarantees.policy import Promise, binding_promise
from pledge.kernel import jsonutil
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.ledger import services as ledger
from pledge.ledger.tables import coupons
from pledge.orders.model import OrderStatus
from pledge.orders.services import record_events, transition
from pledge.orders.tables import orders, payments
from pledge.payments.adapters import CallbackPayload
from pledge.rulebooks.loader import Rulebook

BREAKAGE = "platform:coupon-breakage"


@dataclass(frozen=True)
class CaptureResult:
    payment_id: int
    applied: bool  # False when the callback had already been processed
    order_ids: list[int]


def handle_callback(conn: Connection, payload: CallbackPayload, *, book: Rulebook, at: datetime) -> CaptureResult:
    payment = conn.execute(select(payments).where(payments.c.provider_ref == payload.provider_ref)).first()
    if payment is None:
        raise NotFound(f"no payment {payload.provider_ref}")
    if payload.amount_fen != payment.amount_fen:
        raise InvalidInput(f"callback amount {payload.amount_fen} does not match payment {payment.amount_fen}")
    if payload.status != "captured":
        conn.execute(payments.update().where(payments.c.id == payment.id, payments.c.status == "pending").values(status="failed"))
        return CaptureResult(payment.id, False, [])
    claimed = conn.execute(payments.update().where(payments.c.id == payment.id, payments.c.status == "pending")
                           .values(status="captured", captured_at=at)).rowcount
    if claimed == 0:
        return CaptureResult(payment.id, False, [])
    rows = conn.execute(select(orders, shops.c.timezone).join(shops, shops.c.id == orders.c.shop_id)
                        .where(orders.c.checkout_id == payment.checkout_id).order_by(orders.c.id)).all()
    if any(r.status != OrderStatus.PENDING_PAYMENT.value for r in rows):
        raise Conflict("this checkout is no longer awaiting payment (cancelled as unpaid); the payment is refused")
    postings, events = [], []
    for row in rows:
        candidates = [(source, Promise.parse(code)) for source, code in jsonutil.loads(row.promise_candidates)]
        source, promise, deadline = binding_promise(book, candidates, at, row.timezone)
        transition(conn, row.id, row.status, OrderStatus.PAID, paid_at=at, ship_by=deadline, late_check_at=deadline,
                   promise_kind=promise.kind, promise_hours=promise.hours,
                   promise_date=promise.presale_date.isoformat() if promise.presale_date else None,
                   promise_source=source)
        postings += _payment_postings(conn, row)
        events.append({"order_id": row.id, "at": at, "kind": "paid",
                       "detail": {"ship_by": deadline, "promise": promise.code, "promise_source": source}})
    ledger.record(conn, key=f"payment:{payment.id}", kind="payment", memo=f"checkout {payment.checkout_id}",
                  postings=postings, at=at)
    record_events(conn, events)
    return CaptureResult(payment.id, True, [r.id for r in rows])


def _payment_postings(conn: Connection, row) -> list[ledger.Posting]:  # noqa: ANN001
    proceeds = ledger.shop_proceeds(row.shop_id)
    postings = [ledger.Posting(ledger.PAYMENTS_IN, proceeds, row.paid_fen)]
    if row.coupon_id is not None:
        coupon_fen = conn.execute(select(coupons.c.amount_fen).where(coupons.c.id == row.coupon_id)).scalar()
        wallet = ledger.buyer_coupons(row.buyer_id)
        if row.discount_fen > 0:
            postings.append(ledger.Posting(wallet, proceeds, row.discount_fen))
        if coupon_fen > row.discount_fen:  # a coupon larger than the order is used up whole
            postings.append(ledger.Posting(wallet, BREAKAGE, coupon_fen - row.discount_fen))
    return postings
