"""Platform-listed apps over HTTP (issue 20): the operator lists an app with the scopes it asks
for; a shop's owner installs it granting a subset and gets the installation's own key (shown
once, kept hashed); the key acts within the granted scopes and its shop only; rotating and
uninstalling work per shop; bad input is refused and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pledge.accounts import services as accounts
from pledge.integrations.tables import app_keys
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, snapshot

ASKS = ["orders:read", "orders:ship", "stock:write"]


def unchanged(app) -> dict:
    tables = snapshot(app)
    tables.pop("rate_windows")
    return tables


@pytest.fixture
def market(app, world, client):
    operator = world.user("运营", platform_role="operator")
    op_h = bearer(api_token(client, email_of(app, operator.user_id)))
    listed = client.post(
        "/api/v1/app-listings",
        json={"name": "快递助手", "description": "批量打单发货", "scopes": ASKS},
        headers=op_h,
    )
    assert listed.status_code == 201, listed.text
    shops = []
    for name in ("小阿阮鲜花", "大乐水果"):
        shop_id, owner = world.shop(name)
        sku = world.product(owner, shop_id, stock=10)
        shops.append(
            {"id": shop_id, "sku": sku, "h": bearer(api_token(client, email_of(app, owner.user_id)))}
        )
    return {"listing_id": listed.json()["listing_id"], "operator": op_h, "shops": shops}


def install(client, shop, listing_id, scopes):
    return client.post(
        f"/api/v1/shops/{shop['id']}/installations",
        json={"listing_id": listing_id, "scopes": scopes},
        headers=shop["h"],
    )


def test_each_shop_installs_with_its_own_key_and_scopes(app, client, market):
    a, b = market["shops"]
    got_a = install(client, a, market["listing_id"], ["orders:read", "stock:write"])
    got_b = install(client, b, market["listing_id"], ["orders:read"])
    assert got_a.status_code == got_b.status_code == 201, got_a.text + got_b.text
    key_a, key_b = got_a.json()["key"], got_b.json()["key"]
    assert key_a != key_b and key_a.startswith("pla_")
    with app.uow.read() as c:
        hashes = set(c.execute(select(app_keys.c.key_hash)).scalars())
    assert accounts.token_digest(key_a) in hashes and key_a not in str(hashes)
    (entry,) = client.get(f"/api/v1/shops/{a['id']}/market", headers=a["h"]).json()
    assert entry["app_id"] == got_a.json()["app_id"] and entry["granted"] == ["orders:read", "stock:write"]
    assert entry["scopes"] == sorted(ASKS) and entry["last4"] == key_a[-4:]
    stocked = client.put(f"/api/v1/skus/{a['sku']}/stock", json={"stock": 3}, headers=bearer(key_a))
    assert stocked.status_code == 200, stocked.text
    assert_problem(
        client.put(f"/api/v1/skus/{b['sku']}/stock", json={"stock": 3}, headers=bearer(key_a)), (403, 404)
    )
    assert_problem(
        client.put(f"/api/v1/skus/{b['sku']}/stock", json={"stock": 3}, headers=bearer(key_b)), 403
    )


def test_uninstalling_in_one_shop_revokes_only_that_shops_key(app, client, market):
    a, b = market["shops"]
    got_a = install(client, a, market["listing_id"], ["orders:read"]).json()
    got_b = install(client, b, market["listing_id"], ["orders:read"]).json()
    rotated = client.post(f"/api/v1/apps/{got_a['app_id']}/key", headers=a["h"]).json()["key"]
    orders_a = f"/api/v1/shops/{a['id']}/orders"
    assert_problem(client.get(orders_a, headers=bearer(got_a["key"])), 401)
    assert client.get(orders_a, headers=bearer(rotated)).status_code == 200
    assert client.delete(f"/api/v1/apps/{got_a['app_id']}", headers=a["h"]).status_code == 200
    assert_problem(client.get(orders_a, headers=bearer(rotated)), 401)
    assert client.get(f"/api/v1/shops/{b['id']}/orders", headers=bearer(got_b["key"])).status_code == 200
    (entry,) = client.get(f"/api/v1/shops/{a['id']}/market", headers=a["h"]).json()
    assert entry["app_id"] is None
    assert install(client, a, market["listing_id"], ["orders:read"]).status_code == 201  # again, after


def test_bad_listings_and_installs_are_refused_and_change_nothing(app, client, market):
    a, b = market["shops"]
    install(client, a, market["listing_id"], ["orders:read"])
    before = unchanged(app)
    bad_listing = {"name": "X", "description": "d", "scopes": ["orders:read", "everything"]}
    assert (
        "everything"
        in assert_problem(
            client.post("/api/v1/app-listings", json=bad_listing, headers=market["operator"]), 422
        )["detail"]
    )
    good_listing = {**bad_listing, "scopes": ["orders:read"]}
    assert_problem(client.post("/api/v1/app-listings", json=good_listing, headers=a["h"]), 403)
    assert (
        "cases:read"
        in assert_problem(install(client, b, market["listing_id"], ["cases:read"]), 422)["detail"]
    )
    assert_problem(install(client, b, market["listing_id"], ["nope"]), 422)
    assert_problem(install(client, a, market["listing_id"], ["orders:read"]), 409)  # installed already
    assert_problem(install(client, b, 999_999, ["orders:read"]), 404)
    assert_problem(install(client, {**b, "h": a["h"]}, market["listing_id"], ["orders:read"]), 403)
    assert unchanged(app) == before


def test_an_installation_key_may_not_manage_apps_or_list_them(client, market):
    a, _ = market["shops"]
    key = install(client, a, market["listing_id"], sorted(ASKS)).json()["key"]
    assert_problem(client.get(f"/api/v1/shops/{a['id']}/market", headers=bearer(key)), 403)
    assert_problem(
        client.post(
            "/api/v1/app-listings",
            json={"name": "X", "description": "d", "scopes": ["orders:read"]},
            headers=bearer(key),
        ),
        403,
    )
