"""Viewer coupons (直播间优惠券): the host pushes an offer to the live session's viewers (so much off
an order of at least so much at this shop, so many coupons, valid so many hours after the claim),
and each viewer claims it once.

Funding: the coupon is the merchant's own (coupons.funded_by = "merchant", a 商家券), so nothing
moves in the ledger when it is issued: the platform owes the buyer nothing. When the buyer spends
it, the order's paid amount is lower and the shop's proceeds receive only what was paid (the shop
pays the discount at redemption, see payments.services._payment_postings), and the commission base
leaves it out: "商家券金额不计入结算基数中" (douyin:aJmYzDVDDjey 5.2.1).

Exactly once per viewer, whatever races: the claim row is UNIQUE (offer_id, user_id), the coupon's
source `live-coupon:{offer}:{user}` is UNIQUE, and `claimed` rises only through a conditional
UPDATE (claimed < quantity) that PostgreSQL serialises on the offer's row. A refused claim raises,
so the caller's transaction rolls back and nothing is written."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from pledge.accounts.services import Actor, require_shop
from pledge.kernel.db import AnyRow
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.kernel.limits import MAX_PRICE_FEN
from pledge.kernel.money import format_yuan
from pledge.ledger import services as ledger
from pledge.live.model import SessionStatus
from pledge.live.tables import live_coupon_claims, live_coupon_offers, live_rooms, live_sessions

QUANTITY_MAX = 100_000  # coupons in one offer (pledge:default)
VALID_HOURS_MAX = 24 * 30  # a claimed coupon lasts at most 30 days (pledge:default)


@dataclass(frozen=True)
class CouponOffer:
    id: int
    room_id: int
    session_id: int
    shop_id: int
    amount_fen: int
    min_spend_fen: int
    quantity: int
    claimed: int
    valid_hours: int

    @property
    def left(self) -> int:
        return self.quantity - self.claimed


@dataclass(frozen=True)
class Claimed:
    coupon_id: int
    offer: CouponOffer
    expires_at: datetime


def coupon_source(offer_id: int, user_id: int) -> str:
    return f"live-coupon:{offer_id}:{user_id}"


def _whole(value: object, field: str, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise InvalidInput(f"{field} is a whole number from {low} to {high}")
    return value


def push_offer(
    conn: Connection,
    actor: Actor,
    *,
    session_id: int,
    amount_fen: int,
    min_spend_fen: int,
    quantity: int,
    valid_hours: int,
    at: datetime,
) -> CouponOffer:
    """The host offers coupons to the viewers of its live session."""
    session = _session_with_room(conn, session_id)
    require_shop(actor, session.shop_id)
    if session.status != SessionStatus.LIVE:
        raise Conflict(f"session {session_id} is not live; coupons are pushed during the broadcast")
    amount = _whole(amount_fen, "the coupon's amount in fen", 1, MAX_PRICE_FEN)
    minimum = _whole(min_spend_fen, "the minimum spend in fen", 0, MAX_PRICE_FEN)
    if minimum and amount >= minimum:
        raise InvalidInput("a coupon with a minimum spend takes off less than that minimum")
    count = _whole(quantity, "the number of coupons", 1, QUANTITY_MAX)
    hours = _whole(valid_hours, "the validity in hours", 1, VALID_HOURS_MAX)
    offer_id = conn.execute(
        live_coupon_offers.insert()
        .values(
            session_id=session_id,
            shop_id=session.shop_id,
            amount_fen=amount,
            min_spend_fen=minimum,
            quantity=count,
            valid_hours=hours,
            created_at=at,
        )
        .returning(live_coupon_offers.c.id)
    ).scalar_one()
    return CouponOffer(
        offer_id, session.room_id, session_id, session.shop_id, amount, minimum, count, 0, hours
    )


def _session_with_room(conn: Connection, session_id: int) -> AnyRow:
    row = conn.execute(
        select(live_sessions.c.id, live_sessions.c.status, live_sessions.c.room_id, live_rooms.c.shop_id)
        .join(live_rooms, live_rooms.c.id == live_sessions.c.room_id)
        .where(live_sessions.c.id == session_id)
    ).first()
    if row is None:
        raise NotFound(f"no live session {session_id}")
    return row


def _offer_row(conn: Connection, offer_id: int):
    o = live_coupon_offers.c
    return conn.execute(
        select(live_coupon_offers, live_sessions.c.room_id, live_sessions.c.status.label("session_status"))
        .join(live_sessions, live_sessions.c.id == o.session_id)
        .where(o.id == offer_id)
    ).first()


def _offer(row) -> CouponOffer:
    return CouponOffer(
        row.id,
        row.room_id,
        row.session_id,
        row.shop_id,
        row.amount_fen,
        row.min_spend_fen,
        row.quantity,
        row.claimed,
        row.valid_hours,
    )


def claim(conn: Connection, actor: Actor, *, room_id: int, offer_id: int, at: datetime) -> Claimed:
    """A viewer claims the room's offer: once per viewer, while the session is live and coupons
    are left. The coupon lands in the buyer's wallet, spendable at the shop until it expires."""
    row = _offer_row(conn, offer_id)
    if row is None or row.room_id != room_id:
        raise NotFound(f"live room {room_id} has no coupon offer {offer_id}")
    if row.session_status != SessionStatus.LIVE:
        raise Conflict("this session has ended; its coupons can no longer be claimed")
    c = live_coupon_claims.c
    if conn.execute(select(c.id).where(c.offer_id == offer_id, c.user_id == actor.user_id)).first():
        raise Conflict("you have already claimed this coupon")
    o = live_coupon_offers.c
    taken = conn.execute(
        live_coupon_offers.update()
        .where(o.id == offer_id, o.claimed < o.quantity)
        .values(claimed=o.claimed + 1)
        .returning(o.claimed)
    ).first()
    if taken is None:
        raise Conflict("all of these coupons have been claimed")
    offer = replace(_offer(row), claimed=taken.claimed)
    expires_at = at + timedelta(hours=offer.valid_hours)
    try:
        with conn.begin_nested():
            coupon_id = ledger.issue_coupon(conn, _grant(offer, actor.user_id, expires_at), at=at)
            conn.execute(
                live_coupon_claims.insert().values(
                    offer_id=offer_id, user_id=actor.user_id, coupon_id=coupon_id, created_at=at
                )
            )
    except IntegrityError:  # the same viewer's other click won the race
        raise Conflict("you have already claimed this coupon") from None
    return Claimed(coupon_id, offer, expires_at)


def _grant(offer: CouponOffer, buyer_id: int, expires_at: datetime) -> ledger.CouponGrant:
    off, minimum = format_yuan(offer.amount_fen), format_yuan(offer.min_spend_fen)
    threshold_en = f" on orders of ¥{minimum} or more" if offer.min_spend_fen else ""
    threshold_zh = f"满¥{minimum}" if offer.min_spend_fen else "无门槛"
    return ledger.CouponGrant(
        buyer_id,
        offer.amount_fen,
        coupon_source(offer.id, buyer_id),
        f"Live-room coupon: ¥{off} off{threshold_en}, at this shop",
        f"直播间优惠券：{threshold_zh}减¥{off}，限本店使用",
        min_spend_fen=offer.min_spend_fen,
        funded_by="merchant",
        shop_id=offer.shop_id,
        expires_at=expires_at,
    )


def offers(conn: Connection, session_id: int) -> list[CouponOffer]:
    """The session's offers, newest first (the room shows those with coupons left)."""
    o = live_coupon_offers.c
    rows = conn.execute(
        select(live_coupon_offers, live_sessions.c.room_id)
        .join(live_sessions, live_sessions.c.id == o.session_id)
        .where(o.session_id == session_id)
        .order_by(o.id.desc())
    )
    return [_offer(r) for r in rows]


def claimed_offer_ids(conn: Connection, user_id: int | None, offer_ids: list[int]) -> set[int]:
    if user_id is None or not offer_ids:
        return set()
    c = live_coupon_claims.c
    return set(
        conn.execute(select(c.offer_id).where(c.user_id == user_id, c.offer_id.in_(offer_ids))).scalars()
    )
