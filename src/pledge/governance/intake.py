"""The queue's one door in: `enqueue` records an automatic verdict that is not "allow" or a user's
report. Other packages' hooks (listing and comment checks wired in bootstrap, and any later check
of reviews, chat or live titles) call it and never write the queue's table themselves."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Connection

from pledge.governance.model import (
    RISK_PROHIBITED,
    RISK_REVIEW_DEFAULT,
    ItemStatus,
    Source,
    Subject,
)
from pledge.governance.tables import governance_items
from pledge.kernel.db import inserted_id
from pledge.moderation.checks import Result, Verdict

TEXT_MAX = 20_000  # as much as one check reads (pledge.moderation.checks.MAX_TEXT)


@dataclass(frozen=True)
class Entry:
    """What lands in the queue: the subject, its evidence and how risky it looks."""

    source: Source
    subject: Subject
    subject_id: int | None
    text: str
    risk: int
    hits: Sequence[dict] = ()
    clause: str | None = None
    shop_id: int | None = None
    author_id: int | None = None
    reporter_id: int | None = None
    blocked: bool = False  # refused by the checks: recorded as decided, not queued


def risk_of(result: Result) -> int:
    """Prohibited terms first, then the classifier's own score, then any other review hit."""
    if result.clause and result.clause.startswith("moderation.prohibited"):
        return RISK_PROHIBITED
    if result.offensive_pct is not None and result.offensive_pct > 0:
        return min(result.offensive_pct, 100)
    return RISK_REVIEW_DEFAULT


def from_check(
    result: Result, subject: Subject, subject_id: int | None, text: str, **who: int | None
) -> Entry:
    """The entry for an automatic verdict (`who`: shop_id, author_id)."""
    return Entry(
        Source.CHECK,
        subject,
        subject_id,
        text,
        risk_of(result),
        [h.as_json() for h in result.hits],
        result.clause,
        blocked=result.verdict is Verdict.BLOCK,
        **who,
    )


def enqueue(conn: Connection, entry: Entry, *, at: datetime) -> int:
    """Record the entry; the item's id. A blocked text is recorded as already decided (`blocked`)."""
    return inserted_id(
        conn,
        governance_items.insert().values(
            source=entry.source.value,
            subject=entry.subject.value,
            subject_id=entry.subject_id,
            shop_id=entry.shop_id,
            author_id=entry.author_id,
            reporter_id=entry.reporter_id,
            risk=max(0, min(entry.risk, 100)),
            text=entry.text[:TEXT_MAX],
            hits=json.dumps(list(entry.hits), ensure_ascii=False),
            clause=entry.clause,
            status=(ItemStatus.BLOCKED if entry.blocked else ItemStatus.OPEN).value,
            created_at=at,
            decided_at=at if entry.blocked else None,
            decision_clause=entry.clause if entry.blocked else None,
        ),
    )
