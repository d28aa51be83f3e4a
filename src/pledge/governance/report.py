"""The transparency report: what trust & safety did in a period, counted from its own records
(queue items, penalty actions of shops and of creators, appeals). One query module for the public page and
`pledge report governance`, so the two cannot disagree."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.governance.creator_ladder import CreatorAction
from pledge.governance.creator_money import ActionState
from pledge.governance.model import WORDS, AppealStatus, ItemStatus, Subject
from pledge.governance.policy import ActionKind
from pledge.governance.tables import (
    creator_penalty_actions,
    governance_actions,
    governance_appeals,
    governance_items,
)
from pledge.kernel.errors import InvalidInput

MAX_DAYS = 366 * 5  # a report spans at most five years


@dataclass(frozen=True)
class Report:
    start: date
    end: date  # inclusive, in the platform's zone
    listings_blocked: int
    comments_blocked: int
    sessions_cut: int
    creators_removed: int
    shops_suspended: int
    appeals_filed: int
    appeals_upheld: int
    median_decision_seconds: int | None  # a person's decisions only; None when there were none

    def as_json(self) -> dict:
        return asdict(self) | {"start": self.start.isoformat(), "end": self.end.isoformat()}


def period(start: date, end: date, timezone: str) -> tuple[datetime, datetime]:
    """[00:00 of start, 00:00 after end) in the platform's zone."""
    if end < start:
        raise InvalidInput("the report's end comes before its start")
    if (end - start).days > MAX_DAYS:
        raise InvalidInput("a report spans at most five years")
    zone = ZoneInfo(timezone)
    return datetime.combine(start, time(), zone), datetime.combine(end + timedelta(days=1), time(), zone)


def _items(conn: Connection, subjects: tuple[Subject, ...], since: datetime, until: datetime) -> int:
    g = governance_items.c
    return int(
        conn.execute(
            select(func.count()).where(
                g.subject.in_([s.value for s in subjects]),
                g.status.in_([ItemStatus.BLOCKED.value, ItemStatus.REMOVED.value]),
                g.decided_at >= since,
                g.decided_at < until,
            )
        ).scalar_one()
    )


def _actions(conn: Connection, kinds: tuple[ActionKind, ...], since: datetime, until: datetime) -> int:
    a = governance_actions.c
    return int(
        conn.execute(
            select(func.count()).where(
                a.kind.in_([k.value for k in kinds]), a.created_at >= since, a.created_at < until
            )
        ).scalar_one()
    )


def _creator_actions(conn: Connection, kind: CreatorAction, since: datetime, until: datetime) -> int:
    """Creator penalties' actions that took effect (not moot, not reversed since)."""
    a = creator_penalty_actions.c
    return int(
        conn.execute(
            select(func.count()).where(
                a.kind == kind.value,
                a.state == ActionState.APPLIED.value,
                a.starts_at >= since,
                a.starts_at < until,
            )
        ).scalar_one()
    )


def _appeals(conn: Connection, since: datetime, until: datetime) -> tuple[int, int]:
    a = governance_appeals.c
    filed = conn.execute(select(a.status).where(a.filed_at >= since, a.filed_at < until)).scalars().all()
    return len(filed), sum(1 for s in filed if s == AppealStatus.UPHELD)


def _median_decision(conn: Connection, since: datetime, until: datetime) -> int | None:
    g = governance_items.c
    rows = conn.execute(
        select(g.created_at, g.decided_at).where(
            g.decided_by.is_not(None), g.decided_at >= since, g.decided_at < until
        )
    ).all()
    if not rows:
        return None
    return int(median((r.decided_at - r.created_at).total_seconds() for r in rows))


def governance_report(conn: Connection, start: date, end: date, timezone: str) -> Report:
    since, until = period(start, end, timezone)
    filed, upheld = _appeals(conn, since, until)
    return Report(
        start,
        end,
        listings_blocked=_items(conn, (Subject.LISTING,), since, until),
        comments_blocked=_items(conn, WORDS, since, until),  # live comments, reviews, chat
        sessions_cut=_actions(conn, (ActionKind.STREAM_CUT,), since, until)
        + _creator_actions(conn, CreatorAction.STREAM_CUT, since, until),
        creators_removed=_actions(conn, (ActionKind.CREATOR_REMOVED,), since, until)
        + _creator_actions(conn, CreatorAction.CREATOR_REMOVED, since, until),
        shops_suspended=_actions(conn, (ActionKind.SHOP_SUSPENDED, ActionKind.SHOP_REMOVED), since, until),
        appeals_filed=filed,
        appeals_upheld=upheld,
        median_decision_seconds=_median_decision(conn, since, until),
    )
