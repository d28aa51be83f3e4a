"""Tenancy cases of the logistics routes: a shop's sanctions and its merchant page, an order's
logistics compensations, the operators-only fraudulent-shipping finding (on a shipped order) and
the buyer's booked delivery day (on the owner's own purchase of goods that offer it). The
carrier webhooks have no path id (one static route per carrier) and are signed, not owned."""

from __future__ import annotations

from tests.e2e.tenancy import Case, Ids

SHIPPED = (("order_id", "shipped_order_id"),)

ROUTES = {
    ("GET", "/api/v1/shops/{shop_id}/sanctions"): Case("denied"),
    ("GET", "/api/v1/orders/{order_id}/logistics"): Case("denied"),
    ("POST", "/api/v1/orders/{order_id}/fraudulent-shipping"): Case(
        "denied",
        lambda ids, csrf: {"json": {"finding": "empty_parcel"}},
        ok=403,
        operator_ok=201,
        params=SHIPPED,
    ),
    ("GET", "/merchant/shops/{shop_id}/logistics"): Case("denied"),
    # a buyer's action: merchant A may book its own purchase, never B's buyer's order
    ("POST", "/api/v1/orders/{order_id}/booked-delivery"): Case(
        "denied", lambda ids, csrf: {"json": {"day": "2030-01-01"}}, params=(("order_id", "booked_order_id"),)
    ),
}


def prepare(world, owner, buyer, ids: Ids) -> None:
    order_id = world.paid_order(buyer, ids.sku_id)
    world.ship(owner, order_id, tracking_no=f"SF{order_id:010d}")
    ids.extra["shipped_order_id"] = order_id
    sofa = world.product(
        owner, ids.shop_id, promise="72h", price_fen=99900, title="布艺沙发", booked_delivery=True
    )
    ids.extra["booked_order_id"] = world.paid_order(owner, sofa)
