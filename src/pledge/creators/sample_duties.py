"""The promotion duty of a received sample (履约, douyin:aJmYG5vi4n1f §2.3, §2.4, §3.4, §3.5) and
sample returns, each use case in the caller's transaction; `sweep_duties` is the worker's step.

A sample counts as received when the creator confirms it or 168 h after shipping (creators.samples);
its duty then runs for 45 days (`samples.duty-window`). It is met by
- settled orders of the product the creator sold (`samples.duty-ways`: 3 for a free or
  review-free sample; a paid one: the plan's X orders worth price × X × 80 %, `samples.paid-refund`),
  orders with a refund not counting (结算订单 = 付款订单 − 用户退款订单);
- for a free or review-free sample, also a published video of the creator's featuring the product,
  or a live session in the creator's room with the product in the cart (`report_promotion`).
Not met when the period ends: broken (counted by `samples.broken-limit`; a paid sample's price is
kept by the shop). A met paid sample is refunded 7 days later. A creator may instead return the
sample (free: within 13 days of receipt; paid: while the duty is open); the merchant confirms
within 7 days or it counts as confirmed; a paid sample's price is then refunded."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_shop
from pledge.catalog.tables import skus
from pledge.creators import samples_policy as rules
from pledge.creators.model import DUTY_LIFECYCLE, DutyStatus, SampleKind, SampleStatus
from pledge.creators.sample_plans import keep_payment, refund_payment
from pledge.creators.services import creator_of
from pledge.creators.tables import creator_commissions, sample_duties, sample_requests
from pledge.kernel.db import AnyRow, claim_batch, dialect_insert
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.live.tables import live_cards, live_rooms, live_sessions
from pledge.rulebooks.loader import Rulebook
from pledge.videos.model import VideoStatus
from pledge.videos.tables import video_products, videos

d = sample_duties.c
TRACKING_MAX = 40


def open_duties(conn: Connection, book: Rulebook, *, at: datetime, batch: int = 500) -> int:
    """A duty for every received sample without one (insert-or-skip on the UNIQUE sample_id)."""
    r = sample_requests.c
    rows = conn.execute(
        select(r.id, r.creator_id, r.shop_id, r.product_id, r.kind, r.price_fen, r.closed_at)
        .outerjoin(sample_duties, d.sample_id == r.id)
        .where(r.status == SampleStatus.RECEIVED.value, d.id.is_(None))
        .order_by(r.id)
        .limit(batch)
    ).all()
    if not rows:
        return 0
    values = [
        {
            "sample_id": row.id,
            "creator_id": row.creator_id,
            "shop_id": row.shop_id,
            "product_id": row.product_id,
            "kind": row.kind,
            "status": DutyStatus.OPEN.value,
            "received_at": row.closed_at,
            "due_at": rules.duty_due(book, row.closed_at),
            "price_fen": row.price_fen or 0,
        }
        for row in rows
    ]
    conn.execute(dialect_insert(conn)(sample_duties).values(values).on_conflict_do_nothing())
    return len(rows)


def _duty(conn: Connection, book: Rulebook, sample_id: int, at: datetime) -> AnyRow:
    open_duties(conn, book, at=at)
    row = conn.execute(select(sample_duties).where(d.sample_id == sample_id)).first()
    if row is None:
        raise Conflict(f"sample {sample_id} has not been received; it has no promotion duty yet")
    return row


def _creators_duty(conn: Connection, actor: Actor, book: Rulebook, sample_id: int, at: datetime) -> AnyRow:
    owner = conn.execute(
        select(sample_requests.c.creator_id).where(sample_requests.c.id == sample_id)
    ).scalar()
    if owner is None or owner != creator_of(conn, actor).id:
        raise NotFound(f"no sample request {sample_id}")
    return _duty(conn, book, sample_id, at)


def _meet(conn: Connection, book: Rulebook, duty: AnyRow, met_by: str, at: datetime) -> bool:
    """Open -> met at `at` (a paid sample's refund falls due 7 days later)."""
    refund_at = rules.refund_due(book, at) if duty.kind == SampleKind.PAID and duty.price_fen else None
    return DUTY_LIFECYCLE.try_move(
        conn, sample_duties, duty.id, DutyStatus.OPEN, DutyStatus.MET,
        met_by=met_by, closed_at=at, due_at=None, refund_due_at=refund_at,
    )  # fmt: skip


def report_promotion(
    conn: Connection,
    actor: Actor,
    book: Rulebook,
    *,
    sample_id: int,
    video_id: int | None = None,
    session_id: int | None = None,
    at: datetime,
) -> str:
    """The creator shows the video or live session that promoted a free or review-free sample; the
    duty is met if it features the product inside the promotion period. Returns `met_by`."""
    if (video_id is None) == (session_id is None):
        raise InvalidInput("name one video or one live session that featured the sample")
    duty = _creators_duty(conn, actor, book, sample_id, at)
    if duty.kind == SampleKind.PAID:
        raise Conflict("a paid sample is refunded for settled orders only, not for a video or a session")
    if duty.status != DutyStatus.OPEN:
        raise Conflict(f"sample {sample_id}'s promotion duty is {duty.status}")
    found = (
        _video_features(conn, duty, video_id, at)
        if video_id
        else _session_features(conn, duty, session_id, at)
    )
    if not found:
        what = f"video {video_id}" if video_id else f"live session {session_id}"
        raise Conflict(
            f"{what} is not yours or does not feature the sample's product in its promotion period"
        )
    met_by = f"video:{video_id}" if video_id else f"live_session:{session_id}"
    if not _meet(conn, book, duty, met_by, at):
        raise Conflict(f"sample {sample_id}'s promotion duty changed meanwhile")
    return met_by


def _video_features(conn: Connection, duty: AnyRow, video_id: int | None, at: datetime) -> bool:
    v = videos.c
    return (
        conn.execute(
            select(v.id)
            .join(video_products, video_products.c.video_id == v.id)
            .where(
                v.id == video_id,
                v.creator_id == duty.creator_id,
                v.status == VideoStatus.PUBLISHED.value,
                video_products.c.product_id == duty.product_id,
                v.created_at >= duty.received_at,
                v.created_at <= at,
            )
        ).first()
        is not None
    )


def _session_features(conn: Connection, duty: AnyRow, session_id: int | None, at: datetime) -> bool:
    ls = live_sessions.c
    return (
        conn.execute(
            select(ls.id)
            .join(live_rooms, live_rooms.c.id == ls.room_id)
            .join(live_cards, live_cards.c.session_id == ls.id)
            .join(skus, skus.c.id == live_cards.c.sku_id)
            .where(
                ls.id == session_id,
                live_rooms.c.creator_id == duty.creator_id,
                skus.c.product_id == duty.product_id,
                ls.started_at >= duty.received_at,
                ls.started_at <= at,
            )
        ).first()
        is not None
    )


def settled_orders(conn: Connection, duty: AnyRow, *, until: datetime) -> list[AnyRow]:
    """Orders of the product the creator sold after receipt whose commission settled by `until`
    with nothing refunded (结算订单), first settled first: (order_id, base_fen, settled_at)."""
    c = creator_commissions.c
    return list(
        conn.execute(
            select(
                c.order_id, func.sum(c.base_fen).label("base_fen"), func.max(c.settled_at).label("settled_at")
            )
            .where(
                c.creator_id == duty.creator_id,
                c.product_id == duty.product_id,
                c.status == "settled",
                c.returned_fen == 0,
                c.paid_at >= duty.received_at,
                c.settled_at <= until,
            )
            .group_by(c.order_id)
            .order_by(func.max(c.settled_at), c.order_id)
        ).all()
    )


def met_by_orders_at(conn: Connection, book: Rulebook, duty: AnyRow, until: datetime) -> datetime | None:
    """When the settled orders first met the duty (None: not by `until`): 3 orders for a free or
    review-free sample; a paid one's X orders worth price × X × 80 % (`samples.paid-refund`)."""
    target = conn.execute(
        select(sample_requests.c.target_orders).where(sample_requests.c.id == duty.sample_id)
    ).scalar_one()
    count = amount = 0
    for row in settled_orders(conn, duty, until=until):
        count, amount = count + 1, amount + int(row.base_fen)
        if duty.kind != SampleKind.PAID:
            if count >= rules.orders_needed(book, row.settled_at):
                return row.settled_at
        elif rules.paid_target_met(
            book, row.settled_at, price_fen=duty.price_fen, target=target, orders=count, amount_fen=amount
        ):
            return row.settled_at
    return None


def return_sample(
    conn: Connection, actor: Actor, book: Rulebook, *, sample_id: int, tracking_no: str, at: datetime
) -> None:
    """The creator sends the sample back under a waybill (中止交付 / 退货退款): a free or
    review-free one within 13 days of receipt, a paid one while its duty is open."""
    number = tracking_no.strip()
    if not 4 <= len(number) <= TRACKING_MAX or not number.isascii() or not number.isalnum():
        raise InvalidInput(f"a tracking number is 4 to {TRACKING_MAX} letters or digits")
    duty = _creators_duty(conn, actor, book, sample_id, at)
    if duty.status != DutyStatus.OPEN:
        raise Conflict(f"sample {sample_id}'s promotion duty is {duty.status}; it cannot be returned now")
    if duty.kind != SampleKind.PAID and at >= rules.may_stop_until(book, duty.received_at):
        raise Conflict(f"sample {sample_id} was received more than 13 days ago; promote it instead")
    DUTY_LIFECYCLE.move(
        conn, sample_duties, duty.id, DutyStatus.OPEN, DutyStatus.RETURNING,
        return_tracking_no=number, return_shipped_at=at, due_at=rules.return_confirmed_by(book, at),
    )  # fmt: skip


def confirm_return(conn: Connection, actor: Actor, *, sample_id: int, at: datetime) -> None:
    """The shop confirms it got the sample back: the duty ends; a paid sample is refunded."""
    duty = conn.execute(select(sample_duties).where(d.sample_id == sample_id)).first()
    if duty is None:
        raise NotFound(f"no returned sample {sample_id}")
    require_shop(actor, duty.shop_id)
    if not _close_return(conn, duty, at):
        raise Conflict(f"sample {sample_id} is {duty.status}, not on its way back")


def _close_return(conn: Connection, duty: AnyRow, at: datetime) -> bool:
    moved = DUTY_LIFECYCLE.try_move(
        conn, sample_duties, duty.id, DutyStatus.RETURNING, DutyStatus.RETURNED, closed_at=at, due_at=None
    )
    if moved and duty.price_fen:
        _refund(conn, duty, "returned to the shop", at)
    return moved


def _refund(conn: Connection, duty: AnyRow, why: str, at: datetime) -> bool:
    """Refund a paid sample once: the refunded_at update is the claim."""
    claimed = conn.execute(
        sample_duties.update().where(d.id == duty.id, d.refunded_at.is_(None)).values(refunded_at=at)
    ).rowcount
    if claimed:
        refund_payment(conn, sample_id=duty.sample_id, price_fen=duty.price_fen, why=why, at=at)
    return bool(claimed)


# --- the worker's step ---


def _check_orders(conn: Connection, book: Rulebook, at: datetime, batch: int) -> int:
    """Open duties met by settled orders (every open duty, a batch at a time)."""
    met, last = 0, 0
    while True:
        rows = claim_batch(
            conn,
            select(sample_duties)
            .where(d.status == DutyStatus.OPEN.value, d.id > last)
            .order_by(d.id)
            .limit(batch),
        )
        for duty in rows:
            met_at = met_by_orders_at(conn, book, duty, min(at, duty.due_at))
            if met_at is not None:
                met += _meet(conn, book, duty, "orders", met_at)
        if len(rows) < batch:
            return met
        last = rows[-1].id


def _close_overdue(conn: Connection, at: datetime, batch: int) -> int:
    """Open duties past their period are broken (a paid sample's price goes to the shop);
    returns unconfirmed 7 days after shipping count as confirmed."""
    rows = claim_batch(
        conn,
        select(sample_duties)
        .where(d.status.in_([DutyStatus.OPEN.value, DutyStatus.RETURNING.value]), d.due_at <= at)
        .order_by(d.id)
        .limit(batch),
    )
    for duty in rows:
        if duty.status == DutyStatus.RETURNING:
            _close_return(conn, duty, at)
        elif (
            DUTY_LIFECYCLE.try_move(
                conn, sample_duties, duty.id, DutyStatus.OPEN, DutyStatus.BROKEN, closed_at=at, due_at=None
            )
            and duty.price_fen
        ):
            keep_payment(
                conn, sample_id=duty.sample_id, shop_id=duty.shop_id, price_fen=duty.price_fen, at=at
            )
    return len(rows)


def _refund_met(conn: Connection, at: datetime, batch: int) -> int:
    """Met paid samples whose 7 days have passed: refunded once."""
    rows = claim_batch(
        conn,
        select(sample_duties)
        .where(
            d.status == DutyStatus.MET.value,
            and_(d.refund_due_at.is_not(None), d.refund_due_at <= at),
            d.refunded_at.is_(None),
        )
        .order_by(d.id)
        .limit(batch),
    )
    return sum(_refund(conn, duty, "the promotion target was met", at) for duty in rows)


def duty_step(conn: Connection, book: Rulebook, *, at: datetime, batch: int = 500) -> int:
    return (
        open_duties(conn, book, at=at, batch=batch)
        + _check_orders(conn, book, at, batch)
        + _close_overdue(conn, at, batch)
        + _refund_met(conn, at, batch)
    )


def sweep_duties(uow, book: Rulebook, clock) -> int:
    """The worker's step: duties opened, met, broken, returns closed and paid samples refunded,
    in batches until a pass changes nothing."""
    total = 0
    for _ in range(100):
        with uow.begin() as conn:
            n = duty_step(conn, book, at=clock.now())
        total += n
        if n == 0:
            break
    return total
