"""Trust & safety hooks on creators (issue 18): a creator warned, limited or removed from selling.

Removal (final) empties the showcase (creators.services.set_creator_status), cuts the creator's
rooms' live sessions (断播, with the reason) and unpins their products, cancels announced ones,
unlists the products of the creator's own videos (creators.videos),
and freezes the creator's unpaid commissions for the longest the rulebook allows
(`affiliate.freeze`: "平台有权冻结其账户内未提现的推广费并延长提现时长（最长不超过180天）"): while a
freeze is in force the creator's pending commissions do not settle (creators.commissions); a
freeze may also cover one product only (a creator penalty's hold, governance.creator_penalties). A
removed creator's room cannot announce or start a session (CreatorRoomGuard, wired by bootstrap
with the live guards); orders from a removed creator's showcase, room or video are refused at
checkout (creators.sources)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform
from pledge.catalog.tables import products
from pledge.creators import policy
from pledge.creators.model import CreatorStatus
from pledge.creators.samples import cancel_open_samples
from pledge.creators.services import set_creator_status
from pledge.creators.tables import creator_freezes, creators
from pledge.creators.videos import unlist_products
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.kernel.text import clean_text
from pledge.live import services as live
from pledge.live.model import LIFECYCLE as SESSION_LIFECYCLE
from pledge.live.model import SessionStatus
from pledge.live.tables import live_cards, live_rooms, live_sessions
from pledge.rulebooks.loader import Rulebook

REASON_MAX = 200
REMOVAL_REASON = "creator removed from selling for a violation"
SAFETY_ROLES = ("operator", "reviewer")  # trust & safety: governance's enforcing roles


def freeze_commissions(
    conn: Connection,
    actor: Actor,
    book: Rulebook,
    *,
    creator_id: int,
    days: int,
    reason: object,
    at: datetime,
    product_id: int | None = None,
) -> int:
    """The platform freezes a violating creator's unpaid commissions for `days` (1 to the
    clause's maximum, 180): they do not settle until the freeze ends. With `product_id`, only the
    commissions on that product (a penalty's hold, "停止结算违规订单"); without, all of them."""
    require_platform(actor, *SAFETY_ROLES)
    why = clean_text(reason, field="the reason", max_length=REASON_MAX)
    if conn.execute(select(creators.c.id).where(creators.c.id == creator_id)).first() is None:
        raise NotFound(f"no creator {creator_id}")
    if (
        product_id is not None
        and conn.execute(select(products.c.id).where(products.c.id == product_id)).first() is None
    ):
        raise NotFound(f"no product {product_id}")
    ends_at = policy.freeze_ends_at(book, at, days)
    clause = policy.clause_of(book, "affiliate_freeze", at)
    return conn.execute(
        creator_freezes.insert()
        .values(
            creator_id=creator_id,
            product_id=product_id,
            reason=why,
            clause_id=clause.id,
            starts_at=at,
            ends_at=ends_at,
            created_by=actor.user_id,
            created_at=at,
        )
        .returning(creator_freezes.c.id)
    ).scalar_one()


def stop_sessions(conn: Connection, actor: Actor, *, creator_id: int, reason: str, at: datetime) -> int:
    """Cut the live sessions of the creator's rooms (their cards unpinned) and cancel the
    announced ones; returns the sessions stopped."""
    s = live_sessions.c
    rows = conn.execute(
        select(s.id, s.status)
        .join(live_rooms, live_rooms.c.id == s.room_id)
        .where(
            live_rooms.c.creator_id == creator_id, s.status.in_((SessionStatus.LIVE, SessionStatus.SCHEDULED))
        )
        .order_by(s.id)
    ).all()
    for row in rows:
        if row.status == SessionStatus.LIVE:
            live.cut_session(conn, actor, session_id=row.id, reason=reason, at=at)
            conn.execute(live_cards.update().where(live_cards.c.session_id == row.id).values(pinned=False))
        else:
            SESSION_LIFECYCLE.move(conn, live_sessions, row.id, row.status, SessionStatus.CANCELLED)
    return len(rows)


def change_standing(
    conn: Connection, actor: Actor, book: Rulebook, *, creator_id: int, status: str, at: datetime
) -> None:
    """Limit, restore or remove a creator, with what removal brings: sessions stopped, products
    unpinned, unlisted from their own videos and taken out of the showcase, sample requests not
    shipped yet cancelled (paid ones refunded), unpaid commissions frozen for the longest allowed."""
    if status not in {s.value for s in CreatorStatus}:
        raise InvalidInput(f"a creator's standing is active, limited or removed, not {status!r}")
    set_creator_status(conn, actor, creator_id=creator_id, status=status)
    if status == CreatorStatus.REMOVED:
        stop_sessions(conn, actor, creator_id=creator_id, reason=REMOVAL_REASON, at=at)
        unlist_products(conn, creator_id=creator_id)
        cancel_open_samples(conn, creator_id=creator_id, at=at)
        most = int(policy.clause_of(book, "affiliate_freeze", at).get("max_days"))
        freeze_commissions(conn, actor, book, creator_id=creator_id, days=most, reason=REMOVAL_REASON, at=at)


def close_selling(conn: Connection, *, creator_id: int, until: datetime) -> datetime:
    """Close the creator's selling (关闭电商权限) until `until`, or longer if a closure already
    runs later: no order binds to their showcase, rooms or videos before then (creators.sources).
    It lifts itself at that time; returns the closure's end."""
    current = conn.execute(
        select(creators.c.selling_closed_until).where(creators.c.id == creator_id)
    ).scalar_one()
    ends = until if current is None or current < until else current
    conn.execute(creators.update().where(creators.c.id == creator_id).values(selling_closed_until=ends))
    return ends


class CreatorRoomGuard:
    """Refuses announcing or starting a session in a removed creator's room (live.guards)."""

    def check_live(self, conn: Connection, shop_id: int, *, at: datetime) -> None:
        return None  # the shop's own standing is the penalties' guard

    def check_room(self, conn: Connection, room_id: int, *, at: datetime) -> None:
        status = conn.execute(
            select(creators.c.status)
            .join(live_rooms, live_rooms.c.creator_id == creators.c.id)
            .where(live_rooms.c.id == room_id)
        ).scalar()
        if status == CreatorStatus.REMOVED:
            raise Conflict(
                f"live room {room_id} belongs to a creator removed from selling; it cannot go live"
            )
