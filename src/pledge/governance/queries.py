"""The read side of the reviewer queue: open items by risk then age, and one item's evidence."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform, require_shop
from pledge.catalog.tables import shops
from pledge.creators.tables import creators
from pledge.governance.model import AppealStatus, ItemStatus
from pledge.governance.policy import appeal_closes_at
from pledge.governance.tables import (
    governance_actions,
    governance_appeals,
    governance_items,
    governance_penalties,
)
from pledge.kernel.errors import NotFound
from pledge.live.model import SessionStatus
from pledge.live.tables import live_rooms, live_sessions
from pledge.rulebooks.loader import Rulebook

QUEUE_LIMIT = 200


def _view(row) -> dict:
    return {
        "id": row.id,
        "source": row.source,
        "subject": row.subject,
        "subject_id": row.subject_id,
        "shop_id": row.shop_id,
        "risk": row.risk,
        "text": row.text,
        "hits": json.loads(row.hits),
        "clause": row.clause,
        "status": row.status,
        "created_at": row.created_at,
        "decided_at": row.decided_at,
        "decided_by": row.decided_by,
        "decision_clause": row.decision_clause,
        "decision_note": row.decision_note,
    }


REVIEWER_ROLES = ("operator", "reviewer")


def queue(conn: Connection, actor: Actor, *, limit: int = QUEUE_LIMIT) -> list[dict]:
    """Open items, riskiest first, then oldest first (reviewers and operators only)."""
    require_platform(actor, *REVIEWER_ROLES)
    g = governance_items.c
    rows = conn.execute(
        select(governance_items)
        .where(g.status == ItemStatus.OPEN.value)
        .order_by(g.risk.desc(), g.created_at, g.id)
        .limit(limit)
    )
    return [_view(r) for r in rows]


def item(conn: Connection, actor: Actor, item_id: int) -> dict:
    require_platform(actor, *REVIEWER_ROLES)
    row = conn.execute(select(governance_items).where(governance_items.c.id == item_id)).first()
    if row is None:
        raise NotFound(f"no queue item {item_id}")
    return _view(row)


def shop_penalties(
    conn: Connection, actor: Actor, shop_id: int, book: Rulebook, *, limit: int = 100
) -> list[dict]:
    """A shop's penalties, newest first, each with its actions, appeal window and appeal: what the
    merchant sees (platform staff may read any shop)."""
    require_shop(actor, shop_id, read_only=True)
    p, a, ap = governance_penalties.c, governance_actions.c, governance_appeals.c
    rows = conn.execute(
        select(governance_penalties, ap.status.label("appeal_status"), ap.id.label("appeal_id"))
        .outerjoin(governance_appeals, ap.penalty_id == p.id)
        .where(p.shop_id == shop_id)
        .order_by(p.id.desc())
        .limit(limit)
    ).all()
    actions: dict[int, list[dict]] = {}
    for act in conn.execute(
        select(governance_actions).where(a.penalty_id.in_([r.id for r in rows])).order_by(a.id)
    ):
        actions.setdefault(act.penalty_id, []).append(
            {"kind": act.kind, "subject_id": act.subject_id, "amount_fen": act.amount_fen, "until": act.until}
        )
    window = book.in_force("appeal_window", rows[0].created_at) if rows else []
    return [
        {
            "id": r.id,
            "clause": r.clause,
            "case_no": r.case_no,
            "reason": r.reason,
            "points": r.points,
            "status": r.status,
            "created_at": r.created_at,
            "appeal_closes_at": appeal_closes_at(window[0], r.created_at) if window else r.created_at,
            "appeal_status": r.appeal_status,
            "actions": actions.get(r.id, []),
        }
        for r in rows
    ]


def open_appeals(conn: Connection, actor: Actor, *, limit: int = QUEUE_LIMIT) -> list[dict]:
    """Appeals waiting for an answer, the nearest deadline first (for reviewers)."""
    require_platform(actor, *REVIEWER_ROLES)
    ap = governance_appeals.c
    rows = conn.execute(
        select(
            governance_appeals,
            governance_penalties.c.reason.label("penalty_reason"),
            governance_penalties.c.clause,
        )
        .join(governance_penalties, governance_penalties.c.id == ap.penalty_id)
        .where(ap.status == AppealStatus.FILED.value)
        .order_by(ap.due_at, ap.id)
        .limit(limit)
    )
    return [dict(r._mapping) for r in rows]


def live_now(conn: Connection, actor: Actor, *, limit: int = QUEUE_LIMIT) -> list[dict]:
    """Sessions live now, newest first, for the operators' stream-cut page."""
    require_platform(actor, *REVIEWER_ROLES)
    s, r = live_sessions.c, live_rooms.c
    rows = conn.execute(
        select(
            s.id,
            s.title,
            s.started_at,
            r.id.label("room_id"),
            func.coalesce(shops.c.name, creators.c.handle).label("shop_name"),  # a creator's room: its host
        )
        .join(live_rooms, r.id == s.room_id)
        .outerjoin(shops, shops.c.id == r.shop_id)
        .outerjoin(creators, creators.c.id == r.creator_id)
        .where(s.status == SessionStatus.LIVE.value)
        .order_by(s.started_at.desc(), s.id.desc())
        .limit(limit)
    )
    return [dict(row._mapping) for row in rows]
