"""Which scope an app key needs for each API operation (pledge.integrations.apps). An operation
not listed here is refused to every app key (403): an app reaches only what its owner granted,
and a new route is closed to apps until someone decides its scope here."""

from __future__ import annotations

from starlette.requests import Request

from pledge.integrations.apps import SCOPES, AppCaller
from pledge.kernel.errors import Forbidden

API_PREFIX = "/api/v1"
ROUTE_SCOPES: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/shops/{shop_id}/orders"): "orders:read",
    ("GET", "/api/v1/orders/{order_id}"): "orders:read",
    ("GET", "/api/v1/orders/{order_id}/logistics"): "orders:read",
    ("POST", "/api/v1/orders/{order_id}/ship"): "orders:ship",
    ("POST", "/api/v1/orders/{order_id}/carrier-slip"): "orders:ship",
    ("GET", "/api/v1/orders/changes"): "orders:read",
    ("POST", "/api/v1/orders/ship"): "orders:ship",
    ("GET", "/api/v1/shops/{shop_id}/stock"): "stock:read",
    ("PUT", "/api/v1/stock"): "stock:write",
    ("PUT", "/api/v1/skus/{sku_id}/stock"): "stock:write",
    ("GET", "/api/v1/shops/{shop_id}/cases"): "cases:read",
    ("GET", "/api/v1/cases/{case_id}"): "cases:read",
    ("POST", "/api/v1/cases/{case_id}/review"): "cases:decide",
    ("POST", "/api/v1/cases/{case_id}/return-received"): "cases:decide",
    ("GET", "/api/v1/shops/{shop_id}/balance"): "settlement:read",
    ("GET", "/api/v1/shops/{shop_id}/statement"): "settlement:read",
    ("GET", "/api/v1/shops/{shop_id}/webhooks"): "webhooks:read",
    ("GET", "/api/v1/webhooks/{endpoint_id}/deliveries"): "webhooks:read",
    ("POST", "/api/v1/shops/{shop_id}/webhooks"): "webhooks:write",
    ("PUT", "/api/v1/webhooks/{endpoint_id}/enabled"): "webhooks:write",
    ("DELETE", "/api/v1/webhooks/{endpoint_id}"): "webhooks:write",
    ("POST", "/api/v1/webhooks/{endpoint_id}/secret"): "webhooks:write",
    ("POST", "/api/v1/webhook-deliveries/{delivery_id}/replay"): "webhooks:write",
}
assert set(ROUTE_SCOPES.values()) <= SCOPES


def require_scope(request: Request, caller: AppCaller) -> None:
    route = request.scope.get("route")
    path = getattr(route, "path", request.url.path)
    if not path.startswith(API_PREFIX):  # a route of an included router knows its path below the prefix
        path = API_PREFIX + path
    needed = ROUTE_SCOPES.get((request.method, path))
    if needed is None:
        raise Forbidden(f"apps may not call {request.method} {path}")
    if needed not in caller.scopes:
        raise Forbidden(f"this app's key does not grant {needed}; the shop's owner can grant it")
