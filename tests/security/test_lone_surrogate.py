"""Issue 11, item 8: a lone surrogate ("\\ud800") in JSON is a 400 problem, not a 500. JSON
may spell it as an escape; Python's reader accepts it, and the database driver then fails to
encode the text as UTF-8. The body is checked once, before any handler (web/body.py), and the
last check before the driver (kernel/db.py) refuses such text, and NUL, from any other path."""

from __future__ import annotations

import pytest

from pledge.chat import services as chat
from pledge.kernel.errors import InvalidInput
from tests.e2e.conftest import assert_problem, snapshot
from tests.security.conftest import token_for

JSON = {"Content-Type": "application/json"}


def raw(text: str) -> bytes:
    return text.encode("utf-8")


@pytest.mark.parametrize(
    "body",
    [
        raw('{"email": "\\ud800@pledge.demo", "password": "x"}'),
        raw('{"email": "a@b.c", "password": "\\udfff"}'),
        raw('{"email": "a@b.c", "password": "x", "\\ud800": 1}'),  # an unknown key
        b'{"email": "\xed\xa0\x80@b.c", "password": "x"}',  # the surrogate as raw (invalid) UTF-8 bytes
    ],
)
def test_a_lone_surrogate_anywhere_in_a_json_body_is_a_400(app, client, body):
    before = snapshot(app)
    problem = assert_problem(client.post("/api/v1/auth/token", content=body, headers=JSON), 400)
    assert problem["code"] == "malformed_json" and (
        "surrogate" in problem["detail"] or "UTF-8" in problem["detail"]
    )
    assert snapshot(app) == before


def test_a_lone_surrogate_in_text_that_would_be_stored_is_refused_on_every_writing_endpoint(
    app, world, client
):
    shop_id, owner = world.shop()
    buyer = world.user()
    sku = world.product(owner, shop_id)
    merchant, shopper = token_for(app, owner), token_for(app, buyer)
    before = snapshot(app)
    writes = [
        (
            f"/api/v1/shops/{shop_id}/products",
            merchant,
            f'{{"category_id": {world.category()}, "title": "\\ud83c", "promise": "48h", '
            '"skus": [{"name": "x", "price_fen": 1, "stock": 1}]}',
        ),
        (f"/api/v1/shops/{shop_id}/warehouses", merchant, '{"code": "KM1", "name": "\\udc00"}'),
        ("/api/v1/cart/lines", shopper, f'{{"sku_id": {sku}, "quantity": 1, "note": "\\ud800"}}'),
        (f"/api/v1/shops/{shop_id}/conversations", shopper, '{"order_id": null, "x": ["\\udbff"]}'),
        (
            "/api/v1/carriers/sf/events",
            {},
            '{"event_id": "e1", "tracking_no": "SF1", "kind": "delivered", '
            '"occurred_at": "2026-09-01T10:00:00+08:00", "location": "\\ud800"}',
        ),
    ]
    for path, headers, body in writes:
        assert_problem(client.post(path, content=raw(body), headers={**headers, **JSON}), 400)
    assert snapshot(app) == before


def test_text_the_driver_cannot_store_is_refused_below_the_web_layer(app, world):
    """A caller that bypasses the API (a page, the CLI, a future endpoint) still cannot make the
    driver fail: NUL is refused by PostgreSQL and silently kept by SQLite, a surrogate encodes
    on neither; both are refused the same way on both engines, and nothing is written."""
    shop_id, owner = world.shop()
    buyer = world.user()
    with app.uow.begin() as c:
        conversation = chat.open_conversation(
            c, buyer, shop_id=shop_id, order_id=None, at=world.now
        ).conversation_id
    before = snapshot(app)
    for text in ("你好\x00", "\ud800", "a\udfffb"):
        with pytest.raises(InvalidInput, match="cannot be stored"), app.uow.begin() as c:
            chat.post_message(c, buyer, conversation, text, at=world.now)
    assert snapshot(app) == before
