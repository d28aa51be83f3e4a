"""Blind boxes and minors over the API (douyin:aHGYneqr4WDJ): a merchant lists a flower-seed
box with its series, a banned kind or a box without odds is refused; the product discloses odds,
value range and the minors' notice; a minor signs up with a birth date, is refused until a
guardian consents by SMS code, then buys and reads the draw. Refusals are problem+json and
write nothing."""

from __future__ import annotations

from datetime import date

from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, snapshot

SERIES = {
    "box_type": "seeds",
    "factory_sealed": True,
    "draws_per_buyer": 6,
    "items": [
        {"name": "向日葵种子", "odds_bp": 4000, "value_fen": 500, "quantity": 400},
        {"name": "波斯菊种子", "odds_bp": 3500, "value_fen": 600, "quantity": 350},
        {"name": "满天星种子", "odds_bp": 2400, "value_fen": 800, "quantity": 240},
        {"name": "蓝色绣球种子", "odds_bp": 100, "value_fen": 3000, "quantity": 10, "hidden": True},
    ],
}
GUARDIAN = "13800138000"


def _product(world, series=SERIES, title="花种盲盒 四季花种惊喜盒") -> dict:
    return {
        "category_id": world.category(),
        "title": title,
        "promise": "48h",
        "skus": [{"name": "一盒", "price_fen": 1990, "stock": 50}],
        "blind_box": True,
        "blind_box_series": series,
    }


def _merchant(app, world, client):
    shop_id, owner = world.shop()
    return shop_id, bearer(api_token(client, email_of(app, owner.user_id)))


def test_listing_refuses_banned_kinds_and_boxes_without_odds_and_writes_nothing(app, world, client):
    shop_id, merchant = _merchant(app, world, client)
    before = snapshot(app)
    banned = client.post(
        f"/api/v1/shops/{shop_id}/products",
        json=_product(world, {**SERIES, "box_type": "alcohol"}),
        headers=merchant,
    )
    assert "blindbox.banned.alcohol" in assert_problem(banned, 422)["detail"]
    parcel = client.post(
        f"/api/v1/shops/{shop_id}/products", json=_product(world, title="快递盲盒"), headers=merchant
    )
    assert "blindbox.banned.parcel" in assert_problem(parcel, 422)["detail"]
    no_odds = client.post(f"/api/v1/shops/{shop_id}/products", json=_product(world, None), headers=merchant)
    assert "blindbox.disclosure" in assert_problem(no_odds, 422)["detail"]
    short = {**SERIES, "items": [{**SERIES["items"][0], "odds_bp": 3999}, *SERIES["items"][1:]]}
    uneven = client.post(f"/api/v1/shops/{shop_id}/products", json=_product(world, short), headers=merchant)
    assert "add up to 9999" in assert_problem(uneven, 422)["detail"]
    world.category()  # made above by _product; nothing else may have changed
    after = snapshot(app)
    assert {k: v for k, v in after.items() if k != "categories"} == {
        k: v for k, v in before.items() if k != "categories"
    }


def test_a_minor_is_refused_until_a_guardian_consents_then_buys_and_reads_the_draw(app, world, client, clock):
    shop_id, merchant = _merchant(app, world, client)
    made = client.post(f"/api/v1/shops/{shop_id}/products", json=_product(world), headers=merchant)
    assert made.status_code == 201, made.text
    product = client.get(f"/api/v1/products/{made.json()['product_id']}").json()
    disclosed = product["blind_box_series"]
    assert (disclosed["value_min_fen"], disclosed["value_max_fen"]) == (500, 3000)
    assert [i["odds_bp"] for i in disclosed["items"]] == [4000, 3500, 2400, 100]
    assert disclosed["notice"].startswith("不满8周岁的未成年人请勿下单购买")
    sku_id = product["skus"][0]["id"]

    twelve = date(2014, 3, 1).isoformat()  # 12 on the test clock's 2026-09-01
    signed = client.post(
        "/api/v1/auth/signup",
        json={"email": "teen@example.cn", "password": "yunnan-2026", "birth_date": twelve},
    )
    assert signed.status_code == 201, signed.text
    me = bearer(signed.json()["token"])
    assert client.get("/api/v1/me/minor-status", headers=me).json()["age"] == 12
    before = snapshot(app)
    refused = client.post("/api/v1/checkout", json={"lines": [{"sku_id": sku_id, "quantity": 1}]}, headers=me)
    body = assert_problem(refused, 403)
    assert body["code"] == "minor_restricted" and "blindbox.minors" in body["detail"]
    assert snapshot(app) == before

    changed = client.put("/api/v1/me/birth-date", json={"birth_date": "1990-01-01"}, headers=me)
    assert "customer service" in assert_problem(changed, 409)["detail"]
    sent = client.post("/api/v1/me/guardian-consent/code", json={"guardian_phone": GUARDIAN}, headers=me)
    assert sent.status_code == 201 and sent.json()["guardian_phone"] == "138****8000"
    wrong = client.post(
        "/api/v1/me/guardian-consent", json={"guardian_phone": GUARDIAN, "code": "000000"}, headers=me
    )
    assert_problem(wrong, 422)
    code = app.sms.last_code(GUARDIAN)
    consent = client.post(
        "/api/v1/me/guardian-consent", json={"guardian_phone": GUARDIAN, "code": code}, headers=me
    )
    assert consent.status_code == 201, consent.text
    assert consent.json()["consented_at"] and consent.json()["guardian_phone"] == "138****8000"

    placed = client.post("/api/v1/checkout", json={"lines": [{"sku_id": sku_id, "quantity": 2}]}, headers=me)
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["order_ids"][0]
    draws = client.get(f"/api/v1/orders/{order_id}/blind-box-draws", headers=me).json()
    assert [d["unit"] for d in draws] == [1, 2]
    assert {d["item_name"] for d in draws} <= {i["name"] for i in SERIES["items"]}
    assert all(d["random_source"] == "secrets.randbelow" and d["keep_until"] == "2029-09-01" for d in draws)
    over = client.post("/api/v1/checkout", json={"lines": [{"sku_id": sku_id, "quantity": 6}]}, headers=me)
    assert "minors.spending-limits" in assert_problem(over, 403)["detail"]  # 6 × 19.90 > 100.00 a order


def test_bad_birth_dates_are_refused(app, world, client):
    buyer = world.user()
    me = bearer(api_token(client, email_of(app, buyer.user_id)))
    assert_problem(client.put("/api/v1/me/birth-date", json={"birth_date": "2031-01-01"}, headers=me), 422)
    assert_problem(client.put("/api/v1/me/birth-date", json={"birth_date": "2026-02-30"}, headers=me), 422)
    assert_problem(client.put("/api/v1/me/birth-date", json={"birth_date": "yesterday"}, headers=me), 422)
    assert client.get("/api/v1/me/minor-status", headers=me).json()["birth_date"] is None
