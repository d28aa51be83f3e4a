"""One injected clock. Stored times are timezone-aware UTC; business rules that speak of
"16:00" or "the next day" convert to the shop's timezone explicitly (see local_time)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pledge.kernel.errors import InvalidInput

UTC = UTC


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock for tests: stands still until advanced."""

    def __init__(self, at: datetime) -> None:
        self._at = ensure_utc(at)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._at

    def set(self, at: datetime) -> None:
        with self._lock:
            self._at = ensure_utc(at)

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._at += delta
            return self._at


class OffsetClock:
    """Demo clock: system time plus an offset kept in a shared store (the database), so that
    `pledge clock advance 2d` in one process moves the clock of a running server.

    `now()` never touches the store: it adds the offset last loaded by `refresh()`, which the
    app runs outside any transaction (at the start of each request and each worker pass).
    Reading the store inside `now()` took a second connection while the caller's transaction
    held SQLite's write lock; twenty concurrent writers then emptied the pool and stalled for
    30 s (issue 11). The first offset loaded is taken as it is (a copied demo database may
    keep its clock behind the system's); after that the offset only moves forward, so a late
    refresh never moves it back."""

    def __init__(self, read_offset: Callable[[], timedelta]) -> None:
        self._read_offset = read_offset
        self._offset: timedelta | None = None  # none loaded yet: the system's time
        self._lock = threading.Lock()

    def now(self) -> datetime:
        offset = self._offset
        return datetime.now(UTC) + (offset if offset is not None else timedelta(0))

    def refresh(self) -> None:
        self.moved_to(self._read_offset())

    def moved_to(self, offset: timedelta) -> None:
        with self._lock:
            self._offset = offset if self._offset is None else max(self._offset, offset)


def ensure_utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetime: every stored time is timezone-aware")
    return at.astimezone(UTC)


def as_utc(at: datetime) -> datetime:
    """Values read back from SQLite lose their tzinfo; they were written as UTC."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown timezone {tz!r}; use an IANA name such as Asia/Shanghai") from None


def local_time(at: datetime, tz: str) -> datetime:
    return ensure_utc(at).astimezone(zone(tz))


# Month names for times written out in English ("4 Sep 10:00"), whatever the process locale.
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


FIRST_YEAR, LAST_YEAR = (
    1970,
    2199,
)  # times a caller may name; rule arithmetic stays far from datetime's limits


def parse_iso(text: str, default_tz: str | None = None) -> datetime:
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"not an ISO-8601 time: {text!r}") from None
    if not FIRST_YEAR <= at.year <= LAST_YEAR:
        raise InvalidInput(f"a time between the years {FIRST_YEAR} and {LAST_YEAR}, not {text!r}")
    if at.tzinfo is None:
        if default_tz is None:
            raise InvalidInput(f"time without offset: {text!r}")
        at = at.replace(tzinfo=zone(default_tz))
    return at.astimezone(UTC)


_DURATION = re.compile(r"(\d{1,7})\s*([dhms])")
MAX_DURATION = timedelta(days=3660)
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def parse_duration(text: str) -> timedelta:
    """'2d', '36h', '1d12h', '90m' -> timedelta."""
    cleaned = text.strip().lower()
    parts = _DURATION.findall(cleaned)
    if not parts or _DURATION.sub("", cleaned).strip():
        raise InvalidInput(f"not a duration like 2d, 36h or 90m: {text!r}")
    total = sum((timedelta(**{_UNITS[u]: int(n)}) for n, u in parts), timedelta())
    if total > MAX_DURATION:
        raise InvalidInput(f"a duration of at most {MAX_DURATION.days} days, not {text!r}")
    return total
