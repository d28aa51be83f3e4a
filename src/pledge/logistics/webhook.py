"""The carrier tracking webhook: a real carrier pushes its scans to
POST /api/v1/carriers/{carrier}/events. Every delivery is signed with the carrier's secret,
HMAC-SHA256 over "{timestamp}.{body}" (header X-Pledge-Timestamp, Unix seconds, and
X-Pledge-Signature, hex). A bad signature or a timestamp outside the tolerance is refused and
nothing is stored; an event id seen before is acknowledged and changes nothing (replay
protection: UNIQUE (carrier, event_id)). Accepted events go into tracking_events, where
fulfilment.services.apply_tracking_events applies them like the sandbox carrier's.

An event belongs to the one shipment holding its waybill (fulfilment.tables.waybills); once the
parcel is delivered and nobody holds the waybill, to its latest shipment. An event dated before
that shipment's order existed, or older than the rulebook's carrier-events.max-age, cannot be
that parcel's scan: it is refused (422), logged and kept in rejected_carrier_events.

Rotation: during a window both the current and the previous secret verify (PLEDGE_SECRET_KEY
and PLEDGE_SECRET_KEY_PREVIOUS, or PLEDGE_CARRIER_SECRETS and PLEDGE_CARRIER_SECRETS_PREVIOUS);
see docs/security.md."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select
from sqlalchemy.engine import Connection, Row

from pledge.config import Settings, weakness
from pledge.fulfilment.carriers import CARRIERS
from pledge.fulfilment.tables import rejected_carrier_events, shipments, tracking_events, waybills
from pledge.kernel.clock import parse_iso
from pledge.kernel.db import UnitOfWork, dialect_insert, inserted_id
from pledge.kernel.errors import DomainError, InvalidInput, NotFound, Unauthorized
from pledge.logistics.policy import EVENT_KINDS
from pledge.logistics.tables import carrier_deliveries, shipment_routes
from pledge.orders.tables import orders
from pledge.rulebooks.loader import Rulebook

log = logging.getLogger("pledge.logistics.webhook")
TOLERANCE = timedelta(minutes=5)  # how far a delivery's timestamp may be from our clock


class CarrierSettings(BaseSettings):
    """PLEDGE_CARRIER_SECRETS='{"sf": "…", "yto": "…"}'. A carrier without an entry uses a
    secret derived from PLEDGE_SECRET_KEY (fine for the sandbox, not for a real carrier)."""

    model_config = SettingsConfigDict(env_prefix="PLEDGE_", extra="ignore")
    carrier_secrets: dict[str, str] = {}
    carrier_secrets_previous: dict[str, str] = {}  # rotation: still verified, never used to sign


@lru_cache(maxsize=1)
def _configured() -> CarrierSettings:
    return CarrierSettings()


def _derived(key: str, carrier: str) -> str:
    return hmac.new(key.encode(), f"carrier-webhook:{carrier}".encode(), hashlib.sha256).hexdigest()


def carrier_secret(settings: Settings, carrier: str) -> str:
    """The secret a carrier signs with now."""
    return carrier_secrets(settings, carrier)[0]


def carrier_secrets(settings: Settings, carrier: str) -> list[str]:
    """Every secret whose signature is accepted: the current one, then during a rotation the
    previous one."""
    configured = _configured()
    if configured.carrier_secrets.get(carrier):
        return [
            k
            for k in (configured.carrier_secrets[carrier], configured.carrier_secrets_previous.get(carrier))
            if k
        ]
    return [_derived(k, carrier) for k in (settings.secret_key, settings.secret_key_previous) if k]


def carrier_secret_problems() -> list[str]:
    """Configured carrier secrets too weak to protect a real deployment (see config.weakness)."""
    configured = _configured()
    return [
        f"PLEDGE_{name.upper()}[{carrier}] {why}"
        for name, table in (
            ("carrier_secrets", configured.carrier_secrets),
            ("carrier_secrets_previous", configured.carrier_secrets_previous),
        )
        for carrier, value in sorted(table.items())
        if (why := weakness(value))
    ]


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """What the carrier sends as X-Pledge-Signature."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class UnknownWaybill(NotFound):
    code = "unknown_waybill"
    title = "Unknown waybill"


class ImplausibleEventTime(InvalidInput):
    code = "implausible_event_time"
    title = "Carrier event time is implausible"

    def __init__(self, detail: str, *, record: dict) -> None:
        super().__init__(detail, field="occurred_at", reason=record["reason"])
        self.record = record  # a rejected_carrier_events row


def _tracked(carrier: str):
    adapter = CARRIERS.get(carrier)
    if adapter is None or not adapter.tracked:
        raise NotFound(f"no tracked carrier {carrier!r}")
    return adapter


def verify(
    *, secret: str | Sequence[str], timestamp: str | None, signature: str | None, body: bytes, now: datetime
) -> None:
    """`secret`: one secret, or every accepted one (a rotation window)."""
    if not timestamp or not signature:
        raise Unauthorized("a carrier event needs the X-Pledge-Timestamp and X-Pledge-Signature headers")
    accepted = [secret] if isinstance(secret, str) else list(secret)
    given = signature.strip().lower()
    if not any([hmac.compare_digest(sign(key, timestamp, body), given) for key in accepted]):
        raise Unauthorized("carrier event signature does not match")
    try:
        sent = datetime.fromtimestamp(int(timestamp), tz=now.tzinfo)
    except (ValueError, OverflowError, OSError):
        raise Unauthorized("X-Pledge-Timestamp is not Unix seconds") from None
    if abs(now - sent) > TOLERANCE:
        raise Unauthorized(
            f"carrier event timestamp is {int(abs((now - sent).total_seconds()))} s away from our clock "
            f"(tolerance {int(TOLERANCE.total_seconds())} s); replays and stale deliveries are refused"
        )


def _optional_text(data: dict, key: str, limit: int) -> str | None:
    return None if data.get(key) is None else _text(data, key, limit)


def _text(data: dict, key: str, limit: int) -> str:
    value = data.get(key)
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
        raise InvalidInput(
            "occurred_at must be an ISO-8601 time with its offset", field="occurred_at"
        ) from None
    if occurred_at > now + TOLERANCE:
        raise InvalidInput(f"occurred_at {raw_at} is in the future", field="occurred_at")
    return {
        "event_id": _text(data, "event_id", 100),
        "tracking_no": _text(data, "tracking_no", 60),
        "kind": kind,
        "occurred_at": occurred_at,
        "location": _optional_text(data, "location", 100) or "",
        "origin_province": _optional_text(data, "origin_province", 20),
        "destination_province": _optional_text(data, "destination_province", 20),
    }


def _shipment_for(conn: Connection, carrier: str, tracking_no: str):
    """The shipment holding the waybill; when none does (its parcel was delivered), the latest
    one that shipped under it, for late scans such as a return to sender."""
    columns = (shipments.c.id, shipments.c.shop_id, orders.c.created_at)
    held = conn.execute(
        select(*columns)
        .select_from(
            waybills.join(shipments, shipments.c.id == waybills.c.shipment_id).join(
                orders, orders.c.id == shipments.c.order_id
            )
        )
        .where(waybills.c.carrier == carrier, waybills.c.tracking_no == tracking_no)
    ).first()
    if held is not None:
        return held
    return conn.execute(
        select(*columns)
        .join(orders, orders.c.id == shipments.c.order_id)
        .where(shipments.c.carrier == carrier, shipments.c.tracking_no == tracking_no)
        .order_by(shipments.c.id.desc())
        .limit(1)
    ).first()


def max_event_age(book: Rulebook, at: datetime) -> timedelta:
    return timedelta(hours=int(book.one("carrier_event_age", at).get("max_age_hours")))


def _check_event_time(carrier: str, event: dict, shipment, *, now: datetime, book: Rulebook | None) -> None:
    """A scan of this parcel cannot predate its order, nor (clause carrier-events.max-age)
    reach us implausibly long after it happened: such an event is someone else's parcel's, or a
    replayed one, and would fake a pickup or a delivery."""
    occurred = event["occurred_at"]
    if occurred < shipment.created_at:
        reason, why = "before_order", f"is before the order was placed ({shipment.created_at.isoformat()})"
    elif book is not None and occurred < now - (limit := max_event_age(book, now)):
        reason, why = (
            "too_old",
            (
                f"is more than {int(limit.total_seconds() // 3600)} h before we received it "
                "(clause carrier-events.max-age)"
            ),
        )
    else:
        return
    record = {
        "carrier": carrier,
        "event_id": event["event_id"],
        "tracking_no": event["tracking_no"],
        "shipment_id": shipment.id,
        "kind": event["kind"],
        "occurred_at": occurred,
        "reason": reason,
        "detail": f"occurred_at {occurred.isoformat()} {why}",
    }
    raise ImplausibleEventTime(
        f"carrier event {event['event_id']}: occurred_at {occurred.isoformat()} {why}; "
        "it cannot be a scan of this parcel and was not applied",
        record=record,
    )


def receive_delivery(
    uow: UnitOfWork,
    *,
    carrier: str,
    secrets: Sequence[str],
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: datetime,
    book: Rulebook,
) -> dict:
    """`receive_event` in its own transaction. An event refused for its time is logged and kept
    (once per event id) in a second transaction, since the first one rolled back."""
    try:
        with uow.begin() as conn:
            return receive_event(
                conn,
                carrier=carrier,
                secret=secrets,
                timestamp=timestamp,
                signature=signature,
                body=body,
                now=now,
                book=book,
            )
    except ImplausibleEventTime as refused:
        log.warning(
            "refused carrier event %s/%s for waybill %s: %s",
            carrier,
            refused.record["event_id"],
            refused.record["tracking_no"],
            refused.detail,
        )
        with uow.begin() as conn:
            conn.execute(
                dialect_insert(conn)(rejected_carrier_events)
                .on_conflict_do_nothing(index_elements=["carrier", "event_id"])
                .values(**refused.record, received_at=now)
            )
        raise


def _seen_before(conn: Connection, carrier: str, event_id: str) -> dict | None:
    """The answer to a delivery the carrier already made (it retries until it hears back)."""
    d = carrier_deliveries.c
    seen = conn.execute(
        select(d.shipment_id, d.tracking_event_id).where(d.carrier == carrier, d.event_id == event_id)
    ).first()
    if seen is None:
        return None
    return {
        "status": "duplicate",
        "event_id": event_id,
        "shipment_id": seen.shipment_id,
        "tracking_event_id": seen.tracking_event_id,
    }


def _claim_delivery(conn: Connection, delivery: dict) -> bool:
    """Record the delivery once per (carrier, event id); False when another delivery won."""
    stmt = (
        dialect_insert(conn)(carrier_deliveries)
        .on_conflict_do_nothing(index_elements=["carrier", "event_id"])
        .returning(carrier_deliveries.c.id)
    )
    return conn.execute(stmt, delivery).scalar() is not None


def _record_route(conn: Connection, shipment: Row, origin: str, destination: str) -> None:
    """The parcel's route (provinces), which decides the route class of the tracking rules."""
    route = {"origin_province": origin, "destination_province": destination}
    conn.execute(
        dialect_insert(conn)(shipment_routes)
        .on_conflict_do_update(index_elements=["shipment_id"], set_=route)
        .values(shipment_id=shipment.id, shop_id=shipment.shop_id, **route)
    )


def receive_event(
    conn: Connection,
    *,
    carrier: str,
    secret: str | Sequence[str],
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: datetime,
    book: Rulebook | None = None,
) -> dict:
    """Verify, then store one carrier event exactly once. Raises before writing anything.
    `book`: the rulebook whose carrier-events.max-age applies (the API always passes it)."""
    _tracked(carrier)
    verify(secret=secret, timestamp=timestamp, signature=signature, body=body, now=now)
    event = parse_event(body, now=now)
    seen = _seen_before(conn, carrier, event["event_id"])
    if seen is not None:
        return seen
    shipment = _shipment_for(conn, carrier, event["tracking_no"])
    if shipment is None:
        raise UnknownWaybill(
            f"carrier {carrier} has no waybill {event['tracking_no']} with us; nothing was stored",
            tracking_no=event["tracking_no"],
        )
    _check_event_time(carrier, event, shipment, now=now, book=book)
    shipment_id = shipment.id
    tracking_event_id = inserted_id(
        conn,
        tracking_events.insert().values(
            shipment_id=shipment_id,
            shop_id=shipment.shop_id,
            kind=event["kind"],
            occurs_at=event["occurred_at"],
            location=event["location"],
            applied=False,
        ),
    )
    delivery = {
        "carrier": carrier,
        "event_id": event["event_id"],
        "shipment_id": shipment_id,
        "shop_id": shipment.shop_id,
        "tracking_event_id": tracking_event_id,
        "received_at": now,
    }
    if not _claim_delivery(conn, delivery):  # the same event arrived twice at once; the other stored it
        conn.execute(tracking_events.delete().where(tracking_events.c.id == tracking_event_id))
        return {"status": "duplicate", "event_id": event["event_id"], "shipment_id": shipment_id}
    if event["origin_province"] and event["destination_province"]:
        _record_route(conn, shipment, event["origin_province"], event["destination_province"])
    return {
        "status": "accepted",
        "event_id": event["event_id"],
        "shipment_id": shipment_id,
        "tracking_event_id": tracking_event_id,
    }
