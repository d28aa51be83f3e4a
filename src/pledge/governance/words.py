"""Users' written words before a reviewer: live comments, product reviews and chat messages.

Who wrote one and which shop it concerns (a report names the text itself), and what a decision
does to it, through the owning package's use case: allowing a review or chat message the checks
held shows it (the review then counts in the product's reviews and average; the message reaches
the other party); removing any of them, held or reported while shown, hides it from everyone but
its author. Allowing a held live comment does not show it: the live moment is over."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor
from pledge.chat import services as chat
from pledge.chat.tables import conversations, messages
from pledge.governance.model import Decision, Source, Subject
from pledge.kernel.errors import NotFound
from pledge.kernel.heard import NOBODY, Listener
from pledge.kernel.screening import Outcome
from pledge.live import services as live
from pledge.live.model import Verdict
from pledge.live.tables import live_comments, live_rooms, live_sessions
from pledge.reviews import services as reviews
from pledge.reviews.tables import reviews as review_rows


@dataclass(frozen=True)
class Words:
    shop_id: int
    text: str
    author_id: int


def _comment(conn: Connection, comment_id: int):
    c = live_comments.c
    return conn.execute(
        select(live_rooms.c.shop_id, c.text, c.user_id.label("author_id"))
        .join(live_sessions, live_sessions.c.id == c.session_id)
        .join(live_rooms, live_rooms.c.id == live_sessions.c.room_id)
        .where(c.id == comment_id)
    ).first()


def _review(conn: Connection, review_id: int):
    r = review_rows.c
    return conn.execute(
        select(r.shop_id, r.body.label("text"), r.buyer_id.label("author_id")).where(r.id == review_id)
    ).first()


def _message(conn: Connection, message_id: int, reporter: Actor):
    """A message, if the reporter is a party to its conversation (others cannot see it)."""
    m, v = messages.c, conversations.c
    row = conn.execute(
        select(v.shop_id, v.buyer_id, m.body.label("text"), m.author_id)
        .join(conversations, v.id == m.conversation_id)
        .where(m.id == message_id)
    ).first()
    if row is None or (row.buyer_id != reporter.user_id and row.shop_id not in reporter.shops):
        return None
    return row


def reported(conn: Connection, reporter: Actor, subject: Subject, subject_id: int) -> Words:
    """The reported comment, review or message, or NotFound."""
    if subject is Subject.COMMENT:
        row = _comment(conn, subject_id)
    elif subject is Subject.REVIEW:
        row = _review(conn, subject_id)
    else:
        row = _message(conn, subject_id, reporter)
    if row is None:
        raise NotFound(f"no {subject.value.replace('_', ' ')} {subject_id}")
    return Words(row.shop_id, row.text, row.author_id)


def apply(
    conn: Connection, item, decision: Decision, *, at: datetime, listener: Listener = NOBODY
) -> int | None:
    """The decision's effect on the words, through their owner's use case; for a live comment
    hidden, its session (the caller tells the room's viewers)."""
    subject, held = Subject(item.subject), item.source == Source.CHECK
    if item.subject_id is None or (decision is Decision.ALLOW and not held):
        return None  # a dismissed report leaves the words as they were
    show = decision is Decision.ALLOW
    if subject is Subject.COMMENT:
        return None if show else live.set_comment_verdict(conn, item.subject_id, Verdict.HOLD)
    outcome = Outcome.ALLOW if show else Outcome.BLOCK
    if subject is Subject.REVIEW:
        reviews.set_moderation(conn, item.subject_id, outcome, at=at)
    else:
        chat.set_moderation(conn, item.subject_id, outcome, at=at, listener=listener)
    return None
