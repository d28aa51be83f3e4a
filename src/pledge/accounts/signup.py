"""A buyer signs up with an email address or a mainland mobile number, and a password (the
rules accounts.services enforces, hashed the same way). A phone number is verified with an SMS
code (pledge.sms) that the sign-up spends; a wrong code is counted in a transaction of its own
so the limit on guesses holds even though the sign-up itself rolls back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pledge.accounts.birthdates import checked_birth_date
from pledge.accounts.services import hash_password, insert_user, normalize_email
from pledge.kernel.db import UnitOfWork
from pledge.kernel.errors import InvalidInput
from pledge.sms import services as sms
from pledge.sms.services import WrongCode

SIGNUP = "signup"
MAX_DISPLAY_NAME = 100


@dataclass(frozen=True)
class SignUp:
    password: str
    email: str | None = None
    phone: str | None = None
    code: str = ""  # the SMS code sent to `phone`
    display_name: str = ""
    birth_date: date | None = None  # optional; checked by accounts.birthdates


def _masked(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]


def _identity(cmd: SignUp) -> tuple[str | None, str | None, str]:
    """(email, phone, display name), normalized."""
    email = normalize_email(cmd.email) if cmd.email and cmd.email.strip() else None
    phone = sms.normalize_phone(cmd.phone) if cmd.phone and cmd.phone.strip() else None
    if email is None and phone is None:
        raise InvalidInput("sign up with an email address or a phone number")
    name = cmd.display_name.strip() or (email.split("@")[0] if email else _masked(phone or ""))
    if len(name) > MAX_DISPLAY_NAME:
        raise InvalidInput(f"a display name has at most {MAX_DISPLAY_NAME} characters")
    return email, phone, name


def sign_up(uow: UnitOfWork, cmd: SignUp, *, at: datetime) -> int:
    """The new user's id. The password is hashed before the transaction (argon2 is slow)."""
    email, phone, name = _identity(cmd)
    born = checked_birth_date(cmd.birth_date, at=at) if cmd.birth_date is not None else None
    password_hash = hash_password(cmd.password)
    try:
        with uow.begin() as conn:
            if phone is not None:
                sms.spend_code(conn, phone=phone, purpose=SIGNUP, code=cmd.code, at=at)
            return insert_user(
                conn,
                password_hash=password_hash,
                display_name=name,
                at=at,
                email=email,
                phone=phone,
                birth_date=born,
            )
    except WrongCode as wrong:
        with uow.begin() as conn:
            sms.count_wrong_guess(conn, wrong.code_id)
        raise
