"""How many requests a server process runs at once in its thread pool (the `def` handlers and
dependencies): anyio's default limiter, set by the app's lifespan (docs/serving.md, "Threads").

On SQLite one thread runs them. Python's sqlite3 lets go of the interpreter lock around every
call into SQLite, so two threads running requests hand the lock back and forth at nearly every
statement: 8 threads took 3.2 ms of server CPU per checkout against 2.6–2.8 ms for one. On
PostgreSQL two run them, one running Python while the other waits for the database: against 8,
with two server processes, the flash sale sold about a third more with a quarter less of
PostgreSQL's CPU per request, and two fixed threads sold a median tenth more checkouts. Those
few threads alone would make every request wait behind a slow one (a password check, a big
statement, a PDF, the compression of a large asset, a row lock), so a ThreadValve opens one
more thread for each request that has held its thread for SLOW_AFTER_S, and closes it when that
request ends."""

from __future__ import annotations

import time
from collections.abc import Callable

import anyio
from anyio import CapacityLimiter

SLOW_AFTER_S = 0.05  # a request holding its thread this long while others wait is a slow one
LOOK_EVERY_S = 0.02


class ThreadValve:
    """Keeps `limiter` at `least` threads plus one for each request that has held its thread
    for SLOW_AFTER_S or more (up to `most`): a slow request gets a lane of its own while the
    quick ones keep going one at a time, and the lane closes when it ends."""

    def __init__(
        self,
        limiter: CapacityLimiter,
        *,
        least: int,
        most: int,
        slow_after: float = SLOW_AFTER_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limiter, self.least, self.most = limiter, least, most
        self.slow_after, self.clock = slow_after, clock
        self._since: dict[object, float] = {}  # each request holding a thread: since when
        limiter.total_tokens = least

    def look(self) -> None:
        """One look at the pool. Lowering the limit below the threads in use takes nothing from
        them: it only keeps the next request waiting until one comes free."""
        now = self.clock()
        holders = self.limiter.statistics().borrowers
        self._since = {holder: self._since.get(holder, now) for holder in holders}
        slow = sum(now - since >= self.slow_after for since in self._since.values())
        self.limiter.total_tokens = min(self.most, self.least + slow)

    async def run(self) -> None:
        while True:
            await anyio.sleep(LOOK_EVERY_S)
            self.look()
