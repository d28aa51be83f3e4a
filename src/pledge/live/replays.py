"""After the session: its replay. Pledge does not record or transcode; the ingest server does
(SRS `dvr`, nginx-rtmp `record` + a packager) and the host gives the recording's HLS playlist
once the session has ended. The replay page plays it with the session's comments in the order
they came and the products that were on its cards (docs/live.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_shop
from pledge.catalog.tables import products, shops, skus
from pledge.kernel.errors import IllegalTransition, NotFound
from pledge.live.model import SessionStatus
from pledge.live.queries import CommentView, SessionView, comments, session_view
from pledge.live.services import clean_hls_url
from pledge.live.tables import live_cards, live_rooms, live_sessions

REPLAY_COMMENTS = 200  # comments a replay page shows (the newest; pledge:default)


def set_replay(conn: Connection, actor: Actor, *, session_id: int, replay_url: object) -> str:
    """The host gives an ended session its recording (HLS), or replaces it. A session cut by the
    platform gets none: what was cut is not replayed."""
    row = conn.execute(
        select(live_sessions.c.status, live_rooms.c.shop_id)
        .join(live_rooms, live_rooms.c.id == live_sessions.c.room_id)
        .where(live_sessions.c.id == session_id)
    ).first()
    if row is None:
        raise NotFound(f"no live session {session_id}")
    require_shop(actor, row.shop_id)
    if SessionStatus(row.status) is not SessionStatus.ENDED:
        raise IllegalTransition(f"session {session_id} is {row.status}: only an ended session has a replay")
    url = clean_hls_url(replay_url, "the replay URL")
    conn.execute(live_sessions.update().where(live_sessions.c.id == session_id).values(replay_url=url))
    return url


@dataclass(frozen=True)
class ReplayProduct:
    product_id: int
    title: str


@dataclass(frozen=True)
class Replay:
    session: SessionView
    room_id: int
    room_title: str
    shop_id: int
    shop_name: str
    products: list[ReplayProduct]
    comments: list[CommentView]

    def offset(self, at: datetime) -> int:
        """Seconds from the start of the session to `at` (where a comment sits in the replay)."""
        start = self.session.started_at
        return max(0, int((at - start).total_seconds())) if start else 0


def replay(conn: Connection, session_id: int) -> Replay:
    """An ended session as the public sees it afterwards: 404 for any other."""
    row = conn.execute(
        select(live_sessions, live_rooms.c.title.label("room_title"), shops.c.id.label("shop"), shops.c.name)
        .join(live_rooms, live_rooms.c.id == live_sessions.c.room_id)
        .join(shops, shops.c.id == live_rooms.c.shop_id)
        .where(live_sessions.c.id == session_id, live_sessions.c.status == SessionStatus.ENDED)
    ).first()
    if row is None:
        raise NotFound(f"no replay of live session {session_id}")
    shown = conn.execute(
        select(products.c.id, products.c.title)
        .select_from(live_cards.join(skus, skus.c.id == live_cards.c.sku_id))
        .join(products, products.c.id == skus.c.product_id)
        .where(live_cards.c.session_id == session_id, products.c.active.is_(True))
        .group_by(products.c.id, products.c.title)
        .order_by(products.c.id)
    ).all()
    return Replay(
        session_view(row),
        row.room_id,
        row.room_title,
        row.shop,
        row.name,
        [ReplayProduct(*p) for p in shown],
        comments(conn, session_id, limit=REPLAY_COMMENTS),
    )
