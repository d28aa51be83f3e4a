"""Rate limits of app keys: requests are counted per app and per shop (all the shop's apps
together) in fixed one-minute windows kept in the database, so every server process shares them.
Over the limit the caller is told how many seconds remain in the window (HTTP 429, Retry-After).
The limits are settings (PLEDGE_APP_REQUESTS_PER_MINUTE, PLEDGE_SHOP_APP_REQUESTS_PER_MINUTE),
Pledge defaults: the platform texts in the reference set give no open-platform quota."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.engine import Connection

from pledge.integrations.tables import rate_windows
from pledge.kernel.db import dialect_insert
from pledge.kernel.errors import TooManyAttempts

WINDOW = timedelta(minutes=1)
KEPT = timedelta(hours=1)  # windows older than this are purged by the worker


@dataclass(frozen=True)
class Limit:
    bucket: str  # "app:<id>" or "shop:<id>"
    per_window: int


def window_start(at: datetime) -> datetime:
    seconds = int(at.timestamp()) // int(WINDOW.total_seconds()) * int(WINDOW.total_seconds())
    return datetime.fromtimestamp(seconds, UTC)


def count(conn: Connection, bucket: str, at: datetime) -> int:
    """Count one request in the bucket's current window; the window's count so far."""
    start = window_start(at)
    insert = dialect_insert(conn)(rate_windows).values(bucket=bucket, window_start=start, requests=1)
    upsert = insert.on_conflict_do_update(
        index_elements=["bucket", "window_start"], set_={"requests": rate_windows.c.requests + 1}
    ).returning(rate_windows.c.requests)
    return int(conn.execute(upsert).scalar_one())


def take(conn: Connection, limits: list[Limit], *, at: datetime) -> None:
    """Count the request in every bucket; TooManyAttempts when one is over its limit."""
    for limit in limits:
        if count(conn, limit.bucket, at) > limit.per_window:
            retry = math.ceil((window_start(at) + WINDOW - at).total_seconds()) or 1
            whose = "this app" if limit.bucket.startswith("app:") else "this shop's apps"
            raise TooManyAttempts(
                f"{whose} reached {limit.per_window} requests per minute; retry after {retry} s",
                retry_after=retry,
            )


def purge(conn: Connection, *, at: datetime) -> int:
    return int(conn.execute(delete(rate_windows).where(rate_windows.c.window_start < at - KEPT)).rowcount)
