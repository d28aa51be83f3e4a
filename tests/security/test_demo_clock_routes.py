"""Issue 11 item 12: the demo clock moves for signed-in users only (a page form with the
session's CSRF token, or the API with a token or the session plus X-CSRF-Token), a newcomer who
signs in as a buyer can still press "+2d" and watch a pledge act, and outside demo mode the
clock routes do not exist at all (404, absent from the OpenAPI document)."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from pledge.bootstrap import read_clock_offset
from pledge.compensation.tables import compensations
from pledge.web.app import create_app
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, page_login, post_login
from tests.support import World

ADVANCE = "/api/v1/demo/clock/advance"
DEMO_BUTTON = re.compile(r'<form method="post" action="/demo/clock".*?</form>', re.S)


def offset(app) -> timedelta:
    return read_clock_offset(app.uow)


def test_demo_clock_api_refuses_a_caller_who_is_not_signed_in(demo_app):
    client = TestClient(create_app(demo_app, run_worker=False))
    assert_problem(client.post(ADVANCE, json={"by": "2d"}), 401)
    assert offset(demo_app) == timedelta(0)


def test_demo_clock_api_moves_the_clock_for_any_signed_in_user(demo_app):
    client = TestClient(create_app(demo_app, run_worker=False))
    buyer = World(demo_app).user()
    resp = client.post(
        ADVANCE, json={"by": "2d"}, headers=bearer(api_token(client, email_of(demo_app, buyer.user_id)))
    )
    assert resp.status_code == 200, resp.text
    assert offset(demo_app) == timedelta(days=2) and resp.json()["offset_seconds"] == 2 * 86400


def test_demo_clock_api_with_the_page_session_needs_its_csrf_header(demo_app):
    client = TestClient(create_app(demo_app, run_worker=False))
    csrf = page_login(client, email_of(demo_app, World(demo_app).user().user_id), "/account/tokens")
    assert_problem(client.post(ADVANCE, json={"by": "1d"}), 403)
    assert offset(demo_app) == timedelta(0)
    assert client.post(ADVANCE, json={"by": "1d"}, headers={"X-CSRF-Token": csrf}).status_code == 200
    assert offset(demo_app) == timedelta(days=1)


def test_demo_clock_page_button_needs_a_signed_in_user_and_the_forms_csrf_token(demo_app):
    client = TestClient(create_app(demo_app, run_worker=False))
    anonymous = client.post("/demo/clock", data={"by": "2d", "back": "/"}, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    page_login(client, email_of(demo_app, World(demo_app).user().user_id), "/account/tokens")
    forged = client.post("/demo/clock", data={"by": "2d", "back": "/"}, follow_redirects=False)
    assert forged.status_code == 403
    assert offset(demo_app) == timedelta(0)


def late_ship_compensations(app, order_id: int) -> list[tuple[str, int]]:
    """What the order earned for its lateness (late-ship and out-of-stock parts), in order."""
    with app.uow.read() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(compensations.c.clause_id, compensations.c.amount_fen)
                .where(
                    compensations.c.idempotency_key.in_([f"late-ship:{order_id}", f"out-of-stock:{order_id}"])
                )
                .order_by(compensations.c.id)
            )
        ]


def test_a_newcomer_signs_in_presses_plus_2d_and_sees_the_late_ship_pledge_pay(demo_app):
    """A buyer's 24 h order is never shipped. The newcomer presses +2d in the demo bar of the
    order page: 24 h late, judged under the "≤48 h" cell, which pays nothing for a promise of
    48 h or less; +2d again: 72 h late, more than 48 h, and the sweeps that the button runs pay
    the out-of-stock cell (douyin:aJoPPkWZ7VQM's over-48 h column, douyin:aHwHGWzbmk88) into the
    buyer's wallet."""
    world = World(demo_app)
    shop_id, owner = world.shop()
    buyer = world.user()
    order_id = world.paid_order(buyer, world.product(owner, shop_id, promise="24h"))
    client = TestClient(create_app(demo_app, run_worker=False))
    assert (
        post_login(client, email_of(demo_app, buyer.user_id), next_page=f"/orders/{order_id}").status_code
        == 303
    )
    judged = ("late-ship.le48h.within48", 0)
    for presses, paid in ((1, [judged]), (2, [judged, ("out-of-stock.pay.le48h", 200)])):
        order_page = client.get(f"/orders/{order_id}").text
        button = next(f for f in DEMO_BUTTON.findall(order_page) if 'value="2d"' in f)
        pressed = client.post(
            "/demo/clock",
            data=dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', button)),
            follow_redirects=False,
        )
        assert pressed.status_code == 303 and pressed.headers["location"] == f"/orders/{order_id}"
        assert offset(demo_app) == timedelta(days=2 * presses)
        assert late_ship_compensations(demo_app, order_id) == paid


def test_outside_demo_mode_the_clock_routes_do_not_exist(app, world, client):
    email = email_of(app, world.user().user_id)
    assert_problem(client.post(ADVANCE, json={"by": "2d"}, headers=bearer(api_token(client, email))), 404)
    csrf = page_login(client, email, "/account/tokens")
    assert client.post(ADVANCE, json={"by": "2d"}, headers={"X-CSRF-Token": csrf}).status_code == 404
    page = client.post(
        "/demo/clock", data={"by": "2d", "back": "/", "csrf_token": csrf}, follow_redirects=False
    )
    assert page.status_code == 404
    assert ADVANCE not in client.get("/openapi.json").json()["paths"]
    assert "/demo/clock" not in client.get("/account/tokens").text
