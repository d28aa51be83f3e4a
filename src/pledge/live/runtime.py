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
from typing import Any

from pledge.config import Settings
from pledge.kernel.clock import Clock
from pledge.kernel.db import UnitOfWork
from pledge.live import queries
from pledge.live.bus import PgBus
from pledge.live.hub import Hub, sse_frame
from pledge.live.services import record_viewers

log = logging.getLogger(__name__)


def sample_viewers(hub: Hub, uow: UnitOfWork, clock: Clock) -> int:
    """Record viewers now for every live session watched in this process; how many were recorded."""
    watched = hub.rooms_watched()
    if not watched:
        return 0
    at = clock.now()
    with uow.begin() as conn:
        sessions = queries.live_sessions_of(conn, list(watched))
        for room_id, session_id in sessions.items():
            record_viewers(conn, session_id=session_id, viewers=watched[room_id], at=at)
    return len(sessions)


def push_viewers(hub: Hub) -> None:
    """Viewers now, to each watched room of this process (counted here, so delivered here)."""
    for room_id, count in hub.rooms_watched().items():
        hub.deliver(room_id, sse_frame("viewers", {"viewers": count}))


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

    async def sample() -> None:
        await asyncio.to_thread(sample_viewers, hub, uow, clock)

    async def push() -> None:
        push_viewers(hub)

    tasks = [
        asyncio.create_task(hub.beat()),
        asyncio.create_task(_every(settings.live_viewer_sample_seconds, sample)),
        asyncio.create_task(_every(settings.live_viewers_push_seconds, push)),
    ]
    bus = None
    url = settings.resolved_database_url()
    if settings.live_pg_bus and url.startswith("postgresql"):
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
        hub.unbind()
