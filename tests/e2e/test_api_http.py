"""The API over real HTTP semantics: status codes, problem+json bodies, bearer tokens, signed
payment callbacks. Every refused request is checked to have changed nothing: the whole
database is snapshotted before and after. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from pledge.catalog.tables import skus
from pledge.kernel.statements import count_statements
from pledge.orders.tables import orders, payments
from pledge.payments.adapters import CallbackPayload
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, snapshot

PRICE = 15000
STOCK = 5


@pytest.fixture
def shop(world):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, promise="72h", price_fen=PRICE, stock=STOCK)
    return {"shop_id": shop_id, "owner": owner, "sku": sku}


@pytest.fixture
def buyer(world, app, client):
    actor = world.user()
    return {"actor": actor, "token": api_token(client, email_of(app, actor.user_id))}


def stock_of(app, sku_id: int) -> int:
    with app.uow.read() as c:
        return c.execute(select(skus.c.stock).where(skus.c.id == sku_id)).scalar_one()


def checkout(client, token: str, sku: int, quantity: int = 1) -> dict:
    resp = client.post(
        "/api/v1/checkout", json={"lines": [{"sku_id": sku, "quantity": quantity}]}, headers=bearer(token)
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_login_checkout_pay_and_paying_twice_is_a_409_that_changes_nothing(app, client, shop, buyer):
    h = bearer(buyer["token"])
    assert client.get("/api/v1/me", headers=h).json()["user_id"] == buyer["actor"].user_id

    placed = checkout(client, buyer["token"], shop["sku"], 2)
    assert placed["total_fen"] == 2 * PRICE and len(placed["order_ids"]) == 1
    assert placed["payment"]["provider"] == "sandbox" and placed["payment"]["pay_url"].startswith(
        "/pay/sandbox/"
    )
    order_id = placed["order_ids"][0]
    assert client.get(f"/api/v1/orders/{order_id}", headers=h).json()["status"] == "pending_payment"
    assert stock_of(app, shop["sku"]) == STOCK - 2

    paid = client.post(f"/api/v1/checkouts/{placed['checkout_id']}/pay", headers=h)
    assert paid.status_code == 200, paid.text
    assert paid.json()["applied"] is True and paid.json()["order_ids"] == [order_id]
    order = client.get(f"/api/v1/orders/{order_id}", headers=h).json()
    assert order["status"] == "paid" and order["ship_by"] and order["paid_fen"] == 2 * PRICE
    assert [e["kind"] for e in order["events"]] == ["placed", "paid"]

    before = snapshot(app)
    again = client.post(f"/api/v1/checkouts/{placed['checkout_id']}/pay", headers=h)
    body = assert_problem(again, 409)
    assert body["code"] == "conflict" and "already captured" in body["detail"]
    assert snapshot(app) == before


def test_repeated_signed_callback_is_applied_once(app, client, shop, buyer):
    placed = checkout(client, buyer["token"], shop["sku"])
    body, signature = app.payments.sign(
        CallbackPayload(placed["payment"]["ref"], placed["total_fen"], "captured")
    )
    headers = {"X-Signature": signature, "Content-Type": "application/json"}

    first = client.post("/api/v1/payments/sandbox/callback", content=body, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["applied"] is True and first.json()["order_ids"] == placed["order_ids"]

    before = snapshot(app)
    for _ in range(3):
        repeat = client.post("/api/v1/payments/sandbox/callback", content=body, headers=headers)
        assert repeat.status_code == 200, repeat.text
        assert repeat.json() == {"payment_id": first.json()["payment_id"], "applied": False, "order_ids": []}
    assert snapshot(app) == before


def test_forged_or_tampered_callbacks_are_refused_with_401(app, client, shop, buyer):
    placed = checkout(client, buyer["token"], shop["sku"])
    ref, total = placed["payment"]["ref"], placed["total_fen"]
    body, signature = app.payments.sign(CallbackPayload(ref, total, "captured"))
    cheaper, _ = app.payments.sign(CallbackPayload(ref, 1, "captured"))
    before = snapshot(app)
    attempts = [
        (body, "0" * 64),  # forged signature
        (body, ""),  # missing signature
        (cheaper, signature),  # body changed after signing
        (b"{not json", "deadbeef"),  # garbage, unsigned
    ]
    for content, sig in attempts:
        headers = {"Content-Type": "application/json"} | ({"X-Signature": sig} if sig else {})
        resp = client.post("/api/v1/payments/sandbox/callback", content=content, headers=headers)
        assert_problem(resp, 401)
    assert snapshot(app) == before
    with app.uow.read() as c:
        assert (
            c.execute(select(payments.c.status).where(payments.c.provider_ref == ref)).scalar_one()
            == "pending"
        )


def test_signed_callback_with_bad_content_is_a_4xx_not_a_crash(app, client, shop, buyer):
    """A callback that passes the signature check but names an unknown payment, a wrong amount,
    or is not a callback document at all, is refused clearly and changes nothing."""
    placed = checkout(client, buyer["token"], shop["sku"])
    sign = app.payments._signature  # the provider's HMAC over arbitrary bytes
    unknown, unknown_sig = app.payments.sign(CallbackPayload("sbx_nope", placed["total_fen"], "captured"))
    wrong, wrong_sig = app.payments.sign(
        CallbackPayload(placed["payment"]["ref"], placed["total_fen"] + 1, "captured")
    )
    cases = [(unknown, unknown_sig, 404), (wrong, wrong_sig, 422)]
    for raw in (b"{not json", b"[]", json.dumps({"provider_ref": "x"}).encode()):
        cases.append((raw, sign(raw), (400, 422)))
    before = snapshot(app)
    for content, sig, status in cases:
        resp = client.post(
            "/api/v1/payments/sandbox/callback",
            content=content,
            headers={"X-Signature": sig, "Content-Type": "application/json"},
        )
        assert_problem(resp, status)
    assert snapshot(app) == before


def _bad_checkout(shop):
    sku = shop["sku"]
    return {
        "unknown SKU": (
            dict(json={"lines": [{"sku_id": 999_999, "quantity": 1}]}),
            404,
            "unknown SKU 999999",
        ),
        "quantity 0": (dict(json={"lines": [{"sku_id": sku, "quantity": 0}]}), 422, "quantity"),
        "negative quantity": (dict(json={"lines": [{"sku_id": sku, "quantity": -3}]}), 422, "quantity"),
        "above stock": (
            dict(json={"lines": [{"sku_id": sku, "quantity": STOCK + 1}]}),
            409,
            f"only {STOCK} left",
        ),
        "above stock over two lines": (
            dict(json={"lines": [{"sku_id": sku, "quantity": 3}, {"sku_id": sku, "quantity": 3}]}),
            409,
            f"only {STOCK} left",
        ),
        "absurd quantity": (dict(json={"lines": [{"sku_id": sku, "quantity": 10**12}]}), 422, "at most"),
        "quantity not a number": (
            dict(json={"lines": [{"sku_id": sku, "quantity": "two"}]}),
            422,
            "quantity",
        ),
        "fractional quantity": (dict(json={"lines": [{"sku_id": sku, "quantity": 1.5}]}), 422, "quantity"),
        "no lines": (dict(json={"lines": []}), 422, "no lines"),
        "missing sku_id": (dict(json={"lines": [{"quantity": 1}]}), 422, "sku_id"),
        "body is a list": (dict(json=[1, 2]), 422, "body"),
        "malformed JSON": (
            dict(content=b'{"lines": [{"sku_id": 1, ', headers={"Content-Type": "application/json"}),
            400,
            "not valid JSON",
        ),
        "unknown coupon": (
            dict(json={"lines": [{"sku_id": sku, "quantity": 1}], "coupon_id": 424242}),
            404,
            "coupon",
        ),
    }


BAD_CHECKOUTS = [
    "unknown SKU",
    "quantity 0",
    "negative quantity",
    "above stock",
    "above stock over two lines",
    "absurd quantity",
    "quantity not a number",
    "fractional quantity",
    "no lines",
    "missing sku_id",
    "body is a list",
    "malformed JSON",
    "unknown coupon",
]


@pytest.mark.parametrize("case", BAD_CHECKOUTS)
def test_bad_checkout_is_a_clear_4xx_and_changes_nothing(app, client, shop, buyer, case):
    kwargs, status, says = _bad_checkout(shop)[case]
    headers = bearer(buyer["token"]) | kwargs.pop("headers", {})
    before = snapshot(app)
    resp = client.post("/api/v1/checkout", headers=headers, **kwargs)
    body = assert_problem(resp, status)
    assert says.lower() in (body["detail"] + body["title"]).lower(), body
    assert snapshot(app) == before
    assert stock_of(app, shop["sku"]) == STOCK


@pytest.mark.parametrize("quantity", [0, -1, STOCK + 1])
def test_bad_cart_line_is_a_clear_4xx_and_changes_nothing(app, client, shop, buyer, quantity):
    before = snapshot(app)
    resp = client.post(
        "/api/v1/cart/lines",
        json={"sku_id": shop["sku"], "quantity": quantity},
        headers=bearer(buyer["token"]),
    )
    assert_problem(resp, (409, 422))
    assert snapshot(app) == before


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer plg_not-a-real-token"}, {"Authorization": "Basic eDp5"}],
    ids=["no token", "unknown token", "not bearer"],
)
def test_missing_or_wrong_token_is_401_and_changes_nothing(app, client, shop, headers):
    before = snapshot(app)
    for method, path, kw in [
        ("post", "/api/v1/checkout", {"json": {"lines": [{"sku_id": shop["sku"], "quantity": 1}]}}),
        ("get", "/api/v1/orders", {}),
        ("get", "/api/v1/wallet", {}),
        ("get", "/api/v1/me", {}),
        ("post", "/api/v1/cart/lines", {"json": {"sku_id": shop["sku"], "quantity": 1}}),
    ]:
        resp = getattr(client, method)(path, headers=headers, **kw)
        assert_problem(resp, 401)
    assert snapshot(app) == before


def test_wrong_password_is_401(app, client, shop):
    before = snapshot(app)
    resp = client.post(
        "/api/v1/auth/token",
        json={"email": email_of(app, shop["owner"].user_id), "password": "wrong-password"},
    )
    assert_problem(resp, 401)
    assert snapshot(app) == before


def test_shipping_an_order_that_is_not_yours_is_refused_and_changes_nothing(app, client, world, shop, buyer):
    placed = checkout(client, buyer["token"], shop["sku"])
    assert (
        client.post(
            f"/api/v1/checkouts/{placed['checkout_id']}/pay", headers=bearer(buyer["token"])
        ).status_code
        == 200
    )
    order_id = placed["order_ids"][0]
    _other_shop, other_owner = world.shop("飞恋伞厂")
    other = api_token(client, email_of(app, other_owner.user_id))
    owner = api_token(client, email_of(app, shop["owner"].user_id))
    ship = {"carrier": "sf", "tracking_no": "SF1234567890"}

    before = snapshot(app)
    for token in (buyer["token"], other):  # the buyer, and a merchant of another shop
        assert_problem(
            client.post(f"/api/v1/orders/{order_id}/ship", json=ship, headers=bearer(token)), (403, 404)
        )
    assert_problem(client.post("/api/v1/orders/999999/ship", json=ship, headers=bearer(other)), 404)
    assert snapshot(app) == before

    assert_problem(
        client.post(
            f"/api/v1/orders/{order_id}/ship",
            json={"carrier": "pigeon", "tracking_no": "SF1234567890"},
            headers=bearer(owner),
        ),
        422,
    )
    assert_problem(
        client.post(
            f"/api/v1/orders/{order_id}/ship",
            json={"carrier": "sf", "tracking_no": "x"},
            headers=bearer(owner),
        ),
        422,
    )
    assert snapshot(app) == before
    done = client.post(f"/api/v1/orders/{order_id}/ship", json=ship, headers=bearer(owner))
    assert done.status_code == 200 and done.json()["status"] == "shipped"
    shipped = snapshot(app)
    assert_problem(client.post(f"/api/v1/orders/{order_id}/ship", json=ship, headers=bearer(owner)), 409)
    assert snapshot(app) == shipped


def test_checkout_with_one_line_stays_within_its_statement_budget(app, client, shop, buyer):
    body = {"lines": [{"sku_id": shop["sku"], "quantity": 1}]}
    h = bearer(buyer["token"])
    checkout(client, buyer["token"], shop["sku"])  # warm up: the first request may load metadata
    with count_statements(app.uow.engine) as counter:
        resp = client.post("/api/v1/checkout", json=body, headers=h)
    assert resp.status_code == 201, resp.text
    # 16: the 15 of before, plus the shop's governance penalties (a suspended shop sells nothing)
    # and the buyer's birth date, read under the buyer lock that keeps a minor's monthly limit
    # exact. Whether a line is a blind box comes with the SKU's product row, so an ordinary
    # checkout reads no blind-box series and writes no draw.
    assert counter.count <= 16, "\n".join(counter.statements)
    assert not [s for s in counter.statements if "blind_box_series" in s or "blind_box_draws" in s]
    with app.uow.read() as c:
        assert (
            c.execute(select(orders.c.status).where(orders.c.id == resp.json()["order_ids"][0])).scalar_one()
            == "pending_payment"
        )


def test_docs_are_served_without_a_cdn_and_openapi_lists_checkout(client):
    docs = client.get("/docs")
    assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html")
    assert (
        "/static/swagger/swagger-ui-bundle.js" in docs.text and "/static/swagger/swagger-ui.css" in docs.text
    )
    for cdn in ("cdn.jsdelivr", "unpkg.com", "cdnjs", "googleapis"):
        assert cdn not in docs.text
    for asset in ("/static/swagger/swagger-ui-bundle.js", "/static/swagger/swagger-ui.css"):
        assert client.get(asset).status_code == 200
    spec = client.get("/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    assert "post" in paths["/api/v1/checkout"]
    assert "/api/v1/checkouts/{checkout_id}/pay" in paths and "/api/v1/payments/sandbox/callback" in paths
    assert not any(not p.startswith("/api/") for p in paths), "pages must not appear in the API schema"


def test_unknown_api_route_is_problem_json(client):
    assert_problem(client.get("/api/v1/no-such-thing"), 404)
    assert_problem(client.delete("/api/v1/checkout"), 405)


def test_paying_a_checkout_cancelled_as_unpaid_is_a_409_that_changes_nothing(app, client, clock, shop, buyer):
    from pledge.orders.services import cancel_unpaid

    placed = checkout(client, buyer["token"], shop["sku"])
    clock.advance(app.pay_window + timedelta(seconds=1))
    with app.uow.begin() as c:
        assert cancel_unpaid(c, now=clock.now()) == 1
    before = snapshot(app)
    resp = client.post(f"/api/v1/checkouts/{placed['checkout_id']}/pay", headers=bearer(buyer["token"]))
    assert "cancelled as unpaid" in assert_problem(resp, 409)["detail"]
    assert snapshot(app) == before
