"""Use cases of the reviewer queue: a user reports a listing, live session or comment; a reviewer
decides an item once (allow or remove, with a note and the clause), and the decision's effect is
applied through the owning domain's use case (catalog relists or delists; live cuts the session)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform
from pledge.catalog import services as catalog
from pledge.catalog.tables import products
from pledge.governance.intake import Entry, enqueue
from pledge.governance.model import (
    LIFECYCLE,
    NOTE_MAX,
    RISK_REPORT,
    WORDS,
    Decision,
    ItemStatus,
    Source,
    Subject,
)
from pledge.governance.streams import cut_stream
from pledge.governance.tables import governance_items
from pledge.governance.words import apply as apply_to_words
from pledge.governance.words import reported as reported_words
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.kernel.heard import NOBODY, Listener
from pledge.kernel.limits import REASON_MAX
from pledge.kernel.text import clean_text
from pledge.live.model import SessionStatus
from pledge.live.tables import live_rooms, live_sessions
from pledge.rulebooks.loader import Rulebook

REVIEWER_ROLES = ("operator", "reviewer")


@dataclass(frozen=True)
class Reported:
    subject: Subject
    subject_id: int
    reason: str


def _subject_owner(conn: Connection, subject: Subject, subject_id: int) -> tuple[int | None, str, int | None]:
    """(shop, text a reviewer reads, author) of a reported subject, or NotFound."""
    if subject is Subject.LISTING:
        row = conn.execute(
            select(products.c.shop_id, products.c.title).where(products.c.id == subject_id)
        ).first()
        if row is not None:
            return row.shop_id, row.title, None
    elif subject is Subject.SESSION:
        row = conn.execute(
            select(live_rooms.c.shop_id, live_sessions.c.title)
            .join(live_rooms, live_rooms.c.id == live_sessions.c.room_id)
            .where(live_sessions.c.id == subject_id)
        ).first()
        if row is not None:
            return row.shop_id, row.title, None
    return None, "", None


def _reported(
    conn: Connection, actor: Actor, subject: Subject, subject_id: int
) -> tuple[int, str, int | None]:
    """(shop, the text a reviewer reads, its author) of what is reported, or NotFound."""
    if subject in WORDS:
        words = reported_words(conn, actor, subject, subject_id)
        return words.shop_id, words.text, words.author_id
    shop_id, title, _ = _subject_owner(conn, subject, subject_id)
    if shop_id is None:
        raise NotFound(f"no {subject.value} {subject_id}")
    return shop_id, title, None


def report(conn: Connection, actor: Actor, cmd: Reported, *, at: datetime) -> int:
    """A signed-in user reports a listing, a live session, or a live comment, review or chat
    message (the text itself: removing it hides it). One open report per user and subject."""
    reason = clean_text(cmd.reason, field="the reason", max_length=NOTE_MAX)
    subject, subject_id = cmd.subject, cmd.subject_id
    shop_id, text, author = _reported(conn, actor, subject, subject_id)
    g = governance_items.c
    already = conn.execute(
        select(g.id).where(
            g.reporter_id == actor.user_id,
            g.subject == subject.value,
            g.subject_id == subject_id,
            g.status == ItemStatus.OPEN.value,
        )
    ).first()
    if already is not None:
        raise Conflict("you have already reported this; a reviewer will look at it")
    entry = Entry(
        Source.REPORT,
        subject,
        subject_id,
        f"{text}\n— {reason}",
        RISK_REPORT,
        (),
        None,
        shop_id,
        author,
        actor.user_id,
    )
    return enqueue(conn, entry, at=at)


def _item(conn: Connection, item_id: int):
    row = conn.execute(select(governance_items).where(governance_items.c.id == item_id)).first()
    if row is None:
        raise NotFound(f"no queue item {item_id}")
    return row


def _clause_of(book: Rulebook, clause: str | None, item) -> str:
    """The clause a decision applies: the one given (it must exist in the rulebook), else the
    item's own; a decision without any clause is refused."""
    chosen = (clause or "").strip() or item.clause
    if not chosen:
        raise InvalidInput("name the rulebook clause this decision applies")
    book.clause(chosen)
    return chosen


def decide(
    conn: Connection,
    actor: Actor,
    item_id: int,
    decision: Decision,
    *,
    note: object,
    book: Rulebook,
    at: datetime,
    clause: str | None = None,
    listener: Listener = NOBODY,
) -> dict:
    """A reviewer decides an open item once; deciding it again is a Conflict and changes nothing.
    Allowing a listing the checks held publishes it; removing a reported listing delists it and
    removing a reported live session cuts it if it is still live (the caller tells viewers).
    Comments, reviews and chat messages: see governance.words."""
    require_platform(actor, *REVIEWER_ROLES)
    why = clean_text(note, field="the note", max_length=NOTE_MAX)
    item = _item(conn, item_id)
    if item.status != ItemStatus.OPEN:
        raise Conflict(f"queue item {item_id} was already decided ({item.status})")
    chosen = _clause_of(book, clause, item)
    LIFECYCLE.move(
        conn,
        governance_items,
        item_id,
        ItemStatus.OPEN,
        ItemStatus(decision.value),
        decided_at=at,
        decided_by=actor.user_id,
        decision_clause=chosen,
        decision_note=why,
    )
    words = Subject(item.subject) in WORDS
    hidden_in = apply_to_words(conn, item, decision, at=at, listener=listener) if words else None
    return {
        "id": item_id,
        "status": decision.value,
        "cut_session": _apply(conn, actor, item, decision, why, chosen, book, at),
        "hidden_comment": item.subject_id if hidden_in is not None else None,
        "hidden_in_session": hidden_in,
    }


def _apply(
    conn: Connection,
    actor: Actor,
    item,
    decision: Decision,
    note: str,
    clause: str,
    book: Rulebook,
    at: datetime,
) -> int | None:
    """The decision's effect on its subject, through the owning domain; the session id if cut."""
    subject = Subject(item.subject)
    if subject is Subject.LISTING and item.subject_id is not None:
        held = item.source == Source.CHECK
        if decision is Decision.ALLOW and held:
            catalog.set_listed(conn, item.subject_id, listed=True)
        if decision is Decision.REMOVE and not held:
            catalog.set_listed(conn, item.subject_id, listed=False)
    if subject is Subject.SESSION and decision is Decision.REMOVE and item.subject_id is not None:
        status = conn.execute(
            select(live_sessions.c.status).where(live_sessions.c.id == item.subject_id)
        ).scalar()
        if status == SessionStatus.LIVE:
            cut_stream(
                conn, actor, item.subject_id, reason=note[:REASON_MAX], clause_id=clause, book=book, at=at
            )
            return int(item.subject_id)
    return None
