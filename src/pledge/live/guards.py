"""The port through which a check owned by a higher package (a trust & safety live ban, 禁播:
pledge.governance) may refuse a shop's announcing or starting a session, so live need not import
it. bootstrap wires the real checks (App.live_guards); a guard refuses by raising a DomainError."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy.engine import Connection


class LiveGuard(Protocol):
    """May this shop announce or start a live session at `at`?"""

    def check_live(self, conn: Connection, shop_id: int, *, at: datetime) -> None: ...


class RoomGuard(LiveGuard, Protocol):
    """A guard that also looks at the room (a removed creator's room: pledge.creators.safety)."""

    def check_room(self, conn: Connection, room_id: int, *, at: datetime) -> None: ...


def check_live(
    guards: Sequence[LiveGuard], conn: Connection, shop_id: int, *, at: datetime, room_id: int | None = None
) -> None:
    for guard in guards:
        guard.check_live(conn, shop_id, at=at)
        check_room = getattr(guard, "check_room", None)
        if room_id is not None and check_room is not None:
            check_room(conn, room_id, at=at)
