"""Phone verification codes: issue one (rate limited per phone and per client address), check
one (expiry, a limit of wrong guesses, spent once). The sending limits come from the rulebook's
clause sms.code-limits (a Pledge default: the platform texts set none); codes are asked for
before an account exists (sign-up), so there is no per-account limit to apply.

Sending happens outside any transaction (`send_code`): the row is committed first, so a slow
or failing provider never holds the database's write lock."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.kernel.db import UnitOfWork
from pledge.kernel.errors import InvalidInput, TooManyAttempts
from pledge.rulebooks.loader import Rulebook
from pledge.sms.port import SmsSender
from pledge.sms.tables import sms_codes

MAINLAND_MOBILE = re.compile(r"1[3-9]\d{9}")
PURPOSES = ("signup", "guardian")  # guardian: a minor's guardian consents (pledge.minors)
CODE_TTL = timedelta(minutes=5)
MAX_ATTEMPTS = 5  # wrong guesses before a code is dead
DAY = timedelta(hours=24)
ADDRESS_LENGTH = 45  # an IPv6 address in text


@dataclass(frozen=True)
class CodeLimits:
    """How often codes may be sent (clause sms.code-limits): one per phone per `resend_after`,
    `per_phone` per phone and `per_address` per client address in any 24 h."""

    resend_after: timedelta = timedelta(seconds=60)
    per_phone: int = 10
    per_address: int = 20


def code_limits(book: Rulebook, at: datetime) -> CodeLimits:
    clause = book.one("sms_code_limits", at)
    return CodeLimits(
        timedelta(seconds=int(clause.get("resend_after_seconds"))),
        int(clause.get("per_phone_per_day")),
        int(clause.get("per_address_per_day")),
    )


class WrongCode(InvalidInput):
    """A wrong guess at a live code: the caller counts it in a transaction of its own."""

    code = "wrong_code"

    def __init__(self, detail: str, *, code_id: int) -> None:
        super().__init__(detail)
        self.code_id = code_id


def normalize_phone(phone: str) -> str:
    """An 11-digit mainland mobile number (spaces, dashes and a +86 prefix are dropped)."""
    digits = re.sub(r"[\s-]", "", phone or "")
    digits = digits.removeprefix("+86").removeprefix("0086")
    if not MAINLAND_MOBILE.fullmatch(digits):
        raise InvalidInput("a phone number is an 11-digit mainland mobile number starting with 1")
    return digits


def _digest(salt: str, phone: str, code: str) -> str:
    return salt + "$" + hashlib.sha256(f"{salt}:{phone}:{code}".encode()).hexdigest()


def _matches(stored: str, phone: str, code: str) -> bool:
    salt = stored.split("$", 1)[0]
    return secrets.compare_digest(stored, _digest(salt, phone, code))


def _check_rate(conn: Connection, phone: str, address: str, at: datetime, limits: CodeLimits) -> None:
    row = conn.execute(
        select(func.count(), func.max(sms_codes.c.created_at)).where(
            sms_codes.c.phone == phone, sms_codes.c.created_at > at - DAY
        )
    ).one()
    count, last = row
    if last is not None and at - last < limits.resend_after:
        wait = int((limits.resend_after - (at - last)).total_seconds()) + 1
        raise TooManyAttempts("a code was just sent; wait a minute before asking again", retry_after=wait)
    if count >= limits.per_phone:
        raise TooManyAttempts(
            "too many codes for this phone number today; try again tomorrow",
            retry_after=int(DAY.total_seconds()),
        )
    from_address = conn.execute(
        select(func.count()).where(sms_codes.c.client_address == address, sms_codes.c.created_at > at - DAY)
    ).scalar_one()
    if from_address >= limits.per_address:
        raise TooManyAttempts(
            "too many codes requested from this network today; try again tomorrow",
            retry_after=int(DAY.total_seconds()),
        )


def issue_code(
    conn: Connection,
    *,
    phone: str,
    purpose: str,
    at: datetime,
    address: str = "unknown",
    limits: CodeLimits = CodeLimits(),
) -> str:
    """A new 6-digit code for `phone`, asked for from client `address`, recorded (hashed); the
    plain code goes to the sender only."""
    if purpose not in PURPOSES:
        raise InvalidInput(f"purpose is one of {', '.join(PURPOSES)}")
    phone = normalize_phone(phone)
    address = (address or "unknown")[:ADDRESS_LENGTH]
    _check_rate(conn, phone, address, at, limits)
    code = f"{secrets.randbelow(1_000_000):06d}"
    conn.execute(
        sms_codes.insert().values(
            phone=phone,
            purpose=purpose,
            code_hash=_digest(secrets.token_hex(8), phone, code),
            created_at=at,
            expires_at=at + CODE_TTL,
            attempts=0,
            client_address=address,
        )
    )
    return code


def send_code(
    uow: UnitOfWork,
    sender: SmsSender,
    *,
    phone: str,
    purpose: str,
    at: datetime,
    address: str = "unknown",
    limits: CodeLimits = CodeLimits(),
) -> datetime:
    """Issue a code and text it; returns when it expires."""
    with uow.begin() as conn:
        code = issue_code(conn, phone=phone, purpose=purpose, at=at, address=address, limits=limits)
    minutes = int(CODE_TTL.total_seconds() // 60)
    sender.send(normalize_phone(phone), f"【Pledge】验证码 {code}，{minutes}分钟内有效。请勿告诉他人。")
    return at + CODE_TTL


def spend_code(conn: Connection, *, phone: str, purpose: str, code: str, at: datetime) -> None:
    """Accept the phone's latest live code once, or raise: WrongCode (count it with
    `count_wrong_guess` in a transaction that survives the caller's rollback) or InvalidInput."""
    row = conn.execute(
        select(sms_codes)
        .where(sms_codes.c.phone == phone, sms_codes.c.purpose == purpose)
        .order_by(sms_codes.c.created_at.desc(), sms_codes.c.id.desc())
        .limit(1)
    ).first()
    if row is None or row.used_at is not None or row.expires_at <= at:
        raise InvalidInput("no valid verification code for this phone number; request a new one")
    if row.attempts >= MAX_ATTEMPTS:
        raise InvalidInput("too many wrong codes; request a new one")
    if not _matches(row.code_hash, phone, (code or "").strip()):
        raise WrongCode("wrong verification code", code_id=row.id)
    spent = conn.execute(
        sms_codes.update().where(sms_codes.c.id == row.id, sms_codes.c.used_at.is_(None)).values(used_at=at)
    ).rowcount
    if spent != 1:
        raise InvalidInput("this verification code has already been used; request a new one")


def count_wrong_guess(conn: Connection, code_id: int) -> None:
    conn.execute(
        sms_codes.update().where(sms_codes.c.id == code_id).values(attempts=sms_codes.c.attempts + 1)
    )
