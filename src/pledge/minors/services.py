"""Minors: a guardian's consent by SMS code, and the checkout check (blind boxes by age, the
spending limits for buyers under 18, live-room purchases included)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection

from pledge.accounts.birthdates import birth_date_of
from pledge.accounts.services import Actor
from pledge.accounts.tables import users
from pledge.catalog.guards import Purchase
from pledge.kernel.db import UnitOfWork, inserted_id
from pledge.kernel.errors import Conflict, InvalidInput
from pledge.minors import policy
from pledge.minors.tables import guardian_consents
from pledge.orders.model import OrderStatus
from pledge.orders.tables import orders
from pledge.rulebooks.loader import Rulebook
from pledge.sms import services as sms
from pledge.sms.port import SmsSender
from pledge.sms.services import WrongCode

GUARDIAN = "guardian"  # the SMS code's purpose


@dataclass(frozen=True)
class MinorStatus:
    """What the account page shows: the birth date, the age today, whether a guardian consented."""

    birth_date: date | None
    age: int | None
    minor: bool
    consent_phone: str | None
    consented_at: datetime | None


def _guardian_phone(conn: Connection, user_id: int, phone: str) -> str:
    guardian = sms.normalize_phone(phone)
    own = conn.execute(select(users.c.phone).where(users.c.id == user_id)).scalar()
    if own == guardian:
        raise InvalidInput("the guardian's phone number cannot be your own")
    return guardian


def request_guardian_code(
    uow: UnitOfWork, sender: SmsSender, actor: Actor, *, phone: str, at: datetime
) -> datetime:
    """Text a code to the guardian's phone; the guardian reads it to the buyer, who enters it."""
    with uow.read() as conn:
        guardian = _guardian_phone(conn, actor.user_id, phone)
    return sms.send_code(uow, sender, phone=guardian, purpose=GUARDIAN, at=at)


def record_guardian_consent(uow: UnitOfWork, actor: Actor, *, phone: str, code: str, at: datetime) -> int:
    """The consent, recorded once the guardian's code is spent: who (their phone) and when."""
    try:
        with uow.begin() as conn:
            guardian = _guardian_phone(conn, actor.user_id, phone)
            if birth_date_of(conn, actor.user_id) is None:
                raise Conflict("add your birth date first: a guardian consents for a minor")
            sms.spend_code(conn, phone=guardian, purpose=GUARDIAN, code=code, at=at)
            return inserted_id(
                conn,
                guardian_consents.insert().values(
                    user_id=actor.user_id, guardian_phone=guardian, consented_at=at
                ),
            )
    except WrongCode as wrong:
        with uow.begin() as conn:
            sms.count_wrong_guess(conn, wrong.code_id)
        raise


def _latest_consent(conn: Connection, user_id: int):
    c = guardian_consents.c
    return conn.execute(
        select(c.guardian_phone, c.consented_at).where(c.user_id == user_id).order_by(c.id.desc()).limit(1)
    ).first()


def status_of(conn: Connection, book: Rulebook, user_id: int, at: datetime) -> MinorStatus:
    born = birth_date_of(conn, user_id)
    age = None if born is None else policy.age_on(born, policy.beijing_day(book, at))
    adult = policy.spending_limits(book, at).adult_years
    consent = _latest_consent(conn, user_id)
    return MinorStatus(
        born,
        age,
        age is not None and age < adult,
        consent.guardian_phone if consent else None,
        consent.consented_at if consent else None,
    )


def spent_this_month(conn: Connection, book: Rulebook, buyer_id: int, at: datetime) -> int:
    """What the buyer's orders placed this Beijing calendar month came to (cancelled ones aside)."""
    tz = ZoneInfo(book.timezone)
    first = datetime.combine(policy.beijing_day(book, at).replace(day=1), time(0), tz)
    return int(
        conn.execute(
            select(func.coalesce(func.sum(orders.c.paid_fen), 0)).where(
                orders.c.buyer_id == buyer_id,
                orders.c.status != OrderStatus.CANCELLED.value,
                orders.c.created_at >= first,
                orders.c.created_at <= at,
            )
        ).scalar_one()
    )


# Built once: every checkout runs it.
_BIRTH_DATE_LOCKED = select(users.c.birth_date).where(users.c.id == bindparam("buyer_id")).with_for_update()


def check_purchase(
    conn: Connection, book: Rulebook, purchase: Purchase, *, at: datetime, blind_box: bool
) -> None:
    """Refuse (403 naming the clause) before anything is written: a blind box for a buyer without
    a birth date, under 8, or 8 to 18 without a guardian's consent; a minor's order above the
    per-order limit, or a month above the monthly one. An adult's or an unknown age's ordinary
    purchase costs one statement: the buyer's birth date, read under the lock below."""
    # One checkout at a time per buyer from here to the orders' insert, so that two concurrent
    # checkouts cannot both fit under the monthly limit (PostgreSQL; SQLite has one writer).
    born = conn.execute(_BIRTH_DATE_LOCKED, {"buyer_id": purchase.buyer_id}).scalar_one_or_none()
    if isinstance(born, str):
        born = date.fromisoformat(born)
    age = None if born is None else policy.age_on(born, policy.beijing_day(book, at))
    minor = age is not None and age < policy.spending_limits(book, at).adult_years
    if blind_box:
        consented = minor and _latest_consent(conn, purchase.buyer_id) is not None
        policy.refuse_blind_box(book, age, consented, at)
    if minor:
        policy.refuse_over_limits(
            policy.spending_limits(book, at),
            [order.paid_fen for order in purchase.orders],
            spent_this_month(conn, book, purchase.buyer_id, at),
        )
