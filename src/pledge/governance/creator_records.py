"""What a creator penalty shows: to trust & safety for any creator, and to the creator for
their own — the reason, the clause with its text, the counts that gave the tier, and each action
with its state, money and end."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform
from pledge.creators.services import creator_of
from pledge.creators.tables import creators
from pledge.governance.penalties import ENFORCING_ROLES
from pledge.governance.policy import appeal_closes_at
from pledge.governance.tables import creator_appeals, creator_penalties, creator_penalty_actions
from pledge.kernel.errors import NotFound
from pledge.rulebooks.loader import Rulebook

LIMIT = 100


def penalties_of(conn: Connection, creator_id: int, book: Rulebook) -> list[dict]:
    """The creator's penalties, newest first, each with its actions in the order applied."""
    p, a = creator_penalties.c, creator_penalty_actions.c
    rows = conn.execute(
        select(creator_penalties).where(p.creator_id == creator_id).order_by(p.id.desc()).limit(LIMIT)
    ).all()
    actions: dict[int, list[dict]] = {r.id: [] for r in rows}
    for act in conn.execute(
        select(a.penalty_id, a.kind, a.state, a.days, a.held_bp, a.amount_fen, a.starts_at, a.ends_at)
        .where(a.penalty_id.in_(list(actions)))
        .order_by(a.id)
    ):
        actions[act.penalty_id].append(dict(act._mapping) | {"penalty_id": act.penalty_id})
    appeals = dict(
        conn.execute(
            select(creator_appeals.c.penalty_id, creator_appeals.c.status).where(
                creator_appeals.c.penalty_id.in_(list(actions))
            )
        ).all()
    )
    return [_penalty(r, actions[r.id], book) | _appeal(r, appeals.get(r.id), book) for r in rows]


def _appeal(row, status: str | None, book: Rulebook) -> dict:
    """The appeal's status, and until when one may be filed ("收到处置通知后14天内")."""
    window = book.in_force("creator_appeal_window", row.decided_at)
    closes = appeal_closes_at(window[0], row.decided_at) if window else None
    return {"appeal_status": status, "appeal_closes_at": closes}


def _penalty(row, actions: list[dict], book: Rulebook) -> dict:
    clause = book.clause(row.clause)
    return {
        "id": row.id,
        "creator_id": row.creator_id,
        "clause": row.clause,
        "clause_text": clause.text,
        "clause_text_en": clause.text_en,
        "source": clause.source,
        "ref": row.ref,
        "scene": row.scene,
        "subject_id": row.subject_id,
        "product_id": row.product_id,
        "counts": {"sessions": row.sessions, "in_session": row.in_session, "videos": row.videos},
        "harm": row.harm,
        "tier": row.tier,
        "reason": row.reason,
        "evidence": row.evidence,
        "status": row.status,
        "decided_by": row.decided_by,
        "decided_at": row.decided_at,
        "actions": [{k: v for k, v in act.items() if k != "penalty_id"} for act in actions],
    }


def for_reviewer(conn: Connection, actor: Actor, creator_id: int, book: Rulebook) -> list[dict]:
    require_platform(actor, *ENFORCING_ROLES)
    if conn.execute(select(creators.c.id).where(creators.c.id == creator_id)).first() is None:
        raise NotFound(f"no creator {creator_id}")
    return penalties_of(conn, creator_id, book)


def for_creator(conn: Connection, actor: Actor, book: Rulebook) -> list[dict]:
    """The caller's own penalties (Forbidden without a creator account)."""
    return penalties_of(conn, creator_of(conn, actor).id, book)
