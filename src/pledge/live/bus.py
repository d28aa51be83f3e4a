"""Sharing a room's events between several app processes: PostgreSQL LISTEN/NOTIFY.

When more than one process serves the same room, a comment posted through process A must reach
the viewers connected to process B. With a bus attached, `Hub.publish` sends the frame as a
NOTIFY on one channel; every process (A included) LISTENs on it and delivers what it hears to its
own viewers. PostgreSQL delivers notifications in commit order to every listener; a payload is
at most 8 000 bytes, and a comment frame is well under 1 000. On SQLite there is one process and
no bus: the hub delivers directly.

Redis pub/sub would do the same job; PostgreSQL is chosen because a Pledge deployment already
runs it and one fewer service is one fewer thing to operate (docs/live.md)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

import psycopg

from pledge.live.hub import Hub

CHANNEL = "pledge_live"
MAX_PAYLOAD = 7_900  # PostgreSQL refuses NOTIFY payloads of 8 000 bytes or more
log = logging.getLogger(__name__)


def _payload(room_id: int, frame: bytes) -> str:
    return f"{room_id}\n{frame.decode()}"


def _parse(payload: str) -> tuple[int, bytes]:
    room, _, frame = payload.partition("\n")
    return int(room), frame.encode()


class PgBus:
    """One sending connection (used under a lock from any thread) and one listening task."""

    def __init__(self, conninfo: str, hub: Hub) -> None:
        self.conninfo = conninfo
        self.hub = hub
        self._send_lock = threading.Lock()
        self._sender: psycopg.Connection | None = None
        self._listener: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()

    def attach(self) -> None:
        """From now on the hub's events go through PostgreSQL."""
        self.hub.forward = self.send

    def send(self, room_id: int, frame: bytes) -> None:
        payload = _payload(room_id, frame)
        if len(payload.encode()) > MAX_PAYLOAD:
            log.warning("live event for room %s too large for NOTIFY; delivered locally only", room_id)
            self.hub.deliver_threadsafe(room_id, frame)
            return
        with self._send_lock:
            if self._sender is None or self._sender.closed:
                self._sender = psycopg.connect(self.conninfo, autocommit=True)
            self._sender.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))

    async def listen(self) -> None:
        """Deliver every notification to this process's viewers, until cancelled."""
        async with await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True) as conn:
            await conn.execute(f"LISTEN {CHANNEL}")
            self.listening.set()
            async for note in conn.notifies():
                try:
                    room_id, frame = _parse(note.payload)
                except ValueError:
                    log.warning("ignoring a malformed live notification")
                    continue
                self.hub.deliver(room_id, frame)

    def start(self) -> asyncio.Task[None]:
        self.attach()
        self._listener = asyncio.get_running_loop().create_task(self.listen())
        return self._listener

    async def stop(self) -> None:
        self.hub.forward = None
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        with self._send_lock:
            if self._sender is not None:
                self._sender.close()
                self._sender = None
