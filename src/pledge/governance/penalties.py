"""Penalties by rulebook: a reviewer imposes the rung a ladder clause gives the shop's Nth case
(governance.policy), every action is a record (evidence, clause, reviewer, time) and its effect
goes through the owning domain: catalog delists, live cuts the session, the ledger moves a money
penalty under `governance-penalty:{action id}` exactly once; a suspension is enforced by the sale
and listing guards (governance.guards) that bootstrap hands to orders and catalog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform
from pledge.catalog import services as catalog
from pledge.catalog.tables import products, shops
from pledge.governance.model import PENALTY_LIFECYCLE, PenaltyStatus
from pledge.governance.policy import ActionKind, Step, case_number, points_of, steps_for, window_start
from pledge.governance.tables import governance_actions, governance_penalties
from pledge.integrations import outbox
from pledge.kernel.db import inserted_id
from pledge.kernel.errors import InvalidInput, NotFound
from pledge.kernel.limits import NOTE_MAX, REASON_MAX
from pledge.kernel.text import clean_text
from pledge.ledger import services as ledger
from pledge.rulebooks.loader import Clause, Rulebook

PENALTIES = "platform:penalties"  # where money penalties (违约金) go
ENFORCING_ROLES = ("operator", "reviewer")
DELISTING = (ActionKind.LISTING_REMOVED, ActionKind.PRODUCT_BANNED)


@dataclass(frozen=True)
class PenaltyOrder:
    """A reviewer's order: the shop, the ladder clause, why (in words the merchant reads), the
    evidence, and the listing or queue item it concerns."""

    shop_id: int
    clause_id: str
    reason: str
    evidence: str = ""
    product_id: int | None = None
    item_id: int | None = None


def _ladder(book: Rulebook, clause_id: str) -> Clause:
    clause = book.clause(clause_id)
    if clause.kind != "penalty_ladder":
        raise InvalidInput(f"clause {clause_id} is not a penalty ladder")
    return clause


def _prior_cases(conn: Connection, shop_id: int, clause: Clause, at: datetime) -> int:
    p = governance_penalties.c
    return int(
        conn.execute(
            select(func.count())
            .select_from(governance_penalties)
            .where(
                p.shop_id == shop_id,
                p.clause == clause.id,
                p.status == PenaltyStatus.IN_FORCE.value,
                p.created_at > window_start(clause, at),
            )
        ).scalar_one()
    )


def _check_subject(conn: Connection, order: PenaltyOrder, steps: tuple[Step, ...]) -> None:
    if conn.execute(select(shops.c.id).where(shops.c.id == order.shop_id)).first() is None:
        raise NotFound(f"no shop {order.shop_id}")
    if not any(s.kind in DELISTING for s in steps):
        return
    if order.product_id is None:
        raise InvalidInput("this rung delists a product: name the product")
    owner = conn.execute(select(products.c.shop_id).where(products.c.id == order.product_id)).scalar()
    if owner != order.shop_id:
        raise NotFound(f"shop {order.shop_id} has no product {order.product_id}")


def record_penalty(
    conn: Connection,
    actor: Actor,
    order: PenaltyOrder,
    clause_id: str,
    case_no: int,
    book: Rulebook,
    at: datetime,
) -> int:
    points_clause = book.in_force("penalty_points", at)
    points, expire = points_of(points_clause[0], at) if points_clause else (0, None)
    return inserted_id(
        conn,
        governance_penalties.insert().values(
            shop_id=order.shop_id,
            item_id=order.item_id,
            clause=clause_id,
            case_no=case_no,
            reason=clean_text(order.reason, field="the reason", max_length=REASON_MAX),
            evidence=clean_text(
                order.evidence, field="the evidence", max_length=NOTE_MAX, multiline=True, required=False
            ),
            points=points,
            points_expire_at=expire,
            status=PenaltyStatus.IN_FORCE.value,
            decided_by=actor.user_id,
            created_at=at,
        ),
    )


def _publish(conn: Connection, penalty_id: int, shop_id: int, at: datetime) -> None:
    """`penalty.applied` to the shop's webhook endpoints (integrations.outbox)."""
    row = conn.execute(
        select(
            governance_penalties.c.clause, governance_penalties.c.case_no, governance_penalties.c.points
        ).where(governance_penalties.c.id == penalty_id)
    ).one()
    payload = {"penalty_id": penalty_id, "clause": row.clause, "case_no": row.case_no, "points": row.points}
    outbox.publish(conn, shop_id, "penalty.applied", penalty_id, payload | {"at": at}, at=at)


def add_action(
    conn: Connection, penalty_id: int, shop_id: int, step: Step, subject_id: int | None, at: datetime
) -> int:
    return inserted_id(
        conn,
        governance_actions.insert().values(
            penalty_id=penalty_id,
            shop_id=shop_id,
            kind=step.kind.value,
            subject_id=subject_id,
            amount_fen=step.amount_fen,
            until=at + timedelta(days=step.days) if step.days is not None else None,
            created_at=at,
        ),
    )


def impose(conn: Connection, actor: Actor, order: PenaltyOrder, *, book: Rulebook, at: datetime) -> int:
    """The shop's next case under the ladder clause: its rung's actions, recorded and applied."""
    require_platform(actor, *ENFORCING_ROLES)
    clause = _ladder(book, order.clause_id)
    case_no = case_number(_prior_cases(conn, order.shop_id, clause, at))
    steps = steps_for(clause, case_no)
    _check_subject(conn, order, steps)
    penalty_id = record_penalty(conn, actor, order, clause.id, case_no, book, at)
    _publish(conn, penalty_id, order.shop_id, at)
    for step in steps:
        subject = order.product_id if step.kind in DELISTING else None
        action_id = add_action(conn, penalty_id, order.shop_id, step, subject, at)
        if step.kind in DELISTING and order.product_id is not None:
            catalog.set_listed(conn, order.product_id, listed=False)
        if step.kind is ActionKind.MONEY_PENALTY:
            charge(conn, action_id, at=at)
    return penalty_id


def charge(conn: Connection, action_id: int, *, at: datetime) -> bool:
    """Move a money penalty from the shop's proceeds, once: the conditional UPDATE claims the
    action (a second caller, concurrent or later, finds it charged and moves nothing) and the
    ledger key `governance-penalty:{action id}` is UNIQUE besides."""
    a = governance_actions.c
    claimed = conn.execute(
        governance_actions.update()
        .where(a.id == action_id, a.kind == ActionKind.MONEY_PENALTY.value, a.charged_at.is_(None))
        .values(charged_at=at)
        .returning(a.shop_id, a.amount_fen, a.penalty_id)
    ).first()
    if claimed is None:
        return False
    ledger.record(
        conn,
        key=f"governance-penalty:{action_id}",
        kind="governance_penalty",
        memo=f"penalty {claimed.penalty_id}: 违约金",
        postings=[ledger.Posting(ledger.shop_proceeds(claimed.shop_id), PENALTIES, int(claimed.amount_fen))],
        at=at,
    )
    return True


def refund(conn: Connection, action_id: int, *, at: datetime) -> bool:
    """Give a charged money penalty back, once, under `governance-refund:{action id}`."""
    a = governance_actions.c
    claimed = conn.execute(
        governance_actions.update()
        .where(a.id == action_id, a.charged_at.is_not(None), a.refunded_at.is_(None))
        .values(refunded_at=at)
        .returning(a.shop_id, a.amount_fen, a.penalty_id)
    ).first()
    if claimed is None:
        return False
    ledger.record(
        conn,
        key=f"governance-refund:{action_id}",
        kind="governance_penalty_refund",
        memo=f"penalty {claimed.penalty_id} reversed on appeal",
        postings=[ledger.Posting(PENALTIES, ledger.shop_proceeds(claimed.shop_id), int(claimed.amount_fen))],
        at=at,
    )
    return True


def reverse(conn: Connection, penalty_id: int, *, at: datetime) -> None:
    """Undo a penalty and its effects (an upheld appeal): relist what it delisted, refund its
    money; suspensions and bans end because the guards only read penalties in force."""
    status = conn.execute(
        select(governance_penalties.c.status).where(governance_penalties.c.id == penalty_id)
    ).scalar()
    if status is None:
        raise NotFound(f"no penalty {penalty_id}")
    PENALTY_LIFECYCLE.move(
        conn, governance_penalties, penalty_id, status, PenaltyStatus.REVERSED, reversed_at=at
    )
    actions = conn.execute(select(governance_actions).where(governance_actions.c.penalty_id == penalty_id))
    for action in actions.all():
        if action.kind in DELISTING and action.subject_id is not None:
            catalog.set_listed(conn, action.subject_id, listed=True)
        if action.kind == ActionKind.MONEY_PENALTY:
            refund(conn, action.id, at=at)
