"""Tenancy cases of the shipping-insurance routes (运费险): whether a product carries it is public
(the product page shows it); only the product's shop may buy or stop it."""

from __future__ import annotations

from tests.e2e.tenancy import Case, Ids

ROUTES = {
    ("GET", "/api/v1/products/{product_id}/shipping-insurance"): Case("public"),
    ("PUT", "/api/v1/products/{product_id}/shipping-insurance"): Case(
        "denied", lambda ids, csrf: {"json": {"tier": "small"}}
    ),
    ("POST", "/merchant/products/{product_id}/shipping-insurance"): Case(
        "denied", lambda ids, csrf: {"data": {"csrf_token": csrf, "tier": "upgraded"}}, ok=303
    ),
}


def prepare(world, owner, buyer, ids: Ids) -> None:
    """Nothing to make: the side's product is enough."""
