"""Tenancy cases of the logistics routes: a shop's sanctions and its merchant page, an order's
logistics compensations, and the operators-only fraudulent-shipping finding (on a shipped order).
The carrier webhooks have no path id (one static route per carrier) and are signed, not owned."""
from __future__ import annotations

from tests.e2e.tenancy import Case, Ids

SHIPPED = (("order_id", "shipped_order_id"),)

ROUTES = {
    ("GET", "/api/v1/shops/{shop_id}/sanctions"): Case("denied"),
    ("GET", "/api/v1/orders/{order_id}/logistics"): Case("denied"),
    ("POST", "/api/v1/orders/{order_id}/fraudulent-shipping"): Case(
        "denied", lambda ids, csrf: {"json": {"finding": "empty_parcel"}}, ok=403, operator_ok=201, params=SHIPPED),
    ("GET", "/merchant/shops/{shop_id}/logistics"): Case("denied"),
}


def prepare(world, owner, buyer, ids: Ids) -> None:  # noqa: ANN001
    order_id = world.paid_order(buyer, ids.sku_id)
    world.ship(owner, order_id, tracking_no=f"SF{order_id:010d}")
    ids.extra["shipped_order_id"] = order_id
