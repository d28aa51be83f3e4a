"""Tenancy cases of the open platform's apps: only the shop's owner registers, lists, rotates,
narrows and revokes the shop's apps (another shop's app id is a 404 that touches nothing); only
the shop's owner sees the shop's market and installs a listed app in the shop."""

from __future__ import annotations

from pledge.integrations import apps, listings
from tests.e2e.tenancy import Case, Ids

NEW_APP = {"json": {"name": "聚水潭ERP", "scopes": ["orders:read"]}}

ROUTES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/shops/{shop_id}/apps"): Case("denied"),
    ("POST", "/api/v1/shops/{shop_id}/apps"): Case("denied", lambda ids, csrf: NEW_APP, ok=201),
    ("POST", "/api/v1/apps/{app_id}/key"): Case("denied", ok=201),
    ("PUT", "/api/v1/apps/{app_id}/scopes"): Case(
        "denied", lambda ids, csrf: {"json": {"scopes": ["stock:write"]}}
    ),
    ("DELETE", "/api/v1/apps/{app_id}"): Case("denied"),
    ("GET", "/api/v1/shops/{shop_id}/market"): Case("denied"),
    ("POST", "/api/v1/shops/{shop_id}/installations"): Case(
        "denied",
        lambda ids, csrf: {"json": {"listing_id": ids.extra["listing_id"], "scopes": ["orders:read"]}},
        ok=201,
    ),
}


def prepare(world, owner, buyer, ids: Ids) -> None:
    """An app of the side's shop and a listed app (fresh ones each time: the positive controls
    revoke the app and install the listed one)."""
    app = world.app
    operator = world.user("运营", platform_role="operator")
    with app.uow.begin() as c:
        issued = apps.register_app(
            c, owner, shop_id=ids.shop_id, name="旺店通", scopes=["orders:read"], at=app.clock.now()
        )
        ids.extra["listing_id"] = listings.list_app(
            c, operator, name="快递助手", description="打印面单", scopes=["orders:read"], at=app.clock.now()
        )
    ids.extra["app_id"] = issued.app_id
