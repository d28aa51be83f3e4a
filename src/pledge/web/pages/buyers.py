"""A buyer's own pages: sign up (email or phone + SMS code), the address book, and the order
actions (cancel, ask to cancel, remind the shop, confirm receipt). The sign-up form carries a
CSRF token of its own (double submit, as the login form does): there is no session yet."""

from __future__ import annotations

import secrets

from fastapi import Request

from pledge.accounts.birthdates import parse_birth_date
from pledge.accounts.signup import SIGNUP, SignUp, sign_up
from pledge.addresses import services as addresses
from pledge.addresses.model import Address
from pledge.aftersales.cancellation import request_cancellation
from pledge.fulfilment.receipt import confirm_receipt
from pledge.kernel.errors import DomainError, InvalidInput
from pledge.orders import buyer_actions
from pledge.sms import services as sms
from pledge.web.deps import CheckedForm, FormFields, PageCaller, PostedForm, pledge
from pledge.web.forms import local_path
from pledge.web.pages.account import signed_in
from pledge.web.pages.routing import PageRouter
from pledge.web.render import redirect, render
from pledge.web.security import client_address, cookie_secure
from pledge.web.types import PathId

router = PageRouter()
SIGNUP_CSRF_COOKIE = "pledge_signup_csrf"
EXPIRED_FORM = "This form has expired. Please reload the page and try again."
ADDRESS_FIELDS = ("recipient", "phone", "province", "city", "district", "detail")
SIGNUP_FIELDS = ("email", "phone", "display_name", "code", "birth_date")


def _signup_page(request: Request, *, values: dict, status: int = 200, error: str = "", sent: bool = False):
    token = request.cookies.get(SIGNUP_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        request, "signup.html", status=status, values=values, error=error, sent=sent, signup_csrf=token
    )
    secure = cookie_secure(request, pledge(request).settings)
    response.set_cookie(
        SIGNUP_CSRF_COOKIE, token, httponly=True, samesite="lax", path="/signup", secure=secure
    )
    return response


@router.get("/signup")
def signup_form(request: Request, next: str = "/"):
    return _signup_page(request, values={"next": local_path(next, "/")})


def _form_is_ours(request: Request, form: dict) -> bool:
    expected = request.cookies.get(SIGNUP_CSRF_COOKIE, "")
    sent = str(form.get("csrf_token", ""))
    return bool(expected) and secrets.compare_digest(sent.encode(), expected.encode())


@router.post("/signup")
def signup(request: Request, form: PostedForm):
    values = {k: str(form.get(k, "")).strip()[:200] for k in SIGNUP_FIELDS}
    values["next"] = local_path(form.get("next"), "/")
    if not _form_is_ours(request, form):
        return _signup_page(request, values=values, status=403, error=EXPIRED_FORM)
    app = pledge(request)
    now = app.clock.now()
    try:
        if form.get("action") == "send_code":
            sms.send_code(
                app.uow,
                app.sms,
                phone=values["phone"],
                purpose=SIGNUP,
                at=now,
                address=client_address(request),
                limits=sms.code_limits(app.rulebook, now),
            )
            return _signup_page(request, values=values, sent=True)
        cmd = SignUp(
            str(form.get("password", "")),
            values["email"],
            values["phone"],
            values["code"],
            values["display_name"],
            parse_birth_date(values["birth_date"], at=now),
        )
        user_id = sign_up(app.uow, cmd, at=now)
    except DomainError as exc:
        return _signup_page(request, values=values, status=exc.status, error=exc.detail)
    return signed_in(request, user_id, values["next"], form_cookie=SIGNUP_CSRF_COOKIE, form_path="/signup")


# ---------------------------------------------------------------- address book


@router.get("/account/addresses")
def address_book(request: Request, caller: PageCaller):
    with pledge(request).uow.read() as conn:
        rows = addresses.address_book(conn, caller.actor.user_id)
    return render(request, "addresses.html", addresses=rows)


def _address_form(
    request: Request, *, values: dict, address_id: int | None = None, error: str = "", status: int = 200
):
    return render(
        request, "address_form.html", status=status, values=values, address_id=address_id, error=error
    )


def _posted_address(form: FormFields) -> tuple[Address, dict]:
    values: dict[str, object] = {k: str(form.get(k, ""))[:200] for k in ADDRESS_FIELDS}
    values["is_default"] = form.get("is_default") == "1"
    values["next"] = local_path(form.get("next"), "/account/addresses")
    return Address(*(str(values[k]) for k in ADDRESS_FIELDS)), values


def _field_error(exc: InvalidInput) -> str:
    """A translatable message: which field to correct (the phone's rule has its own message)."""
    field = exc.extra.get("field")
    return f"address.invalid.{field}" if field else exc.detail


@router.get("/account/addresses/new")
def new_address(request: Request, caller: PageCaller, next: str = "/account/addresses"):
    return _address_form(request, values={"next": local_path(next, "/account/addresses")})


@router.post("/account/addresses/new")
def add_address(request: Request, caller: PageCaller, form: CheckedForm):
    address, values = _posted_address(form)
    app = pledge(request)
    try:
        with app.uow.begin() as conn:
            addresses.add_address(
                conn,
                caller.actor.user_id,
                address,
                at=app.clock.now(),
                make_default=bool(values["is_default"]),
            )
    except InvalidInput as exc:
        return _address_form(request, values=values, error=_field_error(exc), status=422)
    return redirect(str(values["next"]))


@router.get("/account/addresses/{address_id}/edit")
def edit_address(address_id: PathId, request: Request, caller: PageCaller):
    with pledge(request).uow.read() as conn:
        row = addresses.owned_address(conn, caller.actor.user_id, address_id)
    return _address_form(request, values=dict(row._mapping, next="/account/addresses"), address_id=address_id)


@router.post("/account/addresses/{address_id}/edit")
def update_address(address_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    address, values = _posted_address(form)
    app = pledge(request)
    try:
        with app.uow.begin() as conn:
            addresses.update_address(
                conn,
                caller.actor.user_id,
                address_id,
                address,
                at=app.clock.now(),
                make_default=bool(values["is_default"]),
            )
    except InvalidInput as exc:
        return _address_form(
            request, values=values, address_id=address_id, error=_field_error(exc), status=422
        )
    return redirect(str(values["next"]))


@router.post("/account/addresses/{address_id}/delete")
def delete_address(address_id: PathId, request: Request, caller: PageCaller, _form: CheckedForm):
    with pledge(request).uow.begin() as conn:
        addresses.delete_address(conn, caller.actor.user_id, address_id)
    return redirect("/account/addresses")


@router.post("/account/addresses/{address_id}/default")
def make_default(address_id: PathId, request: Request, caller: PageCaller, _form: CheckedForm):
    with pledge(request).uow.begin() as conn:
        addresses.set_default_address(conn, caller.actor.user_id, address_id)
    return redirect("/account/addresses")


# ---------------------------------------------------------------- order actions


@router.post("/orders/{order_id}/cancel")
def cancel_order(order_id: PathId, request: Request, caller: PageCaller, _form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        buyer_actions.cancel_unpaid_order(conn, caller.actor, order_id, at=app.clock.now())
    return redirect(f"/orders/{order_id}")


@router.post("/orders/{order_id}/cancellation")
def ask_cancellation(order_id: PathId, request: Request, caller: PageCaller, _form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        request_cancellation(conn, caller.actor, order_id, book=app.rulebook, at=app.clock.now())
    return redirect(f"/orders/{order_id}")


@router.post("/orders/{order_id}/remind")
def remind(order_id: PathId, request: Request, caller: PageCaller, _form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        buyer_actions.remind_to_ship(conn, caller.actor, order_id, book=app.rulebook, at=app.clock.now())
    return redirect(f"/orders/{order_id}?reminded=1")


@router.post("/orders/{order_id}/confirm-receipt")
def confirm(order_id: PathId, request: Request, caller: PageCaller, _form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        confirm_receipt(conn, caller.actor, order_id, at=app.clock.now())
    return redirect(f"/orders/{order_id}")
