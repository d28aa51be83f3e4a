"""The inbox: notices newest first, and the unread count for the badge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.kernel import jsonutil
from pledge.kernel.errors import InvalidInput
from pledge.notifications.model import Kind
from pledge.notifications.tables import notifications

PAGE_MAX = 100


@dataclass(frozen=True)
class Notice:
    id: int
    kind: Kind
    params: dict[str, object]
    link: str
    created_at: datetime
    read: bool


def inbox(conn: Connection, user_id: int, *, before: int | None = None, limit: int = 20) -> list[Notice]:
    if not 1 <= limit <= PAGE_MAX:
        raise InvalidInput(f"a page holds 1 to {PAGE_MAX} notices")
    n = notifications.c
    query = select(notifications).where(n.user_id == user_id)
    if before is not None:
        query = query.where(n.id < before)
    rows = conn.execute(query.order_by(n.id.desc()).limit(limit))
    return [
        Notice(r.id, Kind(r.kind), jsonutil.loads(r.params), r.link, r.created_at, r.read_at is not None)
        for r in rows
    ]


def unread_count(conn: Connection, user_id: int) -> int:
    n = notifications.c
    return conn.execute(
        select(func.count()).select_from(notifications).where(n.user_id == user_id, n.read_at.is_(None))
    ).scalar_one()
