"""The carrier tracking webhook: a real carrier pushes its scans to
POST /api/v1/carriers/{carrier}/events. Every delivery is signed with the carrier's secret,
HMAC-SHA256 over "{timestamp}.{body}" (header X-Pledge-Timestamp, Unix seconds, and
X-Pledge-Signature, hex). A bad signature or a timestamp outside the tolerance is refused and
nothing is stored; an event id seen before is acknowledged and changes nothing (replay
protection: UNIQUE (carrier, event_id)). Accepted events go into tracking_events, where
fulfilment.services.apply_tracking_events applies them like the sandbox carrier's."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.config import Settings
from pledge.fulfilment.carriers import CARRIERS
from pledge.fulfilment.tables import shipments, tracking_events
from pledge.kernel.db import dialect_insert
from pledge.kernel.clock import parse_iso
from pledge.kernel.errors import DomainError, InvalidInput, NotFound, Unauthorized
from pledge.logistics.policy import EVENT_KINDS
from pledge.logistics.tables import carrier_deliveries, shipment_routes

TOLERANCE = timedelta(minutes=5)  # how far a delivery's timestamp may be from our clock


class CarrierSettings(BaseSettings):
    """PLEDGE_CARRIER_SECRETS='{"sf": "…", "yto": "…"}'. A carrier without an entry uses a
    secret derived from PLEDGE_SECRET_KEY (fine for the sandbox, not for a real carrier)."""

    model_config = SettingsConfigDict(env_prefix="PLEDGE_", extra="ignore")
    carrier_secrets: dict[str, str] = {}


@lru_cache(maxsize=1)
def _configured() -> dict[str, str]:
    return CarrierSettings().carrier_secrets


def carrier_secret(settings: Settings, carrier: str) -> str:
    configured = _configured().get(carrier)
    if configured:
        return configured
    return hmac.new(settings.secret_key.encode(), f"carrier-webhook:{carrier}".encode(), hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """What the carrier sends as X-Pledge-Signature."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class UnknownWaybill(NotFound):
    code = "unknown_waybill"
    title = "Unknown waybill"


def _tracked(carrier: str):  # noqa: ANN202
    adapter = CARRIERS.get(carrier)
    if adapter is None or not adapter.tracked:
        raise NotFound(f"no tracked carrier {carrier!r}")
    return adapter


def verify(*, secret: str, timestamp: str | None, signature: str | None, body: bytes, now: datetime) -> None:
    if not timestamp or not signature:
        raise Unauthorized("a carrier event needs the X-Pledge-Timestamp and X-Pledge-Signature headers")
    if not hmac.compare_digest(sign(secret, timestamp, body), signature.strip().lower()):
        raise Unauthorized("carrier event signature does not match")
    try:
        sent = datetime.fromtimestamp(int(timestamp), tz=now.tzinfo)
    except (ValueError, OverflowError, OSError):
        raise Unauthorized("X-Pledge-Timestamp is not Unix seconds") from None
    if abs(now - sent) > TOLERANCE:
        raise Unauthorized(f"carrier event timestamp is {int(abs((now - sent).total_seconds()))} s away from our clock "
                           f"(tolerance {int(TOLERANCE.total_seconds())} s); replays and stale deliveries are refused")


def _text(data: dict, key: str, limit: int, *, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
        raise InvalidInput(f"{key} must be text of 1 to {limit} characters", field=key)
    return value.strip()


def parse_event(body: bytes, *, now: datetime) -> dict:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("the event body is not JSON") from None
    if not isinstance(data, dict):
        raise InvalidInput("the event body must be a JSON object")
    kind = data.get("kind")
    if kind not in EVENT_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(EVENT_KINDS)}", field="kind")
    raw_at = _text(data, "occurred_at", 40)
    try:
        occurred_at = parse_iso(raw_at)
    except DomainError:
        raise InvalidInput("occurred_at must be an ISO-8601 time with its offset", field="occurred_at") from None
    if occurred_at > now + TOLERANCE:
        raise InvalidInput(f"occurred_at {raw_at} is in the future", field="occurred_at")
    return {"event_id": _text(data, "event_id", 100), "tracking_no": _text(data, "tracking_no", 60), "kind": kind,
            "occurred_at": occurred_at, "location": _text(data, "location", 100, required=False) or "",
            "origin_province": _text(data, "origin_province", 20, required=False),
            "destination_province": _text(data, "destination_province", 20, required=False)}


def receive_event(conn: Connection, *, carrier: str, secret: str, timestamp: str | None, signature: str | None,
                  body: bytes, now: datetime) -> dict:
    """Verify, then store one carrier event exactly once. Raises before writing anything."""
    _tracked(carrier)
    verify(secret=secret, timestamp=timestamp, signature=signature, body=body, now=now)
    event = parse_event(body, now=now)
    d = carrier_deliveries.c
    seen = conn.execute(select(d.shipment_id, d.tracking_event_id).where(d.carrier == carrier, d.event_id == event["event_id"])).first()
    if seen is not None:
        return {"status": "duplicate", "event_id": event["event_id"], "shipment_id": seen.shipment_id,
                "tracking_event_id": seen.tracking_event_id}
    shipment_id = conn.execute(select(shipments.c.id).where(shipments.c.carrier == carrier,
                                                            shipments.c.tracking_no == event["tracking_no"])
                               .order_by(shipments.c.id.desc()).limit(1)).scalar()
    if shipment_id is None:
        raise UnknownWaybill(f"carrier {carrier} has no waybill {event['tracking_no']} with us; nothing was stored",
                             tracking_no=event["tracking_no"])
    tracking_event_id = conn.execute(tracking_events.insert().values(
        shipment_id=shipment_id, kind=event["kind"], occurs_at=event["occurred_at"], location=event["location"],
        applied=False)).inserted_primary_key[0]
    insert = dialect_insert(conn)
    won = conn.execute(insert(carrier_deliveries).on_conflict_do_nothing(index_elements=["carrier", "event_id"])
                       .returning(d.id), {"carrier": carrier, "event_id": event["event_id"], "shipment_id": shipment_id,
                                          "tracking_event_id": tracking_event_id, "received_at": now}).scalar()
    if won is None:  # the same event arrived twice at once and the other delivery stored it
        conn.execute(tracking_events.delete().where(tracking_events.c.id == tracking_event_id))
        return {"status": "duplicate", "event_id": event["event_id"], "shipment_id": shipment_id}
    if event["origin_province"] and event["destination_province"]:
        route = {"origin_province": event["origin_province"], "destination_province": event["destination_province"]}
        conn.execute(insert(shipment_routes).on_conflict_do_update(index_elements=["shipment_id"], set_=route)
                     .values(shipment_id=shipment_id, **route))
    return {"status": "accepted", "event_id": event["event_id"], "shipment_id": shipment_id,
            "tracking_event_id": tracking_event_id}
