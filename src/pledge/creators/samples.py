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
from pledge.creators.model import SAMPLE_LIFECYCLE, CreatorStatus, SampleStatus
from pledge.creators.services import creator_of, rate_for
from pledge.creators.tables import creators, sample_requests
from pledge.kernel.db import claim_batch, inserted_id
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.rulebooks.loader import Rulebook

OPEN = (SampleStatus.REQUESTED, SampleStatus.APPROVED, SampleStatus.SHIPPED)
NOTE_MAX = 200
TRACKING_MAX = 40
s = sample_requests.c


@dataclass(frozen=True)
class NewSample:
    product_id: int
    note: str = ""


def _check_may_ask(conn: Connection, book: Rulebook, creator_id: int, product_id: int, at: datetime) -> None:
    """One open request per product, none for 30 days after a decline, and at most the level's cap
    of open requests (`samples.one-per-product`, `samples.open-limit`)."""
    mine = conn.execute(
        select(s.status, s.decided_at).where(s.creator_id == creator_id, s.product_id == product_id)
    ).all()
    if any(r.status in OPEN for r in mine):
        raise Conflict(f"you already have an open sample request for product {product_id}")
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


def request_sample(conn: Connection, actor: Actor, book: Rulebook, new: NewSample, *, at: datetime) -> int:
    """An active creator asks for a free sample of a marketplace product they may sell. The
    creator's row is locked first, so concurrent requests count each other (the cap holds)."""
    note = new.note.strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"a note to the shop has at most {NOTE_MAX} characters")
    creator = creator_of(conn, actor)
    conn.execute(select(creators.c.id).where(creators.c.id == creator.id).with_for_update())
    if creator.status != CreatorStatus.ACTIVE:
        raise Conflict(f"a {creator.status} creator cannot request samples")
    product = conn.execute(
        select(products.c.shop_id, products.c.active).where(products.c.id == new.product_id)
    ).first()
    if product is None:
        raise NotFound(f"no product {new.product_id}")
    if not product.active or rate_for(conn, product_id=new.product_id, creator_id=creator.id, at=at) is None:
        raise Conflict(f"product {new.product_id} is not in the affiliate marketplace for you")
    _check_may_ask(conn, book, creator.id, new.product_id, at)
    return inserted_id(
        conn,
        sample_requests.insert().values(
            creator_id=creator.id,
            product_id=new.product_id,
            shop_id=product.shop_id,
            status=SampleStatus.REQUESTED.value,
            note=note,
            requested_at=at,
            due_at=rules.decide_by(book, at),
        ),
    )


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
    """The creator withdraws a request the shop has not shipped yet."""
    row = _creator_sample(conn, actor, sample_id)
    SAMPLE_LIFECYCLE.move(
        conn, sample_requests, sample_id, row.status, SampleStatus.CANCELLED, closed_at=at, due_at=None
    )


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
        select(s.id, s.status)
        .where(s.status.in_([str(k) for k in OVERDUE]), s.due_at <= at)
        .order_by(s.id)
        .limit(batch),
    )
    moved = 0
    for row in rows:
        moved += SAMPLE_LIFECYCLE.try_move(
            conn, sample_requests, row.id, row.status, OVERDUE[row.status], closed_at=at, due_at=None
        )
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
