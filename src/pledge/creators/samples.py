"""Free sample requests (寄样, 精选联盟样品服务, douyin:aJmYG5vi4n1f), each use case in the caller's
transaction: a creator asks a shop for a sample of a product they may sell; the shop approves or
declines within 72 h and ships within 48 h (unshipped 120 h after approval: cancelled); the
creator confirms receipt, or it is confirmed 168 h after shipping. `sweep_samples` closes what
ran out of time. Statuses move only through `SAMPLE_LIFECYCLE` (conditional UPDATEs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_shop
from pledge.catalog.tables import products
from pledge.creators import samples_policy as rules
from pledge.creators.model import SAMPLE_LIFECYCLE, CreatorStatus, DutyStatus, SampleKind, SampleStatus
from pledge.creators.sample_plans import plan_row, refund_payment, take_payment
from pledge.creators.services import creator_of, rate_for
from pledge.creators.tables import creators, sample_duties, sample_requests
from pledge.kernel.db import claim_batch, inserted_id
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.kernel.money import format_yuan
from pledge.rulebooks.loader import Rulebook

OPEN = (SampleStatus.REQUESTED, SampleStatus.APPROVED, SampleStatus.SHIPPED)
NOTE_MAX = 200
TRACKING_MAX = 40
s = sample_requests.c


@dataclass(frozen=True)
class NewSample:
    product_id: int
    note: str = ""


def _check_no_open(conn: Connection, creator_id: int, product_id: int):
    mine = conn.execute(
        select(s.status, s.decided_at).where(s.creator_id == creator_id, s.product_id == product_id)
    ).all()
    if any(r.status in OPEN for r in mine):
        raise Conflict(f"you already have an open sample request for product {product_id}")
    return mine


def _check_duties_kept(conn: Connection, book: Rulebook, creator_id: int, at: datetime) -> None:
    """Free and review-free samples stop while 5 duties were broken in the last 30 days
    (`samples.broken-limit`)."""
    rule = rules.broken_limit(book, at)
    broken = conn.execute(
        select(func.count()).where(
            sample_duties.c.creator_id == creator_id,
            sample_duties.c.status == DutyStatus.BROKEN.value,
            sample_duties.c.closed_at > at - rule.window,
        )
    ).scalar_one()
    if broken >= rule.limit:
        raise Conflict(
            f"{broken} of your sample promotion duties were broken in the last {rule.window.days} days; "
            f"free samples stop at {rule.limit}"
        )


def _check_may_ask(conn: Connection, book: Rulebook, creator_id: int, product_id: int, at: datetime) -> None:
    """One open request per product, none for 30 days after a decline, fewer than 5 broken duties
    and at most the level's cap of open requests (`samples.one-per-product`, `samples.open-limit`)."""
    mine = _check_no_open(conn, creator_id, product_id)
    _check_duties_kept(conn, book, creator_id, at)
    days = rules.decline_days(book, at)
    cooldown = at - timedelta(days=days)
    if any(r.status == SampleStatus.DECLINED and r.decided_at > cooldown for r in mine):
        raise Conflict(
            f"the shop declined your sample request for product {product_id} in the last {days} days"
        )
    cap = rules.open_limit(book, at)
    count = conn.execute(
        select(func.count()).where(s.creator_id == creator_id, s.status.in_([str(o) for o in OPEN]))
    ).scalar_one()
    if cap is not None and count >= cap:
        raise Conflict(f"you have {count} open sample requests, the most allowed is {cap}; finish one first")


def _asking_creator(conn: Connection, actor: Actor, product_id: int, at: datetime):
    """The caller's creator row, locked (concurrent requests count each other: the cap holds),
    and the product's shop, if an active creator may sell the product."""
    creator = creator_of(conn, actor)
    conn.execute(select(creators.c.id).where(creators.c.id == creator.id).with_for_update())
    if creator.status != CreatorStatus.ACTIVE:
        raise Conflict(f"a {creator.status} creator cannot request samples")
    product = conn.execute(
        select(products.c.shop_id, products.c.active).where(products.c.id == product_id)
    ).first()
    if product is None:
        raise NotFound(f"no product {product_id}")
    if not product.active or rate_for(conn, product_id=product_id, creator_id=creator.id, at=at) is None:
        raise Conflict(f"product {product_id} is not in the affiliate marketplace for you")
    return creator, product.shop_id


def request_sample(conn: Connection, actor: Actor, book: Rulebook, new: NewSample, *, at: datetime) -> int:
    """An active creator asks for a free sample of a marketplace product they may sell. Under the
    product's review-free plan (免审) a creator with the plan's followers is approved at once."""
    note = new.note.strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"a note to the shop has at most {NOTE_MAX} characters")
    creator, shop_id = _asking_creator(conn, actor, new.product_id, at)
    _check_may_ask(conn, book, creator.id, new.product_id, at)
    plan = plan_row(conn, new.product_id)
    review_free = (
        plan is not None
        and plan.mode == SampleKind.REVIEW_FREE
        and creator.follower_count >= plan.min_followers
    )
    values = {
        "kind": SampleKind.REVIEW_FREE.value,
        "status": SampleStatus.APPROVED.value,
        "decided_at": at,
        "due_at": rules.ship_deadlines(book, at).cancel_at,
    }
    if not review_free:
        values = {
            "kind": SampleKind.FREE.value,
            "status": SampleStatus.REQUESTED.value,
            "due_at": rules.decide_by(book, at),
        }
    return inserted_id(
        conn,
        sample_requests.insert().values(
            creator_id=creator.id,
            product_id=new.product_id,
            shop_id=shop_id,
            note=note,
            requested_at=at,
            **values,
        ),
    )


def buy_sample(conn: Connection, actor: Actor, book: Rulebook, *, product_id: int, at: datetime) -> int:
    """An active creator buys a paid sample (买样返款) at the plan's price: the platform holds the
    price until the promotion duty is decided; the shop ships as for an approved request."""
    creator, shop_id = _asking_creator(conn, actor, product_id, at)
    plan = plan_row(conn, product_id)
    if plan is None or plan.mode != SampleKind.PAID:
        raise Conflict(f"product {product_id} has no paid sample plan")
    needed = rules.paid_min_followers(book, at, plan.price_fen)
    if creator.follower_count < needed:
        raise Conflict(f"a paid sample priced {format_yuan(plan.price_fen)} yuan needs {needed} followers")
    _check_no_open(conn, creator.id, product_id)
    sample_id = inserted_id(
        conn,
        sample_requests.insert().values(
            creator_id=creator.id,
            product_id=product_id,
            shop_id=shop_id,
            kind=SampleKind.PAID.value,
            price_fen=plan.price_fen,
            target_orders=plan.target_orders,
            status=SampleStatus.APPROVED.value,
            note="",
            requested_at=at,
            decided_at=at,
            due_at=rules.ship_deadlines(book, at).cancel_at,
        ),
    )
    take_payment(conn, sample_id=sample_id, creator_id=creator.id, price_fen=plan.price_fen, at=at)
    return sample_id


def _sample(conn: Connection, sample_id: int):
    row = conn.execute(select(sample_requests).where(s.id == sample_id)).first()
    if row is None:
        raise NotFound(f"no sample request {sample_id}")
    return row


def _shop_sample(conn: Connection, actor: Actor, sample_id: int):
    row = _sample(conn, sample_id)
    require_shop(actor, row.shop_id)
    return row


def _creator_sample(conn: Connection, actor: Actor, sample_id: int):
    row = _sample(conn, sample_id)
    if row.creator_id != creator_of(conn, actor).id:
        raise NotFound(f"no sample request {sample_id}")
    return row


def decide_sample(
    conn: Connection, actor: Actor, book: Rulebook, *, sample_id: int, approve: bool, at: datetime
) -> None:
    """The product's shop approves (the ship deadlines start) or declines a request in time."""
    row = _shop_sample(conn, actor, sample_id)
    target = SampleStatus.APPROVED if approve else SampleStatus.DECLINED
    SAMPLE_LIFECYCLE.check(row.status, target)
    if row.due_at is not None and at >= row.due_at:
        raise Conflict(f"sample request {sample_id} was not decided in time and is cancelled")
    due = rules.ship_deadlines(book, at).cancel_at if approve else None
    SAMPLE_LIFECYCLE.move(
        conn,
        sample_requests,
        sample_id,
        row.status,
        target,
        decided_at=at,
        decided_by=actor.user_id,
        due_at=due,
        closed_at=None if approve else at,
    )


def ship_sample(
    conn: Connection, actor: Actor, book: Rulebook, *, sample_id: int, tracking_no: str, at: datetime
) -> None:
    """The shop ships an approved sample under its tracking number."""
    number = tracking_no.strip()
    if not 4 <= len(number) <= TRACKING_MAX or not number.isascii() or not number.isalnum():
        raise InvalidInput(f"a tracking number is 4 to {TRACKING_MAX} letters or digits")
    row = _shop_sample(conn, actor, sample_id)
    SAMPLE_LIFECYCLE.check(row.status, SampleStatus.SHIPPED)
    if row.due_at is not None and at >= row.due_at:
        raise Conflict(f"sample request {sample_id} was not shipped in time and is cancelled")
    SAMPLE_LIFECYCLE.move(
        conn,
        sample_requests,
        sample_id,
        row.status,
        SampleStatus.SHIPPED,
        shipped_at=at,
        tracking_no=number,
        due_at=rules.received_by(book, at),
    )


def receive_sample(conn: Connection, actor: Actor, *, sample_id: int, at: datetime) -> None:
    row = _creator_sample(conn, actor, sample_id)
    SAMPLE_LIFECYCLE.move(
        conn, sample_requests, sample_id, row.status, SampleStatus.RECEIVED, closed_at=at, due_at=None
    )


def cancel_sample(conn: Connection, actor: Actor, *, sample_id: int, at: datetime) -> None:
    """The creator withdraws a request the shop has not shipped yet (a paid one is refunded)."""
    row = _creator_sample(conn, actor, sample_id)
    SAMPLE_LIFECYCLE.move(
        conn, sample_requests, sample_id, row.status, SampleStatus.CANCELLED, closed_at=at, due_at=None
    )
    _refund_unshipped(conn, row, "withdrawn before shipping", at)


def _refund_unshipped(conn: Connection, row, why: str, at: datetime) -> None:
    """A paid sample that will not be shipped gets its price back (the move was the claim)."""
    if row.kind == SampleKind.PAID and row.price_fen:
        refund_payment(conn, sample_id=row.id, price_fen=row.price_fen, why=why, at=at)


def cancel_open_samples(conn: Connection, *, creator_id: int, at: datetime) -> int:
    """A creator removed from selling: their requests not shipped yet are cancelled (paid ones
    refunded); shipped samples keep their course."""
    rows = conn.execute(
        select(sample_requests).where(
            s.creator_id == creator_id,
            s.status.in_([SampleStatus.REQUESTED.value, SampleStatus.APPROVED.value]),
        )
    ).all()
    for row in rows:
        if SAMPLE_LIFECYCLE.try_move(
            conn, sample_requests, row.id, row.status, SampleStatus.CANCELLED, closed_at=at, due_at=None
        ):
            _refund_unshipped(conn, row, "the creator was removed from selling", at)
    return len(rows)


OVERDUE = {
    SampleStatus.REQUESTED: SampleStatus.EXPIRED,  # undecided for 72 h
    SampleStatus.APPROVED: SampleStatus.EXPIRED,  # unshipped 120 h after approval
    SampleStatus.SHIPPED: SampleStatus.RECEIVED,  # 168 h after shipping
}


def close_overdue(conn: Connection, *, at: datetime, batch: int = 500) -> int:
    """Moves every open request past its deadline; safe under concurrent workers (claimed rows,
    conditional moves)."""
    rows = claim_batch(
        conn,
        select(s.id, s.status, s.kind, s.price_fen)
        .where(s.status.in_([str(k) for k in OVERDUE]), s.due_at <= at)
        .order_by(s.id)
        .limit(batch),
    )
    moved = 0
    for row in rows:
        if SAMPLE_LIFECYCLE.try_move(
            conn, sample_requests, row.id, row.status, OVERDUE[row.status], closed_at=at, due_at=None
        ):
            moved += 1
            if OVERDUE[row.status] == SampleStatus.EXPIRED:
                _refund_unshipped(conn, row, "not shipped in time", at)
    return moved


def sweep_samples(uow, clock) -> int:
    """The worker's step: close overdue requests in batches until none is left (each step's
    deadline was fixed from the rulebook when the step began)."""
    total = 0
    while True:
        with uow.begin() as conn:
            n = close_overdue(conn, at=clock.now())
        total += n
        if n == 0:
            return total
