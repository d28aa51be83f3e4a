"""Idempotency keys on the API's writing requests (issue 20): a retried checkout with the same
Idempotency-Key and body gets the first answer and places no second order; the same key with
another body is a 422 that changes nothing; keys of different callers never meet; a key is
forgotten after 24 hours; a malformed key is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pledge.orders.tables import orders
from pledge.worker import run_once
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, snapshot

PRICE = 1990


@pytest.fixture
def sku(world):
    shop_id, owner = world.shop()
    return world.product(owner, shop_id, promise="72h", price_fen=PRICE, stock=10)


def _buyer(world, app, client) -> dict:
    return bearer(api_token(client, email_of(app, world.user().user_id)))


def _orders(app) -> int:
    with app.uow.read() as c:
        return c.execute(select(func.count()).select_from(orders)).scalar_one()


def _checkout(client, headers, sku, key, quantity=1):
    body = {"lines": [{"sku_id": sku, "quantity": quantity}]}
    return client.post("/api/v1/checkout", json=body, headers={**headers, "Idempotency-Key": key})


def test_a_retried_checkout_with_the_same_key_gets_the_first_answer_and_places_one_order(
    app, world, client, sku
):
    h = _buyer(world, app, client)
    first = _checkout(client, h, sku, "9f1c6a0e-checkout-1")
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    before = snapshot(app)
    again = _checkout(client, h, sku, "9f1c6a0e-checkout-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["content-type"].startswith("application/json")
    assert snapshot(app) == before and _orders(app) == 1
    other = _checkout(client, h, sku, "9f1c6a0e-checkout-1", quantity=2)
    assert "another request" in assert_problem(other, 422)["detail"]
    assert snapshot(app) == before
    fresh = _checkout(client, h, sku, "9f1c6a0e-checkout-2")
    assert fresh.status_code == 201 and _orders(app) == 2


def test_keys_of_different_callers_never_meet(app, world, client, sku):
    one, two = _buyer(world, app, client), _buyer(world, app, client)
    a = _checkout(client, one, sku, "same-key")
    b = _checkout(client, two, sku, "same-key")
    assert a.status_code == b.status_code == 201
    assert a.json()["order_ids"] != b.json()["order_ids"] and _orders(app) == 2


def test_a_key_is_kept_24_hours_then_forgotten(app, world, client, clock, sku):
    h = _buyer(world, app, client)
    first = _checkout(client, h, sku, "day-key")
    clock.advance(timedelta(hours=23, minutes=59))
    assert _checkout(client, h, sku, "day-key").json() == first.json() and _orders(app) == 1
    clock.advance(timedelta(minutes=1))
    assert run_once(app)["idempotency_keys_purged"] == 1
    # the token is still valid: the same key now places a new order
    again = _checkout(client, h, sku, "day-key")
    assert again.status_code == 201 and again.json()["order_ids"] != first.json()["order_ids"]


@pytest.mark.parametrize("key", ["", "x" * 256, "有中文", "with space", "tab\tkey"])
def test_a_malformed_key_is_refused_and_changes_nothing(app, world, client, sku, key):
    h = _buyer(world, app, client)
    before = snapshot(app)
    refused = client.post(
        "/api/v1/checkout",
        json={"lines": [{"sku_id": sku, "quantity": 1}]},
        headers={**h, "Idempotency-Key": key.encode("utf-8")},
    )
    assert "Idempotency-Key" in assert_problem(refused, 422)["detail"]
    assert snapshot(app) == before


def test_a_request_without_a_key_runs_as_before(app, world, client, sku):
    h = _buyer(world, app, client)
    body = {"lines": [{"sku_id": sku, "quantity": 1}]}
    assert client.post("/api/v1/checkout", json=body, headers=h).status_code == 201
    assert client.post("/api/v1/checkout", json=body, headers=h).status_code == 201
    assert _orders(app) == 2
