"""Appeals (申诉), douyin:101706 第五章: "可在收到违规处理通知的7个自然日内发起违规申诉……平台将在收到申诉
申请的5个工作日内给予商家申诉结果。注：商家发起申诉并不影响平台已经做出违规处理决定的效力和执行" — a member
of the penalised shop appeals within the window, the penalty stays in force meanwhile, a reviewer
upholds (the penalty and its effects are reversed) or rejects it, and an appeal still unanswered
at its deadline is decided by the worker as the clause says (upheld: a Pledge default, since the
text is silent)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform, require_shop
from pledge.governance import calendar, penalties
from pledge.governance.model import APPEAL_LIFECYCLE, AppealStatus, PenaltyStatus
from pledge.governance.policy import answer_due_at, appeal_closes_at, unanswered_upholds
from pledge.governance.tables import governance_appeals, governance_penalties
from pledge.kernel.db import claim_batch, inserted_id
from pledge.kernel.errors import Conflict, NotFound
from pledge.kernel.limits import REASON_MAX
from pledge.kernel.text import clean_text
from pledge.rulebooks.loader import Clause, Rulebook

APPEAL_CLAUSE = "governance.appeals"


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
            due_at=answer_due_at(clause, at, book.timezone, _calendar(conn, at, book.timezone)),
        ),
    )


def _calendar(conn: Connection, at: datetime, timezone: str) -> dict[date, bool]:
    """The operators' holidays and make-up workdays from the day of filing on."""
    return calendar.ahead(conn, at.astimezone(ZoneInfo(timezone)).date())


def _settle(conn: Connection, appeal, target: AppealStatus, at: datetime, **values) -> None:
    APPEAL_LIFECYCLE.move(
        conn, governance_appeals, appeal.id, AppealStatus.FILED, target, answered_at=at, **values
    )
    if target is AppealStatus.UPHELD:
        penalties.reverse(conn, appeal.penalty_id, at=at)


def answer_appeal(
    conn: Connection, actor: Actor, appeal_id: int, *, uphold: bool, note: object, at: datetime
) -> AppealStatus:
    require_platform(actor, *penalties.ENFORCING_ROLES)
    why = clean_text(note, field="the note", max_length=REASON_MAX)
    appeal = conn.execute(select(governance_appeals).where(governance_appeals.c.id == appeal_id)).first()
    if appeal is None:
        raise NotFound(f"no appeal {appeal_id}")
    if appeal.status != AppealStatus.FILED:
        raise Conflict(f"appeal {appeal_id} was already answered ({appeal.status})")
    target = AppealStatus.UPHELD if uphold else AppealStatus.REJECTED
    _settle(conn, appeal, target, at, answered_by=actor.user_id, answer_note=why)
    return target


def settle_unanswered(conn: Connection, book: Rulebook, *, at: datetime, batch: int = 50) -> int:
    """The worker's step: appeals still unanswered at their deadline are decided as the appeal
    clause says. Claimed with SKIP LOCKED and moved conditionally, so two workers settle each once."""
    a = governance_appeals.c
    due = claim_batch(
        conn,
        select(governance_appeals)
        .where(a.status == AppealStatus.FILED.value, a.due_at <= at)
        .order_by(a.id)
        .limit(batch),
    )
    upholds = unanswered_upholds(_window(book, at))
    target = AppealStatus.UPHELD if upholds else AppealStatus.REJECTED
    for appeal in due:
        _settle(conn, appeal, target, at, answer_note=f"unanswered by its deadline ({APPEAL_CLAUSE})")
    return len(due)


def run_step(uow, book: Rulebook, clock) -> int:
    with uow.begin() as conn:
        return settle_unanswered(conn, book, at=clock.now())
