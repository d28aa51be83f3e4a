"""断播: an operator or reviewer cuts a live session with a reason and the clause it breaks. The
session ends through live's own use case; the cut is a penalty record with one `stream_cut`
action the merchant sees. The caller publishes the session's end to its viewers after commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform
from pledge.governance.penalties import ENFORCING_ROLES, PenaltyOrder, add_action, record_penalty
from pledge.governance.policy import ActionKind, Step
from pledge.kernel.errors import NotFound
from pledge.live import services as live
from pledge.live.tables import live_rooms, live_sessions
from pledge.rulebooks.loader import Rulebook


def cut_stream(
    conn: Connection,
    actor: Actor,
    session_id: int,
    *,
    reason: str,
    clause_id: str,
    book: Rulebook,
    at: datetime,
) -> tuple[int | None, int]:
    """(penalty id, room id). A session that is not live is a Conflict from live's lifecycle. A
    creator's own room has no shop to penalise: the cut stands alone (the creator's standing is
    changed through creators.safety), and the penalty id is None."""
    require_platform(actor, *ENFORCING_ROLES)
    book.clause(clause_id)
    row = conn.execute(
        select(live_rooms.c.shop_id, live_rooms.c.id.label("room_id"))
        .join(live_sessions, live_sessions.c.room_id == live_rooms.c.id)
        .where(live_sessions.c.id == session_id)
    ).first()
    if row is None:
        raise NotFound(f"no live session {session_id}")
    live.cut_session(conn, actor, session_id=session_id, reason=reason, at=at)
    if row.shop_id is None:
        return None, int(row.room_id)
    order = PenaltyOrder(row.shop_id, clause_id, reason, f"live session {session_id}")
    penalty_id = record_penalty(conn, actor, order, clause_id, 1, book, at)
    add_action(conn, penalty_id, row.shop_id, Step(ActionKind.STREAM_CUT), session_id, at)
    return penalty_id, int(row.room_id)
