"""Creators and the affiliate marketplace over the API: a merchant offers a rate for a product, a
user becomes a creator and adds it to their showcase; a rate over 100 %, overlapping periods, a
product without a rate for the creator (douyin:aJoPPkXtaG25 "无佣金的达人不可带货") and a removed
creator are refused as problem+json, writing nothing."""

from __future__ import annotations

from sqlalchemy import select

from pledge.catalog.tables import skus
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, snapshot

SEPT = "2026-09-01T00:00:00+08:00"


def _product(app, world, client) -> tuple[int, dict]:
    """A product of a new shop and its owner's API headers."""
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id)
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    return product_id, _login(app, client, owner)


def _login(app, client, actor) -> dict:
    return bearer(api_token(client, email_of(app, actor.user_id)))


def test_a_creator_adds_a_product_a_merchant_offers_and_bad_input_writes_nothing(app, world, client):
    product_id, merchant = _product(app, world, client)
    creator = _login(app, client, world.user("达人"))
    made = client.post(
        "/api/v1/creators",
        json={"handle": "huahua", "display_name": "花花", "follower_count": 12_000},
        headers=creator,
    )
    assert made.status_code == 201, made.text
    assert (made.json()["status"], made.json()["showcase"]) == ("active", [])

    before = snapshot(app)
    refused = client.post("/api/v1/creators/me/showcase", json={"product_id": product_id}, headers=creator)
    assert "not in the affiliate marketplace for you" in assert_problem(refused, 409)["detail"]
    too_high = client.post(
        f"/api/v1/products/{product_id}/affiliate-rates",
        json={"rate_bp": 10_001, "starts_at": SEPT},
        headers=merchant,
    )
    assert "rate_bp: must be at most 10000" in assert_problem(too_high, 422)["detail"]
    negative = client.post(
        f"/api/v1/products/{product_id}/affiliate-rates",
        json={"rate_bp": -1, "starts_at": SEPT},
        headers=merchant,
    )
    assert "from 0% to 100%" in assert_problem(negative, 422)["detail"]
    assert snapshot(app) == before

    offered = client.post(
        f"/api/v1/products/{product_id}/affiliate-rates",
        json={"rate_bp": 2_000, "starts_at": SEPT, "ends_at": "2026-09-16T00:00:00+08:00"},
        headers=merchant,
    )
    assert offered.status_code == 201, offered.text
    before = snapshot(app)
    overlap = client.post(
        f"/api/v1/products/{product_id}/affiliate-rates",
        json={"rate_bp": 2_500, "starts_at": "2026-09-15T00:00:00+08:00"},
        headers=merchant,
    )
    assert "overlaps rate" in assert_problem(overlap, 409)["detail"]
    assert snapshot(app) == before

    app.clock.set(app.clock.now().replace(year=2026, month=9, day=5))
    added = client.post("/api/v1/creators/me/showcase", json={"product_id": product_id}, headers=creator)
    assert added.status_code == 201, added.text
    assert added.json() == {"product_id": product_id, "rate_bp": 2_000, "exclusive": False}
    assert client.get("/api/v1/creators/me", headers=creator).json()["showcase"] == [product_id]


def test_a_removed_creator_loses_the_showcase_and_cannot_add_again(app, world, client):
    product_id, merchant = _product(app, world, client)
    creator = _login(app, client, world.user("达人"))
    operator = _login(app, client, world.user("运营", platform_role="operator"))
    creator_id = client.post(
        "/api/v1/creators",
        json={"handle": "huahua", "display_name": "花花", "follower_count": 12_000},
        headers=creator,
    ).json()["id"]
    start = app.clock.now().isoformat()
    offered = client.post(
        f"/api/v1/products/{product_id}/affiliate-rates",
        json={"rate_bp": 1_500, "starts_at": start},
        headers=merchant,
    )
    assert offered.status_code == 201, offered.text
    assert (
        client.post(
            "/api/v1/creators/me/showcase", json={"product_id": product_id}, headers=creator
        ).status_code
        == 201
    )
    merchant_try = client.put(
        f"/api/v1/creators/{creator_id}/status", json={"status": "removed"}, headers=merchant
    )
    assert_problem(merchant_try, 403)
    removed = client.put(
        f"/api/v1/creators/{creator_id}/status", json={"status": "removed"}, headers=operator
    )
    assert removed.status_code == 200, removed.text
    assert (removed.json()["status"], removed.json()["showcase"]) == ("removed", [])
    again = client.post("/api/v1/creators/me/showcase", json={"product_id": product_id}, headers=creator)
    assert "a removed creator cannot add" in assert_problem(again, 409)["detail"]
    back = client.put(f"/api/v1/creators/{creator_id}/status", json={"status": "active"}, headers=operator)
    assert_problem(back, 409)
