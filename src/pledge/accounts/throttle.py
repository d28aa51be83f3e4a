"""Failed-login throttle (issue 11): at most `per_account` failures for one email and
`per_address` failures from one client address within a sliding window; past that, every
attempt is refused with the time until the oldest counted failure leaves the window, even with
the right password. Failures are rows in the database, so every server process counts the same
ones. The limits are Pledge defaults (settings), not platform rules; docs/security.md says why."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.tables import login_attempts
from pledge.kernel.errors import TooManyAttempts

ADDRESS_LENGTH = 64  # the column's width; a longer (forwarded) value is cut, never an error


@dataclass(frozen=True)
class LoginLimits:
    per_account: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


def account_key(email: str) -> str:
    """What was typed as the email, normalised and digested: the table never holds it."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _address(address: str) -> str:
    return (address or "unknown")[:ADDRESS_LENGTH]


def _recent(conn: Connection, column, key: str, since: datetime) -> list[datetime]:
    return list(
        conn.execute(
            select(login_attempts.c.attempted_at)
            .where(column == key, login_attempts.c.attempted_at > since)
            .order_by(login_attempts.c.attempted_at)
        ).scalars()
    )


def check(conn: Connection, *, email: str, address: str, at: datetime, limits: LoginLimits) -> int:
    """Raises TooManyAttempts when either limit is reached; else the account's failure count
    (so a success clears them only when there is something to clear)."""
    since = at - limits.window
    account = _recent(conn, login_attempts.c.account_key, account_key(email), since)
    counted = (
        (account, limits.per_account, "this account"),
        (
            _recent(conn, login_attempts.c.address, _address(address), since),
            limits.per_address,
            "your address",
        ),
    )
    for failures, limit, whose in counted:
        if len(failures) >= limit:
            # the oldest failures leave the window one by one; this many must go before one more try
            frees_at = failures[len(failures) - limit] + limits.window
            wait = max(1, math.ceil((frees_at - at).total_seconds()))
            raise TooManyAttempts(
                f"too many failed logins for {whose}; try again in {math.ceil(wait / 60)} minutes",
                retry_after=wait,
            )
    return len(account)


def record_failure(conn: Connection, *, email: str, address: str, at: datetime, limits: LoginLimits) -> None:
    """Count one failure, and prune the failures no window looks at any more."""
    conn.execute(login_attempts.delete().where(login_attempts.c.attempted_at <= at - limits.window))
    conn.execute(
        login_attempts.insert().values(
            account_key=account_key(email), address=_address(address), attempted_at=at
        )
    )


def forget_failures(conn: Connection, *, email: str) -> None:
    """A successful login starts the account afresh (its address keeps its count)."""
    conn.execute(login_attempts.delete().where(login_attempts.c.account_key == account_key(email)))
