"""Idempotency keys, as Stripe and Saleor's apps use them: a caller sends `Idempotency-Key` with a
request that creates or moves something; the first request with a key runs and its answer is
kept for KEPT_FOR; a retry with the same key and the same request gets that answer again without
running; the same key with another request is refused (422); a retry while the first still runs
is told to wait (409). An answer of 500 or more is not kept (nothing was written: a retry runs)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, select, update
from sqlalchemy.engine import Connection

from pledge.integrations.tables import idempotency_keys
from pledge.kernel.db import dialect_insert
from pledge.kernel.errors import Conflict, InvalidInput

KEY_MAX = 255
KEPT_FOR = timedelta(hours=24)
# A key still "running" this long after it was taken belongs to a request that died (its process
# stopped before the answer was kept): the next retry runs it again. What it did is protected by
# the domain's own exactly-once keys (every ledger movement has one).
ABANDONED_AFTER = timedelta(seconds=60)


class KeyReused(InvalidInput):
    """The same key came with another request."""


class KeyInUse(Conflict):
    """The first request with this key has not answered yet."""


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


def check_key(value: str) -> str:
    """A key is 1 to KEY_MAX visible ASCII characters (a UUID is the usual choice)."""
    if not 1 <= len(value) <= KEY_MAX or not all("!" <= ch <= "~" for ch in value):
        raise InvalidInput(f"Idempotency-Key must be 1 to {KEY_MAX} visible ASCII characters (a UUID, say)")
    return value


def digest(*parts: bytes) -> str:
    """SHA-256 over the parts, each length-prefixed so that no two splits of the bytes collide."""
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def claim(conn: Connection, caller: str, key: str, fingerprint: str, *, at: datetime) -> Answer | None:
    """Take the key for this request (None: run it, then `keep` or `release`), or the kept answer
    of the same request. KeyReused for another request, KeyInUse while the first still runs."""
    k = idempotency_keys.c
    taken = conn.execute(
        dialect_insert(conn)(idempotency_keys)
        .values(caller=caller, key=key, fingerprint=fingerprint, locked_at=at, expires_at=at + KEPT_FOR)
        .on_conflict_do_nothing(index_elements=["caller", "key"])
        .returning(k.id)
    ).first()
    if taken is not None:
        return None
    mine = and_(k.caller == caller, k.key == key)
    row = conn.execute(
        select(k.fingerprint, k.status, k.content_type, k.body, k.locked_at, k.expires_at)
        .where(mine)
        .with_for_update()
    ).one()
    stale = row.expires_at <= at or (row.status is None and row.locked_at <= at - ABANDONED_AFTER)
    if stale:
        conn.execute(
            update(idempotency_keys)
            .where(mine)
            .values(
                fingerprint=fingerprint,
                status=None,
                content_type=None,
                body=None,
                locked_at=at,
                expires_at=at + KEPT_FOR,
            )
        )
        return None
    if row.fingerprint != fingerprint:
        raise KeyReused("this Idempotency-Key was used with another request; use a new key for a new request")
    if row.status is None:
        raise KeyInUse("the first request with this Idempotency-Key has not answered yet; retry shortly")
    return Answer(row.status, row.content_type or "", bytes(row.body or b""))


def keep(conn: Connection, caller: str, key: str, answer: Answer) -> None:
    k = idempotency_keys.c
    conn.execute(
        update(idempotency_keys)
        .where(k.caller == caller, k.key == key)
        .values(status=answer.status, content_type=answer.content_type[:100], body=answer.body)
    )


def release(conn: Connection, caller: str, key: str) -> None:
    """Forget a key whose request failed (a 5xx or an error): a retry runs it again."""
    k = idempotency_keys.c
    conn.execute(delete(idempotency_keys).where(k.caller == caller, k.key == key, k.status.is_(None)))


def purge(conn: Connection, *, at: datetime) -> int:
    """Delete the keys past their 24 hours (the worker runs it)."""
    return int(conn.execute(delete(idempotency_keys).where(idempotency_keys.c.expires_at <= at)).rowcount)
