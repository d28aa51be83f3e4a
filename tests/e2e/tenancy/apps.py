"""Tenancy cases of the open platform's apps: only the shop's owner registers, lists, rotates,
narrows and revokes the shop's apps (another shop's app id is a 404 that touches nothing)."""

from __future__ import annotations

from pledge.integrations import apps
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
}


def prepare(world, owner, buyer, ids: Ids) -> None:
    """An app of the side's shop (a fresh one each time: the positive control revokes it)."""
    app = world.app
    with app.uow.begin() as c:
        issued = apps.register_app(
            c, owner, shop_id=ids.shop_id, name="旺店通", scopes=["orders:read"], at=app.clock.now()
        )
    ids.extra["app_id"] = issued.app_id
