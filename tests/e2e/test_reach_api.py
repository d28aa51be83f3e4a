"""The reach API: a signed-in caller's behaviour events are accepted into the buffer and
written in a batch; the feed reads what training precomputed; bad events and huge pages get a
problem document, not a half-written row."""

from __future__ import annotations

from sqlalchemy import func, select

from pledge.feed.training import train
from pledge.reach.tables import reach_events
from pledge.worker import run_once
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of
from tests.feed_support import products


def stored(app) -> int:
    with app.uow.read() as c:
        return c.execute(select(func.count()).select_from(reach_events)).scalar_one()


def test_events_in_then_the_trained_feed_out(app, world, client):
    buyer, (product,) = world.user(), products(world, 1)
    auth = bearer(api_token(client, email_of(app, buyer.user_id)))
    assert client.get("/api/v1/reach/feed", headers=auth).json() == {"page": 1, "items": []}
    for body in (
        {"kind": "view", "subject": "product", "subject_id": product, "watch_ms": 3000},
        {"kind": "cart", "subject": "product", "subject_id": product},
        {"kind": "view", "subject": "video", "subject_id": 8},
    ):
        resp = client.post("/api/v1/reach/events", json=body, headers=auth)
        assert resp.status_code == 202 and resp.json() == {"accepted": True}
    assert stored(app) == 0  # buffered, off the request path
    run_once(app)
    assert stored(app) == 3
    with app.uow.begin() as c:
        train(c, app.rulebook, world.now)
    items = client.get("/api/v1/reach/feed", params={"size": 1}, headers=auth).json()["items"]
    assert items == [{"rank": 1, "subject": "product", "subject_id": product}]


def test_bad_events_and_pages_are_problems_and_nothing_is_buffered(app, world, client):
    auth = bearer(api_token(client, email_of(app, world.user().user_id)))
    for body in (
        {"kind": "like", "subject": "product", "subject_id": 5, "watch_ms": 10},  # watch time on a like
        {"kind": "stare", "subject": "product", "subject_id": 5},
        {"kind": "view", "subject": "product", "subject_id": 0},
        {"kind": "view", "subject": "product", "subject_id": "5"},
    ):
        assert_problem(client.post("/api/v1/reach/events", json=body, headers=auth), 422)
    assert_problem(client.get("/api/v1/reach/feed", params={"size": 51}, headers=auth), 422)
    assert_problem(client.get("/api/v1/reach/feed", params={"page": 10**12}, headers=auth), 422)
    assert_problem(
        client.post("/api/v1/reach/events", json={"kind": "view", "subject": "shop", "subject_id": 1}), 401
    )
    run_once(app)
    assert stored(app) == 0


def test_events_still_buffered_are_written_when_the_server_stops(app, world):
    from fastapi.testclient import TestClient

    from pledge.web.app import create_app

    buyer = world.user()
    with TestClient(create_app(app, run_worker=False)) as c:
        auth = bearer(api_token(c, email_of(app, buyer.user_id)))
        body = {"kind": "view", "subject": "product", "subject_id": 5}
        assert c.post("/api/v1/reach/events", json=body, headers=auth).status_code == 202
        assert stored(app) == 0
    assert stored(app) == 1


def test_what_a_caller_does_is_recorded_where_it_succeeds(app, world, client):
    """Add to cart, order, follow and like are recorded by the routes that did them (issue 16:
    "record … add-to-cart, orders, follows, likes, comments"), buffered like the pages' views;
    a refused action records nothing."""
    from pledge.catalog.tables import skus

    shop_id, owner = world.shop("小阿阮鲜花")
    sku = world.product(owner, shop_id, price_fen=1990, stock=5)
    with app.uow.read() as c:
        product = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    buyer = world.user()
    auth = bearer(api_token(client, email_of(app, buyer.user_id)))
    assert (
        client.post("/api/v1/cart/lines", json={"sku_id": sku, "quantity": 1}, headers=auth).status_code
        == 201
    )
    placed = client.post("/api/v1/checkout", json={"lines": [{"sku_id": sku, "quantity": 1}]}, headers=auth)
    assert placed.status_code == 201, placed.text
    assert client.post(f"/api/v1/shops/{shop_id}/follow", headers=auth).status_code == 200
    refused = client.post("/api/v1/checkout", json={"lines": [{"sku_id": sku, "quantity": 99}]}, headers=auth)
    assert refused.status_code == 409
    run_once(app)
    with app.uow.read() as c:
        rows = c.execute(
            select(
                reach_events.c.kind, reach_events.c.subject, reach_events.c.subject_id, reach_events.c.user_id
            ).order_by(reach_events.c.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("cart", "product", product, buyer.user_id),
        ("order", "product", product, buyer.user_id),
        ("follow", "shop", shop_id, buyer.user_id),
    ]
