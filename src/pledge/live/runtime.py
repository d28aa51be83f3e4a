"""What a web process runs for live rooms while it serves: the hub bound to its event loop, the
heartbeat, the viewers-now push to each watched room, the viewer sampler (one row per live
session with viewers every `live_viewer_sample_seconds`, the report's "viewers over time" and
the session's peak), and on PostgreSQL, when `live_pg_bus` is set, the LISTEN/NOTIFY bus that
shares events with the other processes serving the same rooms."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import timedelta
from typing import Any

from pledge.config import Settings
from pledge.kernel.clock import Clock
from pledge.kernel.db import UnitOfWork
from pledge.live import presence, queries
from pledge.live.bus import PgBus
from pledge.live.hub import Hub, sse_frame
from pledge.live.services import record_viewers

log = logging.getLogger(__name__)


def sample_viewers(hub: Hub, uow: UnitOfWork, clock: Clock, min_gap: timedelta = timedelta(0)) -> int:
    """Record viewers now for every live session watched in this process; how many were recorded
    (a session sampled less than `min_gap` ago is not: live.services.record_viewers)."""
    watched = hub.rooms_watched()
    if not watched:
        return 0
    return _record(uow, watched, clock, min_gap)


def _record(uow: UnitOfWork, viewers: dict[int, int], clock: Clock, min_gap: timedelta) -> int:
    at = clock.now()
    with uow.begin() as conn:
        sessions = queries.live_sessions_of(conn, list(viewers))
        return sum(
            record_viewers(conn, session_id=session_id, viewers=viewers[room_id], at=at, min_gap=min_gap)
            for room_id, session_id in sessions.items()
        )


def push_viewers(hub: Hub) -> None:
    """Viewers now, to each room this process serves (its own count, or the total over every
    process in shared mode)."""
    for room_id in hub.rooms_watched():
        hub.deliver(room_id, sse_frame("viewers", {"viewers": hub.viewers(room_id)}))


class SharedViewers:
    """Viewers now summed over every server process (live.presence), for one process."""

    STALE_AFTER_PUSHES = 3  # a process not heard from for three push intervals no longer counts

    def __init__(self, hub: Hub, uow: UnitOfWork, clock: Clock, push_seconds: float) -> None:
        self.hub, self.uow, self.clock = hub, uow, clock
        self.key = presence.process_key()
        self.fresh = timedelta(seconds=push_seconds * self.STALE_AFTER_PUSHES)
        self.totals: dict[int, presence.RoomTotal] = {}

    def share(self) -> None:
        """Write this process's counts, read every room's total (every push interval)."""
        at = self.clock.now()
        with self.uow.begin() as conn:
            self.totals = presence.share(
                conn, key=self.key, watched=self.hub.rooms_watched(), at=at, fresh_after=at - self.fresh
            )
        self.hub.set_shared({room_id: total.viewers for room_id, total in self.totals.items()})

    def sample(self, min_gap: timedelta = timedelta(0)) -> int:
        """Record the total of every room this process leads; how many sessions were recorded.
        Leadership seen a push interval ago can have moved to another process meanwhile, so
        the sampler passes `min_gap` (half its interval): the newer leader does not write a
        second sample in the same interval."""
        led = {room_id: t.viewers for room_id, t in self.totals.items() if t.leader == self.key}
        if not led:
            return 0
        return _record(self.uow, led, self.clock, min_gap)

    def leave(self) -> None:
        with self.uow.begin() as conn:
            presence.leave(conn, key=self.key)


async def _every(seconds: float, step: Callable[[], Coroutine[Any, Any, object]]) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await step()
        except Exception:  # a failed sample must not stop the next ones
            log.exception("live-room background step failed")


def _conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextlib.asynccontextmanager
async def running(hub: Hub, uow: UnitOfWork, clock: Clock, settings: Settings) -> AsyncIterator[None]:
    """The live-room background work of one web process, for as long as it serves."""
    hub.bind(asyncio.get_running_loop())
    url = settings.resolved_database_url()
    shared = None
    if settings.live_pg_bus and url.startswith("postgresql"):
        shared = SharedViewers(hub, uow, clock, settings.live_viewers_push_seconds)

    min_gap = timedelta(seconds=settings.live_viewer_sample_seconds / 2)

    async def sample() -> None:
        if shared is not None:
            await asyncio.to_thread(shared.sample, min_gap)
        else:
            await asyncio.to_thread(sample_viewers, hub, uow, clock, min_gap)

    async def push() -> None:
        if shared is not None:
            await asyncio.to_thread(shared.share)
        push_viewers(hub)

    tasks = [
        asyncio.create_task(hub.beat()),
        asyncio.create_task(_every(settings.live_viewer_sample_seconds, sample)),
        asyncio.create_task(_every(settings.live_viewers_push_seconds, push)),
    ]
    bus = None
    if shared is not None:
        bus = PgBus(_conninfo(url), hub)
        bus.start()
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if bus is not None:
            await bus.stop()
        if shared is not None:
            try:
                await asyncio.to_thread(shared.leave)
            except Exception:  # a database already gone must not block the shutdown
                log.exception("could not withdraw this process's viewer counts")
        hub.unbind()
