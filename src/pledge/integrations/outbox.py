"""The outbox: a domain that changes something an integration cares about (an order paid, a case
decided, a payout sent...) calls `publish` with its own connection, so the event is written in
the same transaction as the change — committed together or not at all. `publish` also fans the
event out to the shop's endpoints subscribed to its type (one delivery row per endpoint, UNIQUE
per endpoint and event), so the worker only has to send what is due.

The domains that publish all sit above pledge.integrations in the layers (pyproject.toml), so
they call this module directly: no port or registry is needed."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.integrations.events import EVENT_TYPES, check_payload
from pledge.integrations.tables import webhook_deliveries, webhook_endpoints, webhook_events
from pledge.kernel import jsonutil

PENDING = "pending"  # webhooks.DeliveryStatus.PENDING (kept here so that domains import little)


def publish(
    conn: Connection, shop_id: int, event_type: str, aggregate_id: int | str, payload: dict, *, at: datetime
) -> str:
    """Record the event and its deliveries; returns the event id (a UUID)."""
    kind = EVENT_TYPES[event_type]
    body = jsonutil.loads(jsonutil.dumps(payload))  # datetimes as ISO strings, as receivers see them
    check_payload(event_type, body)
    event_id = str(uuid.uuid4())
    conn.execute(
        webhook_events.insert().values(
            event_id=event_id,
            type=event_type,
            version=kind.version,
            shop_id=shop_id,
            aggregate_type=kind.aggregate,
            aggregate_id=str(aggregate_id),
            payload=jsonutil.dumps(body),
            occurred_at=at,
        )
    )
    endpoints = [e.id for e in _subscribed(conn, shop_id, event_type)]
    if endpoints:
        conn.execute(
            webhook_deliveries.insert(),
            [_delivery(e, event_id, f"{kind.aggregate}:{aggregate_id}", at) for e in endpoints],
        )
    return event_id


def _subscribed(conn: Connection, shop_id: int, event_type: str):
    e = webhook_endpoints.c
    rows = conn.execute(
        select(e.id, e.events).where(e.shop_id == shop_id, e.disabled_at.is_(None), e.deleted_at.is_(None))
    )
    return [r for r in rows if event_type in r.events.split()]


def _delivery(endpoint_id: int, event_id: str, ordering_key: str, at: datetime, replay_no: int = 0) -> dict:
    return {
        "endpoint_id": endpoint_id,
        "event_id": event_id,
        "replay_no": replay_no,
        "ordering_key": ordering_key,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": at,
        "created_at": at,
    }


def new_delivery(conn: Connection, endpoint_id: int, event_id: str, ordering_key: str, at: datetime) -> int:
    """A replay: the same event again to the endpoint, as the next replay number."""
    d = webhook_deliveries.c
    last = conn.execute(
        select(d.replay_no)
        .where(d.endpoint_id == endpoint_id, d.event_id == event_id)
        .order_by(d.replay_no.desc())
        .limit(1)
    ).scalar_one()
    key = conn.execute(
        webhook_deliveries.insert().values(_delivery(endpoint_id, event_id, ordering_key, at, last + 1))
    ).inserted_primary_key
    assert key is not None
    return int(key[0])
