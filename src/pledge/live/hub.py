"""Fan-out of a room's events to everyone watching it, as Server-Sent Events.

One hub per app process. `publish` encodes an event once into an SSE frame and hands the same
bytes to every subscriber of the room; each subscriber keeps a short buffer of frames and its
response loop writes everything that piled up since its last write in one chunk, so a busy room
costs one write per viewer per wake-up, not one per event. A viewer that falls more than
`buffer` frames behind is dropped (its browser reconnects with Last-Event-ID and the stored
comments are replayed), so one slow phone cannot make the hub hold memory for it.

`publish` may be called from any thread (the use cases run in FastAPI's thread pool); delivery
happens on the event loop the hub was bound to at start-up. Several app processes serving one
room share events through a bus (pledge.live.bus); without one, the hub is the bus."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

DEFAULT_BUFFER = 512  # frames a subscriber may fall behind before it is dropped
HEARTBEAT = b": keep-alive\n\n"
HEARTBEAT_EVERY = 15.0  # seconds


def sse_frame(event: str, data: Any, event_id: str | None = None) -> bytes:
    """One Server-Sent Event: `id:`, `event:` and a one-line JSON `data:` field."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"{head}event: {event}\ndata: {body}\n\n".encode()


class Subscriber:
    """One viewer's connection: frames waiting to be written, and the future its response loop
    sleeps on (a bare future, not asyncio.wait_for: no task per wake-up)."""

    __slots__ = ("room_id", "_frames", "_waiter", "_buffer", "dropped", "closed")

    def __init__(self, room_id: int, buffer: int) -> None:
        self.room_id = room_id
        self._frames: list[bytes] = []
        self._waiter: asyncio.Future[None] | None = None
        self._buffer = buffer
        self.dropped = False
        self.closed = False

    @property
    def pending(self) -> int:
        """Frames waiting to be written."""
        return len(self._frames)

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def push(self, frame: bytes) -> None:
        if len(self._frames) >= self._buffer:
            self.dropped = True
            self._frames.clear()
        else:
            self._frames.append(frame)
        self._wake()

    def close(self) -> None:
        self.closed = True
        self._wake()

    async def next_chunk(self) -> bytes | None:
        """Everything that piled up, as one chunk; None once the subscriber is closed or dropped.
        (Quiet connections get the hub's heartbeat frame, not a timer each.)"""
        if not self._frames and not (self.closed or self.dropped):
            self._waiter = waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            finally:
                self._waiter = None
        if self.dropped or (self.closed and not self._frames):
            return None
        chunk = b"".join(self._frames)
        self._frames.clear()
        return chunk


class Hub:
    def __init__(self, *, buffer: int = DEFAULT_BUFFER) -> None:
        self._rooms: dict[int, set[Subscriber]] = {}
        self._buffer = buffer
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self.forward: Callable[[int, bytes], None] | None = None  # set by a bus: publish goes through it
        self._shared: dict[int, int] = {}  # viewers over every server process (live.presence)

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """The event loop that serves the subscribers (the web server's)."""
        self._loop = loop
        self._loop_thread = threading.get_ident()

    def unbind(self) -> None:
        """The serving loop stopped: the next one binds itself (a hub outlives a test server)."""
        self._loop = None
        self._loop_thread = None

    def subscribe(self, room_id: int) -> Subscriber:
        if self._loop is None:
            self.bind(asyncio.get_running_loop())
        sub = Subscriber(room_id, self._buffer)
        self._rooms.setdefault(room_id, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        room = self._rooms.get(sub.room_id)
        if room is not None:
            room.discard(sub)
            if not room:
                del self._rooms[sub.room_id]

    def viewers(self, room_id: int) -> int:
        """Viewers now: this process's own, or the total over every process when it is known."""
        own = len(self._rooms.get(room_id, ()))
        return max(own, self._shared.get(room_id, 0))

    def rooms_watched(self) -> dict[int, int]:
        """This process's own viewers per room it serves."""
        return {room_id: len(subs) for room_id, subs in self._rooms.items()}

    def set_shared(self, totals: dict[int, int]) -> None:
        """The latest totals over every server process (shared mode)."""
        self._shared = dict(totals)

    def publish(self, room_id: int, event: str, data: Any, event_id: str | None = None) -> None:
        """Send an event to the room's viewers (in every process, when a bus is attached)."""
        frame = sse_frame(event, data, event_id)
        if self.forward is not None:
            self.forward(room_id, frame)
        else:
            self.deliver_threadsafe(room_id, frame)

    def deliver_threadsafe(self, room_id: int, frame: bytes) -> None:
        if self._loop is None or threading.get_ident() == self._loop_thread:
            self.deliver(room_id, frame)
        elif not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.deliver, room_id, frame)

    def deliver(self, room_id: int, frame: bytes) -> None:
        """Hand a frame to this process's subscribers of the room (on the event loop)."""
        for sub in tuple(self._rooms.get(room_id, ())):
            sub.push(frame)
            if sub.dropped:
                self.unsubscribe(sub)

    def heartbeat(self) -> None:
        """A comment line to every subscriber, so proxies keep quiet connections open and dead
        ones are noticed; the app calls it every HEARTBEAT_EVERY seconds."""
        for room_id in tuple(self._rooms):
            self.deliver(room_id, HEARTBEAT)

    async def beat(self, every: float = HEARTBEAT_EVERY) -> None:
        """Run heartbeat() forever (a background task of the web app)."""
        while True:
            await asyncio.sleep(every)
            self.heartbeat()

    def close_room(self, room_id: int) -> None:
        """After the session-ended event: let every viewer's stream finish."""
        for sub in tuple(self._rooms.get(room_id, ())):
            sub.close()


async def stream(hub: Hub, sub: Subscriber, *, first: bytes = b"") -> AsyncIterator[bytes]:
    """The body of one viewer's SSE response: `first` (replayed comments and the room's state),
    then the room's events as they come, until the viewer leaves or the stream is closed."""
    try:
        if first:
            yield first
        while True:
            chunk = await sub.next_chunk()
            if chunk is None:
                return
            yield chunk
    finally:
        hub.unsubscribe(sub)
