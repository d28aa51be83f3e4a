"""The orders' change feed (GET /api/v1/orders/changes): a shop's order inserts and status changes,
oldest first, from an opaque cursor, for an ERP that polls.

It never skips a change, even under concurrent commits. Every change is a row of order_changes,
written by a database trigger in the transaction that changed the order (migration 0035), so no
code path can change an order without its row. A plain "id > cursor" would still skip: a
transaction may take id 10, another id 11 and commit first; a reader that hands out 11 and moves
its cursor past it never sees 10 when it commits. So:

- On PostgreSQL each row carries its writer's transaction id (xid8, never wraps). The feed is
  ordered by (xid, id) and hands out only rows of transactions older than the oldest transaction
  still running when the reader's statement began (pg_snapshot_xmin(pg_current_snapshot())):
  those are all finished, and every transaction that may still commit a row has a larger xid than
  any row handed out, so it lands after the cursor. A long transaction delays the feed; it never
  loses a change.
- On SQLite one writer holds the database from its first write to its commit: ids are handed out
  in commit order and xid is 0.

The cursor is `shop.xid.id` signed with an HMAC under a key derived from PLEDGE_SECRET_KEY; a
cursor this platform did not sign, or one of another shop, is refused (InvalidInput)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import literal, select, text, tuple_
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_shop
from pledge.integrations.tables import order_changes
from pledge.kernel.errors import InvalidInput

PURPOSE = b"order-changes-cursor"
CURSOR_MAX = 120
LIMIT_MAX = 500
START = (-1, 0)  # before every row
PG_HORIZON = text("pg_snapshot_xmin(pg_current_snapshot())::text::bigint")


@dataclass(frozen=True)
class ChangePage:
    changes: list[dict]
    next_cursor: str
    more: bool


def _signature(secret: str, body: str) -> str:
    key = hmac.new(secret.encode(), PURPOSE, hashlib.sha256).digest()
    digest = hmac.new(key, body.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def encode_cursor(secret: str, shop_id: int, position: tuple[int, int]) -> str:
    body = f"{shop_id}.{position[0]}.{position[1]}"
    return f"{body}.{_signature(secret, body)}"


def decode_cursor(secrets: Sequence[str], shop_id: int, cursor: object) -> tuple[int, int]:
    """The (xid, id) position a cursor names, if this platform signed it for this shop."""
    if not isinstance(cursor, str) or not 0 < len(cursor) <= CURSOR_MAX:
        raise InvalidInput("cursor: malformed; pass the next_cursor of an earlier answer, or none")
    body, _, signature = cursor.rpartition(".")
    parts = body.split(".")
    if len(parts) != 3 or not any(hmac.compare_digest(signature, _signature(s, body)) for s in secrets if s):
        raise InvalidInput("cursor: not one this platform handed out")
    try:
        owner, xid, change_id = (int(p) for p in parts)
    except ValueError:
        raise InvalidInput("cursor: malformed") from None
    if owner != shop_id:
        raise InvalidInput("cursor: it belongs to another shop's feed")
    return xid, change_id


def feed_shop(actor: Actor, shop_id: int | None) -> int:
    """The shop whose feed is read: the one named, or the caller's only shop."""
    if shop_id is None:
        if len(actor.shops) != 1:
            raise InvalidInput("shop_id: name the shop whose changes you want")
        shop_id = next(iter(actor.shops))
    require_shop(actor, shop_id, read_only=True)
    return shop_id


def changes_since(
    conn: Connection,
    actor: Actor,
    *,
    shop_id: int | None,
    cursor: str | None,
    limit: int,
    secrets: Sequence[str],
) -> ChangePage:
    """The shop's order changes after the cursor, oldest first, at most `limit` of them."""
    shop = feed_shop(actor, shop_id)
    if type(limit) is not int or not 1 <= limit <= LIMIT_MAX:
        raise InvalidInput(f"limit: a whole number from 1 to {LIMIT_MAX}")
    position = START if cursor is None else decode_cursor(secrets, shop, cursor)
    c = order_changes.c
    horizon = PG_HORIZON if conn.dialect.name == "postgresql" else literal(1)
    rows = conn.execute(
        select(c.id, c.xid, c.order_id, c.status)
        .where(c.shop_id == shop, tuple_(c.xid, c.id) > tuple_(*position), c.xid < horizon)
        .order_by(c.xid, c.id)
        .limit(limit + 1)
    ).all()
    page = rows[:limit]
    if page:
        position = (page[-1].xid, page[-1].id)
    return ChangePage(
        changes=[{"change_id": r.id, "order_id": r.order_id, "status": r.status} for r in page],
        next_cursor=encode_cursor(secrets[0], shop, position),
        more=len(rows) > limit,
    )
