"""Reversing a creator penalty (what an upheld appeal does): the penalty moves to `reversed` and
what can be undone is undone, each once —

- held money goes back under `creator-penalty-release:{action}` (the key the worker's release
  would have used, so a release and a reversal never both move it);
- a money penalty not charged yet is dropped; one charged is refunded under
  `creator-penalty-refund:{action}`;
- the video made private is published again; the selling closure ends unless another penalty in
  force closes it later; the freeze the penalty started ends now, and so does the freeze of the
  violating product's commissions that came with a hold (settling resumes at the next pass),
  whether the hold held money or found the account empty.

A cut live session stays ended and a product off the cart stays off (the creator may add it
back). Removal stays: a creator's removal is final in creators.model's lifecycle, so an upheld
appeal against a tier-4 penalty gives back money and visibility but not selling."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform
from pledge.creators.commissions import creator_available
from pledge.creators.tables import creator_freezes, creators
from pledge.governance.creator_ladder import CreatorAction
from pledge.governance.creator_money import ActionState, release
from pledge.governance.model import PENALTY_LIFECYCLE, PenaltyStatus
from pledge.governance.penalties import ENFORCING_ROLES, PENALTIES
from pledge.governance.tables import creator_penalties, creator_penalty_actions
from pledge.kernel.errors import Conflict, NotFound
from pledge.kernel.indexing import Indexed, changed
from pledge.ledger import services as ledger
from pledge.videos.model import LIFECYCLE as VIDEO_LIFECYCLE
from pledge.videos.model import VideoStatus
from pledge.videos.tables import videos


def reverse(conn: Connection, actor: Actor, penalty_id: int, *, at: datetime) -> None:
    """Trust & safety reverses the penalty (an appeal upheld); a second reversal is a Conflict."""
    require_platform(actor, *ENFORCING_ROLES)
    undo_penalty(conn, penalty_id, at=at)


def undo_penalty(conn: Connection, penalty_id: int, *, at: datetime) -> None:
    """The reversal itself, for a caller that has authorised it (an appeal's answer or deadline)."""
    penalty = conn.execute(select(creator_penalties).where(creator_penalties.c.id == penalty_id)).first()
    if penalty is None:
        raise NotFound(f"no creator penalty {penalty_id}")
    if penalty.status != PenaltyStatus.IN_FORCE:
        raise Conflict(f"creator penalty {penalty_id} is {penalty.status}; there is nothing to reverse")
    PENALTY_LIFECYCLE.move(
        conn, creator_penalties, penalty_id, penalty.status, PenaltyStatus.REVERSED, reversed_at=at
    )
    a = creator_penalty_actions.c
    for action in conn.execute(select(creator_penalty_actions).where(a.penalty_id == penalty_id)).all():
        _undo(conn, penalty, action, at)


def _undo(conn: Connection, penalty, action, at: datetime) -> None:
    kind, state = CreatorAction(action.kind), ActionState(action.state)
    if kind is CreatorAction.COMMISSION_HELD:
        _end_freeze(conn, penalty.creator_id, action, at, product_id=penalty.product_id)
    if state is ActionState.HELD:
        release(conn, action.id, at=at, to=ActionState.REVERSED)
    elif state is ActionState.MOOT and kind is CreatorAction.COMMISSION_HELD:
        _mark(conn, action.id, state, at)  # nothing was held, but settling had stopped
    elif state is ActionState.DUE:
        _mark(conn, action.id, state, at)
    elif state is ActionState.CHARGED:
        _refund(conn, penalty, action, at)
    elif state is ActionState.APPLIED and kind is CreatorAction.VIDEO_PRIVATE:
        if VIDEO_LIFECYCLE.try_move(
            conn, videos, penalty.subject_id, VideoStatus.PRIVATE, VideoStatus.PUBLISHED
        ):
            changed(conn, Indexed.VIDEO, [penalty.subject_id])  # searchable again
        _mark(conn, action.id, state, at)
    elif state is ActionState.APPLIED and kind is CreatorAction.SELLING_CLOSED:
        _mark(conn, action.id, state, at)
        _reopen_selling(conn, penalty.creator_id, at)
    elif state is ActionState.APPLIED and kind is CreatorAction.COMMISSION_FROZEN:
        _mark(conn, action.id, state, at)
        _end_freeze(conn, penalty.creator_id, action, at)


def _end_freeze(
    conn: Connection, creator_id: int, action, at: datetime, *, product_id: int | None = None
) -> None:
    """The freeze this action started (same creator, scope, start and end: the whole account for
    a commission_frozen action, the violating product for a commission_held one) ends now if it
    still runs; one that has not started is deleted, one already over is left as it was."""
    z = creator_freezes.c
    scope = z.product_id.is_(None) if product_id is None else z.product_id == product_id
    mine = (z.creator_id == creator_id, scope, z.starts_at == action.starts_at, z.ends_at == action.ends_at)
    conn.execute(creator_freezes.update().where(*mine, z.starts_at < at, z.ends_at > at).values(ends_at=at))
    conn.execute(creator_freezes.delete().where(*mine, z.starts_at >= at))


def _mark(conn: Connection, action_id: int, was: ActionState, at: datetime) -> bool:
    a = creator_penalty_actions.c
    return bool(
        conn.execute(
            creator_penalty_actions.update()
            .where(a.id == action_id, a.state == was.value)
            .values(state=ActionState.REVERSED.value, settled_at=at)
        ).rowcount
    )


def _refund(conn: Connection, penalty, action, at: datetime) -> None:
    if not _mark(conn, action.id, ActionState.CHARGED, at):
        return
    ledger.record(
        conn,
        key=f"creator-penalty-refund:{action.id}",
        kind="creator_penalty_refund",
        memo=f"creator penalty {penalty.id} reversed on appeal",
        postings=[ledger.Posting(PENALTIES, creator_available(penalty.creator_id), int(action.amount_fen))],
        at=at,
    )


def _reopen_selling(conn: Connection, creator_id: int, at: datetime) -> None:
    """The closure now ends with the latest other closure in force, or now."""
    a, p = creator_penalty_actions.c, creator_penalties.c
    latest = conn.execute(
        select(func.max(a.ends_at))
        .join(creator_penalties, p.id == a.penalty_id)
        .where(
            a.creator_id == creator_id,
            a.kind == CreatorAction.SELLING_CLOSED.value,
            a.state == ActionState.APPLIED.value,
            p.status == PenaltyStatus.IN_FORCE.value,
            a.ends_at > at,
        )
    ).scalar()
    conn.execute(creators.update().where(creators.c.id == creator_id).values(selling_closed_until=latest))
