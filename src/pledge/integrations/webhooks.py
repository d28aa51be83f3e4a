"""Webhook endpoints (docs/webhooks.md): the shop's owner — or an app whose key grants
`webhooks:write` — registers a URL with the event types it wants, gets the signing secret once,
lists, disables, enables, deletes and rotates. The secret is stored as it is (not hashed): every
delivery must compute an HMAC with it. The delivery log shows every delivery with its attempts,
and a delivery can be replayed (a new delivery of the same event, recorded as a replay)."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, ShopRole, require_shop
from pledge.integrations.events import check_types
from pledge.integrations.outbox import new_delivery
from pledge.integrations.tables import webhook_attempts, webhook_deliveries, webhook_endpoints, webhook_events
from pledge.integrations.urls import Resolver, check_url, resolve
from pledge.kernel.db import inserted_id
from pledge.kernel.errors import Forbidden, NotFound

SECRET_PREFIX = "whsec_"
APP_ACTOR_PREFIX = "app:"  # apps.caller_for_key names an app's actor so
MAX_ENDPOINTS = 20


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # due now or at next_attempt_at
    DELIVERED = "delivered"  # the endpoint answered 2xx
    PARKED = "parked"  # still failing 24 hours after the first attempt: no more tries


def _require_manager(actor: Actor, shop_id: int) -> None:
    """The shop's owner, or an app of the shop (whose key's scope the web layer checked)."""
    role = require_shop(actor, shop_id)
    if role != ShopRole.OWNER and not actor.display_name.startswith(APP_ACTOR_PREFIX):
        raise Forbidden("only the shop's owner manages its webhooks")


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def register_endpoint(
    conn: Connection,
    actor: Actor,
    *,
    shop_id: int,
    url: object,
    events: object,
    at: datetime,
    allow_private: bool,
    resolver: Resolver = resolve,
) -> dict:
    """A new endpoint; its secret is in the answer, and only there."""
    _require_manager(actor, shop_id)
    safe_url = check_url(url, allow_private=allow_private, resolver=resolver)
    types = check_types(events)
    e = webhook_endpoints.c
    live = conn.execute(select(func.count()).where(e.shop_id == shop_id, e.deleted_at.is_(None))).scalar_one()
    if live >= MAX_ENDPOINTS:
        raise Forbidden(f"a shop has at most {MAX_ENDPOINTS} webhook endpoints; delete one first")
    secret = _new_secret()
    endpoint_id = inserted_id(
        conn,
        webhook_endpoints.insert().values(
            shop_id=shop_id, url=safe_url, events=types, secret=secret, created_at=at
        ),
    )
    return {"id": endpoint_id, "url": safe_url, "events": types.split(), "secret": secret}


def _endpoint(conn: Connection, actor: Actor, endpoint_id: int):
    """The endpoint if the actor manages its shop; NotFound otherwise (another shop's endpoint is
    not told apart from none)."""
    row = conn.execute(select(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id)).first()
    if row is None or row.deleted_at is not None or row.shop_id not in actor.shops:
        raise NotFound(f"no webhook endpoint {endpoint_id}")
    _require_manager(actor, row.shop_id)
    return row


def _set(conn: Connection, endpoint_id: int, **values) -> None:
    conn.execute(update(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id).values(**values))


def set_enabled(conn: Connection, actor: Actor, endpoint_id: int, *, enabled: bool, at: datetime) -> None:
    """A disabled endpoint gets no new deliveries; those pending wait until it is enabled."""
    _endpoint(conn, actor, endpoint_id)
    _set(conn, endpoint_id, disabled_at=None if enabled else at)


def delete_endpoint(conn: Connection, actor: Actor, endpoint_id: int, *, at: datetime) -> None:
    """Gone from the list; its pending deliveries are never sent (their log stays)."""
    _endpoint(conn, actor, endpoint_id)
    _set(conn, endpoint_id, deleted_at=at, disabled_at=at)


def rotate_secret(conn: Connection, actor: Actor, endpoint_id: int) -> str:
    """A new secret signs every delivery from now on (shown once)."""
    _endpoint(conn, actor, endpoint_id)
    secret = _new_secret()
    _set(conn, endpoint_id, secret=secret)
    return secret


def endpoint_of(conn: Connection, actor: Actor, endpoint_id: int) -> dict:
    return _public(_endpoint(conn, actor, endpoint_id))


def _public(row) -> dict:
    return {
        "id": row.id,
        "shop_id": row.shop_id,
        "url": row.url,
        "events": row.events.split(),
        "secret_last4": row.secret[-4:],
        "enabled": row.disabled_at is None,
        "created_at": row.created_at,
    }


def shop_endpoints(conn: Connection, actor: Actor, shop_id: int) -> list[dict]:
    _require_manager(actor, shop_id)
    e = webhook_endpoints.c
    rows = conn.execute(
        select(webhook_endpoints).where(e.shop_id == shop_id, e.deleted_at.is_(None)).order_by(e.id)
    )
    return [_public(r) for r in rows]


def deliveries_of(conn: Connection, actor: Actor, endpoint_id: int, *, limit: int = 100) -> list[dict]:
    """The endpoint's latest deliveries, newest first, each with its attempts."""
    _endpoint(conn, actor, endpoint_id)
    d, v = webhook_deliveries.c, webhook_events.c
    rows = conn.execute(
        select(
            d.id,
            d.event_id,
            v.type.label("event_type"),
            d.replay_no,
            d.status,
            d.attempts,
            d.next_attempt_at,
            d.delivered_at,
            d.last_status_code,
            d.created_at,
        )
        .join(webhook_events, v.event_id == d.event_id)
        .where(d.endpoint_id == endpoint_id)
        .order_by(d.id.desc())
        .limit(limit)
    ).all()
    attempts = _attempts(conn, [r.id for r in rows])
    return [
        {
            **r._mapping,
            "next_attempt_at": r.next_attempt_at if r.status == DeliveryStatus.PENDING else None,
            "attempt_log": attempts.get(r.id, []),
        }
        for r in rows
    ]


def _attempts(conn: Connection, delivery_ids: list[int]) -> dict[int, list[dict]]:
    a = webhook_attempts.c
    found: dict[int, list[dict]] = {}
    if not delivery_ids:
        return found
    for r in conn.execute(
        select(a.delivery_id, a.at, a.status_code, a.duration_ms, a.error)
        .where(a.delivery_id.in_(delivery_ids))
        .order_by(a.id)
    ):
        found.setdefault(r.delivery_id, []).append(
            {"at": r.at, "status_code": r.status_code, "duration_ms": r.duration_ms, "error": r.error}
        )
    return found


def replay(conn: Connection, actor: Actor, delivery_id: int, *, at: datetime) -> int:
    """A new delivery of the delivery's event to its endpoint, due now; its id."""
    d = webhook_deliveries.c
    row = conn.execute(
        select(d.shop_id, d.endpoint_id, d.event_id, d.ordering_key).where(d.id == delivery_id)
    ).first()
    if row is None:
        raise NotFound(f"no webhook delivery {delivery_id}")
    try:
        _endpoint(conn, actor, row.endpoint_id)
    except NotFound:
        raise NotFound(f"no webhook delivery {delivery_id}") from None
    return new_delivery(conn, row.shop_id, row.endpoint_id, row.event_id, row.ordering_key, at)


def endpoint_of_delivery(conn: Connection, delivery_id: int) -> int:
    d = webhook_deliveries.c
    return conn.execute(select(d.endpoint_id).where(d.id == delivery_id)).scalar_one()
