"""Penalties against creators (达人) under a `creator_penalty_ladder` clause (issue 14).

A reviewer (trust & safety: operator or reviewer) records one violation of a creator: the scene
(a live session the creator hosted, or the creator's video), the product it promoted, the harm
found, the reason and evidence, and the violation's reference (违规详情单: "违规计次以违规详情单
显示为准", douyin:aJoHtKQ6kLcq). The service counts the clause's window (近14天内) from this table,
takes the tier creator_ladder gives, and applies the tier's actions in the caller's one
transaction, each a row of creator_penalty_actions:

- warning: the record and a notice in the creator's inbox (sent for every tier);
- off_cart (商品掉车): the product leaves the creator's showcase and the cards of their live rooms;
- stream_cut (直播中断): the live session ends now (the caller tells its viewers after commit);
- video_private (视频自见): the video becomes visible to its author only;
- commission_held / money_penalty: governance.creator_money, through the ledger; a hold also
  stops settling the creator's commissions on the violating product for its days
  (creators.safety.freeze_commissions scoped to the product: "并停止结算违规订单");
- commission_frozen: creators.safety.freeze_commissions for the clause's days;
- selling_closed (关闭电商权限N天): creators.safety.close_selling, lifting itself at its end;
- creator_removed (永久关闭电商权限): creators.safety.change_standing to removed.

An action the scene has no subject for (a video made private after a live violation) is not
written; one whose subject is gone (a session already ended) is written `moot`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from pledge.accounts.services import Actor, require_platform
from pledge.catalog.tables import products, skus
from pledge.creators import safety
from pledge.creators.model import CreatorStatus
from pledge.creators.tables import creators, showcase_items
from pledge.governance import creator_money
from pledge.governance.creator_ladder import (
    Counts,
    CreatorAction,
    CreatorStep,
    Harm,
    Scene,
    steps_of,
    tier_for,
    window_start,
)
from pledge.governance.creator_money import ActionState
from pledge.governance.model import PenaltyStatus
from pledge.governance.penalties import ENFORCING_ROLES
from pledge.governance.tables import creator_penalties, creator_penalty_actions
from pledge.kernel.db import inserted_id
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.kernel.indexing import Indexed, changed
from pledge.kernel.limits import NOTE_MAX, REASON_MAX
from pledge.kernel.text import clean_text
from pledge.live import services as live
from pledge.live.model import SessionStatus
from pledge.live.tables import live_cards, live_rooms, live_sessions
from pledge.notifications import services as notifications
from pledge.notifications.model import Kind
from pledge.rulebooks.loader import Clause, Rulebook
from pledge.videos.model import LIFECYCLE as VIDEO_LIFECYCLE
from pledge.videos.model import VideoStatus
from pledge.videos.tables import videos

REF_MAX = 60
NOT_IN_SCENE = {Scene.LIVE: CreatorAction.VIDEO_PRIVATE, Scene.VIDEO: CreatorAction.STREAM_CUT}


@dataclass(frozen=True)
class Violation:
    """What the reviewer found: whose, under which clause, where (a live session or a video),
    about which product, how harmful, why, and the violation's own reference."""

    creator_id: int
    clause_id: str
    ref: str
    scene: str
    subject_id: int
    product_id: int
    reason: str
    evidence: str = ""
    harm: str = Harm.NONE.value


@dataclass(frozen=True)
class Decided:
    penalty_id: int
    tier: int
    cut_session: int | None  # a live session the penalty ended: the caller tells its viewers


def _ladder(book: Rulebook, clause_id: str) -> Clause:
    clause = book.clause(clause_id)
    if clause.kind != "creator_penalty_ladder":
        raise InvalidInput(f"clause {clause_id} is not a creators' penalty ladder")
    return clause


def _parsed(v: Violation) -> tuple[Scene, Harm]:
    try:
        return Scene(v.scene), Harm(v.harm)
    except ValueError as exc:
        raise InvalidInput(
            f"a violation's scene is live or video and its harm none, light, heavy or severe: {exc}"
        ) from None


def _check_subject(conn: Connection, v: Violation, scene: Scene) -> None:
    if conn.execute(select(creators.c.id).where(creators.c.id == v.creator_id)).first() is None:
        raise NotFound(f"no creator {v.creator_id}")
    if scene is Scene.LIVE:
        found = conn.execute(
            select(live_sessions.c.id)
            .join(live_rooms, live_rooms.c.id == live_sessions.c.room_id)
            .where(live_sessions.c.id == v.subject_id, live_rooms.c.creator_id == v.creator_id)
        ).first()
        what = "live session"
    else:
        found = conn.execute(
            select(videos.c.id).where(videos.c.id == v.subject_id, videos.c.creator_id == v.creator_id)
        ).first()
        what = "video"
    if found is None:
        raise NotFound(f"creator {v.creator_id} has no {what} {v.subject_id}")
    if conn.execute(select(products.c.id).where(products.c.id == v.product_id)).first() is None:
        raise NotFound(f"no product {v.product_id}")


def window_counts(
    conn: Connection, v: Violation, scene: Scene, harm: Harm, clause: Clause, at: datetime
) -> Counts:
    """The counts of the clause's window for this creator and scene, this violation included."""
    p = creator_penalties.c
    earlier = list(
        conn.execute(
            select(p.subject_id).where(
                p.creator_id == v.creator_id,
                p.clause == clause.id,
                p.scene == scene.value,
                p.status == PenaltyStatus.IN_FORCE.value,
                p.decided_at > window_start(clause, at),
            )
        ).scalars()
    )
    if scene is Scene.VIDEO:
        return Counts(scene, videos=len(earlier) + 1, harm=harm)
    sessions = len(set(earlier) | {v.subject_id})
    return Counts(scene, sessions=sessions, in_session=earlier.count(v.subject_id) + 1, harm=harm)


def _record(conn: Connection, actor: Actor, v: Violation, counts: Counts, tier: int, at: datetime) -> int:
    values = {
        "creator_id": v.creator_id,
        "clause": v.clause_id,
        "ref": clean_text(v.ref, field="the violation's reference", max_length=REF_MAX),
        "scene": counts.scene.value,
        "subject_id": v.subject_id,
        "product_id": v.product_id,
        "sessions": counts.sessions,
        "in_session": counts.in_session,
        "videos": counts.videos,
        "harm": counts.harm.value,
        "tier": tier,
        "reason": clean_text(v.reason, field="the reason", max_length=REASON_MAX),
        "evidence": clean_text(
            v.evidence, field="the evidence", max_length=NOTE_MAX, multiline=True, required=False
        ),
        "status": PenaltyStatus.IN_FORCE.value,
        "decided_by": actor.user_id,
        "decided_at": at,
    }
    p = creator_penalties.c
    taken = select(p.id).where(p.creator_id == v.creator_id, p.clause == v.clause_id, p.ref == values["ref"])
    if conn.execute(taken).first() is not None:
        raise Conflict(f"violation {values['ref']!r} of creator {v.creator_id} was decided already")
    try:
        with conn.begin_nested():
            return inserted_id(conn, creator_penalties.insert().values(**values))
    except IntegrityError as exc:  # a concurrent decision of the same violation won
        raise Conflict(f"violation {values['ref']!r} of creator {v.creator_id} was decided already") from exc


def record_violation(
    conn: Connection, actor: Actor, v: Violation, *, book: Rulebook, at: datetime
) -> Decided:
    """Record the violation and apply its tier's actions; nothing is written on bad input."""
    require_platform(actor, *ENFORCING_ROLES)
    clause = _ladder(book, v.clause_id)
    scene, harm = _parsed(v)
    _check_subject(conn, v, scene)
    counts = window_counts(conn, v, scene, harm, clause, at)
    tier = tier_for(clause, counts)
    penalty_id = _record(conn, actor, v, counts, tier, at)
    penalty = conn.execute(select(creator_penalties).where(creator_penalties.c.id == penalty_id)).one()
    steps = [s for s in steps_of(clause, tier) if s.kind is not NOT_IN_SCENE[scene]]
    cut = None
    for step in steps:
        state = _apply(conn, actor, book, penalty, step, at)
        if step.kind is CreatorAction.STREAM_CUT and state is ActionState.APPLIED:
            cut = v.subject_id
    user_id = conn.execute(select(creators.c.user_id).where(creators.c.id == v.creator_id)).scalar_one()
    notifications.notify(
        conn,
        [user_id],
        kind=Kind.CREATOR_PENALTY,
        params={"penalty_id": penalty_id, "tier": tier},
        link="/creator/penalties",
        cause=f"creator-penalty:{penalty_id}",
        at=at,
    )
    return Decided(penalty_id, tier, cut)


def _action(conn: Connection, penalty, step: CreatorStep, ends_at: datetime | None, at: datetime) -> int:
    return inserted_id(
        conn,
        creator_penalty_actions.insert().values(
            penalty_id=penalty.id,
            creator_id=penalty.creator_id,
            kind=step.kind.value,
            days=step.days,
            held_bp=step.held_bp,
            state=ActionState.APPLIED.value,
            starts_at=at,
            ends_at=ends_at,
        ),
    )


def _ends_at(step: CreatorStep, steps_days: int | None, at: datetime) -> datetime | None:
    days = step.days if step.days is not None else steps_days
    return at + timedelta(days=days) if days is not None else None


def _apply(
    conn: Connection, actor: Actor, book: Rulebook, penalty, step: CreatorStep, at: datetime
) -> ActionState:
    frozen_days = _frozen_days(conn, penalty.id) if step.kind is CreatorAction.MONEY_PENALTY else None
    action_id = _action(conn, penalty, step, _ends_at(step, frozen_days, at), at)
    state = _effect(conn, actor, book, penalty, step, action_id, at)
    if state is not ActionState.APPLIED:
        conn.execute(
            creator_penalty_actions.update()
            .where(creator_penalty_actions.c.id == action_id)
            .values(state=state.value)
        )
    return state


def _frozen_days(conn: Connection, penalty_id: int) -> int | None:
    """A money penalty falls due when the penalty's freeze ends ("冻结期满后扣除")."""
    a = creator_penalty_actions.c
    return conn.execute(
        select(a.days).where(a.penalty_id == penalty_id, a.kind == CreatorAction.COMMISSION_FROZEN.value)
    ).scalar()


def _effect(
    conn: Connection, actor: Actor, book: Rulebook, penalty, step: CreatorStep, action_id: int, at: datetime
) -> ActionState:
    kind = step.kind
    if kind is CreatorAction.OFF_CART:
        take_off_cart(conn, penalty.creator_id, penalty.product_id)
    elif kind is CreatorAction.STREAM_CUT:
        return _cut(conn, actor, penalty, at)
    elif kind is CreatorAction.VIDEO_PRIVATE:
        return _make_private(conn, penalty.subject_id)
    elif kind is CreatorAction.COMMISSION_HELD:
        _stop_settling(conn, actor, book, penalty, step, at)
        return creator_money.hold(conn, action_id, step, penalty, at=at)
    elif kind is CreatorAction.MONEY_PENALTY:
        return ActionState.DUE
    elif kind is CreatorAction.COMMISSION_FROZEN:
        safety.freeze_commissions(
            conn,
            actor,
            book,
            creator_id=penalty.creator_id,
            days=int(step.days or 0),
            reason=penalty.reason,
            at=at,
        )
    elif kind is CreatorAction.SELLING_CLOSED:
        safety.close_selling(
            conn, creator_id=penalty.creator_id, until=at + timedelta(days=int(step.days or 0))
        )
    elif kind is CreatorAction.CREATOR_REMOVED:
        return _remove(conn, actor, book, penalty.creator_id, at)
    return ActionState.APPLIED


def _stop_settling(
    conn: Connection, actor: Actor, book: Rulebook, penalty, step: CreatorStep, at: datetime
) -> None:
    """ "并停止结算违规订单": the creator's commissions on the violating product do not settle while
    the hold runs — a freeze of that product alone, starting and ending with the hold (the
    reversal finds it by them), written whether or not the account had money to hold."""
    safety.freeze_commissions(
        conn,
        actor,
        book,
        creator_id=penalty.creator_id,
        product_id=penalty.product_id,
        days=int(step.days or 0),
        reason=penalty.reason,
        at=at,
    )


def take_off_cart(conn: Connection, creator_id: int, product_id: int) -> None:
    """商品掉车: the product leaves the creator's showcase and is unpinned in their rooms."""
    s = showcase_items.c
    conn.execute(showcase_items.delete().where(s.creator_id == creator_id, s.product_id == product_id))
    sessions = (
        select(live_sessions.c.id)
        .join(live_rooms, live_rooms.c.id == live_sessions.c.room_id)
        .where(live_rooms.c.creator_id == creator_id)
    )
    product_skus = select(skus.c.id).where(skus.c.product_id == product_id)
    conn.execute(
        live_cards.update()
        .where(live_cards.c.session_id.in_(sessions), live_cards.c.sku_id.in_(product_skus))
        .values(pinned=False, explaining=False)
    )


def _cut(conn: Connection, actor: Actor, penalty, at: datetime) -> ActionState:
    status = conn.execute(
        select(live_sessions.c.status).where(live_sessions.c.id == penalty.subject_id)
    ).scalar()
    if status != SessionStatus.LIVE:
        return ActionState.MOOT
    live.cut_session(conn, actor, session_id=penalty.subject_id, reason=penalty.reason, at=at)
    return ActionState.APPLIED


def _make_private(conn: Connection, video_id: int) -> ActionState:
    status = conn.execute(select(videos.c.status).where(videos.c.id == video_id)).scalar()
    if status != VideoStatus.PUBLISHED:
        return ActionState.MOOT
    VIDEO_LIFECYCLE.move(conn, videos, video_id, status, VideoStatus.PRIVATE)
    changed(conn, Indexed.VIDEO, [video_id])  # out of search with the feed and the public pages
    return ActionState.APPLIED


def _remove(conn: Connection, actor: Actor, book: Rulebook, creator_id: int, at: datetime) -> ActionState:
    status = conn.execute(select(creators.c.status).where(creators.c.id == creator_id)).scalar()
    if status == CreatorStatus.REMOVED:
        return ActionState.MOOT
    safety.change_standing(
        conn, actor, book, creator_id=creator_id, status=CreatorStatus.REMOVED.value, at=at
    )
    return ActionState.APPLIED
