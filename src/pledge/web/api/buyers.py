"""A buyer's own account: sign up (email or phone + SMS code), the address book, and what a
buyer does to an order besides paying (cancel, request cancellation, remind, confirm receipt)."""

from datetime import timedelta
from typing import Annotated

from fastapi import Request, Response
from pydantic import BaseModel, Field

from pledge.accounts import services as accounts
from pledge.accounts.birthdates import parse_birth_date
from pledge.accounts.signup import SIGNUP, SignUp, sign_up
from pledge.addresses import services as addresses
from pledge.addresses.model import Address
from pledge.aftersales.cancellation import request_cancellation
from pledge.aftersales.queries import case_detail
from pledge.fulfilment.receipt import confirm_receipt
from pledge.orders import buyer_actions
from pledge.orders.model import OrderStatus
from pledge.sms import services as sms
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.buyers import (
    AddressOut,
    CancellationRequestOut,
    CancelOut,
    ReceiptOut,
    ReminderOut,
    SignUpOut,
    SmsCodeOut,
)
from pledge.web.deps import ApiActor, AppDep
from pledge.web.security import client_address
from pledge.web.types import Email, Password, PathId, TextRule

router = ApiModuleRouter(tags=["buyers"])

Phone = Annotated[str, TextRule(20)]
SmsCode = Annotated[str, Field(pattern=r"^[0-9]{6}$")]
Part = Annotated[str, TextRule(20)]


class SmsCodeIn(BaseModel):
    phone: Phone


class SignUpIn(BaseModel):
    """An email, or a phone with the SMS code just sent to it (or both)."""

    password: Password
    email: Email | None = None
    phone: Phone | None = None
    code: SmsCode | None = None
    display_name: Annotated[str, TextRule(100, required=False)] = ""
    birth_date: Annotated[str | None, Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")] = None  # optional


class AddressIn(BaseModel):
    recipient: Annotated[str, TextRule(25)]
    phone: Phone
    province: Part
    city: Part
    district: Part
    detail: Annotated[str, TextRule(120)]
    is_default: bool = False

    def address(self) -> Address:
        return Address(self.recipient, self.phone, self.province, self.city, self.district, self.detail)


@router.post(
    "/auth/sms-codes",
    status_code=201,
    summary="Text a sign-up code to a mainland mobile number",
    description="6 digits, valid 5 minutes, 5 wrong guesses; one per phone per minute, 10 per phone "
    "and 20 per client address a day (clause sms.code-limits; 429 with Retry-After). The sandbox "
    "adapter logs the message instead of sending it.",
    responses={201: {"model": SmsCodeOut}},
)
def send_sms_code(body: SmsCodeIn, app: AppDep, request: Request) -> dict:
    phone = sms.normalize_phone(body.phone)
    now = app.clock.now()
    expires = sms.send_code(
        app.uow,
        app.sms,
        phone=phone,
        purpose=SIGNUP,
        at=now,
        address=client_address(request),
        limits=sms.code_limits(app.rulebook, now),
    )
    return {"phone": phone, "expires_at": expires, "provider": app.sms.name}


@router.post(
    "/auth/signup",
    status_code=201,
    summary="Create a buyer account and return a bearer token",
    responses={201: {"model": SignUpOut}},
)
def signup(body: SignUpIn, app: AppDep) -> dict:
    now = app.clock.now()
    born = parse_birth_date(body.birth_date, at=now)
    cmd = SignUp(body.password, body.email, body.phone, body.code or "", body.display_name, born)
    user_id = sign_up(app.uow, cmd, at=now)
    lifetime = timedelta(days=app.settings.api_token_days)
    with app.uow.begin() as conn:
        token = accounts.issue_api_token(conn, user_id=user_id, at=now, lifetime=lifetime)
    return {"user_id": user_id, "token": token, "token_type": "bearer", "expires_at": now + lifetime}


@router.get(
    "/addresses",
    summary="The caller's address book, default first",
    responses={200: {"model": list[AddressOut]}},
)
def list_addresses(app: AppDep, actor: ApiActor) -> list[dict]:
    with app.uow.read() as conn:
        return addresses.address_book(conn, actor.user_id)


def _one(app, actor, address_id: int) -> dict:
    with app.uow.read() as conn:
        return dict(addresses.owned_address(conn, actor.user_id, address_id)._mapping)


@router.post("/addresses", status_code=201, summary="Add an address", responses={201: {"model": AddressOut}})
def add_address(body: AddressIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        address_id = addresses.add_address(
            conn, actor.user_id, body.address(), at=app.clock.now(), make_default=body.is_default
        )
    return _one(app, actor, address_id)


@router.put("/addresses/{address_id}", summary="Replace an address", responses={200: {"model": AddressOut}})
def update_address(address_id: PathId, body: AddressIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        addresses.update_address(
            conn, actor.user_id, address_id, body.address(), at=app.clock.now(), make_default=body.is_default
        )
    return _one(app, actor, address_id)


@router.delete(
    "/addresses/{address_id}", status_code=204, summary="Delete an address (orders keep their copy)"
)
def delete_address(address_id: PathId, app: AppDep, actor: ApiActor) -> Response:
    with app.uow.begin() as conn:
        addresses.delete_address(conn, actor.user_id, address_id)
    return Response(status_code=204)


@router.post(
    "/orders/{order_id}/cancel",
    summary="Cancel an unpaid order (and the other unpaid orders of its checkout)",
    responses={200: {"model": CancelOut}},
)
def cancel_order(order_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        cancelled = buyer_actions.cancel_unpaid_order(conn, actor, order_id, at=app.clock.now())
    return {"cancelled_order_ids": cancelled}


@router.post(
    "/orders/{order_id}/cancellation",
    status_code=201,
    summary="Ask to cancel a paid, unshipped order: an instant refund where the rule allows",
    responses={201: {"model": CancellationRequestOut}},
)
def ask_cancellation(order_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        case_id = request_cancellation(conn, actor, order_id, book=app.rulebook, at=app.clock.now())
        case = case_detail(conn, actor, case_id)
    return {
        "order_id": order_id,
        "case_id": case_id,
        "case_type": case["case_type"],
        "case_status": case["status"],
    }


@router.post(
    "/orders/{order_id}/remind",
    summary="Remind the shop to ship (催发货), at most once per the ship_reminder clause",
    responses={200: {"model": ReminderOut}},
)
def remind(order_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        count = buyer_actions.remind_to_ship(conn, actor, order_id, book=app.rulebook, at=app.clock.now())
    return {"order_id": order_id, "ship_reminders": count}


@router.post(
    "/orders/{order_id}/confirm-receipt",
    summary="Confirm the parcel was received (the order becomes delivered)",
    responses={200: {"model": ReceiptOut}},
)
def confirm(order_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        confirm_receipt(conn, actor, order_id, at=app.clock.now())
    return {"order_id": order_id, "status": OrderStatus.DELIVERED.value}
