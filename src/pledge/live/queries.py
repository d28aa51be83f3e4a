"""What viewers, hosts and the API read of live rooms: the room with its session and cards,
rooms by status, comments page by page, and the report of a finished session."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_shop
from pledge.accounts.tables import users
from pledge.catalog.services import promise_of
from pledge.catalog.tables import content_promises, products, shops, skus
from pledge.kernel.db import AnyRow
from pledge.kernel.errors import InvalidInput, NotFound
from pledge.live.model import SessionStatus
from pledge.live.tables import live_cards, live_comments, live_rooms, live_sessions, live_viewer_samples
from pledge.orders.tables import order_lines, orders

COMMENTS_PAGE_MAX = 200


@dataclass(frozen=True)
class CardView:
    sku_id: int
    product_id: int
    title: str
    sku_name: str
    price_fen: int
    list_price_fen: int
    stock: int
    explaining: bool
    position: int
    product_promise: str  # the product's own promise code; the room's may be shorter
    shop_id: int = 0
    shop_name: str = ""  # a creator's room sells several shops' products: each card names its shop


@dataclass(frozen=True)
class SessionView:
    id: int
    title: str
    status: SessionStatus
    scheduled_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    playback_url: str | None
    likes: int
    peak_viewers: int
    cut_reason: str | None
    replay_url: str | None = None


@dataclass(frozen=True)
class RoomView:
    id: int
    shop_id: int | None  # None: a creator's own room (creator_id), selling several shops' products
    shop_name: str
    title: str
    content_id: int | None
    promise_code: str | None  # a creator's room states no room promise: each product's binds
    session: SessionView | None  # live now, else the next announced one, else the last one
    cards: list[CardView] = field(default_factory=list)
    creator_id: int | None = None

    @property
    def status(self) -> str:
        return self.session.status.value if self.session else "idle"


def session_view(row) -> SessionView:
    return SessionView(
        row.id,
        row.title,
        SessionStatus(row.status),
        row.scheduled_at,
        row.started_at,
        row.ended_at,
        row.playback_url,
        row.likes,
        row.peak_viewers,
        row.cut_reason,
        row.replay_url,
    )


def _current_first():
    """How a room's sessions rank for "current": live, else the next announced, else the latest."""
    s = live_sessions.c
    return [
        (s.status == SessionStatus.LIVE).desc(),
        (s.status == SessionStatus.SCHEDULED).desc(),
        s.scheduled_at.asc(),
        s.id.desc(),
    ]


def current_session(conn: Connection, room_id: int):
    """The room's live session, else its next announcement, else its latest session."""
    return current_sessions(conn, [room_id]).get(room_id)


def current_sessions(conn: Connection, room_ids: list[int]) -> dict[int, AnyRow]:
    """The current session of each room that has one, in one query (a window per room)."""
    if not room_ids:
        return {}
    s = live_sessions.c
    rank = func.row_number().over(partition_by=s.room_id, order_by=_current_first()).label("rank")
    ranked = (
        select(live_sessions, rank)
        .where(s.room_id.in_(room_ids), s.status != SessionStatus.CANCELLED)
        .subquery()
    )
    rows = conn.execute(select(ranked).where(ranked.c.rank == 1))
    return {row.room_id: row for row in rows}


def _cards_query():
    c = live_cards.c
    return (
        select(
            c.sku_id,
            skus.c.product_id,
            products.c.title,
            skus.c.name,
            c.price_fen,
            skus.c.price_fen.label("list_price_fen"),
            skus.c.stock,
            c.explaining,
            c.position,
            products.c.promise_kind,
            products.c.promise_hours,
            products.c.presale_date,
            c.session_id,
            skus.c.shop_id,
            shops.c.name.label("shop_name"),
        )
        .join(skus, skus.c.id == c.sku_id)
        .join(products, products.c.id == skus.c.product_id)
        .join(shops, shops.c.id == skus.c.shop_id)
        .where(c.pinned.is_(True))
        .order_by(c.session_id, c.position)
    )


def cards(conn: Connection, session_id: int) -> list[CardView]:
    """The session's pinned cards in the order they were pinned, with stock now."""
    return cards_of(conn, [session_id])[session_id]


def _card_view(row) -> CardView:
    return CardView(
        row.sku_id,
        row.product_id,
        row.title,
        row.name,
        row.price_fen,
        row.list_price_fen,
        row.stock,
        row.explaining,
        row.position,
        promise_of(row).code,
        row.shop_id,
        row.shop_name,
    )


def cards_of(conn: Connection, session_ids: list[int]) -> dict[int, list[CardView]]:
    """The pinned cards of each session, in one query."""
    found: dict[int, list[CardView]] = {session_id: [] for session_id in session_ids}
    if session_ids:
        for row in conn.execute(_cards_query().where(live_cards.c.session_id.in_(session_ids))):
            found[row.session_id].append(_card_view(row))
    return found


def _rooms_query():
    return (
        select(live_rooms, shops.c.name.label("shop_name"), content_promises)
        .outerjoin(shops, shops.c.id == live_rooms.c.shop_id)
        .outerjoin(content_promises, content_promises.c.id == live_rooms.c.content_id)
        .order_by(live_rooms.c.id)
    )


def _room_views(conn: Connection, rows: list[AnyRow]) -> list[RoomView]:
    """Rooms with their current session and its cards: three queries however many rooms."""
    sessions = current_sessions(conn, [r.id for r in rows])
    cards_by_session = cards_of(conn, [s.id for s in sessions.values()])
    views = []
    for row in rows:
        session = sessions.get(row.id)
        views.append(
            RoomView(
                row.id,
                row.shop_id,
                row.shop_name or "",
                row.title,
                row.content_id,
                promise_of(row).code if row.content_id is not None else None,
                session_view(session) if session else None,
                cards_by_session[session.id] if session else [],
                row.creator_id,
            )
        )
    return views


def room_view(conn: Connection, room_id: int) -> RoomView:
    row = conn.execute(_rooms_query().where(live_rooms.c.id == room_id)).first()
    if row is None:
        raise NotFound(f"no live room {room_id}")
    return _room_views(conn, [row])[0]


def rooms(
    conn: Connection, *, status: str | None = None, shop_id: int | None = None, creator_id: int | None = None
) -> list[RoomView]:
    """Rooms, those live first; `status` keeps only rooms whose current session has it;
    `creator_id` keeps the creator's own rooms."""
    if status is not None and status not in {s.value for s in SessionStatus} | {"idle"}:
        raise InvalidInput(f"unknown status {status!r}")
    query = _rooms_query()
    if shop_id is not None:
        query = query.where(live_rooms.c.shop_id == shop_id)
    if creator_id is not None:
        query = query.where(live_rooms.c.creator_id == creator_id, live_rooms.c.shop_id.is_(None))
    found = _room_views(conn, list(conn.execute(query)))
    if status is not None:
        found = [r for r in found if r.status == status]
    return sorted(found, key=lambda r: (r.status != SessionStatus.LIVE, r.id))


@dataclass(frozen=True)
class CommentView:
    id: int
    user_id: int
    author: str
    text: str
    created_at: datetime


def comments(
    conn: Connection,
    session_id: int,
    *,
    viewer_id: int | None = None,
    after: int | None = None,
    before: int | None = None,
    limit: int = 50,
) -> list[CommentView]:
    """Comments oldest first: those after `after` (replay after a reconnect), or the `limit`
    newest before `before` (scrolling back). A held comment is shown to its author only."""
    if not 1 <= limit <= COMMENTS_PAGE_MAX:
        raise InvalidInput(f"a page holds 1 to {COMMENTS_PAGE_MAX} comments")
    c = live_comments.c
    visible = c.verdict == "allow"
    if viewer_id is not None:
        visible = or_(visible, and_(c.verdict == "hold", c.user_id == viewer_id))
    query = (
        select(c.id, c.user_id, users.c.display_name, c.text, c.created_at)
        .join(users, users.c.id == c.user_id)
        .where(c.session_id == session_id, visible)
    )
    if after is not None:
        rows = conn.execute(query.where(c.id > after).order_by(c.id).limit(limit)).all()
    else:
        if before is not None:
            query = query.where(c.id < before)
        rows = list(reversed(conn.execute(query.order_by(c.id.desc()).limit(limit)).all()))
    return [CommentView(*row) for row in rows]


def session_room(conn: Connection, session_id: int) -> int:
    room_id = conn.execute(select(live_sessions.c.room_id).where(live_sessions.c.id == session_id)).scalar()
    if room_id is None:
        raise NotFound(f"no live session {session_id}")
    return room_id


@dataclass(frozen=True)
class SessionReport:
    session: SessionView
    viewers: list[tuple[datetime, int]]
    comments_per_minute: list[tuple[datetime, int]]
    comments: int


def session_report(conn: Connection, session_id: int) -> SessionReport:
    """Viewers over time and comments per minute of a session (orders and GMV per product come
    with attribution, which records the session an order came from)."""
    row = conn.execute(select(live_sessions).where(live_sessions.c.id == session_id)).first()
    if row is None:
        raise NotFound(f"no live session {session_id}")
    v = live_viewer_samples.c
    viewers = [
        (r.at, r.viewers)
        for r in conn.execute(select(v.at, v.viewers).where(v.session_id == session_id).order_by(v.at))
    ]
    per_minute: dict[datetime, int] = {}
    for (at,) in conn.execute(
        select(live_comments.c.created_at)
        .where(live_comments.c.session_id == session_id)
        .order_by(live_comments.c.id)
    ):
        minute = at.replace(second=0, microsecond=0)
        per_minute[minute] = per_minute.get(minute, 0) + 1
    return SessionReport(session_view(row), viewers, sorted(per_minute.items()), sum(per_minute.values()))


def live_sessions_of(conn: Connection, room_ids: list[int]) -> dict[int, int]:
    """The live session of each of these rooms that has one: {room_id: session_id}."""
    s = live_sessions.c
    rows = conn.execute(
        select(s.room_id, s.id).where(s.room_id.in_(room_ids), s.status == SessionStatus.LIVE)
    )
    return {room_id: session_id for room_id, session_id in rows}


def open_session_id(conn: Connection, room_id: int) -> int:
    """The session the host works on now: the live one, else the next announced one."""
    s = live_sessions.c
    found = conn.execute(
        select(s.id)
        .where(s.room_id == room_id, s.status.in_((SessionStatus.LIVE, SessionStatus.SCHEDULED)))
        .order_by((s.status == SessionStatus.LIVE).desc(), s.scheduled_at.asc(), s.id)
        .limit(1)
    ).scalar()
    if found is None:
        raise NotFound(f"live room {room_id} has no live or announced session")
    return found


def session_report_for(conn: Connection, actor: Actor, session_id: int) -> tuple[RoomView, SessionReport]:
    """The report of a session, for the members of the room's shop (and platform staff)."""
    room = room_view(conn, session_room(conn, session_id))
    _require_room_shop(actor, room)
    return room, session_report(conn, session_id)


def _require_room_shop(actor: Actor, room: RoomView) -> None:
    """A shop's room, for its members (and platform staff); a creator's own room is not a shop's
    (its creator works it through pledge.creators.rooms)."""
    if room.shop_id is None:
        raise NotFound(f"no live room {room.id} of a shop")
    require_shop(actor, room.shop_id, read_only=True)


def room_for_host(conn: Connection, actor: Actor, room_id: int) -> RoomView:
    room = room_view(conn, room_id)
    _require_room_shop(actor, room)
    return room


def sessions_of_room(conn: Connection, room_id: int, *, limit: int = 20) -> list[SessionView]:
    """The room's sessions, newest first (the host console's past sessions)."""
    s = live_sessions.c
    rows = conn.execute(select(live_sessions).where(s.room_id == room_id).order_by(s.id.desc()).limit(limit))
    return [session_view(r) for r in rows]


@dataclass(frozen=True)
class ShopSession:
    room_id: int
    room_title: str
    session: SessionView


SHOP_SESSIONS_PAGE = 10


def shop_sessions(
    conn: Connection, shop_id: int, statuses: tuple[SessionStatus, ...], *, page: int = 1
) -> tuple[list[ShopSession], bool]:
    """A page of the shop's sessions with these statuses, across its rooms, and whether more
    follow: upcoming ones (live, announced) soonest first, past ones (ended, cut) newest first."""
    if not 1 <= page <= 1000:
        raise InvalidInput("a page number is 1 to 1000")
    s = live_sessions.c
    upcoming = SessionStatus.LIVE in statuses or SessionStatus.SCHEDULED in statuses
    order = _current_first() if upcoming else [s.started_at.desc(), s.id.desc()]
    rows = conn.execute(
        select(live_sessions, live_rooms.c.title.label("room_title"))
        .join(live_rooms, live_rooms.c.id == s.room_id)
        .where(live_rooms.c.shop_id == shop_id, s.status.in_(statuses))
        .order_by(*order)
        .limit(SHOP_SESSIONS_PAGE + 1)
        .offset((page - 1) * SHOP_SESSIONS_PAGE)
    ).all()
    found = [ShopSession(r.room_id, r.room_title, session_view(r)) for r in rows[:SHOP_SESSIONS_PAGE]]
    return found, len(rows) > SHOP_SESSIONS_PAGE


@dataclass(frozen=True)
class ShopSku:
    sku_id: int
    product_title: str
    sku_name: str
    price_fen: int
    stock: int


def shop_skus(conn: Connection, shop_id: int) -> list[ShopSku]:
    """The shop's SKUs on sale, for the host to pin."""
    rows = conn.execute(
        select(skus.c.id, products.c.title, skus.c.name, skus.c.price_fen, skus.c.stock)
        .join(products, products.c.id == skus.c.product_id)
        .where(products.c.shop_id == shop_id, products.c.active.is_(True))
        .order_by(products.c.id, skus.c.id)
    )
    return [ShopSku(*row) for row in rows]


def comment_count(conn: Connection, session_id: int) -> int:
    return conn.execute(
        select(func.count()).select_from(live_comments).where(live_comments.c.session_id == session_id)
    ).scalar_one()


def room_of_content(conn: Connection, content_id: int | None) -> int | None:
    """The live room that states this content promise, if one does (a flash deal launched there)."""
    if content_id is None:
        return None
    return conn.execute(select(live_rooms.c.id).where(live_rooms.c.content_id == content_id)).scalar()


@dataclass(frozen=True)
class RoomOrder:
    room_id: int
    buyer_name: str
    product_title: str


def room_orders(conn: Connection, order_ids: list[int]) -> list[RoomOrder]:
    """Of these orders, those bought in a live session: the room, the buyer, the first line
    (three queries however many orders)."""
    from_session = orders.c.source_ref.like("live_session:%")
    rows = conn.execute(
        select(orders.c.id, orders.c.source_ref, users.c.display_name)
        .join(users, users.c.id == orders.c.buyer_id)
        .where(orders.c.id.in_(order_ids), from_session)
        .order_by(orders.c.id)
    ).all()
    if not rows:
        return []
    session_of = {order_id: int(ref.split(":", 1)[1]) for order_id, ref, _ in rows}
    first_line = (
        select(order_lines.c.order_id, func.min(order_lines.c.id).label("line_id"))
        .where(order_lines.c.order_id.in_(session_of))
        .group_by(order_lines.c.order_id)
        .subquery()
    )
    titles = dict(
        conn.execute(
            select(order_lines.c.order_id, order_lines.c.title).join(
                first_line, first_line.c.line_id == order_lines.c.id
            )
        ).all()
    )
    s = live_sessions.c
    room_of = dict(conn.execute(select(s.id, s.room_id).where(s.id.in_(set(session_of.values())))).all())
    return [RoomOrder(room_of[session_of[oid]], buyer, titles[oid]) for oid, _, buyer in rows]
