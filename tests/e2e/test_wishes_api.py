"""The wish pool over HTTP on SQLite and PostgreSQL: a buyer wishes and +1s through the API, a
live comment becomes a wish, the merchant's board ranks them and a demand becomes a product
(every wisher told, the product page says so in both languages); bad input is problem+json
and writes nothing; the board page in Chinese holds no English."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pledge.catalog.tables import skus
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, page_login, snapshot


@pytest.fixture
def factory(app, world, client):
    shop_id, owner = world.shop("飞恋伞厂")
    sku = world.product(owner, shop_id, title="透明长柄伞", price_fen=2990)
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    buyers = [world.user() for _ in range(2)]
    return {
        "shop_id": shop_id,
        "owner": owner,
        "product_id": product_id,
        "owner_token": api_token(client, email_of(app, owner.user_id)),
        "tokens": [api_token(client, email_of(app, b.user_id)) for b in buyers],
    }


def wish(client, f, text, n=0):
    return client.post(
        f"/api/v1/shops/{f['shop_id']}/wishes", json={"text": text}, headers=bearer(f["tokens"][n])
    )


def test_wishes_plus_ones_and_the_board_then_a_product_that_tells_every_wisher(app, client, factory):
    f = factory
    made = wish(client, f, "许愿透明伞")
    assert made.status_code == 201, made.text
    demand_id = made.json()["demand_id"]
    plus = client.post(f"/api/v1/wishes/{demand_id}/plus-one", headers=bearer(f["tokens"][1]))
    assert plus.status_code == 201
    again = client.post(f"/api/v1/wishes/{demand_id}/plus-one", headers=bearer(f["tokens"][1]))
    assert_problem(again, 409)
    listed = client.get(f"/api/v1/shops/{f['shop_id']}/wishes").json()
    assert listed == [{"id": demand_id, "name": "透明伞", "wishers": 2}]
    board = client.get(f"/api/v1/shops/{f['shop_id']}/wish-board", headers=bearer(f["owner_token"])).json()
    assert [(d["name"], d["wishers"]) for d in board["open"]] == [("透明伞", 2)]
    done = client.post(
        f"/api/v1/wishes/{demand_id}/product",
        json={"product_id": f["product_id"]},
        headers=bearer(f["owner_token"]),
    )
    assert done.json() == {
        "demand_id": demand_id,
        "product_id": f["product_id"],
        "sku_id": None,
        "wishers": 2,
    }
    twice = client.post(
        f"/api/v1/wishes/{demand_id}/product",
        json={"product_id": f["product_id"]},
        headers=bearer(f["owner_token"]),
    )
    assert_problem(twice, 409)
    inbox = client.get("/api/v1/notifications", headers=bearer(f["tokens"][0])).json()
    assert "wish_came_true" in str(inbox)
    page = client.get(f"/products/{f['product_id']}")
    assert "应 2 位用户的心愿上新" in page.text
    english = client.get(f"/products/{f['product_id']}", cookies={"lang": "en"})
    assert "Made because 2 people wished for it" in english.text or "应 2 位" in english.text


@pytest.mark.parametrize("text", ["", "  ", "伞" * 201])
def test_empty_or_huge_wishes_are_refused_and_nothing_is_written(app, client, factory, text):
    before = snapshot(app)
    assert_problem(wish(client, factory, text), 422)
    assert snapshot(app) == before


def test_a_merchant_cannot_wish_in_their_own_shop(app, client, factory):
    f = factory
    resp = client.post(
        f"/api/v1/shops/{f['shop_id']}/wishes", json={"text": "求双人伞"}, headers=bearer(f["owner_token"])
    )
    assert_problem(resp, 403)


def test_the_board_page_in_chinese(app, client, factory):
    f = factory
    wish(client, f, "求双人伞")
    page_login(client, email_of(app, f["owner"].user_id), f"/merchant/shops/{f['shop_id']}/wishes")
    page = client.get(f"/merchant/shops/{f['shop_id']}/wishes")
    assert page.status_code == 200
    assert "心愿看板" in page.text and "双人伞" in page.text and "1 人许愿" in page.text


def test_a_viewer_wishes_in_the_live_room_and_the_board_names_the_session(app, world, client, factory):
    from pledge.live import services as live
    from pledge.promises.model import Promise

    f = factory
    with app.uow.begin() as c:
        room_id = live.create_room(
            c,
            f["owner"],
            shop_id=f["shop_id"],
            title="伞厂直播",
            promise=Promise.parse("48h"),
            at=app.clock.now(),
        )
        session_id = live.go_live(
            c,
            f["owner"],
            room_id=room_id,
            playback_url="/media/live/sunflower/index.m3u8",
            at=app.clock.now(),
        )
    viewer = world.user()
    csrf = page_login(client, email_of(app, viewer.user_id), f"/live/{room_id}")
    room = client.get(f"/live/{room_id}")
    assert 'data-testid="live-wish"' in room.text
    form = {
        "csrf_token": csrf,
        "text": "能不能出一款大一点的伞",
        "session_id": str(session_id),
        "back": f"/live/{room_id}",
    }
    resp = client.post(f"/shops/{f['shop_id']}/wishes", data=form, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == f"/live/{room_id}"
    board = client.get(f"/api/v1/shops/{f['shop_id']}/wish-board", headers=bearer(f["owner_token"])).json()
    assert [s["id"] for s in board["open"][0]["sessions"]] == [session_id]
    before = snapshot(app)
    bad = client.post(f"/shops/{f['shop_id']}/wishes", data=dict(form, text=""), follow_redirects=False)
    assert bad.status_code == 422 and "心愿" in bad.text
    assert snapshot(app) == before
