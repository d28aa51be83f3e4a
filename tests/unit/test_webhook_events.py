"""Webhook event types: docs/webhooks.md shows the schemas kept in code; a payload is checked
against its event's schema; the subscription list names only known types."""

from __future__ import annotations

from pathlib import Path

import pytest

from pledge.integrations.events import DOC, EVENT_TYPES, check_payload, check_types, with_schemas
from pledge.kernel.errors import InvalidInput

ROOT = Path(__file__).resolve().parents[2]


def test_docs_webhooks_md_shows_every_event_schema_as_in_code():
    doc = (ROOT / DOC).read_text(encoding="utf-8")
    assert doc == with_schemas(doc), "run `python -m pledge.integrations.events` to update docs/webhooks.md"
    for name, kind in EVENT_TYPES.items():
        assert f"### `{name}` v{kind.version}" in doc


def test_a_payload_is_checked_against_its_schema():
    good = {"order_id": 7, "at": "2026-09-01T02:00:00+00:00", "detail": {"ship_by": "x"}}
    check_payload("order.paid", good)
    with pytest.raises(ValueError, match="schema"):
        check_payload("order.paid", {**good, "surprise": 1})  # additionalProperties: false
    with pytest.raises(ValueError, match="schema"):
        check_payload("payout.sent", {"payout_id": 1})


def test_subscriptions_name_known_event_types_only():
    assert check_types(["order.shipped", "order.paid", "order.paid"]) == "order.paid order.shipped"
    with pytest.raises(InvalidInput, match="unknown order.lost"):
        check_types(["order.lost"])
    with pytest.raises(InvalidInput):
        check_types([])
