"""Training input and the feed read: the stored behaviour events become every user's history and
the model's ranked list (the same model as the offline evaluation; pledge.feed.training weighs
quality in and stores them); the feed reads a page by primary key, so a request costs one
indexed query."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, Table, null, select
from sqlalchemy.engine import Connection, Row

from pledge.kernel.errors import InvalidInput
from pledge.reach import model
from pledge.reach.events import Behaviour, Event
from pledge.reach.model import Histories
from pledge.reach.recording import EventKind, Subject
from pledge.reach.tables import reach_candidates, reach_events, reach_popular

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


class Reason(StrEnum):
    """Why an item is in someone's feed (the page words it)."""

    VIEWED = "viewed"  # the user met this very item
    SIMILAR = "similar"  # people who met the user's latest item met this one
    POPULAR = "popular"  # the popular list (cold start)
    FOLLOWED_LIVE = "followed"  # a followed shop is live now (added at serving time)


@dataclass(frozen=True, slots=True)
class FeedItem:
    rank: int
    subject: Subject
    subject_id: int
    reason: Reason = Reason.POPULAR
    reason_subject: Subject | None = None
    reason_id: int | None = None
    support_program_id: int | None = None


def item_code(subject: str, subject_id: int) -> int:
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
        code = item_code(row.subject, row.subject_id)
        behaviour = AS_BEHAVIOUR[EventKind(row.kind)]
        at = int(row.at.timestamp())
        histories[row.user_id].append(
            Event(row.user_id, code, SUBJECTS.index(Subject(row.subject)), behaviour, at, row.id)
        )
    return histories


def decode(code: int) -> tuple[Subject, int]:
    return SUBJECTS[code % len(SUBJECTS)], code // len(SUBJECTS)


def learn_lists(conn: Connection, k: int = CANDIDATES_PER_USER) -> tuple[Histories, dict[int, list[int]]]:
    """Every signed-in user's history and the model's list of up to k item codes (relevance
    order). The feed package weighs quality into them and stores the result."""
    histories = _histories(conn)
    return histories, (model.recommend(model.learn(histories), histories, k) if histories else {})


_FIELDS = ("rank", "subject", "subject_id", "support_program_id", "reason", "reason_subject", "reason_id")
_SUBJECT = {subject.value: subject for subject in Subject}
_REASON = {reason.value: reason for reason in Reason}


def _columns(table: Table) -> list:
    """The fields of a FeedItem (the popular list has no reasons: NULL, read as POPULAR)."""
    return [table.c[name] if name in table.c else null() for name in _FIELDS]


_SELECTS = {table.name: select(*_columns(table)) for table in (reach_candidates, reach_popular)}


def _item(row: Row) -> FeedItem:
    rank, subject, subject_id, program, reason, because, because_id = row
    return FeedItem(
        rank,
        _SUBJECT[subject],
        subject_id,
        _REASON[reason] if reason else Reason.POPULAR,
        _SUBJECT[because] if because else None,
        because_id,
        program,
    )


def _read(
    conn: Connection, table: Table, page: int, size: int, *where: ColumnElement[bool]
) -> list[FeedItem]:
    if not 1 <= size <= MAX_PAGE_SIZE or not 1 <= page <= CANDIDATES_PER_USER:
        raise InvalidInput(f"a page holds 1 to {MAX_PAGE_SIZE} items and is numbered from 1")
    query = _SELECTS[table.name].where(*where).order_by(table.c.rank).limit(size).offset((page - 1) * size)
    return [_item(row) for row in conn.execute(query)]


def feed(conn: Connection, user_id: int | None, page: int = 1, size: int = 20) -> list[FeedItem]:
    """One page of the user's precomputed candidates by primary key (user_id, rank); a visitor
    or a user training has not seen yet gets the popular list."""
    if user_id is not None:
        items = _read(conn, reach_candidates, page, size, reach_candidates.c.user_id == user_id)
        if items or _has_candidates(conn, user_id):
            return items
    return _read(conn, reach_popular, page, size)


def _has_candidates(conn: Connection, user_id: int) -> bool:
    c = reach_candidates.c
    return conn.execute(select(c.rank).where(c.user_id == user_id, c.rank == 1)).first() is not None
