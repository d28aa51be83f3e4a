"""Bulk endpoints for an ERP over HTTP (issue 20): the order change feed, stock for many SKUs,
many orders shipped. Per-item results; one item's refusal changes nothing for it and undoes no
other; a bad batch is refused whole; an app key needs the scope; Idempotency-Key replays."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pledge.catalog.tables import skus
from pledge.orders.model import OrderStatus
from pledge.orders.tables import orders
from pledge.web.api.bulk import MAX_SHIP_ITEMS, MAX_STOCK_ITEMS
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, snapshot


@pytest.fixture
def shop(app, world, client):
    shop_id, owner = world.shop()
    h = bearer(api_token(client, email_of(app, owner.user_id)))
    sku_ids = [world.product(owner, shop_id, stock=10) for _ in range(2)]
    return {"id": shop_id, "owner": owner, "h": h, "skus": sku_ids}


@pytest.fixture
def stranger(world):
    other_shop, other_owner = world.shop("大乐水果")
    return {"sku": world.product(other_owner, other_shop, stock=5), "owner": other_owner}


def stock_of(app, sku_id: int) -> int:
    with app.uow.read() as c:
        return c.execute(select(skus.c.stock).where(skus.c.id == sku_id)).scalar_one()


def status_of(app, order_id: int) -> str:
    with app.uow.read() as c:
        return c.execute(select(orders.c.status).where(orders.c.id == order_id)).scalar_one()


def test_stock_for_many_skus_answers_per_item_and_another_shops_sku_is_its_own_error(
    app, client, shop, stranger
):
    a, b = shop["skus"]
    items = [
        {"sku_id": a, "quantity": 3},
        {"sku_id": stranger["sku"], "quantity": 0},
        {"sku_id": b, "quantity": 0},
    ]
    resp = client.put("/api/v1/stock", json={"items": items}, headers=shop["h"])
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert [r["result"] for r in body["results"]] == ["ok", "problem", "ok"]
    assert body["results"][1]["problem"]["status"] in (403, 404) and (body["ok"], body["failed"]) == (2, 1)
    assert (stock_of(app, a), stock_of(app, b), stock_of(app, stranger["sku"])) == (3, 0, 5)


def test_a_bad_batch_is_refused_whole_and_changes_nothing(app, client, shop):
    a, b = shop["skus"]
    before = snapshot(app)
    twice = [{"sku_id": a, "quantity": 1}, {"sku_id": a, "quantity": 2}]
    assert (
        "more than once"
        in assert_problem(client.put("/api/v1/stock", json={"items": twice}, headers=shop["h"]), 422)[
            "detail"
        ]
    )
    over = [{"sku_id": b, "quantity": 1}] * (MAX_STOCK_ITEMS + 1)
    assert_problem(client.put("/api/v1/stock", json={"items": over}, headers=shop["h"]), 422)
    assert_problem(client.put("/api/v1/stock", json={"items": []}, headers=shop["h"]), 422)
    ships = [{"order_id": 1, "carrier": "sf", "waybill": "SF1000000001"}] * (MAX_SHIP_ITEMS + 1)
    assert_problem(client.post("/api/v1/orders/ship", json={"items": ships}, headers=shop["h"]), 422)
    assert_problem(client.post("/api/v1/orders/ship", json={"items": ships[:2]}, headers=shop["h"]), 422)
    assert_problem(client.get("/api/v1/orders/changes?cursor=not-a-cursor", headers=shop["h"]), 422)
    assert snapshot(app) == before


def test_shipping_many_orders_reports_shipped_already_shipped_and_problems(
    app, world, client, shop, stranger
):
    buyer = world.user()
    first, second = (world.paid_order(buyer, shop["skus"][0]) for _ in range(2))
    theirs = world.paid_order(buyer, stranger["sku"])
    world.ship(shop["owner"], first, tracking_no="SF2000000001")
    items = [
        {"order_id": first, "carrier": "sf", "waybill": "SF2000000001"},  # a retry: answered
        {"order_id": second, "carrier": "sf", "waybill": "SF2000000001"},  # the waybill is held
        {"order_id": theirs, "carrier": "sf", "waybill": "SF2000000003"},
    ]
    resp = client.post("/api/v1/orders/ship", json={"items": items}, headers=shop["h"])
    assert resp.status_code == 200, resp.text
    results = resp.json()["results"]
    assert [r["result"] for r in results] == ["already_shipped", "problem", "problem"]
    assert results[1]["problem"]["status"] == 409 and results[2]["problem"]["status"] == 404
    assert status_of(app, second) == status_of(app, theirs) == OrderStatus.PAID.value
    items[1]["waybill"] = "SF2000000002"
    again = client.post("/api/v1/orders/ship", json={"items": items[:2]}, headers=shop["h"]).json()
    assert [r["result"] for r in again["results"]] == ["already_shipped", "shipped"]
    assert status_of(app, second) == OrderStatus.SHIPPED.value


def test_a_batch_with_an_idempotency_key_is_done_once(app, client, shop):
    a, _ = shop["skus"]
    h = {**shop["h"], "Idempotency-Key": "stock-2026-09-01-1"}
    first = client.put("/api/v1/stock", json={"items": [{"sku_id": a, "quantity": 4}]}, headers=h)
    client.put(f"/api/v1/skus/{a}/stock", json={"stock": 9}, headers=shop["h"])
    again = client.put("/api/v1/stock", json={"items": [{"sku_id": a, "quantity": 4}]}, headers=h)
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == first.json()
    assert stock_of(app, a) == 9


def test_the_change_feed_over_http_pages_with_its_cursor(app, world, client, shop, stranger):
    order_id = world.paid_order(world.user(), shop["skus"][0])
    page = client.get("/api/v1/orders/changes?limit=1", headers=shop["h"]).json()
    assert [c["order_id"] for c in page["changes"]] == [order_id] and page["more"]
    rest = client.get(f"/api/v1/orders/changes?cursor={page['next_cursor']}", headers=shop["h"]).json()
    assert [c["status"] for c in rest["changes"]] == [OrderStatus.PAID.value] and not rest["more"]
    other = bearer(api_token(client, email_of(app, stranger["owner"].user_id)))
    problem = assert_problem(
        client.get(f"/api/v1/orders/changes?cursor={page['next_cursor']}", headers=other), 422
    )
    assert "another shop" in problem["detail"]


def test_an_app_needs_the_scope_of_each_bulk_endpoint(app, client, shop):
    made = client.post(
        f"/api/v1/shops/{shop['id']}/apps", json={"name": "ERP", "scopes": ["stock:read"]}, headers=shop["h"]
    )
    h = bearer(made.json()["key"])
    before = snapshot(app)
    for method, path, body in (
        ("GET", "/api/v1/orders/changes", None),
        ("PUT", "/api/v1/stock", {"items": [{"sku_id": shop["skus"][0], "quantity": 1}]}),
        (
            "POST",
            "/api/v1/orders/ship",
            {"items": [{"order_id": 1, "carrier": "sf", "waybill": "SF3000000001"}]},
        ),
    ):
        assert_problem(client.request(method, path, json=body, headers=h), 403)
    tables = snapshot(app)
    tables.pop("rate_windows"), before.pop("rate_windows")
    assert tables == before
    client.put(
        f"/api/v1/apps/{made.json()['app_id']}/scopes",
        json={"scopes": ["orders:read", "stock:write"]},
        headers=shop["h"],
    )
    assert client.get("/api/v1/orders/changes", headers=h).status_code == 200
    ok = client.put("/api/v1/stock", json={"items": [{"sku_id": shop["skus"][0], "quantity": 1}]}, headers=h)
    assert ok.json()["ok"] == 1
