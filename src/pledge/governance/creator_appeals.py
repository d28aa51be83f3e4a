"""Creators' appeals (申诉) of their penalties, douyin:aJoHtKQ6kLcq 五、申诉: "创作者需要在收到处置通知后
14天内发起申诉……提交申诉后，平台将会在1-5个工作日内给出申诉审核结果" (clause `creator.appeals`).

The creator appeals their own penalty within the window (one appeal per penalty); the penalty
stays in force meanwhile; a reviewer upholds it (the penalty is reversed with what can be undone,
governance.creator_reversal) or rejects it; one still unanswered at its deadline is settled by the
worker as the clause says (upheld: a Pledge default, the text is silent)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from pledge.accounts.services import Actor
from pledge.creators.services import creator_of
from pledge.governance import creator_reversal
from pledge.governance.appeal_desk import AppealDesk, working_calendar
from pledge.governance.model import AppealStatus, PenaltyStatus
from pledge.governance.policy import answer_due_at, appeal_closes_at, unanswered_upholds
from pledge.governance.tables import creator_appeals, creator_penalties
from pledge.kernel.db import inserted_id
from pledge.kernel.errors import Conflict, NotFound
from pledge.kernel.limits import REASON_MAX
from pledge.kernel.text import clean_text
from pledge.rulebooks.loader import Clause, Rulebook

DESK = AppealDesk(creator_appeals, creator_reversal.undo_penalty, "creator appeal")


def _window(book: Rulebook, at: datetime) -> Clause:
    return book.one("creator_appeal_window", at)


def file_appeal(
    conn: Connection, actor: Actor, penalty_id: int, *, reason: object, book: Rulebook, at: datetime
) -> int:
    """The creator's appeal of their own penalty. Another creator's penalty is NotFound (as if it
    did not exist); after the window, a reversed penalty or a second appeal is a Conflict."""
    me = creator_of(conn, actor)
    penalty = conn.execute(
        select(creator_penalties).where(
            creator_penalties.c.id == penalty_id, creator_penalties.c.creator_id == me.id
        )
    ).first()
    if penalty is None:
        raise NotFound(f"you have no penalty {penalty_id}")
    why = clean_text(reason, field="the reason", max_length=REASON_MAX)
    clause = _window(book, at)
    closes = appeal_closes_at(clause, penalty.decided_at)
    if at > closes:
        raise Conflict(
            f"the appeal window closed at {closes.isoformat()} ({clause.id})", closes_at=closes.isoformat()
        )
    if penalty.status != PenaltyStatus.IN_FORCE:
        raise Conflict(f"penalty {penalty_id} is {penalty.status}; there is nothing to appeal")
    values = {
        "penalty_id": penalty_id,
        "creator_id": me.id,
        "reason": why,
        "status": AppealStatus.FILED.value,
        "filed_at": at,
        "due_at": answer_due_at(clause, at, book.timezone, working_calendar(conn, at, book.timezone)),
    }
    try:
        with conn.begin_nested():
            return inserted_id(conn, creator_appeals.insert().values(**values))
    except IntegrityError as exc:
        raise Conflict(f"penalty {penalty_id} has been appealed already") from exc


def answer_appeal(
    conn: Connection, actor: Actor, appeal_id: int, *, uphold: bool, note: object, at: datetime
) -> AppealStatus:
    return DESK.answer(conn, actor, appeal_id, uphold=uphold, note=note, at=at)


def settle_unanswered(conn: Connection, book: Rulebook, *, at: datetime, batch: int = 50) -> int:
    clause = _window(book, at)
    upholds = unanswered_upholds(clause)
    return DESK.settle_unanswered(conn, upholds=upholds, clause_id=clause.id, at=at, batch=batch)


def run_step(uow, book: Rulebook, clock) -> dict[str, int]:
    with uow.begin() as conn:
        return {"creator_appeals_settled": settle_unanswered(conn, book, at=clock.now())}
