"""Apps of the open platform (issue 20): a shop's owner registers an ERP with scopes and gets a key
shown once; the key reads and writes only within its scopes and its shop; every other API
operation is a 403 that changes nothing; rotating a key stops the old one, revoking the app stops
all; unknown scopes and non-owners are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy import select

from pledge.accounts import services as accounts
from pledge.integrations.tables import app_keys
from pledge.web.app_scopes import ROUTE_SCOPES
from pledge.web.deps import api_actor, optional_api_actor
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, snapshot

GRANTED = ["orders:read", "stock:write"]


def unchanged(app) -> dict:
    """The database but the apps' request counters (every request counts, refused ones too)."""
    tables = snapshot(app)
    tables.pop("rate_windows")
    return tables


@pytest.fixture
def erp(app, world, client):
    shop_id, owner = world.shop("飞恋伞厂")
    sku = world.product(owner, shop_id, stock=10)
    owner_h = bearer(api_token(client, email_of(app, owner.user_id)))
    made = client.post(
        f"/api/v1/shops/{shop_id}/apps", json={"name": "聚水潭ERP", "scopes": GRANTED}, headers=owner_h
    )
    assert made.status_code == 201, made.text
    return {"shop_id": shop_id, "sku": sku, "owner": owner_h, **made.json()}


def test_the_key_is_shown_once_and_kept_only_as_a_digest(app, client, erp):
    assert erp["key"].startswith("pla_") and len(erp["key"]) > 40
    with app.uow.read() as c:
        (row,) = c.execute(select(app_keys)).all()
    assert row.key_hash == accounts.token_digest(erp["key"]) and erp["key"] not in str(tuple(row))
    (listed,) = client.get(f"/api/v1/shops/{erp['shop_id']}/apps", headers=erp["owner"]).json()
    assert listed["scopes"] == GRANTED and listed["last4"] == erp["key"][-4:] and "key" not in listed


def test_an_app_acts_within_its_scopes_and_its_shop(app, world, client, erp):
    h = bearer(erp["key"])
    assert client.get(f"/api/v1/shops/{erp['shop_id']}/orders", headers=h).status_code == 200
    stocked = client.put(f"/api/v1/skus/{erp['sku']}/stock", json={"stock": 7}, headers=h)
    assert stocked.status_code == 200, stocked.text
    other_shop, other_owner = world.shop("大乐水果")
    other_sku = world.product(other_owner, other_shop, stock=10)
    before = unchanged(app)
    assert (
        "cases:read"
        in assert_problem(client.get(f"/api/v1/shops/{erp['shop_id']}/cases", headers=h), 403)["detail"]
    )
    assert client.get(f"/api/v1/shops/{other_shop}/orders", headers=h).status_code in (403, 404)
    assert client.put(f"/api/v1/skus/{other_sku}/stock", json={"stock": 1}, headers=h).status_code in (
        403,
        404,
    )
    assert assert_problem(client.get(f"/api/v1/shops/{erp['shop_id']}/apps", headers=h), 403)
    assert unchanged(app) == before


def _actor_routes(web):
    """Every API operation whose caller is resolved from the bearer token."""

    def uses_actor(dependant) -> bool:
        return any(d.call in (api_actor, optional_api_actor) or uses_actor(d) for d in dependant.dependencies)

    for route in iter_route_contexts(web.routes):
        path = getattr(route, "path", "")
        if path.startswith("/api/v1/") and hasattr(route, "dependant") and uses_actor(route.dependant):
            yield from ((m, path) for m in route.methods if m not in ("HEAD", "OPTIONS"))


def test_every_operation_outside_the_granted_scopes_is_a_403_that_changes_nothing(app, client, erp):
    h = bearer(erp["key"])
    outside = sorted(r for r in _actor_routes(client.app) if ROUTE_SCOPES.get(r) not in GRANTED)
    assert len(outside) > 100 and ("POST", "/api/v1/orders/{order_id}/ship") in outside
    before = unchanged(app)
    wrong = {}
    for method, template in outside:
        resp = client.request(method, template.format_map(_Ones()), json={}, headers=h)
        if resp.status_code != 403:
            wrong[(method, template)] = resp.status_code
    assert not wrong, wrong
    assert unchanged(app) == before


class _Ones(dict):
    def __missing__(self, key: str) -> str:
        return "1"


def test_rotating_stops_the_old_key_and_revoking_stops_the_app(app, client, erp):
    orders = f"/api/v1/shops/{erp['shop_id']}/orders"
    rotated = client.post(f"/api/v1/apps/{erp['app_id']}/key", headers=erp["owner"])
    assert rotated.status_code == 201 and rotated.json()["key"] != erp["key"]
    assert_problem(client.get(orders, headers=bearer(erp["key"])), 401)
    assert client.get(orders, headers=bearer(rotated.json()["key"])).status_code == 200
    narrowed = client.put(
        f"/api/v1/apps/{erp['app_id']}/scopes", json={"scopes": ["stock:write"]}, headers=erp["owner"]
    )
    assert narrowed.json()["scopes"] == ["stock:write"]
    assert_problem(client.get(orders, headers=bearer(rotated.json()["key"])), 403)
    assert client.delete(f"/api/v1/apps/{erp['app_id']}", headers=erp["owner"]).json()["revoked"] is True
    assert_problem(
        client.put(
            f"/api/v1/skus/{erp['sku']}/stock", json={"stock": 3}, headers=bearer(rotated.json()["key"])
        ),
        401,
    )


def test_unknown_scopes_and_non_owners_are_refused(app, world, client, erp):
    stranger = bearer(api_token(client, email_of(app, world.user().user_id)))
    before = unchanged(app)
    bad = client.post(
        f"/api/v1/shops/{erp['shop_id']}/apps",
        json={"name": "x", "scopes": ["orders:delete"]},
        headers=erp["owner"],
    )
    assert "unknown orders:delete" in assert_problem(bad, 422)["detail"]
    none = client.post(
        f"/api/v1/shops/{erp['shop_id']}/apps", json={"name": "x", "scopes": []}, headers=erp["owner"]
    )
    assert_problem(none, 422)
    assert_problem(
        client.post(
            f"/api/v1/shops/{erp['shop_id']}/apps", json={"name": "x", "scopes": GRANTED}, headers=stranger
        ),
        403,
    )
    assert_problem(client.post(f"/api/v1/apps/{erp['app_id']}/key", headers=stranger), 404)
    assert_problem(client.get("/api/v1/me", headers=bearer("pla_forged")), 401)
    assert unchanged(app) == before


def test_an_app_over_its_rate_limit_gets_a_429_with_retry_after_until_the_minute_ends(
    app, client, clock, erp
):
    app.settings.app_requests_per_minute = 3  # the App's settings object of this test only
    orders = f"/api/v1/shops/{erp['shop_id']}/orders"
    h = bearer(erp["key"])
    clock.set(clock.now().replace(second=10, microsecond=0))
    assert [client.get(orders, headers=h).status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get(orders, headers=h)
    assert "3 requests per minute" in assert_problem(limited, 429)["detail"]
    assert limited.headers["retry-after"] == "50"
    assert client.get(orders, headers=erp["owner"]).status_code == 200  # people are not counted
    clock.advance(timedelta(seconds=50))
    assert client.get(orders, headers=h).status_code == 200


def test_the_shops_apps_share_the_shop_limit(app, client, erp):
    app.settings.shop_app_requests_per_minute = 2
    second = client.post(
        f"/api/v1/shops/{erp['shop_id']}/apps",
        json={"name": "打单助手", "scopes": GRANTED},
        headers=erp["owner"],
    ).json()["key"]
    orders = f"/api/v1/shops/{erp['shop_id']}/orders"
    assert client.get(orders, headers=bearer(erp["key"])).status_code == 200
    assert client.get(orders, headers=bearer(second)).status_code == 200
    assert "this shop's apps" in assert_problem(client.get(orders, headers=bearer(second)), 429)["detail"]
