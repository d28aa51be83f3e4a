"""Issue 15's remainder over HTTP on SQLite and PostgreSQL: a demand becomes a new SKU with a
wisher price through the API (the board answers its target, offer and conversion); the wisher
sees the wisher price on the product page and at checkout, a stranger is kept out during first
access; bad offers and another shop's merchant are problem+json (the page: a Chinese sentence)
and write nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pledge.catalog.tables import skus
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, page_login, snapshot


@pytest.fixture
def pool(app, world, client):
    shop_id, owner = world.shop("飞恋伞厂")
    sku = world.product(owner, shop_id, title="晴雨两用伞", price_fen=4000)
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    buyers = [world.user() for _ in range(2)]
    tokens = [api_token(client, email_of(app, b.user_id)) for b in buyers]
    made = client.post(
        f"/api/v1/shops/{shop_id}/wishes", json={"text": "求双人伞"}, headers=bearer(tokens[0])
    )
    return {
        "shop_id": shop_id,
        "owner": owner,
        "sku": sku,
        "product_id": product_id,
        "buyers": buyers,
        "tokens": tokens,
        "owner_token": api_token(client, email_of(app, owner.user_id)),
        "demand_id": made.json()["demand_id"],
    }


def fulfil(client, pool, **body):
    return client.post(
        f"/api/v1/wishes/{pool['demand_id']}/product",
        json={"product_id": pool["product_id"], **body},
        headers=bearer(pool["owner_token"]),
    )


def test_a_new_sku_with_a_wisher_price_through_the_api(app, client, pool):
    resp = fulfil(
        client,
        pool,
        new_sku={"name": "双人加大款", "price_fen": 5900, "stock": 20},
        offer={"price_off_fen": 1000, "valid_days": 7},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["wishers"] == 1 and resp.json()["sku_id"] is not None
    board = client.get(f"/api/v1/shops/{pool['shop_id']}/wish-board", headers=bearer(pool["owner_token"]))
    came = board.json()["closed"][0]
    assert (came["target"], came["sku_name"], came["notified"], came["bought"]) == ("sku", "双人加大款", 1, 0)
    assert came["offer"]["price_off_fen"] == 1000 and came["offer"]["first_access_until"] is None
    wallet = client.get("/api/v1/wallet", headers=bearer(pool["tokens"][0]))
    assert [c["amount_fen"] for c in wallet.json()["available"]] == [1000]


def test_the_wisher_sees_the_wisher_price_and_a_stranger_waits_for_first_access(app, client, pool):
    resp = fulfil(client, pool, offer={"price_off_fen": 800, "valid_days": 7, "first_access_hours": 24})
    assert resp.status_code == 200, resp.text
    page_login(client, email_of(app, pool["buyers"][0].user_id), f"/products/{pool['product_id']}")
    product = client.get(f"/products/{pool['product_id']}").text
    assert "应 1 位用户的心愿上新" in product
    assert 'data-testid="wisher-price"' in product and "¥8.00" in product
    assert 'data-testid="first-access"' in product
    client.cookies.clear()
    stranger = pool["tokens"][1]
    refused = client.post(
        "/api/v1/checkout", json={"lines": [{"sku_id": pool["sku"], "quantity": 1}]}, headers=bearer(stranger)
    )
    assert "kept for the people who wished for it" in assert_problem(refused, 409)["detail"]


@pytest.mark.parametrize(
    "offer",
    [
        {"price_off_fen": 0, "valid_days": 7},
        {"price_off_fen": 2001, "valid_days": 7},  # over 50% of ¥40.00
        {"price_off_fen": 800},
        {"price_off_fen": 800, "valid_days": 31},
        {"first_access_hours": 73},
        {"price_off_fen": "800", "valid_days": 7},
        {},
    ],
)
def test_a_bad_wisher_offer_is_a_problem_and_writes_nothing(app, client, pool, offer):
    before = snapshot(app)
    assert_problem(fulfil(client, pool, offer=offer), 422)
    assert snapshot(app) == before


def test_another_shops_merchant_cannot_fulfil_with_an_offer(app, world, client, pool):
    _shop, stranger = world.shop("别家伞厂")
    token = api_token(client, email_of(app, stranger.user_id))
    before = snapshot(app)
    resp = client.post(
        f"/api/v1/wishes/{pool['demand_id']}/product",
        json={"product_id": pool["product_id"], "offer": {"price_off_fen": 500, "valid_days": 3}},
        headers=bearer(token),
    )
    assert_problem(resp, 404)
    assert snapshot(app) == before


def test_a_bad_offer_on_the_board_page_is_a_chinese_sentence_and_writes_nothing(app, client, pool):
    csrf = page_login(
        client, email_of(app, pool["owner"].user_id), f"/merchant/shops/{pool['shop_id']}/wishes"
    )
    before = snapshot(app)
    form = {
        "csrf_token": csrf,
        "product_id": str(pool["product_id"]),
        "price_off": "30",
        "valid_days": "7",
    }
    resp = client.post(f"/merchant/wishes/{pool['demand_id']}/product", data=form, follow_redirects=False)
    assert resp.status_code == 422
    assert "心愿价立减金额须在0.01元到20.00元之间" in resp.text
    assert snapshot(app) == before
    ok = client.post(
        f"/merchant/wishes/{pool['demand_id']}/product",
        data=dict(form, price_off="5", first_access_hours="12"),
        follow_redirects=False,
    )
    assert ok.status_code == 303
    board = client.get(f"/merchant/shops/{pool['shop_id']}/wishes").text
    assert "心愿价立减¥5.00" in board and "转化率 0%" in board and "已通知 1 位许愿用户" in board
