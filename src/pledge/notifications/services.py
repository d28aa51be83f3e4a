"""Send notices to users' inboxes and mark them read: the one notification module every domain
uses. A notice is keyed by its cause (`live-started:12`), so a retried or concurrent sender
notifies each user once; sending to many users is one INSERT."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor
from pledge.kernel import jsonutil
from pledge.kernel.bulk import insert_rows
from pledge.kernel.errors import InvalidInput
from pledge.notifications.model import PARAMS, Kind
from pledge.notifications.tables import notifications


@dataclass(frozen=True)
class Note:
    """One notice for one user, for `notify_each` (a batch whose notices differ)."""

    user_id: int
    kind: Kind
    params: Mapping[str, object]
    link: str
    cause: str


def _checked(kind: Kind, params: Mapping[str, object], link: str) -> None:
    if set(params) != PARAMS[kind]:
        raise InvalidInput(f"a {kind} notice takes {sorted(PARAMS[kind])}, not {sorted(params)}")
    if not link.startswith("/"):
        raise InvalidInput("a notice links to a path on this site")


def _insert(conn: Connection, rows: list[dict]) -> int:
    """One statement of constant text for any number of rows (kernel.bulk), instead of a
    statement built for each batch's rows."""
    inserted = insert_rows(
        conn, notifications, rows, returning=("id",), skip_conflicts_on=("user_id", "cause")
    )
    return len(inserted)  # rowcount is -1 on psycopg


def notify_each(conn: Connection, notes: Collection[Note], *, at: datetime) -> int:
    """Notices that differ from user to user (a sweep's coupons), in bulk; how many were new.
    Each is written once per (user, cause), however often the cause's transaction is retried."""
    for note in notes:
        _checked(note.kind, note.params, note.link)
    rows = [
        {
            "user_id": n.user_id,
            "kind": n.kind.value,
            "params": jsonutil.dumps(dict(n.params)),
            "link": n.link,
            "cause": n.cause,
            "created_at": at,
        }
        for n in notes
    ]
    return _insert(conn, rows)


def notify(
    conn: Connection,
    user_ids: Collection[int],
    *,
    kind: Kind,
    params: Mapping[str, object],
    link: str,
    cause: str,
    at: datetime,
) -> int:
    """One notice per user (once per cause); how many were new."""
    _checked(kind, params, link)
    if not user_ids:
        return 0
    body = jsonutil.dumps(dict(params))
    rows = [
        {"user_id": uid, "kind": kind.value, "params": body, "link": link, "cause": cause, "created_at": at}
        for uid in sorted(set(user_ids))
    ]
    return _insert(conn, rows)


def mark_read(conn: Connection, actor: Actor, *, at: datetime, up_to: int | None = None) -> int:
    """Mark the caller's notices read (all, or those up to id `up_to`); how many changed."""
    n = notifications.c
    query = notifications.update().where(n.user_id == actor.user_id, n.read_at.is_(None))
    if up_to is not None:
        query = query.where(n.id <= up_to)
    return conn.execute(query.values(read_at=at)).rowcount
