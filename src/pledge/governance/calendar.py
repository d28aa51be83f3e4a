"""The working-day calendar appeal deadlines count in (douyin:101706: "5个工作日"): operators
record public holidays and make-up workdays (节假日、调休) as the State Council announces them;
every day not recorded is a working day from Monday to Friday. Pledge ships no dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform
from pledge.governance.tables import governance_calendar
from pledge.kernel.db import dialect_insert
from pledge.kernel.text import clean_text

NOTE_MAX = 100
LOOKAHEAD_DAYS = 120  # a deadline of a few working days never reaches further, however long the holidays


def set_day(conn: Connection, day: date, *, working: bool, note: object, at: datetime) -> None:
    """Record a holiday (`working` False) or a make-up workday (True); recording a day again
    replaces it."""
    why = clean_text(note, field="the note", max_length=NOTE_MAX)
    insert = dialect_insert(conn)(governance_calendar).values(day=day, working=working, note=why, added_at=at)
    conn.execute(
        insert.on_conflict_do_update(
            index_elements=["day"], set_={"working": working, "note": why, "added_at": at}
        )
    )


def remove_day(conn: Connection, day: date) -> bool:
    """Forget a recorded day (it is an ordinary day again); False if it was not recorded."""
    return bool(conn.execute(governance_calendar.delete().where(governance_calendar.c.day == day)).rowcount)


def record_day(
    conn: Connection, actor: Actor, day: date, *, working: bool, note: object, at: datetime
) -> None:
    """An operator records a day from the pages (the CLI runs as the platform itself)."""
    require_platform(actor, "operator")
    set_day(conn, day, working=working, note=note, at=at)


def forget_day(conn: Connection, actor: Actor, day: date) -> bool:
    require_platform(actor, "operator")
    return remove_day(conn, day)


def days(conn: Connection, start: date, end: date) -> dict[date, bool]:
    """The recorded days from start to end inclusive: {day: working}."""
    c = governance_calendar.c
    rows = conn.execute(select(c.day, c.working).where(c.day >= start, c.day <= end).order_by(c.day))
    return {row.day: bool(row.working) for row in rows}


def listed(conn: Connection) -> list[dict]:
    c = governance_calendar.c
    return [dict(r._mapping) for r in conn.execute(select(c.day, c.working, c.note).order_by(c.day))]


def ahead(conn: Connection, first: date) -> dict[date, bool]:
    """The recorded days a deadline counted from `first` may meet."""
    return days(conn, first, first + timedelta(days=LOOKAHEAD_DAYS))
