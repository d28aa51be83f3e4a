"""A buyer's birth date: optional at sign-up, set once (a minor cannot make themselves older
later: a correction goes through support). pledge.minors reads it for ages."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.tables import users
from pledge.kernel.errors import Conflict, InvalidInput, NotFound

EARLIEST = date(1900, 1, 1)
ZONE = ZoneInfo("Asia/Shanghai")  # the day a person is born on, and today, are Beijing days


def parse_birth_date(text: str | None, *, at: datetime) -> date | None:
    """'' or None → None; else an ISO date (2012-02-29) from 1900 to today (Beijing time)."""
    if text is None or not str(text).strip():
        return None
    try:
        born = date.fromisoformat(str(text).strip())
    except ValueError:
        raise InvalidInput("a birth date is written as year-month-day, e.g. 2012-02-29") from None
    return checked_birth_date(born, at=at)


def checked_birth_date(born: date, *, at: datetime) -> date:
    if not EARLIEST <= born <= at.astimezone(ZONE).date():
        raise InvalidInput(f"a birth date is between {EARLIEST.isoformat()} and today")
    return born


def birth_date_of(conn: Connection, user_id: int) -> date | None:
    row = conn.execute(select(users.c.birth_date).where(users.c.id == user_id)).first()
    if row is None:
        raise NotFound(f"no user {user_id}")
    return row.birth_date if not isinstance(row.birth_date, str) else date.fromisoformat(row.birth_date)


def set_birth_date(conn: Connection, user_id: int, born: date, *, at: datetime) -> None:
    """Set once: a second, different date is refused (409); the same date again is a no-op."""
    born = checked_birth_date(born, at=at)
    current = birth_date_of(conn, user_id)
    if current == born:
        return
    if current is not None:
        raise Conflict("your birth date is already set; to correct it, contact customer service")
    changed = conn.execute(
        users.update().where(users.c.id == user_id, users.c.birth_date.is_(None)).values(birth_date=born)
    ).rowcount
    if changed != 1:
        raise Conflict("your birth date is already set; to correct it, contact customer service")
