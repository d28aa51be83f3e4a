from fastapi import Request
from pydantic import BaseModel

from pledge.bootstrap import App
from pledge.kernel.errors import InvalidInput
from pledge.payments.confirmation import confirm_sandbox_payment
from pledge.payments.services import CaptureResult, handle_callback
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.deps import ApiActor, AppDep, RawBody, pledge
from pledge.web.types import PathId

router = ApiModuleRouter(tags=["payments"])


class PaymentOut(BaseModel):
    payment_id: int
    applied: bool  # False when the callback had already been processed
    order_ids: list[int]


def payment_out(result: CaptureResult) -> PaymentOut:
    return PaymentOut(payment_id=result.payment_id, applied=result.applied, order_ids=result.order_ids)


def receive_callback(app: App, body: bytes, signature: str) -> PaymentOut:
    try:
        payload = app.payments.verify(body, signature)
    except (ValueError, KeyError, TypeError):  # signed, but not a callback document: refuse, do not crash
        raise InvalidInput("the callback body is not a payment callback document") from None
    with app.uow.begin() as conn:
        result = handle_callback(conn, payload, book=app.rulebook, at=app.clock.now())
    return payment_out(result)


@router.post("/checkouts/{checkout_id}/pay", summary="Pay a checkout with the sandbox provider")
def pay(checkout_id: PathId, app: AppDep, actor: ApiActor) -> PaymentOut:
    with app.uow.begin() as conn:
        result = confirm_sandbox_payment(
            conn, actor, checkout_id, provider=app.payments, book=app.rulebook, at=app.clock.now()
        )
    return payment_out(result)


@router.post("/payments/sandbox/callback", summary="Payment provider callback (signed; idempotent)")
def callback(request: Request, body: RawBody) -> PaymentOut:
    return receive_callback(pledge(request), body, request.headers.get("x-signature", ""))
