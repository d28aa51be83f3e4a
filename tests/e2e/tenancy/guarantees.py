"""Tenancy cases of the late-ship routes added with the shipped-time rule: the merchant's carrier
slip of a parcel sent without tracking data (douyin:101706 2.2)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.e2e.tenancy import Case, Ids

ROUTES = {
    ("POST", "/api/v1/orders/{order_id}/carrier-slip"): Case(
        "denied",
        lambda ids, csrf: {
            "json": {"slip_at": datetime.fromtimestamp(ids.extra["slip_epoch"], UTC).isoformat()}
        },
        params=(("order_id", "untracked_order_id"),),
    ),
}


def prepare(world, owner, buyer, ids: Ids) -> None:
    order_id = world.paid_order(buyer, ids.sku_id)
    world.ship(owner, order_id, carrier="other", tracking_no=f"SELF{order_id:08d}")
    ids.extra["untracked_order_id"] = order_id
    ids.extra["slip_epoch"] = int(world.now.timestamp())
