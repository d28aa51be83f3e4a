"""The money of creator penalties, through pledge.ledger, each movement once:

- a hold (冻结带货违规商品所有订单成交额X%金额N天): the share of the violating product's orders the
  creator sold moves from `creator:{id}:available` to `creator:{id}:penalty-held` under
  `creator-penalty-hold:{action id}` — what the account holds, up to that figure (a hold never
  drives the balance below zero) — and back under `creator-penalty-release:{action id}` when the
  days are over (the worker's pass) or an upheld appeal reverses the penalty;
- a money penalty (冻结期满后扣除违规行为所涉的全部佣金作为违约金): when the freeze ends, all the
  commission the creator earned on the violating product, within the clause's floor and ceiling,
  moves from `creator:{id}:available` to `platform:penalties` under `creator-penalty-charge:{action
  id}`; the balance may go below zero (a debt the creator's next commissions cover).

Each movement is claimed first by a conditional UPDATE of the action's state (a second worker,
concurrent or later, finds it moved and does nothing) and its ledger key is UNIQUE besides."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.creators.commissions import creator_available
from pledge.creators.tables import creator_commissions
from pledge.governance.creator_ladder import CreatorAction, CreatorStep, held_fen, penalty_fen, steps_of
from pledge.governance.penalties import PENALTIES
from pledge.governance.tables import creator_penalties, creator_penalty_actions
from pledge.kernel.db import claim_batch
from pledge.ledger import services as ledger
from pledge.orders.tables import order_lines
from pledge.rulebooks.loader import Rulebook


class ActionState(StrEnum):
    APPLIED = "applied"  # done when decided (a warning, a product off the cart, a freeze...)
    MOOT = "moot"  # nothing to act on (the session had ended, the account held nothing)
    HELD = "held"  # money held until ends_at
    RELEASED = "released"  # held money given back
    DUE = "due"  # a money penalty charged at ends_at
    CHARGED = "charged"
    REVERSED = "reversed"  # undone by an upheld appeal


def creator_held(creator_id: int) -> str:
    return f"creator:{creator_id}:penalty-held"


def _product_sales(conn: Connection, creator_id: int, product_id: int):
    c = creator_commissions.c
    return conn.execute(
        select(
            func.coalesce(func.sum(order_lines.c.line_total_fen), 0).label("amount"),
            func.coalesce(func.sum(c.commission_fen - c.returned_fen), 0).label("commission"),
        )
        .join(order_lines, order_lines.c.id == c.order_line_id)
        .where(c.creator_id == creator_id, c.product_id == product_id)
    ).one()


def hold(conn: Connection, action_id: int, step: CreatorStep, penalty, *, at: datetime) -> ActionState:
    """Hold the step's share of the violating product's orders (the action is written, amount 0)."""
    orders_fen = int(_product_sales(conn, penalty.creator_id, penalty.product_id).amount)
    available = max(ledger.balance(conn, creator_available(penalty.creator_id)), 0)
    amount = min(held_fen(orders_fen, step), available)
    if amount == 0:
        _set(conn, action_id, ActionState.MOOT, amount_fen=0)
        return ActionState.MOOT
    _set(conn, action_id, ActionState.HELD, amount_fen=amount)
    ledger.record(
        conn,
        key=f"creator-penalty-hold:{action_id}",
        kind="creator_penalty_hold",
        memo=f"creator penalty {penalty.id}: {step.held_bp} bp of the product's orders held",
        postings=[
            ledger.Posting(creator_available(penalty.creator_id), creator_held(penalty.creator_id), amount)
        ],
        at=at,
    )
    return ActionState.HELD


def _set(conn: Connection, action_id: int, state: ActionState, **values) -> None:
    conn.execute(
        creator_penalty_actions.update()
        .where(creator_penalty_actions.c.id == action_id)
        .values(state=state.value, **values)
    )


def _claim(conn: Connection, action_id: int, was: ActionState, to: ActionState, at: datetime, **values):
    a = creator_penalty_actions.c
    return conn.execute(
        creator_penalty_actions.update()
        .where(a.id == action_id, a.state == was.value)
        .values(state=to.value, settled_at=at, **values)
        .returning(a.creator_id, a.amount_fen, a.penalty_id)
    ).first()


def release(
    conn: Connection, action_id: int, *, at: datetime, to: ActionState = ActionState.RELEASED
) -> bool:
    """Give held money back, once."""
    claimed = _claim(conn, action_id, ActionState.HELD, to, at)
    if claimed is None:
        return False
    ledger.record(
        conn,
        key=f"creator-penalty-release:{action_id}",
        kind="creator_penalty_release",
        memo=f"creator penalty {claimed.penalty_id}: held money released",
        postings=[
            ledger.Posting(
                creator_held(claimed.creator_id),
                creator_available(claimed.creator_id),
                int(claimed.amount_fen),
            )
        ],
        at=at,
    )
    return True


def charge(conn: Connection, action_id: int, step: CreatorStep, *, at: datetime) -> bool:
    """Charge a due money penalty, once: all the commission the violating product earned the
    creator, clamped to the clause's floor and ceiling."""
    row = conn.execute(
        select(creator_penalties.c.creator_id, creator_penalties.c.product_id)
        .join(creator_penalty_actions, creator_penalty_actions.c.penalty_id == creator_penalties.c.id)
        .where(creator_penalty_actions.c.id == action_id)
    ).one()
    amount = penalty_fen(int(_product_sales(conn, row.creator_id, row.product_id).commission), step)
    claimed = _claim(conn, action_id, ActionState.DUE, ActionState.CHARGED, at, amount_fen=amount)
    if claimed is None:
        return False
    ledger.record(
        conn,
        key=f"creator-penalty-charge:{action_id}",
        kind="creator_penalty_charge",
        memo=f"creator penalty {claimed.penalty_id}: 违约金",
        postings=[ledger.Posting(creator_available(row.creator_id), PENALTIES, amount)],
        at=at,
    )
    return True


def settle_due(conn: Connection, book: Rulebook, *, at: datetime, batch: int = 100) -> dict[str, int]:
    """The worker's pass: holds whose days are over are released, money penalties whose freeze
    ended are charged. Claimed with SKIP LOCKED and moved conditionally: each once."""
    a, p = creator_penalty_actions.c, creator_penalties.c
    due = claim_batch(
        conn,
        select(a.id, a.state, p.clause, p.tier)
        .join(creator_penalties, p.id == a.penalty_id)
        .where(a.state.in_((ActionState.HELD.value, ActionState.DUE.value)), a.ends_at <= at)
        .order_by(a.id)
        .limit(batch),
        of=creator_penalty_actions,
    )
    released = charged = 0
    for action in due:
        if action.state == ActionState.HELD:
            released += release(conn, action.id, at=at)
        else:
            steps = steps_of(book.clause(action.clause), int(action.tier))
            step = next(s for s in steps if s.kind is CreatorAction.MONEY_PENALTY)
            charged += charge(conn, action.id, step, at=at)
    return {"creator_holds_released": released, "creator_penalties_charged": charged}


def run_step(uow, book: Rulebook, clock) -> dict[str, int]:
    with uow.begin() as conn:
        return settle_due(conn, book, at=clock.now())
