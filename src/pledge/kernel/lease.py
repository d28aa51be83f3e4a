"""One process at a time: a lease on PostgreSQL's session-level advisory lock.

`pledge serve --workers N` starts N app processes, each with its sweeper thread, and a
`pledge worker` may run next to them. The sweeps are exactly-once by their idempotency keys,
but N processes sweeping the same due orders would do the work N times and contend on the same
rows. The lease makes one of them the sweeper: it holds `pg_try_advisory_lock(key)` on a
connection of its own for as long as it lives; the others try again on each pass and take over
when the holder's connection closes (its process stopped or died, so PostgreSQL released the
lock). On SQLite `pledge serve` runs one process (cli.main refuses more), and the lease is
always held."""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

SWEEP_LOCK = 0x706C_6467_7377  # "pldgsw": the sweeper's advisory lock key (a bigint)
log = logging.getLogger(__name__)


class Lease:
    """Held by at most one process per PostgreSQL database and key."""

    def __init__(self, engine: Engine, key: int = SWEEP_LOCK) -> None:
        self.engine = engine
        self.key = key
        self._conn: Connection | None = None  # open while the lease is held

    @property
    def shared(self) -> bool:
        """Whether other processes can compete for it (a PostgreSQL database)."""
        return self.engine.dialect.name == "postgresql"

    def holds(self) -> bool:
        """True when this process holds the lease (taking it if it is free)."""
        if not self.shared:
            return True
        try:
            if self._conn is not None:
                self._conn.execute(text("SELECT 1"))  # still connected, so still holding it
                return True
            return self._take()
        except DBAPIError:
            log.warning("lease %x: lost the database connection; trying again next time", self.key)
            self.release()
            return False

    def _take(self) -> bool:
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            taken = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar()
        except DBAPIError:
            conn.close()
            raise
        if taken:
            self._conn = conn
            return True
        conn.close()
        return False

    def release(self) -> None:
        """Give the lease up: unlock now (closing the connection would too, once PostgreSQL has
        noticed), and never return the connection to the pool."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        except DBAPIError:
            pass  # connection gone: PostgreSQL released the lock with it
        finally:
            conn.invalidate()
            conn.close()
