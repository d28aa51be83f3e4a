"""Live-room use cases: rooms, the session lifecycle, product cards, comments, likes, reminders.

Each use case runs in the caller's transaction and returns what happened; the web layer
publishes the matching event to the room's viewers after the transaction commits (a viewer never
sees a comment or a card that was rolled back)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from pledge.accounts.services import Actor, require_platform, require_shop
from pledge.catalog.services import create_content_promise
from pledge.catalog.tables import content_promises, products, shops, skus
from pledge.followers.services import follower_ids
from pledge.kernel.errors import Conflict, InvalidInput, NotFound, TooManyAttempts
from pledge.kernel.heard import NOBODY, Heard, Listener, Said
from pledge.kernel.limits import MAX_PRICE_FEN, REASON_MAX
from pledge.kernel.screening import ADMIT_ALL, ContentScreen, Screening
from pledge.kernel.text import clean_text
from pledge.live.guards import LiveGuard, check_live
from pledge.live.model import (
    CARDS_MAX,
    COMMENT_BURST,
    COMMENT_GAP,
    COMMENT_WINDOW,
    LIFECYCLE,
    SessionStatus,
    Verdict,
    clean_comment,
    clean_title,
    clean_transcript,
)
from pledge.live.moderation import CommentContext, HoldsForReview, Moderator
from pledge.live.tables import (
    live_cards,
    live_comments,
    live_reminders,
    live_rooms,
    live_sessions,
    live_viewer_samples,
)
from pledge.notifications.model import Kind
from pledge.notifications.services import notify
from pledge.promises.model import Promise

PLAYBACK_URL_MAX = 500
LIKES_PER_TAP_MAX = 50
CUTTING_ROLES = ("operator", "reviewer")  # trust & safety cuts a stream; finance does not


@dataclass(frozen=True)
class Comment:
    id: int
    session_id: int
    room_id: int
    user_id: int
    author: str
    text: str
    verdict: Verdict
    created_at: datetime


@dataclass(frozen=True)
class Card:
    session_id: int
    sku_id: int
    price_fen: int
    pinned: bool
    explaining: bool


def create_room(
    conn: Connection,
    actor: Actor,
    *,
    shop_id: int,
    title: object,
    promise: Promise | None,
    at: datetime,
    content_id: int | None = None,
    screen: ContentScreen = ADMIT_ALL,
) -> int:
    """A shop's room with the ship promise it states to its viewers; or, given `content_id`, the
    room of a live-room promise the shop already states (its past orders then count for it).
    `screen` checks the title (a blocked one is refused)."""
    name = screened_title(screen, title)
    if content_id is None:
        if promise is None:
            raise InvalidInput("a new room states its ship promise")
        content_id = create_content_promise(
            conn, actor, shop_id=shop_id, kind="live_room", title=name, promise=promise
        )
    else:
        _adoptable(conn, actor, shop_id, content_id)
    return conn.execute(
        live_rooms.insert()
        .values(shop_id=shop_id, content_id=content_id, title=name, created_at=at)
        .returning(live_rooms.c.id)
    ).scalar_one()


def insert_creator_room(
    conn: Connection, *, creator_id: int, title: object, at: datetime, screen: ContentScreen = ADMIT_ALL
) -> int:
    """A creator's own room (no shop, no room promise): the caller (pledge.creators.rooms) has
    checked the creator may sell."""
    return conn.execute(
        live_rooms.insert()
        .values(creator_id=creator_id, title=screened_title(screen, title), created_at=at)
        .returning(live_rooms.c.id)
    ).scalar_one()


def _adoptable(conn: Connection, actor: Actor, shop_id: int, content_id: int) -> None:
    require_shop(actor, shop_id)
    row = conn.execute(
        select(content_promises.c.shop_id, content_promises.c.kind).where(content_promises.c.id == content_id)
    ).first()
    if row is None or row.shop_id != shop_id or row.kind != "live_room":
        raise NotFound(f"shop {shop_id} states no live-room promise {content_id}")
    taken = conn.execute(select(live_rooms.c.id).where(live_rooms.c.content_id == content_id)).first()
    if taken is not None:
        raise Conflict(f"live room {taken.id} already has that promise")


def _room(conn: Connection, room_id: int):
    row = conn.execute(select(live_rooms).where(live_rooms.c.id == room_id)).first()
    if row is None:
        raise NotFound(f"no live room {room_id}")
    return row


def _session(conn: Connection, session_id: int):
    row = conn.execute(
        select(live_sessions, live_rooms.c.shop_id)
        .join(live_rooms, live_rooms.c.id == live_sessions.c.room_id)
        .where(live_sessions.c.id == session_id)
    ).first()
    if row is None:
        raise NotFound(f"no live session {session_id}")
    return row


def schedule_session(
    conn: Connection,
    actor: Actor,
    *,
    room_id: int,
    title: object,
    starts_at: datetime,
    at: datetime,
    screen: ContentScreen = ADMIT_ALL,
    guards: Sequence[LiveGuard] = (),
) -> int:
    """Announce a session (预告) that viewers may subscribe to; `screen` checks its title and
    `guards` may refuse the shop (a live ban)."""
    room = _room(conn, room_id)
    require_shop(actor, room.shop_id)
    check_live(guards, conn, room.shop_id, at=at, room_id=room.id)
    if starts_at <= at:
        raise InvalidInput("an announced session starts in the future")
    name = screened_title(screen, title)
    session_id = _insert_session(conn, room_id, name, scheduled_at=starts_at, at=at)
    notify(
        conn,
        follower_ids(conn, room.shop_id),
        kind=Kind.LIVE_SCHEDULED,
        params={
            "shop": _shop_name(conn, room.shop_id),
            "title": name,
            "room_id": room.id,
            "starts_at": starts_at.isoformat(),
        },
        link=f"/live/{room.id}",
        cause=f"live-scheduled:{session_id}",
        at=at,
    )
    return session_id


def _insert_session(
    conn: Connection, room_id: int, title: str, *, scheduled_at: datetime | None, at: datetime
) -> int:
    return conn.execute(
        live_sessions.insert()
        .values(
            room_id=room_id,
            title=title,
            status=SessionStatus.SCHEDULED,
            scheduled_at=scheduled_at,
            created_at=at,
        )
        .returning(live_sessions.c.id)
    ).scalar_one()


def go_live(
    conn: Connection,
    actor: Actor,
    *,
    room_id: int,
    playback_url: object,
    at: datetime,
    session_id: int | None = None,
    title: object = None,
    screen: ContentScreen = ADMIT_ALL,
    guards: Sequence[LiveGuard] = (),
) -> int:
    """Start the announced session `session_id`, or a new one titled `title` right now. A room
    already live refuses a second session (Conflict), however the clicks race; `guards` may
    refuse the shop (a live ban)."""
    room = _room(conn, room_id)
    require_shop(actor, room.shop_id)
    check_live(guards, conn, room.shop_id, at=at, room_id=room.id)
    audience = Audience(_shop_name(conn, room.shop_id), frozenset(follower_ids(conn, room.shop_id)))
    return start_session(
        conn,
        room,
        playback_url=playback_url,
        at=at,
        session_id=session_id,
        title=title,
        screen=screen,
        audience=audience,
    )


@dataclass(frozen=True)
class Audience:
    """Who is told a room went live besides those who asked to be reminded, and by what name."""

    host: str
    followers: frozenset[int] = frozenset()


def start_session(
    conn: Connection,
    room,
    *,
    playback_url: object,
    at: datetime,
    audience: Audience,
    session_id: int | None = None,
    title: object = None,
    screen: ContentScreen = ADMIT_ALL,
) -> int:
    """go_live once the caller has checked who may (the shop's members; a creator's own room:
    pledge.creators.rooms)."""
    url = _clean_playback_url(playback_url)
    if session_id is None:
        session_id = _insert_session(
            conn, room.id, screened_title(screen, title or room.title), scheduled_at=None, at=at
        )
    session = _session(conn, session_id)
    if session.room_id != room.id:
        raise NotFound(f"room {room.id} has no session {session_id}")
    try:
        with conn.begin_nested():
            LIFECYCLE.move(
                conn,
                live_sessions,
                session_id,
                session.status,
                SessionStatus.LIVE,
                started_at=at,
                playback_url=url,
            )
    except IntegrityError:
        raise Conflict(f"room {room.id} is already live; end that session first") from None
    _tell_live(conn, room, session_id, session.title, audience, at)
    return session_id


def screened_title(screen: ContentScreen, title: object) -> str:
    """A room's or session's title, after the content checks (`live` context): a blocked title
    raises; one they would send to review is shown (a title has no author-only view), and the
    screen that answered REVIEW is where a reviewer queue picks it up."""
    name = clean_title(title)
    screen.admit([("title", name)])
    return name


def check_transcript(
    conn: Connection, actor: Actor, *, session_id: int, lines: object, screen: ContentScreen
) -> list[Screening]:
    """The content checks' answer for each transcript line a caller supplies (speech-to-text of
    the session, run elsewhere): the shop's members only; nothing is stored."""
    texts = clean_transcript(lines)
    session = _session(conn, session_id)
    require_shop(actor, session.shop_id, read_only=True)
    return [screen.judge(text) for text in texts]


def _shop_name(conn: Connection, shop_id: int) -> str:
    return conn.execute(select(shops.c.name).where(shops.c.id == shop_id)).scalar_one()


def _tell_live(conn: Connection, room, session_id: int, title: str, audience: Audience, at: datetime) -> None:
    """The audience's followers and everyone who asked to be reminded: the session is live now."""
    r = live_reminders.c
    reminded = list(
        conn.execute(select(r.user_id).where(r.session_id == session_id, r.reminded_at.is_(None))).scalars()
    )
    notify(
        conn,
        set(audience.followers) | set(reminded),
        kind=Kind.LIVE_STARTED,
        params={"shop": audience.host, "title": title, "room_id": room.id},
        link=f"/live/{room.id}",
        cause=f"live-started:{session_id}",
        at=at,
    )
    conn.execute(
        live_reminders.update()
        .where(r.session_id == session_id, r.reminded_at.is_(None))
        .values(reminded_at=at)
    )


def _clean_playback_url(value: object) -> str:
    return clean_hls_url(value, "the playback URL")


def clean_hls_url(value: object, field: str) -> str:
    """An HLS playlist URL from the ingest server: http(s) or a path on this site, ending .m3u8."""
    url = clean_text(value, field=field, max_length=PLAYBACK_URL_MAX)
    if not (url.startswith("https://") or url.startswith("http://") or url.startswith("/")):
        raise InvalidInput(f"{field} is an http(s) address or a path on this site")
    if not url.split("?")[0].endswith(".m3u8"):
        raise InvalidInput(f"{field} is an HLS playlist (.m3u8) from the ingest server")
    return url


def end_session(conn: Connection, actor: Actor, *, session_id: int, at: datetime) -> None:
    session = _session(conn, session_id)
    require_shop(actor, session.shop_id)
    finish_session(conn, session, at=at)


def finish_session(conn: Connection, session, *, at: datetime) -> None:
    """end_session once the caller has checked who may."""
    session_id = session.id
    LIFECYCLE.move(conn, live_sessions, session_id, session.status, SessionStatus.ENDED, ended_at=at)
    _unmark_explaining(conn, session_id)


def cut_session(conn: Connection, actor: Actor, *, session_id: int, reason: object, at: datetime) -> None:
    """The platform stops a live session (断播) and says why."""
    require_platform(actor, *CUTTING_ROLES)
    why = clean_text(reason, field="the reason", max_length=REASON_MAX)
    session = _session(conn, session_id)
    LIFECYCLE.move(
        conn, live_sessions, session_id, session.status, SessionStatus.CUT, ended_at=at, cut_reason=why
    )
    _unmark_explaining(conn, session_id)


def cancel_session(conn: Connection, actor: Actor, *, session_id: int) -> None:
    session = _session(conn, session_id)
    require_shop(actor, session.shop_id)
    LIFECYCLE.move(conn, live_sessions, session_id, session.status, SessionStatus.CANCELLED)


def _open_session_of_shop(conn: Connection, actor: Actor, session_id: int):
    session = _session(conn, session_id)
    require_shop(actor, session.shop_id)
    return open_session(conn, session_id)


def pin_card(
    conn: Connection, actor: Actor, *, session_id: int, sku_id: int, price_fen: int, at: datetime
) -> Card:
    """Put a product on the session's cart (小黄车) at the room's price. Only the shop's own
    products; pinning again changes the price and brings an unpinned card back."""
    session = _open_session_of_shop(conn, actor, session_id)
    sku = conn.execute(
        select(skus.c.id, skus.c.shop_id, skus.c.price_fen, products.c.active)
        .join(products, products.c.id == skus.c.product_id)
        .where(skus.c.id == sku_id)
    ).first()
    if sku is None or sku.shop_id != session.shop_id:
        raise NotFound(f"shop {session.shop_id} sells no SKU {sku_id}")
    if not sku.active:
        raise Conflict(f"SKU {sku_id} is no longer on sale")
    return place_card(conn, session_id, sku_id, price_fen, at=at)


def open_session(conn: Connection, session_id: int):
    """A session whose cards may still change (announced or live), whoever's room it is."""
    session = _session(conn, session_id)
    if session.status not in (SessionStatus.SCHEDULED, SessionStatus.LIVE):
        raise Conflict(f"session {session_id} is {session.status}; its cards can no longer change")
    return session


def place_card(conn: Connection, session_id: int, sku_id: int, price_fen: int, *, at: datetime) -> Card:
    """pin_card once the caller has checked the session is open and the SKU may be sold there."""
    if type(price_fen) is not int or not 0 < price_fen <= MAX_PRICE_FEN:
        raise InvalidInput(f"the room price is a whole number of fen from 1 to {MAX_PRICE_FEN}")
    existing = conn.execute(
        select(live_cards.c.id).where(live_cards.c.session_id == session_id, live_cards.c.sku_id == sku_id)
    ).first()
    if existing is not None:
        conn.execute(
            live_cards.update().where(live_cards.c.id == existing.id).values(price_fen=price_fen, pinned=True)
        )
    else:
        count = conn.execute(
            select(func.count()).select_from(live_cards).where(live_cards.c.session_id == session_id)
        ).scalar_one()
        if count >= CARDS_MAX:
            raise Conflict(f"a session holds at most {CARDS_MAX} product cards")
        conn.execute(
            live_cards.insert().values(
                session_id=session_id, sku_id=sku_id, price_fen=price_fen, position=count + 1, pinned_at=at
            )
        )
    return Card(session_id, sku_id, price_fen, pinned=True, explaining=False)


def _card(conn: Connection, session_id: int, sku_id: int):
    row = conn.execute(
        select(live_cards).where(live_cards.c.session_id == session_id, live_cards.c.sku_id == sku_id)
    ).first()
    if row is None or not row.pinned:
        raise NotFound(f"SKU {sku_id} is not pinned in session {session_id}")
    return row


def unpin_card(conn: Connection, actor: Actor, *, session_id: int, sku_id: int) -> Card:
    _open_session_of_shop(conn, actor, session_id)
    return take_card_off(conn, session_id, sku_id)


def take_card_off(conn: Connection, session_id: int, sku_id: int) -> Card:
    """unpin_card once the caller has checked who may."""
    card = _card(conn, session_id, sku_id)
    conn.execute(live_cards.update().where(live_cards.c.id == card.id).values(pinned=False, explaining=False))
    return Card(session_id, sku_id, card.price_fen, pinned=False, explaining=False)


def explain_card(conn: Connection, actor: Actor, *, session_id: int, sku_id: int) -> Card:
    """Mark the card the host is explaining now (讲解中); at most one per session."""
    _open_session_of_shop(conn, actor, session_id)
    card = _card(conn, session_id, sku_id)
    _unmark_explaining(conn, session_id)
    conn.execute(live_cards.update().where(live_cards.c.id == card.id).values(explaining=True))
    return Card(session_id, sku_id, card.price_fen, pinned=True, explaining=True)


def _unmark_explaining(conn: Connection, session_id: int) -> None:
    conn.execute(
        live_cards.update()
        .where(live_cards.c.session_id == session_id, live_cards.c.explaining.is_(True))
        .values(explaining=False)
    )


def _live_session(conn: Connection, session_id: int):
    session = _session(conn, session_id)
    if session.status != SessionStatus.LIVE:
        raise Conflict(f"session {session_id} is not live")
    return session


def _check_comment_pace(conn: Connection, user_id: int, at: datetime) -> None:
    c = live_comments.c
    recent = [
        row.created_at
        for row in conn.execute(
            select(c.created_at)
            .where(c.user_id == user_id, c.created_at > at - (COMMENT_WINDOW))
            .order_by(c.created_at.desc())
            .limit(COMMENT_BURST)
        )
    ]
    if recent and at - recent[0] < COMMENT_GAP:
        wait = COMMENT_GAP - (at - recent[0])
        raise TooManyAttempts(
            "you are commenting too fast; wait a moment", retry_after=math.ceil(wait.total_seconds())
        )
    if len(recent) >= COMMENT_BURST and at - recent[-1] < COMMENT_WINDOW:
        wait = COMMENT_WINDOW - (at - recent[-1])
        raise TooManyAttempts(
            f"at most {COMMENT_BURST} comments a minute; wait a moment",
            retry_after=math.ceil(wait.total_seconds()),
        )


def post_comment(
    conn: Connection,
    actor: Actor,
    *,
    session_id: int,
    text: object,
    moderator: Moderator,
    at: datetime,
    listener: Listener = NOBODY,
) -> Comment:
    """A viewer's comment on a live session, after moderation: allowed comments go to everyone,
    held ones only back to their author, blocked ones are refused and not stored. An allowed
    comment from a viewer (not the shop's own members) is told to the listener."""
    body = clean_comment(text)
    session = _live_session(conn, session_id)
    _check_comment_pace(conn, actor.user_id, at)
    context = CommentContext(session_id, session.room_id, actor.user_id, session.shop_id)
    verdict = moderator.moderate(body, context)
    if verdict is Verdict.BLOCK:
        raise InvalidInput("this comment breaks the community rules and was not posted")
    comment_id = conn.execute(
        live_comments.insert()
        .values(session_id=session_id, user_id=actor.user_id, text=body, verdict=verdict.value, created_at=at)
        .returning(live_comments.c.id)
    ).scalar_one()
    if verdict is Verdict.HOLD and isinstance(moderator, HoldsForReview):
        moderator.hold(conn, comment_id, body, context, at=at)
    if verdict is Verdict.ALLOW and session.shop_id not in actor.shops:
        said = Heard(
            Said.LIVE_COMMENT, comment_id, session.shop_id, actor.user_id, body, at, session_id=session_id
        )
        listener.heard(conn, said)
    return Comment(
        comment_id, session_id, session.room_id, actor.user_id, actor.display_name, body, verdict, at
    )


def set_comment_verdict(conn: Connection, comment_id: int, verdict: Verdict) -> int:
    """A reviewer's decision on a held or reported comment (trust & safety): ALLOW shows it to
    everyone, HOLD hides it from all but its author. The comment's session (to tell viewers)."""
    session_id = conn.execute(
        update(live_comments)
        .where(live_comments.c.id == comment_id)
        .values(verdict=verdict.value)
        .returning(live_comments.c.session_id)
    ).scalar()
    if session_id is None:
        raise NotFound(f"no comment {comment_id}")
    return int(session_id)


def like(conn: Connection, *, session_id: int, taps: int) -> int:
    """Add a viewer's taps (a burst of hearts is sent as one count); the session's total."""
    if type(taps) is not int or not 1 <= taps <= LIKES_PER_TAP_MAX:
        raise InvalidInput(f"likes come 1 to {LIKES_PER_TAP_MAX} at a time")
    _live_session(conn, session_id)
    conn.execute(
        update(live_sessions)
        .where(live_sessions.c.id == session_id)
        .values(likes=live_sessions.c.likes + taps)
    )
    return conn.execute(select(live_sessions.c.likes).where(live_sessions.c.id == session_id)).scalar_one()


def remind_me(conn: Connection, actor: Actor, *, session_id: int, at: datetime) -> bool:
    """Subscribe to an announced session; True if this added a reminder, False if it was there."""
    session = _session(conn, session_id)
    if session.status != SessionStatus.SCHEDULED:
        raise Conflict(f"session {session_id} is not an announcement")
    exists = conn.execute(
        select(live_reminders.c.id).where(
            live_reminders.c.session_id == session_id, live_reminders.c.user_id == actor.user_id
        )
    ).first()
    if exists:
        return False
    conn.execute(live_reminders.insert().values(session_id=session_id, user_id=actor.user_id, created_at=at))
    return True


def record_viewers(
    conn: Connection, *, session_id: int, viewers: int, at: datetime, min_gap: timedelta = timedelta(0)
) -> bool:
    """One sample of viewers now (taken by the hub while the session is live); keeps the peak.
    With `min_gap`, no sample is written within that time of the session's latest one, though
    the peak still counts it: when a room's sampling passes from one server process to another
    (live.presence's leader), both may sample in the same interval. The peak's UPDATE always
    writes the session's row, so samplers of the same session take turns on it and the second
    one sees the first one's sample. Whether a sample was written."""
    if type(viewers) is not int or viewers < 0:
        raise InvalidInput("viewers is a count")
    s, v = live_sessions.c, live_viewer_samples.c
    conn.execute(
        live_sessions.update()
        .where(s.id == session_id)
        .values(peak_viewers=case((s.peak_viewers < viewers, viewers), else_=s.peak_viewers))
    )
    if min_gap:
        latest = conn.execute(select(func.max(v.at)).where(v.session_id == session_id)).scalar()
        if latest is not None and at - latest < min_gap:
            return False
    conn.execute(live_viewer_samples.insert().values(session_id=session_id, at=at, viewers=viewers))
    return True
