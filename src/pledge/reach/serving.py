"""`pledge reach train` and the feed read: training turns the stored behaviour events into
ranked candidates per user (the same model as the offline evaluation); the feed reads them by
primary key, so a request costs one indexed query."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from pledge.kernel.errors import InvalidInput
from pledge.reach import model
from pledge.reach.events import Behaviour, Event
from pledge.reach.recording import EventKind, Subject
from pledge.reach.tables import reach_candidates, reach_events

CANDIDATES_PER_USER = 100
MAX_PAGE_SIZE = 50
# What each stored kind means to the model (impressions are exposure, not interest: left out).
AS_BEHAVIOUR = {
    EventKind.VIEW: Behaviour.VIEW,
    EventKind.CLICK: Behaviour.VIEW,
    EventKind.COMMENT: Behaviour.VIEW,
    EventKind.LIKE: Behaviour.FAVOURITE,
    EventKind.FOLLOW: Behaviour.FAVOURITE,
    EventKind.CART: Behaviour.CART,
    EventKind.ORDER: Behaviour.BUY,
}
SUBJECTS = tuple(Subject)


@dataclass(frozen=True, slots=True)
class FeedItem:
    rank: int
    subject: Subject
    subject_id: int


def _item_code(subject: str, subject_id: int) -> int:
    return subject_id * len(SUBJECTS) + SUBJECTS.index(Subject(subject))


def _histories(conn: Connection) -> dict[int, list[Event]]:
    kinds = [kind.value for kind in AS_BEHAVIOUR]
    query = (
        select(reach_events)
        .where(reach_events.c.user_id.is_not(None), reach_events.c.kind.in_(kinds))
        .order_by(reach_events.c.user_id, reach_events.c.at, reach_events.c.id)
    )
    histories: dict[int, list[Event]] = defaultdict(list)
    for row in conn.execute(query):
        code = _item_code(row.subject, row.subject_id)
        behaviour = AS_BEHAVIOUR[EventKind(row.kind)]
        at = int(row.at.timestamp())
        histories[row.user_id].append(
            Event(row.user_id, code, SUBJECTS.index(Subject(row.subject)), behaviour, at, row.id)
        )
    return histories


def train(conn: Connection, now: datetime, k: int = CANDIDATES_PER_USER) -> int:
    """Replace every user's candidates in one transaction. Returns the number of users served."""
    histories = _histories(conn)
    lists = model.recommend(model.learn(histories), histories, k) if histories else {}
    conn.execute(delete(reach_candidates))
    rows = [
        {"user_id": user, "rank": rank, "subject": SUBJECTS[code % len(SUBJECTS)].value,
         "subject_id": code // len(SUBJECTS), "score": float(k - rank), "trained_at": now}
        for user, items in lists.items() for rank, code in enumerate(items, start=1)
    ]  # fmt: skip
    if rows:
        conn.execute(insert(reach_candidates), rows)
    return len(lists)


def feed(conn: Connection, user_id: int, page: int = 1, size: int = 20) -> list[FeedItem]:
    """One page of the user's precomputed candidates (empty before training or for a new user)."""
    if not 1 <= size <= MAX_PAGE_SIZE or not 1 <= page <= CANDIDATES_PER_USER:
        raise InvalidInput(f"a page holds 1 to {MAX_PAGE_SIZE} items and is numbered from 1")
    query = (
        select(reach_candidates.c.rank, reach_candidates.c.subject, reach_candidates.c.subject_id)
        .where(reach_candidates.c.user_id == user_id)
        .order_by(reach_candidates.c.rank)
        .limit(size)
        .offset((page - 1) * size)
    )
    return [FeedItem(row.rank, Subject(row.subject), row.subject_id) for row in conn.execute(query)]
