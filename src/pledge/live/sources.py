"""What buying "from a live room" binds: the room's promise and the card price, and only for the
products pinned in the room's live session now (attribution.SourceResolver)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.attribution.model import Bound, Channel, Source
from pledge.kernel.errors import Conflict, NotFound
from pledge.live.model import SessionStatus
from pledge.live.tables import live_cards, live_rooms, live_sessions


class LiveRoomSources:
    def bind(self, conn: Connection, source: Source, sku_ids: Collection[int], *, at: datetime) -> Bound:
        room = conn.execute(select(live_rooms).where(live_rooms.c.id == source.id)).first()
        if room is None:
            raise NotFound(f"no live room {source.id}")
        session_id = conn.execute(
            select(live_sessions.c.id).where(
                live_sessions.c.room_id == room.id, live_sessions.c.status == SessionStatus.LIVE
            )
        ).scalar()
        if session_id is None:
            raise Conflict(f"live room {room.id} is not live now; buy from the product page instead")
        c = live_cards.c
        rows = conn.execute(
            select(c.sku_id, c.price_fen).where(
                c.session_id == session_id, c.sku_id.in_(list(sku_ids)), c.pinned.is_(True)
            )
        )
        prices = {sku_id: price_fen for sku_id, price_fen in rows}
        unpinned = sorted(set(sku_ids) - set(prices))
        if unpinned:
            raise Conflict(
                f"SKU {unpinned[0]} is not on live room {room.id}'s cart; it cannot be bought there"
            )
        return Bound(
            Channel.LIVE_ROOM, room.content_id, prices, f"live_session:{session_id}", room.creator_id
        )
