"""What a creator penalty shows: to trust & safety for any creator, and to the creator for
their own — the reason, the clause with its text, the counts that gave the tier, and each action
with its state, money and end."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform
from pledge.creators.services import creator_of
from pledge.creators.tables import creators
from pledge.governance.creator_ladder import CreatorAction, Scene
from pledge.governance.creator_money import ActionState
from pledge.governance.model import AppealStatus, PenaltyStatus
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
    ap = creator_appeals.c
    appeals = {
        found.penalty_id: found
        for found in conn.execute(
            select(ap.penalty_id, ap.id, ap.status, ap.reason).where(ap.penalty_id.in_(list(actions)))
        )
    }
    return [_penalty(r, actions[r.id], book) | _appeal(r, appeals.get(r.id), book) for r in rows]


def _appeal(row, appeal, book: Rulebook) -> dict:
    """The appeal (its id, status and the creator's reason), and until when one may be filed
    ("收到处置通知后14天内")."""
    window = book.in_force("creator_appeal_window", row.decided_at)
    closes = appeal_closes_at(window[0], row.decided_at) if window else None
    return {
        "appeal_id": appeal.id if appeal else None,
        "appeal_status": appeal.status if appeal else None,
        "appeal_reason": appeal.reason if appeal else None,
        "appeal_closes_at": closes,
    }


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


def creators_for_review(conn: Connection, actor: Actor) -> list[dict]:
    """Creators with a penalty, those with an appeal waiting for an answer first, then the most
    penalised: trust & safety's way into each creator's record."""
    require_platform(actor, *ENFORCING_ROLES)
    p, ap, c = creator_penalties.c, creator_appeals.c, creators.c
    waiting = func.count(ap.id).filter(ap.status == AppealStatus.FILED)
    rows = conn.execute(
        select(
            c.id, c.handle, c.display_name, c.follower_count, c.status,
            func.count(func.distinct(p.id)).label("penalties"), waiting.label("appeals_waiting"),
            func.max(p.decided_at).label("last_decided_at"),
        )
        .join(creator_penalties, p.creator_id == c.id)
        .outerjoin(creator_appeals, ap.penalty_id == p.id)
        .group_by(c.id, c.handle, c.display_name, c.follower_count, c.status)
        .order_by(waiting.desc(), func.count(func.distinct(p.id)).desc(), c.id)
        .limit(LIMIT)
    )  # fmt: skip
    return [dict(row._mapping) for row in rows]


def creator_of_appeal(conn: Connection, appeal_id: int) -> int:
    """The creator whose penalty the appeal is against."""
    found = conn.execute(
        select(creator_penalties.c.creator_id)
        .join(creator_appeals, creator_appeals.c.penalty_id == creator_penalties.c.id)
        .where(creator_appeals.c.id == appeal_id)
    ).scalar()
    if found is None:
        raise NotFound(f"no creator appeal {appeal_id}")
    return found


def for_creator(conn: Connection, actor: Actor, book: Rulebook) -> list[dict]:
    """The caller's own penalties (Forbidden without a creator account)."""
    return penalties_of(conn, creator_of(conn, actor).id, book)


def private_video_reasons(conn: Connection, video_ids: list[int]) -> dict[int, str]:
    """Why each of these videos is private (视频自见): the reason of the latest penalty in force
    whose video_private action made it so; a video without one is left out."""
    if not video_ids:
        return {}
    p, a = creator_penalties.c, creator_penalty_actions.c
    rows = conn.execute(
        select(p.subject_id, p.reason)
        .join(creator_penalty_actions, a.penalty_id == p.id)
        .where(
            p.scene == Scene.VIDEO.value,
            p.subject_id.in_(video_ids),
            p.status == PenaltyStatus.IN_FORCE.value,
            a.kind == CreatorAction.VIDEO_PRIVATE.value,
            a.state == ActionState.APPLIED.value,
        )
        .order_by(p.id)
    )
    return {row.subject_id: row.reason for row in rows}  # the latest penalty wins
