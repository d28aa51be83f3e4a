"""Customer-service chat over HTTP (API and pages): the buyer ↔ shop round trip with polling by
message id, the rating, the metrics; another shop's merchant refused on every chat route with
nothing changed; bad input answered with problem+json 422 and nothing changed. Runs on SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from pledge.catalog.tables import skus
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, page_login, snapshot

DENIED = (403, 404)


@pytest.fixture
def chat_world(app, world, client):
    shop_id, owner = world.shop("小阿阮鲜花")
    sku = world.product(owner, shop_id, title="A级向日葵 12枝")
    buyer = world.user("小林")
    order_id = world.paid_order(buyer, sku)
    other_shop, other_owner = world.shop("大乐水果")
    operator = world.user("运营", platform_role="operator")
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    tokens = {
        name: api_token(client, email_of(app, actor.user_id))
        for name, actor in (
            ("buyer", buyer),
            ("owner", owner),
            ("intruder", other_owner),
            ("operator", operator),
        )
    }
    return {
        "shop_id": shop_id,
        "order_id": order_id,
        "product_id": product_id,
        "other_shop": other_shop,
        "buyer": buyer,
        "owner": owner,
        "other_owner": other_owner,
        "tokens": tokens,
    }


def h(w: dict, who: str) -> dict:
    return bearer(w["tokens"][who])


def opened(client, w: dict, order: bool = True) -> dict:
    resp = client.post(
        f"/api/v1/shops/{w['shop_id']}/conversations",
        json={"order_id": w["order_id"]} if order else {},
        headers=h(w, "buyer"),
    )
    assert resp.status_code in (200, 201), resp.text
    return resp.json()


def post(client, w: dict, who: str, cid: int, body: str):
    return client.post(f"/api/v1/conversations/{cid}/messages", json={"body": body}, headers=h(w, who))


def test_buyer_and_shop_talk_poll_rate_and_the_shop_is_measured(app, clock, client, chat_world):
    w = chat_world
    first = client.post(
        f"/api/v1/shops/{w['shop_id']}/conversations", json={"order_id": w["order_id"]}, headers=h(w, "buyer")
    )
    assert first.status_code == 201, first.text
    conv = first.json()
    assert conv["created"] is True and conv["status"] == "open" and conv["order_id"] == w["order_id"]
    assert conv["messages"] == [] and conv["role"] == "buyer"
    again = client.post(
        f"/api/v1/shops/{w['shop_id']}/conversations", json={"order_id": w["order_id"]}, headers=h(w, "buyer")
    )
    assert again.status_code == 200 and again.json()["id"] == conv["id"] and again.json()["created"] is False
    general = client.post(
        f"/api/v1/shops/{w['shop_id']}/conversations", headers=h(w, "buyer")
    )  # no body: about the shop
    assert (
        general.status_code == 201
        and general.json()["order_id"] is None
        and general.json()["id"] != conv["id"]
    )
    cid = conv["id"]

    asked = post(client, w, "buyer", cid, "向日葵今天能发吗？")
    assert asked.status_code == 201, asked.text
    question = asked.json()
    assert question["sender"] == "buyer" and question["body"] == "向日葵今天能发吗？"

    inbox = client.get("/api/v1/conversations", headers=h(w, "owner")).json()
    assert [c["id"] for c in inbox["as_shop"]][0] == cid and inbox["as_buyer"] == []
    assert inbox["as_shop"][0]["awaiting_reply_since"] is not None
    seen = client.get(f"/api/v1/conversations/{cid}", headers=h(w, "owner")).json()
    assert seen["role"] == "shop" and [m["body"] for m in seen["messages"]] == ["向日葵今天能发吗？"]

    clock.advance(timedelta(seconds=45))
    reply = post(client, w, "owner", cid, "16点前下单当天发顺丰")
    assert reply.status_code == 201 and reply.json()["sender"] == "shop"

    polled = client.get(
        f"/api/v1/conversations/{cid}", params={"after": question["id"]}, headers=h(w, "buyer")
    ).json()
    assert [m["body"] for m in polled["messages"]] == ["16点前下单当天发顺丰"]
    assert polled["last_message_id"] == reply.json()["id"]
    nothing_new = client.get(
        f"/api/v1/conversations/{cid}", params={"after": reply.json()["id"]}, headers=h(w, "buyer")
    )
    assert nothing_new.json()["messages"] == []

    rated = client.post(f"/api/v1/conversations/{cid}/rating", json={"stars": 3}, headers=h(w, "buyer"))
    assert rated.status_code == 200, rated.text
    assert (rated.json()["stars"], rated.json()["status"]) == (3, "closed")

    clock.advance(timedelta(seconds=1))
    for who in ("owner", "operator"):
        m = client.get(f"/api/v1/shops/{w['shop_id']}/chat-metrics", headers=h(w, who))
        assert m.status_code == 200, m.text
        body = m.json()
        assert (body["conversations"], body["rounds"], body["average_response_seconds"]) == (1, 1, 45.0)
        assert (
            body["rated_conversations"],
            body["dissatisfied_conversations"],
            body["dissatisfaction_bp"],
        ) == (1, 1, 10000)
        assert body["clause_ids"] == ["chat.response-time", "chat.dissatisfaction"]
        assert body["sources"] == ["douyin:aJoPPkXuLRqc"] and "chat.response-time" in body["explanation"]
    earlier = client.get(
        f"/api/v1/shops/{w['shop_id']}/chat-metrics",
        headers=h(w, "owner"),
        params={"since": "2026-08-01T00:00:00+08:00", "until": "2026-09-01T09:00:00+08:00"},
    ).json()
    assert (earlier["conversations"], earlier["since"]) == (0, "2026-07-31T16:00:00Z")
    assert_problem(client.get(f"/api/v1/shops/{w['shop_id']}/chat-metrics", headers=h(w, "buyer")), 403)


def test_another_shops_merchant_is_refused_on_every_chat_route_and_nothing_changes(app, client, chat_world):
    w = chat_world
    cid = opened(client, w)["id"]
    assert post(client, w, "buyer", cid, "花有点蔫").status_code == 201
    pages = TestClient(client.app)
    csrf = page_login(pages, email_of(app, w["other_owner"].user_id), f"/products/{w['product_id']}")
    before = snapshot(app)
    api = [
        ("GET", f"/api/v1/conversations/{cid}", {}),
        ("GET", f"/api/v1/conversations/{cid}?after=0", {}),
        ("POST", f"/api/v1/conversations/{cid}/messages", {"json": {"body": "越权回复"}}),
        ("POST", f"/api/v1/conversations/{cid}/rating", {"json": {"stars": 1}}),
        ("GET", f"/api/v1/shops/{w['shop_id']}/chat-metrics", {}),
        ("POST", f"/api/v1/shops/{w['shop_id']}/conversations", {"json": {"order_id": w["order_id"]}}),
    ]
    for method, path, kwargs in api:
        resp = client.request(method, path, headers=h(w, "intruder"), **kwargs)
        body = assert_problem(resp, DENIED)
        assert "小阿阮鲜花" not in resp.text and "花有点蔫" not in resp.text, (path, body)
        assert snapshot(app) == before, f"{method} {path} changed the database"
    listed = client.get("/api/v1/conversations", headers=h(w, "intruder")).json()
    assert listed == {"as_buyer": [], "as_shop": []}

    page_calls = [
        ("GET", f"/chats/{cid}", {}),
        ("GET", f"/chats/{cid}/messages?after=0", {}),
        ("POST", f"/chats/{cid}/messages", {"data": {"csrf_token": csrf, "body": "越权回复"}}),
        (
            "POST",
            f"/chats/{cid}/messages",
            {"data": {"csrf_token": csrf, "body": "越权回复"}, "headers": {"HX-Request": "true"}},
        ),
        ("POST", f"/chats/{cid}/rating", {"data": {"csrf_token": csrf, "stars": "1"}}),
        ("GET", f"/merchant/shops/{w['shop_id']}/chats", {}),
        ("GET", f"/merchant/shops/{w['shop_id']}/chats", {"headers": {"HX-Request": "true"}}),
        (
            "POST",
            f"/shops/{w['shop_id']}/chat",
            {"data": {"csrf_token": csrf, "order_id": str(w["order_id"])}},
        ),
    ]
    for method, path, kwargs in page_calls:
        resp = pages.request(method, path, follow_redirects=False, **kwargs)
        assert resp.status_code in DENIED, f"{method} {path} -> {resp.status_code}: {resp.text[:200]}"
        assert "花有点蔫" not in resp.text and "小阿阮鲜花" not in resp.text
        assert snapshot(app) == before, f"{method} {path} changed the database"
    assert "花有点蔫" not in pages.get("/chats").text
    pages.close()


@pytest.mark.parametrize(
    "body, status",
    [
        ({"body": ""}, 422),
        ({"body": "   \n "}, 422),
        ({"body": "花" * 2001}, 422),
        ({}, 422),
        ({"body": None}, 422),
        ({"body": 42}, 422),
        ({"text": "hi"}, 422),
    ],
)
def test_bad_messages_are_problems_that_change_nothing(app, client, chat_world, body, status):
    w = chat_world
    cid = opened(client, w)["id"]
    before = snapshot(app)
    resp = client.post(f"/api/v1/conversations/{cid}/messages", json=body, headers=h(w, "buyer"))
    problem = assert_problem(resp, status)
    assert problem["code"] == "invalid_input"
    assert snapshot(app) == before
    assert post(client, w, "buyer", cid, "花" * 2000).status_code == 201  # the limit itself is fine


@pytest.mark.parametrize("stars", [0, 6, -1, "5", True, 4.5, None])
def test_bad_ratings_are_problems_that_change_nothing(app, client, chat_world, stars):
    w = chat_world
    cid = opened(client, w)["id"]
    assert post(client, w, "buyer", cid, "在吗").status_code == 201
    before = snapshot(app)
    resp = client.post(f"/api/v1/conversations/{cid}/rating", json={"stars": stars}, headers=h(w, "buyer"))
    assert_problem(resp, 422)
    assert snapshot(app) == before


def test_state_conflicts_and_other_refusals(app, client, chat_world):
    w = chat_world
    cid = opened(client, w)["id"]
    before = snapshot(app)
    assert_problem(
        client.post(f"/api/v1/conversations/{cid}/rating", json={"stars": 5}, headers=h(w, "buyer")), 422
    )
    assert_problem(
        client.get(f"/api/v1/conversations/{cid}", params={"after": -1}, headers=h(w, "buyer")), 422
    )
    assert_problem(
        client.get(
            f"/api/v1/shops/{w['shop_id']}/chat-metrics", params={"since": "yesterday"}, headers=h(w, "owner")
        ),
        422,
    )
    assert_problem(
        client.get(
            f"/api/v1/shops/{w['shop_id']}/chat-metrics",
            params={"until": "2030-01-01T00:00:00Z"},
            headers=h(w, "owner"),
        ),
        422,
    )
    own = client.post(f"/api/v1/shops/{w['shop_id']}/conversations", json={}, headers=h(w, "owner"))
    assert_problem(own, 403)  # a shop's member is not its customer
    other = client.post(
        f"/api/v1/shops/{w['other_shop']}/conversations",
        json={"order_id": w["order_id"]},
        headers=h(w, "buyer"),
    )
    assert_problem(other, 422)  # the order was placed with another shop
    assert_problem(client.post("/api/v1/shops/999999/conversations", json={}, headers=h(w, "buyer")), 404)
    assert_problem(client.get("/api/v1/conversations/999999", headers=h(w, "buyer")), 404)
    assert_problem(client.post(f"/api/v1/conversations/{cid}/messages", json={"body": "hi"}), 401)
    assert snapshot(app) == before

    assert post(client, w, "buyer", cid, "在吗").status_code == 201
    assert_problem(
        client.post(f"/api/v1/conversations/{cid}/rating", json={"stars": 5}, headers=h(w, "owner")), 403
    )
    assert (
        client.post(
            f"/api/v1/conversations/{cid}/rating", json={"stars": 5}, headers=h(w, "buyer")
        ).status_code
        == 200
    )
    before = snapshot(app)
    assert_problem(
        client.post(f"/api/v1/conversations/{cid}/rating", json={"stars": 1}, headers=h(w, "buyer")), 409
    )
    assert_problem(post(client, w, "buyer", cid, "还在吗"), 409)
    assert_problem(post(client, w, "owner", cid, "在的"), 409)
    assert snapshot(app) == before
    assert opened(client, w)["id"] != cid  # the next contact is a new conversation


def test_pages_open_post_poll_and_rate(app, client, chat_world):
    w = chat_world
    buyer = TestClient(client.app)
    csrf = page_login(buyer, email_of(app, w["buyer"].user_id), f"/products/{w['product_id']}")
    product = buyer.get(f"/products/{w['product_id']}").text
    assert f'action="/shops/{w["shop_id"]}/chat"' in product and 'data-testid="contact-shop"' in product
    order_page = buyer.get(f"/orders/{w['order_id']}").text
    assert f'name="order_id" value="{w["order_id"]}"' in order_page

    assert (
        buyer.post(
            f"/shops/{w['shop_id']}/chat", data={"order_id": str(w["order_id"])}, follow_redirects=False
        ).status_code
        == 403
    )  # no CSRF token
    resp = buyer.post(
        f"/shops/{w['shop_id']}/chat",
        data={"csrf_token": csrf, "order_id": str(w["order_id"])},
        follow_redirects=False,
    )
    assert resp.status_code == 303 and resp.headers["location"].startswith("/chats/")
    cid = int(resp.headers["location"].rsplit("/", 1)[1])
    page = buyer.get(f"/chats/{cid}").text
    assert (
        'hx-trigger="every 2s, chat-sent from:body"' in page
        and f'hx-get="/chats/{cid}/messages?after=0"' in page
    )

    sent = buyer.post(
        f"/chats/{cid}/messages",
        data={"csrf_token": csrf, "body": "能送到学校吗"},
        headers={"HX-Request": "true"},
    )
    assert sent.status_code == 204 and sent.headers["HX-Trigger"] == "chat-sent"
    fragment = buyer.get(f"/chats/{cid}/messages", params={"after": 0}).text
    assert "能送到学校吗" in fragment
    first_id = int(fragment.split('id="msg-')[1].split('"')[0])
    assert f'hx-get="/chats/{cid}/messages?after={first_id}"' in fragment
    assert "能送到学校吗" not in buyer.get(f"/chats/{cid}/messages", params={"after": first_id}).text

    before = snapshot(app)
    bad = buyer.post(
        f"/chats/{cid}/messages", data={"csrf_token": csrf, "body": "  "}, headers={"HX-Request": "true"}
    )
    assert (
        bad.status_code == 200
        and bad.headers["HX-Retarget"] == f"#chat-error-{cid}"
        and "消息不能为空" in bad.text  # in the reader's language (issue 17)
    )
    assert (
        buyer.post(
            f"/chats/{cid}/messages", data={"csrf_token": csrf, "body": ""}, follow_redirects=False
        ).status_code
        == 422
    )
    assert (
        buyer.post(
            f"/chats/{cid}/rating", data={"csrf_token": csrf, "stars": "6"}, follow_redirects=False
        ).status_code
        == 422
    )
    assert snapshot(app) == before

    merchant = TestClient(client.app)
    m_csrf = page_login(merchant, email_of(app, w["owner"].user_id), f"/chats/{cid}")
    inbox = merchant.get(f"/merchant/shops/{w['shop_id']}/chats")
    assert (
        inbox.status_code == 200
        and "能送到学校吗" in inbox.text
        and 'data-testid="chat-metrics"' in inbox.text
    )
    assert "chat.response-time" in inbox.text and "douyin:aJoPPkXuLRqc" in inbox.text
    partial = merchant.get(f"/merchant/shops/{w['shop_id']}/chats", headers={"HX-Request": "true"}).text
    assert "能送到学校吗" in partial and "<html" not in partial
    replied = merchant.post(
        f"/chats/{cid}/messages",
        data={"csrf_token": m_csrf, "body": "可以，写清楚宿舍号"},
        follow_redirects=False,
    )
    assert replied.status_code == 303
    assert "可以，写清楚宿舍号" in buyer.get(f"/chats/{cid}/messages", params={"after": first_id}).text
    assert 'data-testid="rating"' not in merchant.get(f"/chats/{cid}").text

    rated = buyer.post(
        f"/chats/{cid}/rating", data={"csrf_token": csrf, "stars": "5"}, follow_redirects=False
    )
    assert rated.status_code == 303
    closed = buyer.get(f"/chats/{cid}").text
    assert "5★" in closed and 'data-testid="chat-new"' in closed and 'data-testid="chat-body"' not in closed
    assert "可以，写清楚宿舍号" in buyer.get("/chats").text  # the last message, previewed

    english = buyer.get(f"/chats/{cid}", params={"lang": "en"}).text
    assert "Customer service" in english and "Start a new conversation" in english
    buyer.close()
    merchant.close()
