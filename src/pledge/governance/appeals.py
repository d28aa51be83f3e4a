"""Appeals (申诉), douyin:101706 第五章: "可在收到违规处理通知的7个自然日内发起违规申诉……平台将在收到申诉
申请的5个工作日内给予商家申诉结果。注：商家发起申诉并不影响平台已经做出违规处理决定的效力和执行" — a member
of the penalised shop appeals within the window, the penalty stays in force meanwhile, a reviewer
upholds (the penalty and its effects are reversed) or rejects it, and an appeal still unanswered
at its deadline is decided by the worker as the clause says (upheld: a Pledge default, since the
text is silent)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_shop
from pledge.governance import penalties
from pledge.governance.appeal_desk import AppealDesk, working_calendar
from pledge.governance.model import AppealStatus, PenaltyStatus
from pledge.governance.policy import answer_due_at, appeal_closes_at, unanswered_upholds
from pledge.governance.tables import governance_appeals, governance_penalties
from pledge.kernel.db import inserted_id
from pledge.kernel.errors import Conflict, NotFound
from pledge.kernel.limits import REASON_MAX
from pledge.kernel.text import clean_text
from pledge.rulebooks.loader import Clause, Rulebook

APPEAL_CLAUSE = "governance.appeals"
DESK = AppealDesk(governance_appeals, penalties.reverse, "appeal")


def _window(book: Rulebook, at: datetime) -> Clause:
    return book.one("appeal_window", at)


def file_appeal(
    conn: Connection, actor: Actor, penalty_id: int, *, reason: object, book: Rulebook, at: datetime
) -> int:
    """Another shop's penalty is Forbidden (as any other shop's data); after the window, or a
    second appeal, is a Conflict; nothing is written then."""
    penalty = conn.execute(
        select(governance_penalties).where(governance_penalties.c.id == penalty_id)
    ).first()
    if penalty is None:
        raise NotFound(f"no penalty {penalty_id}")
    require_shop(actor, penalty.shop_id)
    why = clean_text(reason, field="the reason", max_length=REASON_MAX)
    clause = _window(book, at)
    closes = appeal_closes_at(clause, penalty.created_at)
    if at > closes:
        raise Conflict(
            f"the appeal window closed at {closes.isoformat()} ({clause.id})", closes_at=closes.isoformat()
        )
    if penalty.status != PenaltyStatus.IN_FORCE:
        raise Conflict(f"penalty {penalty_id} is {penalty.status}; there is nothing to appeal")
    taken = conn.execute(select(governance_appeals.c.id).where(governance_appeals.c.penalty_id == penalty_id))
    if taken.first() is not None:
        raise Conflict(f"penalty {penalty_id} has been appealed already")
    return inserted_id(
        conn,
        governance_appeals.insert().values(
            penalty_id=penalty_id,
            shop_id=penalty.shop_id,
            filed_by=actor.user_id,
            reason=why,
            status=AppealStatus.FILED.value,
            filed_at=at,
            due_at=answer_due_at(clause, at, book.timezone, working_calendar(conn, at, book.timezone)),
        ),
    )


def answer_appeal(
    conn: Connection, actor: Actor, appeal_id: int, *, uphold: bool, note: object, at: datetime
) -> AppealStatus:
    return DESK.answer(conn, actor, appeal_id, uphold=uphold, note=note, at=at)


def settle_unanswered(conn: Connection, book: Rulebook, *, at: datetime, batch: int = 50) -> int:
    upholds = unanswered_upholds(_window(book, at))
    return DESK.settle_unanswered(conn, upholds=upholds, clause_id=APPEAL_CLAUSE, at=at, batch=batch)


def run_step(uow, book: Rulebook, clock) -> int:
    with uow.begin() as conn:
        return settle_unanswered(conn, book, at=clock.now())
