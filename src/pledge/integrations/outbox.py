"""The outbox: a domain that changes something an integration cares about (an order paid, a case
decided, a payout sent...) calls `publish` with its own connection, so the event is written in
the same transaction as the change — committed together or not at all. `publish` also fans the
event out to the shop's endpoints subscribed to its type (one delivery row per endpoint, UNIQUE
per endpoint and event), so the worker only has to send what is due.

The domains that publish all sit above pledge.integrations in the layers (pyproject.toml), so
they call this module directly: no port or registry is needed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.integrations.events import EVENT_TYPES, check_payload
from pledge.integrations.tables import webhook_deliveries, webhook_endpoints, webhook_events
from pledge.kernel import jsonutil
from pledge.kernel.bulk import insert_rows

PENDING = "pending"  # webhooks.DeliveryStatus.PENDING (kept here so that domains import little)


@dataclass(frozen=True)
class Event:
    """One event for `publish_many`: the shop it concerns, its type, its aggregate and payload."""

    shop_id: int
    event_type: str
    aggregate_id: int | str
    payload: dict


def publish(
    conn: Connection, shop_id: int, event_type: str, aggregate_id: int | str, payload: dict, *, at: datetime
) -> str:
    """Record the event and its deliveries; returns the event id (a UUID)."""
    return publish_many(conn, [Event(shop_id, event_type, aggregate_id, payload)], at=at)[0]


def publish_many(conn: Connection, events: Sequence[Event], *, at: datetime) -> list[str]:
    """Record many events and their deliveries in three statements whatever their number (a
    sweep's batch): one INSERT of the events, one SELECT of the shops' endpoints, one INSERT of
    the deliveries. Returns the event ids in the order of `events`."""
    if not events:
        return []
    rows = [_event_row(e, at) for e in events]
    insert_rows(conn, webhook_events, rows)
    endpoints = _subscribed(conn, {e.shop_id for e in events})
    deliveries = [
        _delivery(
            e.shop_id, endpoint_id, row["event_id"], f"{row['aggregate_type']}:{row['aggregate_id']}", at
        )
        for e, row in zip(events, rows, strict=True)
        for endpoint_id, types in endpoints.get(e.shop_id, ())
        if e.event_type in types
    ]
    insert_rows(conn, webhook_deliveries, deliveries)
    return [row["event_id"] for row in rows]


def _event_row(event: Event, at: datetime) -> dict:
    kind = EVENT_TYPES[event.event_type]
    body = jsonutil.loads(jsonutil.dumps(event.payload))  # datetimes as ISO strings, as receivers see them
    check_payload(event.event_type, body)
    return {
        "event_id": str(uuid.uuid4()),
        "type": event.event_type,
        "version": kind.version,
        "shop_id": event.shop_id,
        "aggregate_type": kind.aggregate,
        "aggregate_id": str(event.aggregate_id),
        "payload": jsonutil.dumps(body),
        "occurred_at": at,
    }


def _subscribed(conn: Connection, shop_ids: set[int]) -> dict[int, list[tuple[int, set[str]]]]:
    """Each shop's live endpoints, in id order, with the event types each subscribes to."""
    e = webhook_endpoints.c
    rows = conn.execute(
        select(e.id, e.shop_id, e.events)
        .where(e.shop_id.in_(shop_ids), e.disabled_at.is_(None), e.deleted_at.is_(None))
        .order_by(e.id)
    )
    found: dict[int, list[tuple[int, set[str]]]] = {}
    for r in rows:
        found.setdefault(r.shop_id, []).append((r.id, set(r.events.split())))
    return found


def _delivery(
    shop_id: int, endpoint_id: int, event_id: str, ordering_key: str, at: datetime, replay_no: int = 0
) -> dict:
    """A delivery row; its shop is the endpoint's (the composite key refuses any other)."""
    return {
        "shop_id": shop_id,
        "endpoint_id": endpoint_id,
        "event_id": event_id,
        "replay_no": replay_no,
        "ordering_key": ordering_key,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": at,
        "created_at": at,
    }


def new_delivery(
    conn: Connection, shop_id: int, endpoint_id: int, event_id: str, ordering_key: str, at: datetime
) -> int:
    """A replay: the same event again to the endpoint (of the shop), as the next replay number."""
    d = webhook_deliveries.c
    last = conn.execute(
        select(d.replay_no)
        .where(d.endpoint_id == endpoint_id, d.event_id == event_id)
        .order_by(d.replay_no.desc())
        .limit(1)
    ).scalar_one()
    key = conn.execute(
        webhook_deliveries.insert().values(
            _delivery(shop_id, endpoint_id, event_id, ordering_key, at, last + 1)
        )
    ).inserted_primary_key
    assert key is not None
    return int(key[0])
