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
