"""What answering an appeal is, whatever was penalised (a shop: governance.appeals; a creator:
governance.creator_appeals): the due day counted in the operators' working days, a reviewer's
answer (once, with a note), the worker settling appeals left unanswered at their deadline, and an
upheld appeal reversing its penalty. Each kind names its appeals table, how its penalty is
reversed, and what its messages call an appeal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Table, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform
from pledge.governance import calendar
from pledge.governance.model import APPEAL_LIFECYCLE, AppealStatus
from pledge.governance.penalties import ENFORCING_ROLES
from pledge.kernel.db import claim_batch
from pledge.kernel.errors import Conflict, NotFound
from pledge.kernel.limits import REASON_MAX
from pledge.kernel.text import clean_text


def working_calendar(conn: Connection, at: datetime, timezone: str) -> dict[date, bool]:
    """The operators' holidays and make-up workdays from the day of filing on."""
    return calendar.ahead(conn, at.astimezone(ZoneInfo(timezone)).date())


@dataclass(frozen=True)
class AppealDesk:
    table: Table  # the appeals, with id, penalty_id, status, due_at
    reverse: Callable[..., None]  # reverse(conn, penalty_id, at=…): what an upheld appeal undoes
    name: str  # "appeal", "creator appeal": how messages call one

    def settle(self, conn: Connection, appeal, target: AppealStatus, at: datetime, **values) -> None:
        APPEAL_LIFECYCLE.move(
            conn, self.table, appeal.id, AppealStatus.FILED, target, answered_at=at, **values
        )
        if target is AppealStatus.UPHELD:
            self.reverse(conn, appeal.penalty_id, at=at)

    def answer(
        self, conn: Connection, actor: Actor, appeal_id: int, *, uphold: bool, note: object, at: datetime
    ) -> AppealStatus:
        """A reviewer upholds (the penalty is reversed) or rejects a filed appeal, once."""
        require_platform(actor, *ENFORCING_ROLES)
        why = clean_text(note, field="the note", max_length=REASON_MAX)
        appeal = conn.execute(select(self.table).where(self.table.c.id == appeal_id)).first()
        if appeal is None:
            raise NotFound(f"no {self.name} {appeal_id}")
        if appeal.status != AppealStatus.FILED:
            raise Conflict(f"{self.name} {appeal_id} was already answered ({appeal.status})")
        target = AppealStatus.UPHELD if uphold else AppealStatus.REJECTED
        self.settle(conn, appeal, target, at, answered_by=actor.user_id, answer_note=why)
        return target

    def settle_unanswered(
        self, conn: Connection, *, upholds: bool, clause_id: str, at: datetime, batch: int
    ) -> int:
        """The worker's step: appeals still unanswered at their deadline are decided as the appeal
        clause says. Claimed with SKIP LOCKED and moved conditionally, so two workers settle each once."""
        a = self.table.c
        due = claim_batch(
            conn,
            select(self.table)
            .where(a.status == AppealStatus.FILED.value, a.due_at <= at)
            .order_by(a.id)
            .limit(batch),
        )
        target = AppealStatus.UPHELD if upholds else AppealStatus.REJECTED
        for appeal in due:
            self.settle(conn, appeal, target, at, answer_note=f"unanswered by its deadline ({clause_id})")
        return len(due)
