from fastapi import APIRouter, Depends, Request
from sqlalchemy import select

from pledge.accounts.services import Actor
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.orders.model import OrderStatus, PaymentStatus
from pledge.orders.tables import orders
from pledge.orders.tables import payments as payments_table
from pledge.payments.adapters import CallbackPayload
from pledge.payments.services import handle_callback
from pledge.web.deps import api_actor, pledge
from pledge.web.types import PathId

router = APIRouter(tags=["payments"])


def confirm_sandbox_payment(app, actor: Actor, checkout_id: int) -> dict:
    """The buyer confirms in the sandbox; the provider sends its signed callback, which goes
    through exactly the path a real provider's callback takes."""
    with app.uow.read() as conn:
        payment = conn.execute(
            select(payments_table).where(payments_table.c.checkout_id == checkout_id)
        ).first()
    if payment is None or payment.buyer_id != actor.user_id:
        raise NotFound(f"no checkout {checkout_id}")
    if payment.status != PaymentStatus.PENDING:
        raise Conflict(f"checkout {checkout_id} is already {payment.status}; it cannot be paid again")
    with app.uow.read() as conn:
        cancelled = conn.execute(
            select(orders.c.id).where(
                orders.c.checkout_id == checkout_id, orders.c.status == OrderStatus.CANCELLED.value
            )
        ).first()
    if cancelled is not None:
        raise Conflict(f"checkout {checkout_id} was cancelled as unpaid; place the order again")
    body, signature = app.payments.sign(
        CallbackPayload(payment.provider_ref, payment.amount_fen, PaymentStatus.CAPTURED.value)
    )
    return receive_callback(app, body, signature)


def receive_callback(app, body: bytes, signature: str) -> dict:
    try:
        payload = app.payments.verify(body, signature)
    except (ValueError, KeyError, TypeError):  # signed, but not a callback document: refuse, do not crash
        raise InvalidInput("the callback body is not a payment callback document") from None
    with app.uow.begin() as conn:
        result = handle_callback(conn, payload, book=app.rulebook, at=app.clock.now())
    return {"payment_id": result.payment_id, "applied": result.applied, "order_ids": result.order_ids}


@router.post("/checkouts/{checkout_id}/pay", summary="Pay a checkout with the sandbox provider")
def pay(checkout_id: PathId, request: Request, actor: Actor = Depends(api_actor)) -> dict:
    return confirm_sandbox_payment(pledge(request), actor, checkout_id)


@router.post("/payments/sandbox/callback", summary="Payment provider callback (signed; idempotent)")
async def callback(request: Request) -> dict:
    body = await request.body()
    return receive_callback(pledge(request), body, request.headers.get("x-signature", ""))
