"""Behaviour events off the request path: a request adds to an in-process buffer (no database
round trip); `flush` writes everything pending in one INSERT. Anonymous visitors are recorded
under their first-party cookie id and merged into the account at login. Events older than the
retention period are deleted by `purge`."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, insert, update
from sqlalchemy.engine import Connection

from pledge.kernel.db import UnitOfWork
from pledge.kernel.errors import InvalidInput
from pledge.reach.tables import reach_events

RETENTION_DAYS = 180  # Pledge default, not a platform figure: how long raw behaviour events are kept
FLUSH_AT = 500  # pending events that make `add` report a flush is due
FLUSH_AFTER = timedelta(seconds=10)  # or the oldest pending event waited this long (Pledge default)
MAX_WATCH_MS = 24 * 3600 * 1000
MAX_VISITOR_ID = 40


class EventKind(StrEnum):
    IMPRESSION = "impression"
    VIEW = "view"
    CLICK = "click"
    CART = "cart"
    ORDER = "order"
    FOLLOW = "follow"
    LIKE = "like"
    COMMENT = "comment"


class Subject(StrEnum):
    PRODUCT = "product"
    VIDEO = "video"
    SESSION = "session"
    SHOP = "shop"


@dataclass(frozen=True, slots=True)
class BehaviourEvent:
    kind: EventKind
    subject: Subject
    subject_id: int
    at: datetime
    user_id: int | None = None
    visitor_id: str | None = None
    watch_ms: int | None = None

    def __post_init__(self) -> None:
        if self.user_id is None and not self.visitor_id:
            raise InvalidInput("an event needs a signed-in user or a visitor id")
        if self.visitor_id is not None and not (0 < len(self.visitor_id) <= MAX_VISITOR_ID):
            raise InvalidInput(f"a visitor id is 1 to {MAX_VISITOR_ID} characters")
        if self.subject_id <= 0:
            raise InvalidInput("the subject id is a positive whole number")
        if self.watch_ms is not None and (
            self.kind != EventKind.VIEW or not 0 <= self.watch_ms <= MAX_WATCH_MS
        ):
            raise InvalidInput("watch time goes with a view and lies between 0 and 24 hours")
        if self.at.tzinfo is None:
            raise InvalidInput("event times are timezone-aware")


class EventBuffer:
    """Thread-safe pending events of one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[BehaviourEvent] = []

    def add(self, event: BehaviourEvent) -> bool:
        """Keep the event; True when the caller should flush: FLUSH_AT are pending, or the
        oldest has waited FLUSH_AFTER (a quiet site's events do not sit until the 500th)."""
        with self._lock:
            self._pending.append(event)
            return len(self._pending) >= FLUSH_AT or event.at - self._pending[0].at >= FLUSH_AFTER

    def __len__(self) -> int:
        with self._lock:
            return len(self._pending)

    def flush(self, conn: Connection) -> int:
        """Write every pending event in one INSERT; on failure they stay pending."""
        with self._lock:
            batch, self._pending = self._pending, []
        if not batch:
            return 0
        try:
            conn.execute(insert(reach_events), [_row(event) for event in batch])
        except Exception:
            with self._lock:
                self._pending = batch + self._pending
            raise
        return len(batch)


def flush_buffer(uow: UnitOfWork, buffer: EventBuffer) -> int:
    """The sweep pass's step: write what this process has buffered, in its own transaction
    (none when nothing is pending: a stopping server with a quiet buffer touches no database)."""
    if not buffer:
        return 0
    with uow.begin() as conn:
        return buffer.flush(conn)


def _row(event: BehaviourEvent) -> dict[str, object]:
    row = asdict(event)
    row["kind"], row["subject"] = event.kind.value, event.subject.value
    return row


def merge_visitor(conn: Connection, visitor_id: str, user_id: int) -> int:
    """At login: the visitor's anonymous events become the user's. Returns how many."""
    statement = (
        update(reach_events)
        .where(reach_events.c.visitor_id == visitor_id, reach_events.c.user_id.is_(None))
        .values(user_id=user_id)
    )
    return conn.execute(statement).rowcount


def purge(conn: Connection, now: datetime, retention_days: int = RETENTION_DAYS) -> int:
    """Delete the events older than the retention period. Returns how many."""
    if retention_days < 1:
        raise InvalidInput("the retention is at least one day")
    cutoff = now - timedelta(days=retention_days)
    return conn.execute(delete(reach_events).where(reach_events.c.at < cutoff)).rowcount
