"""The webhook delivery worker (docs/webhooks.md). Each pass claims due deliveries with a lease
(PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer at a time), POSTs each outside any
transaction, and records the attempt. A 2xx answer delivers it; anything else (an error status,
a timeout, a refused address) retries it after 30 s, 60 s, 120 s... (doubling, plus up to 10 %
jitter derived from the delivery's id) until 24 hours after the first attempt, then parks it.

Order: a delivery waits while an earlier delivery to the same endpoint about the same aggregate
(the same order, case...) is still pending. A worker killed mid-delivery leaves its lease to
expire; another worker then sends it again. So the network sees at-least-once; the record is one
delivery per endpoint and event, and receivers dedupe by the event id."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Protocol

import httpx
from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from pledge.integrations.tables import webhook_attempts, webhook_deliveries, webhook_endpoints, webhook_events
from pledge.integrations.urls import check_url
from pledge.integrations.webhooks import DeliveryStatus
from pledge.kernel.db import claim_batch

LEASE = timedelta(seconds=60)
TIMEOUT_SECONDS = 5.0
FIRST_RETRY = timedelta(seconds=30)
GIVE_UP_AFTER = timedelta(hours=24)
ERROR_MAX = 300
USER_AGENT = "Pledge-Webhooks/1"


class Sender(Protocol):
    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """The response's status code; raises on a network error or timeout."""
        ...


class HttpSender:
    """httpx, redirects not followed (a 3xx is a failed attempt), TIMEOUT_SECONDS per request."""

    def __init__(self, timeout: float = TIMEOUT_SECONDS) -> None:
        self._client = httpx.Client(follow_redirects=False, timeout=timeout, trust_env=False)

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        return self._client.post(url, content=body, headers=headers).status_code


@cache
def default_sender() -> HttpSender:
    """One client (and its connection pool) per process, shared by every worker pass."""
    return HttpSender()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as the carrier webhook signs."""
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def retry_delay(delivery_id: int, failed_attempts: int) -> timedelta:
    """30 s doubling per failed attempt, plus 0-9.9 % jitter fixed by the delivery's id (so that
    deliveries failing together do not retry together, and tests can compute it)."""
    base = FIRST_RETRY * (2 ** (failed_attempts - 1))
    spread = int(hashlib.sha256(str(delivery_id).encode()).hexdigest(), 16) % 100
    return base + base * spread / 1000


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    shop_id: int  # the delivery's (and so its endpoint's) shop: its attempts carry it
    token: str
    url: str
    secret: str
    event_id: str
    body: bytes
    event_type: str
    attempt: int
    first_attempt_at: datetime


def _due(now: datetime, limit: int):
    d, e = webhook_deliveries.c, webhook_endpoints.c
    earlier = aliased(webhook_deliveries)
    blocked = exists().where(
        earlier.c.endpoint_id == d.endpoint_id,
        earlier.c.ordering_key == d.ordering_key,
        earlier.c.id < d.id,
        earlier.c.status == DeliveryStatus.PENDING.value,
    )
    return (
        select(d.id, d.shop_id, d.event_id, d.attempts, d.first_attempt_at, e.url, e.secret)
        .join(webhook_endpoints, e.id == d.endpoint_id)
        .where(
            d.status == DeliveryStatus.PENDING.value,
            d.next_attempt_at <= now,
            or_(d.lease_until.is_(None), d.lease_until <= now),
            e.disabled_at.is_(None),
            ~blocked,
        )
        .order_by(d.id)
        .limit(limit)
    )


def _body(conn: Connection, event_id: str) -> tuple[str, bytes]:
    ev = conn.execute(select(webhook_events).where(webhook_events.c.event_id == event_id)).one()
    envelope = {
        "id": ev.event_id,
        "type": ev.type,
        "version": ev.version,
        "shop_id": ev.shop_id,
        "occurred_at": ev.occurred_at.isoformat(),
        "data": json.loads(ev.payload),
    }
    return ev.type, json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


def claim(conn: Connection, now: datetime, *, limit: int = 20) -> list[Claimed]:
    """Lease up to `limit` due deliveries (each the earliest pending of its endpoint and aggregate)."""
    claimed = []
    d = webhook_deliveries.c
    for row in claim_batch(conn, _due(now, limit), of=webhook_deliveries):
        token = secrets.token_hex(16)
        first = row.first_attempt_at or now
        won = conn.execute(
            update(webhook_deliveries)
            .where(
                d.id == row.id,
                d.status == DeliveryStatus.PENDING.value,
                or_(d.lease_until.is_(None), d.lease_until <= now),
            )
            .values(
                lease_until=now + LEASE, lease_token=token, attempts=d.attempts + 1, first_attempt_at=first
            )
        ).rowcount
        if won == 1:
            event_type, body = _body(conn, row.event_id)
            claimed.append(
                Claimed(
                    row.id,
                    row.shop_id,
                    token,
                    row.url,
                    row.secret,
                    row.event_id,
                    body,
                    event_type,
                    row.attempts + 1,
                    first,
                )
            )
    return claimed


def headers_for(c: Claimed, now: datetime) -> dict[str, str]:
    stamp = int(now.timestamp())
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Pledge-Event-Id": c.event_id,
        "X-Pledge-Event-Type": c.event_type,
        "X-Pledge-Timestamp": str(stamp),
        "X-Pledge-Signature": signature(c.secret, stamp, c.body),
    }


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duration_ms: int
    error: str

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def send(c: Claimed, sender: Sender, now: datetime, *, allow_private: bool) -> Outcome:
    """One attempt: the address checked again (DNS rebinding), then the POST."""
    started = time.monotonic()
    try:
        check_url(c.url, allow_private=allow_private)
        code: int | None = sender.post(c.url, c.body, headers_for(c, now))
        error = "" if code is not None and 200 <= code < 300 else f"HTTP {code}"
    except Exception as e:  # any failure of one endpoint is that attempt's failure, nothing more
        code, error = None, f"{type(e).__name__}: {e}"
    return Outcome(code, int((time.monotonic() - started) * 1000), error[:ERROR_MAX])


def finish(conn: Connection, c: Claimed, outcome: Outcome, now: datetime) -> str:
    """Record the attempt and move the delivery on; returns its status afterwards."""
    d = webhook_deliveries.c
    conn.execute(
        webhook_attempts.insert().values(
            delivery_id=c.delivery_id,
            shop_id=c.shop_id,
            at=now,
            status_code=outcome.status_code,
            duration_ms=outcome.duration_ms,
            error=outcome.error,
        )
    )
    mine = and_(d.id == c.delivery_id, d.status == DeliveryStatus.PENDING.value)
    if outcome.delivered:  # delivered, whoever holds the lease now
        moved = DeliveryStatus.DELIVERED
        values: dict = {"delivered_at": now, "lease_until": None, "lease_token": None}
    else:
        mine = and_(mine, d.lease_token == c.token)
        due = now + retry_delay(c.delivery_id, c.attempt)
        moved = DeliveryStatus.PARKED if due > c.first_attempt_at + GIVE_UP_AFTER else DeliveryStatus.PENDING
        values = {"next_attempt_at": due, "lease_until": None, "lease_token": None}
    conn.execute(
        update(webhook_deliveries)
        .where(mine)
        .values(status=moved.value, last_status_code=outcome.status_code, **values)
    )
    return moved.value


def deliver_due(
    uow, clock, sender: Sender, *, allow_private: bool, limit: int = 20, rounds: int = 50, parallel: int = 8
) -> int:
    """One worker pass: claim a batch, send it (`parallel` requests at a time: a batch never holds
    two deliveries of one endpoint and aggregate, so order is kept), record the batch's outcomes
    in one transaction; again until nothing is due (a delivery that waited for an earlier one of
    its aggregate is due in the next round), at most `rounds` batches so that the worker's other
    steps still run. The lease (60 s) outlasts a batch (20 x 5 s timeouts / 8 at a time).
    Returns how many were delivered."""
    delivered = 0
    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="pledge-webhook") as pool:
        for _ in range(rounds):
            with uow.begin() as conn:
                batch = claim(conn, clock.now(), limit=limit)
            if not batch:
                break
            outcomes = list(
                pool.map(lambda c: send(c, sender, clock.now(), allow_private=allow_private), batch)
            )
            with uow.begin() as conn:
                moved = [finish(conn, c, o, clock.now()) for c, o in zip(batch, outcomes, strict=True)]
            delivered += moved.count(DeliveryStatus.DELIVERED.value)
    return delivered


def backlog(conn: Connection) -> int:
    d = webhook_deliveries.c
    return conn.execute(select(func.count()).where(d.status == DeliveryStatus.PENDING.value)).scalar_one()
