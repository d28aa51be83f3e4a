"""The marketplace and sample requests (寄样) over the API: a creator finds a product in the
marketplace, asks for a sample, the shop approves and ships it, the creator confirms it arrived;
a second request for the same product, a decision out of turn and bad filters are problem+json
and write nothing."""

from __future__ import annotations

from sqlalchemy import select

from pledge.catalog.tables import skus
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, snapshot


def _login(app, client, actor) -> dict:
    return bearer(api_token(client, email_of(app, actor.user_id)))


def test_a_creator_asks_for_a_sample_from_the_marketplace_and_receives_it(app, world, client):
    shop_id, owner = world.shop("小阿阮鲜花")
    sku = world.product(owner, shop_id, title="A级向日葵 12枝", price_fen=1990)
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    merchant, creator = _login(app, client, owner), _login(app, client, world.user("达人"))
    rate = {"rate_bp": 2000, "starts_at": "2026-08-31T00:00:00+08:00"}
    assert (
        client.post(f"/api/v1/products/{product_id}/affiliate-rates", json=rate, headers=merchant).status_code
        == 201
    )
    made = {"handle": "huahua", "display_name": "花花", "follower_count": 12_000}
    assert client.post("/api/v1/creators", json=made, headers=creator).status_code == 201

    page = client.get("/api/v1/creators/me/marketplace?min_rate_bp=1500&sort=rate", headers=creator)
    assert page.status_code == 200, page.text
    [item] = page.json()["items"]
    assert (item["product_id"], item["rate_bp"], item["price_fen"], item["in_showcase"]) == (
        product_id,
        2000,
        1990,
        False,
    )
    assert (
        client.get("/api/v1/creators/me/marketplace?min_rate_bp=2001", headers=creator).json()["total"] == 0
    )

    asked = client.post(
        "/api/v1/creators/me/samples", json={"product_id": product_id, "note": "直播讲解"}, headers=creator
    )
    assert asked.status_code == 201, asked.text
    sample_id = asked.json()["id"]
    assert asked.json()["status"] == "requested"

    before = snapshot(app)
    again = client.post("/api/v1/creators/me/samples", json={"product_id": product_id}, headers=creator)
    assert "already have an open sample request" in assert_problem(again, 409)["detail"]
    early = client.post(
        f"/api/v1/samples/{sample_id}/shipment", json={"tracking_no": "SF123456"}, headers=merchant
    )
    assert_problem(early, 409)
    bad = client.get("/api/v1/creators/me/marketplace?min_score_tenths=51", headers=creator)
    assert_problem(bad, 422)
    not_mine = client.post(f"/api/v1/samples/{sample_id}/decision", json={"approve": True}, headers=creator)
    assert_problem(not_mine, 403)
    assert snapshot(app) == before

    ok = client.post(f"/api/v1/samples/{sample_id}/decision", json={"approve": True}, headers=merchant)
    assert ok.json()["status"] == "approved"
    shipped = client.post(
        f"/api/v1/samples/{sample_id}/shipment", json={"tracking_no": "SF1234567890"}, headers=merchant
    )
    assert (shipped.json()["status"], shipped.json()["tracking_no"]) == ("shipped", "SF1234567890")
    got = client.post(f"/api/v1/creators/me/samples/{sample_id}/receipt", headers=creator)
    assert got.json()["status"] == "received"
    board = client.get(f"/api/v1/shops/{shop_id}/affiliate", headers=merchant).json()
    assert [s["status"] for s in board["samples"]] == ["received"]
    assert [(r["rate_bp"], r["state"]) for r in board["rates"]] == [(2000, "in_force")]
    mine = client.get("/api/v1/creators/me/samples", headers=creator).json()["samples"]
    assert [s["id"] for s in mine] == [sample_id]
