"""Viewers now across several server processes (`pledge serve --workers N`, issue 19).

Each process counts only the stream connections it serves. In shared mode (set whenever the
live events go through PostgreSQL's LISTEN/NOTIFY, i.e. with more than one process) every
process, every push interval, writes its count per watched room into `live_viewer_presence` and
reads back each room's total over the processes seen recently. Rooms show that total, and the
session's samples (the report's viewers over time and its peak) are written once per room by its
leader: the process with the smallest key among those seen, so N processes do not write N
samples. A process that stops deletes its rows; a crashed one's rows stop counting once stale."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection

from pledge.kernel.db import dialect_insert
from pledge.live.tables import live_viewer_presence

presence = live_viewer_presence.c


def process_key() -> str:
    """This process's name in the presence table: host, pid and a random part (a pid is reused)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class RoomTotal:
    viewers: int  # over every process seen recently
    leader: str  # the smallest such process key: the one that writes the room's samples


def share(
    conn: Connection, *, key: str, watched: dict[int, int], at: datetime, fresh_after: datetime
) -> dict[int, RoomTotal]:
    """Write this process's viewers per watched room (forgetting rooms it no longer serves); every
    room's total over the processes seen since `fresh_after`."""
    forget = delete(live_viewer_presence).where(presence.process_key == key)
    if watched:
        forget = forget.where(presence.room_id.not_in(list(watched)))
    conn.execute(forget)
    if watched:
        rows = [{"room_id": r, "process_key": key, "viewers": n, "seen_at": at} for r, n in watched.items()]
        stmt = dialect_insert(conn)(live_viewer_presence)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["room_id", "process_key"],
                set_={"viewers": stmt.excluded.viewers, "seen_at": stmt.excluded.seen_at},
            ),
            rows,
        )
    found = conn.execute(
        select(presence.room_id, func.sum(presence.viewers), func.min(presence.process_key))
        .where(presence.seen_at >= fresh_after)
        .group_by(presence.room_id)
    )
    return {room_id: RoomTotal(int(total), leader) for room_id, total, leader in found}


def leave(conn: Connection, *, key: str) -> None:
    """This process stops serving: its viewers no longer count anywhere."""
    conn.execute(delete(live_viewer_presence).where(presence.process_key == key))
