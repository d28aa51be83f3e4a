"""The event types a shop's webhook endpoints may subscribe to, each with its version and the JSON
Schema of its payload. The schemas live here, in code; `pledge webhooks schemas --write` (and
tests/unit/test_webhook_events.py) writes them into docs/webhooks.md, and every payload is checked
against its schema when it is published, so a receiver can rely on them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema_rs

from pledge.kernel.errors import InvalidInput

ID = {"type": "integer", "minimum": 1}
FEN = {"type": "integer", "description": "an amount in fen (1/100 yuan)"}
TIME = {"type": "string", "description": "ISO 8601, UTC"}
DETAIL = {"type": "object", "description": "what the order's timeline recorded with the change"}


@dataclass(frozen=True)
class EventType:
    name: str
    version: int
    aggregate: str  # what the event is about: deliveries of one aggregate go out in order
    description: str
    properties: dict[str, Any]

    @property
    def schema(self) -> dict[str, Any]:
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://pledge.dev/webhooks/{self.name}/v{self.version}.json",
            "title": f"{self.name} v{self.version}",
            "description": self.description,
            "type": "object",
            "properties": self.properties,
            "required": sorted(self.properties),
            "additionalProperties": False,
        }


def _order_event(name: str, description: str) -> EventType:
    props = {"order_id": ID, "at": TIME, "detail": DETAIL}
    return EventType(name, 1, "order", description, props)


def _case_event(name: str, description: str) -> EventType:
    props = {
        "case_id": ID,
        "order_id": ID,
        "at": TIME,
        "actor": {"type": "string", "enum": ["buyer", "merchant", "operator", "system"]},
        "outcome": {"type": "string", "description": "requested, approved, rejected, refunded"},
        "detail": {"type": "object"},
    }
    return EventType(name, 1, "case", description, props)


EVENT_TYPES: dict[str, EventType] = {
    e.name: e
    for e in (
        _order_event("order.paid", "The buyer paid the order; `detail.ship_by` is its shipping deadline."),
        _order_event(
            "order.cancelled", "The order was cancelled (unpaid, by the buyer, or refunded unshipped)."
        ),
        _order_event(
            "order.shipped", "The shop shipped the order; `detail` names carrier and tracking number."
        ),
        _order_event("order.delivered", "The carrier reported the parcel delivered."),
        _case_event("case.filed", "A buyer filed an after-sales case."),
        _case_event("case.decided", "The shop or the platform approved or rejected a case."),
        _case_event("case.refunded", "The case's refund was paid back to the buyer."),
        EventType(
            "compensation.paid",
            1,
            "order",
            "The platform's rules made the shop compensate the buyer (late shipping, logistics).",
            {
                "order_id": ID,
                "at": TIME,
                "rule": {"type": "string", "maxLength": 40},
                "amount_fen": FEN,
                "clause": {"type": "string", "maxLength": 80},
            },
        ),
        EventType(
            "stock.low",
            1,
            "sku",
            "A SKU's stock in a warehouse fell to or below the shop's low-stock mark.",
            {
                "sku_id": ID,
                "warehouse_id": ID,
                "on_hand": {"type": "integer", "minimum": 0},
                "low_at": {"type": "integer", "minimum": 0},
                "at": TIME,
            },
        ),
        EventType(
            "score.changed",
            1,
            "shop",
            "The shop's daily experience score (商家体验分) was computed for a day.",
            {
                "day": {"type": "string", "format": "date"},
                "version": {"type": "string", "maxLength": 40},
                "stage": {"type": "string", "maxLength": 40},
                "score_centi": {"type": "integer", "description": "the score times 100"},
                "shown_tenths": {"type": "integer", "description": "the shown score times 10"},
                "at": TIME,
            },
        ),
        EventType(
            "payout.sent",
            1,
            "payout",
            "A payout of the shop's available balance was sent to its bank account.",
            {"payout_id": ID, "amount_fen": FEN, "provider_ref": {"type": "string"}, "at": TIME},
        ),
        EventType(
            "penalty.applied",
            1,
            "penalty",
            "The platform applied a penalty to the shop under a governance clause.",
            {
                "penalty_id": ID,
                "clause": {"type": "string", "maxLength": 80},
                "case_no": {"type": "integer", "minimum": 1},
                "points": {"type": "integer"},
                "at": TIME,
            },
        ),
    )
}


@cache
def _validator(name: str):
    return jsonschema_rs.validator_for(EVENT_TYPES[name].schema)


def check_payload(name: str, payload: dict) -> None:
    """Raises if the payload does not match its event type's schema (a programming error)."""
    if name not in EVENT_TYPES:
        raise InvalidInput(f"unknown event type {name!r}")
    errors = [e.message for e in _validator(name).iter_errors(payload)]
    if errors:
        raise ValueError(f"{name} payload does not match its schema: {'; '.join(errors[:3])}")


def check_types(requested: object) -> str:
    """The event types an endpoint subscribes to, space-separated and sorted."""
    if not isinstance(requested, (list, tuple, set, frozenset)) or not requested:
        raise InvalidInput("events: name at least one event type", field="events")
    unknown = sorted({str(t) for t in requested} - EVENT_TYPES.keys())
    if unknown:
        raise InvalidInput(
            f"events: unknown {', '.join(unknown)}; known: {', '.join(sorted(EVENT_TYPES))}", field="events"
        )
    return " ".join(sorted({str(t) for t in requested}))


def schemas_markdown() -> str:
    """The generated part of docs/webhooks.md: every event type and its schema."""
    import json

    parts = []
    for e in EVENT_TYPES.values():
        body = json.dumps(e.schema, indent=2, ensure_ascii=False)
        title = f"### `{e.name}` v{e.version}\n\n{e.description} Ordered per {e.aggregate}."
        parts.append(f"{title}\n\n```json\n{body}\n```\n")
    return "\n".join(parts)


DOC = "docs/webhooks.md"
START, END = "<!-- event-schemas:start -->", "<!-- event-schemas:end -->"


def with_schemas(doc: str) -> str:
    """The document with its generated part (between the markers) brought up to date."""
    head, rest = doc.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{schemas_markdown()}{END}{tail}"


if __name__ == "__main__":  # python -m pledge.integrations.events: rewrite docs/webhooks.md's schemas
    from pathlib import Path

    path = Path(DOC)
    path.write_text(with_schemas(path.read_text(encoding="utf-8")), encoding="utf-8")
