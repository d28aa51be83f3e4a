"""The estimated delivery a buyer sees: from the ship-by time while the order waits, from the
carrier's pickup scan once it has left (per-carrier transit clause), none once delivered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pledge.rulebooks.loader import load
from pledge.warehouse.estimate import for_order

SHIP_BY = datetime(2026, 11, 28, 5, 2, tzinfo=UTC)
NOW = datetime(2026, 11, 26, 5, 2, tzinfo=UTC)


def test_waiting_order_counts_from_its_ship_by_time():
    est = for_order(load("douyin"), {"ship_by": SHIP_BY, "status": "paid"}, NOW)
    assert est["picked_up_at"] is None
    assert est["deliver_by"] - SHIP_BY == timedelta(
        hours=load("douyin").clause("transit.default").get("hours")
    )


def test_shipped_order_counts_from_the_pickup_scan_with_its_carrier():
    picked = NOW + timedelta(hours=1)
    est = for_order(
        load("douyin"),
        {"ship_by": SHIP_BY, "status": "shipped", "picked_up_at": picked, "shipment": {"carrier": "sf"}},
        NOW,
    )
    assert (est["picked_up_at"], est["deliver_by"], est["clause"]) == (
        picked,
        picked + timedelta(hours=36),
        "transit.sf",
    )


def test_delivered_order_has_no_estimate():
    assert for_order(load("douyin"), {"ship_by": SHIP_BY, "status": "delivered"}, NOW) is None
