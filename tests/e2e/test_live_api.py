"""Live rooms over HTTP (SQLite and PostgreSQL): a shop opens a room, pins cards at the room's
price, goes live, viewers list and read it, comment and like; bad input is a clear 4xx
problem+json that writes nothing (empty, over 200 characters, ended room, too fast with
Retry-After, another shop's product, a second live session, a playback URL that is not HLS)."""

from __future__ import annotations

from datetime import timedelta

from pledge.live.hub import Hub
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, snapshot

HLS = "/media/live/sunflower/index.m3u8"


def open_room(app, world, client, *, promise: str = "24h"):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, title="A级向日葵 12枝", price_fen=2590, promise="48h")
    host = bearer(api_token(client, email_of(app, owner.user_id)))
    resp = client.post(
        f"/api/v1/shops/{shop_id}/live/rooms", json={"title": "阿阮的花房", "promise": promise}, headers=host
    )
    assert resp.status_code == 201, resp.text
    return {"shop_id": shop_id, "owner": owner, "sku": sku, "host": host, "room": resp.json()}


def go_live(client, room_id: int, host: dict) -> dict:
    resp = client.post(
        f"/api/v1/live/rooms/{room_id}/start", json={"playback_url": HLS, "title": "晚八点"}, headers=host
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


def buyer_token(app, world, client) -> dict:
    buyer = world.user("看客")
    return bearer(api_token(client, email_of(app, buyer.user_id)))


def test_a_live_room_with_pinned_cards_is_listed_and_read(app, world, client):
    r = open_room(app, world, client)
    room_id = r["room"]["id"]
    session = go_live(client, room_id, r["host"])
    assert session["status"] == "live" and session["playback_url"] == HLS
    pinned = client.put(
        f"/api/v1/live/rooms/{room_id}/cards/{r['sku']}", json={"price_fen": 1990}, headers=r["host"]
    )
    assert pinned.status_code == 200, pinned.text
    explained = client.post(f"/api/v1/live/rooms/{room_id}/cards/{r['sku']}/explain", headers=r["host"])
    assert explained.json()["products"][0]["explaining"] is True

    listed = client.get("/api/v1/live/rooms", params={"status": "live"}).json()
    assert [x["id"] for x in listed] == [room_id]
    assert listed[0]["shop"]["id"] == r["shop_id"] and listed[0]["viewers"] == 0
    room = client.get(f"/api/v1/live/rooms/{room_id}").json()
    (card,) = room["products"]
    assert card["sku_id"] == r["sku"] and card["price_fen"] == 1990 and card["list_price_fen"] == 2590
    assert card["promise"] == "24h"  # the room's 24 h beats the product's 48 h: the shortest binds
    assert card["stock"] == 100 and card["explaining"] is True
    assert client.get("/api/v1/live/rooms", params={"status": "scheduled"}).json() == []


def test_comments_and_likes_from_a_buyer(app, world, client, clock):
    r = open_room(app, world, client)
    room_id = r["room"]["id"]
    go_live(client, room_id, r["host"])
    viewer = buyer_token(app, world, client)
    resp = client.post(
        f"/api/v1/live/rooms/{room_id}/comments", json={"text": " 向日葵能放几天？ "}, headers=viewer
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["text"] == "向日葵能放几天？" and resp.json()["shown"] is True
    clock.advance(timedelta(seconds=3))
    client.post(f"/api/v1/live/rooms/{room_id}/comments", json={"text": "要两束"}, headers=viewer)
    page = client.get(f"/api/v1/live/rooms/{room_id}/comments").json()
    assert [c["text"] for c in page] == ["向日葵能放几天？", "要两束"]
    after = client.get(f"/api/v1/live/rooms/{room_id}/comments", params={"after": page[0]["id"]}).json()
    assert [c["text"] for c in after] == ["要两束"]
    likes = client.post(f"/api/v1/live/rooms/{room_id}/likes", json={"taps": 5}, headers=viewer)
    assert likes.status_code == 200 and likes.json() == {"likes": 5}


def test_bad_comments_are_refused_and_write_nothing(app, world, client, clock):
    r = open_room(app, world, client)
    room_id = r["room"]["id"]
    go_live(client, room_id, r["host"])
    viewer = buyer_token(app, world, client)
    url = f"/api/v1/live/rooms/{room_id}/comments"
    before = snapshot(app)
    assert_problem(client.post(url, json={"text": "   "}, headers=viewer), (400, 422))
    assert_problem(client.post(url, json={"text": "花" * 201}, headers=viewer), (400, 422))
    assert_problem(client.post(url, json={"text": 5}, headers=viewer), 422)
    assert_problem(client.post(url, json={"text": "没登录"}), 401)
    assert snapshot(app) == before
    assert client.post(url, json={"text": "第一条"}, headers=viewer).status_code == 201
    fast = client.post(url, json={"text": "第二条"}, headers=viewer)
    assert_problem(fast, 429)
    assert int(fast.headers["Retry-After"]) >= 1
    clock.advance(timedelta(seconds=3))
    assert client.post(f"/api/v1/live/rooms/{room_id}/end", headers=r["host"]).json()["status"] == "ended"
    before = snapshot(app)
    assert_problem(client.post(url, json={"text": "结束了吗"}, headers=viewer), 409)
    assert_problem(client.post(f"/api/v1/live/rooms/{room_id}/likes", json={"taps": 1}, headers=viewer), 409)
    assert snapshot(app) == before


def test_host_mistakes_are_refused_and_write_nothing(app, world, client):
    r = open_room(app, world, client)
    other = open_room(app, world, client)
    room_id = r["room"]["id"]
    go_live(client, room_id, r["host"])
    before = snapshot(app)
    card_url = f"/api/v1/live/rooms/{room_id}/cards/{other['sku']}"
    assert_problem(client.put(card_url, json={"price_fen": 100}, headers=r["host"]), 404)  # not its product
    assert_problem(
        client.put(
            card_url.replace(str(other["sku"]), str(r["sku"])), json={"price_fen": 0}, headers=r["host"]
        ),
        422,
    )
    start = f"/api/v1/live/rooms/{room_id}/start"
    assert_problem(client.post(start, json={"playback_url": HLS}, headers=r["host"]), 409)  # already live
    other_start = f"/api/v1/live/rooms/{other['room']['id']}/start"
    assert_problem(
        client.post(other_start, json={"playback_url": "rtmp://x/live"}, headers=other["host"]), (400, 422)
    )
    assert_problem(
        client.post(other_start, json={"playback_url": HLS}, headers=r["host"]), 403
    )  # not its room
    assert_problem(client.post(f"/api/v1/live/rooms/{other['room']['id']}/end", headers=other["host"]), 409)
    assert_problem(client.get("/api/v1/live/rooms", params={"status": "nonsense"}), (400, 422))
    assert_problem(client.get("/api/v1/live/rooms/999999"), 404)
    assert snapshot(app) == before


def test_announce_remind_and_report(app, world, client, clock):
    r = open_room(app, world, client)
    room_id = r["room"]["id"]
    starts = (clock.now() + timedelta(hours=2)).isoformat()
    announced = client.post(
        f"/api/v1/live/rooms/{room_id}/sessions",
        json={"title": "周五专场", "starts_at": starts},
        headers=r["host"],
    )
    assert announced.status_code == 201 and announced.json()["status"] == "scheduled"
    assert [x["id"] for x in client.get("/api/v1/live/rooms", params={"status": "scheduled"}).json()] == [
        room_id
    ]
    viewer = buyer_token(app, world, client)
    session_id = announced.json()["id"]
    assert (
        client.post(f"/api/v1/live/sessions/{session_id}/reminders", headers=viewer).json()["added"] is True
    )
    assert (
        client.post(f"/api/v1/live/sessions/{session_id}/reminders", headers=viewer).json()["added"] is False
    )
    started = client.post(
        f"/api/v1/live/rooms/{room_id}/start",
        json={"playback_url": HLS, "session_id": session_id},
        headers=r["host"],
    )
    assert started.json()["id"] == session_id
    client.post(f"/api/v1/live/rooms/{room_id}/comments", json={"text": "来了"}, headers=viewer)
    client.post(f"/api/v1/live/rooms/{room_id}/end", headers=r["host"])
    report = client.get(f"/api/v1/live/sessions/{session_id}/report", headers=r["host"])
    assert report.status_code == 200, report.text
    assert report.json()["comments"] == 1 and report.json()["comments_per_minute"][0]["comments"] == 1
    assert_problem(client.get(f"/api/v1/live/sessions/{session_id}/report", headers=viewer), 403)


def test_the_viewer_count_comes_from_the_hub(app, world, client):
    r = open_room(app, world, client)
    room_id = r["room"]["id"]
    go_live(client, room_id, r["host"])
    hub: Hub = app.hub  # bound to the client's event loop by the app's lifespan
    subs = [hub.subscribe(room_id), hub.subscribe(room_id)]  # two viewers connected
    try:
        assert client.get(f"/api/v1/live/rooms/{room_id}").json()["viewers"] == 2
    finally:
        for sub in subs:
            hub.unsubscribe(sub)
    assert client.get(f"/api/v1/live/rooms/{room_id}").json()["viewers"] == 0


def test_an_insult_is_held_for_its_author_and_reaches_no_other_viewer(app, world, client, clock):
    """Issue 14: live comments pass the trust & safety checks before fan-out."""
    r = open_room(app, world, client)
    room_id = r["room"]["id"]
    go_live(client, room_id, r["host"])
    viewer = buyer_token(app, world, client)
    url = f"/api/v1/live/rooms/{room_id}/comments"
    insult = client.post(url, json={"text": "河南人都是骗子"}, headers=viewer)
    assert insult.status_code == 201, insult.text
    assert insult.json()["shown"] is False
    clock.advance(timedelta(seconds=3))
    weapon = client.post(url, json={"text": "出售气枪私聊"}, headers=viewer)
    assert weapon.status_code == 201 and weapon.json()["shown"] is False
    clock.advance(timedelta(seconds=3))
    fine = client.post(url, json={"text": "向日葵能放几天？"}, headers=viewer)
    assert fine.json()["shown"] is True
    assert [c["text"] for c in client.get(url).json()] == ["向日葵能放几天？"]


def test_a_viewer_claims_a_pushed_coupon_once_and_sees_it_in_the_wallet(app, world, client):
    r = open_room(app, world, client)
    room_id = r["room"]["id"]
    go_live(client, room_id, r["host"])
    url = f"/api/v1/live/rooms/{room_id}/coupons"
    pushed = client.post(
        url,
        json={"amount_fen": 500, "min_spend_fen": 3000, "quantity": 1, "valid_hours": 48},
        headers=r["host"],
    )
    assert pushed.status_code == 201, pushed.text
    offer = pushed.json()
    assert (offer["left"], offer["amount_fen"], offer["min_spend_fen"]) == (1, 500, 3000)
    assert client.get(url).json() == [offer]
    viewer = buyer_token(app, world, client)
    claimed = client.post(f"{url}/{offer['id']}/claim", headers=viewer)
    assert claimed.status_code == 201, claimed.text
    assert claimed.json()["offer"]["left"] == 0
    latecomer = buyer_token(app, world, client)
    before = snapshot(app)
    assert_problem(client.post(f"{url}/{offer['id']}/claim", headers=viewer), 409)  # twice
    assert_problem(client.post(f"{url}/{offer['id']}/claim", headers=latecomer), 409)
    assert snapshot(app) == before  # ran out: nothing written
    other = open_room(app, world, client)
    assert_problem(
        client.post(f"/api/v1/live/rooms/{other['room']['id']}/coupons/{offer['id']}/claim", headers=viewer),
        404,
    )
    (coupon,) = client.get("/api/v1/wallet", headers=viewer).json()["coupons"]
    assert coupon["id"] == claimed.json()["coupon_id"] and coupon["funded_by"] == "merchant"
    assert (coupon["shop_id"], coupon["min_spend_fen"]) == (r["shop_id"], 3000)
    assert coupon["expires_at"] is not None


def test_coupon_offers_refuse_bad_input_and_ended_sessions(app, world, client):
    r = open_room(app, world, client)
    room_id = r["room"]["id"]
    url = f"/api/v1/live/rooms/{room_id}/coupons"
    before = snapshot(app)
    assert_problem(
        client.post(url, json={"amount_fen": 500, "quantity": 5}, headers=r["host"]), 409
    )  # not live
    go_live(client, room_id, r["host"])
    stranger = open_room(app, world, client)["host"]
    for body, who, status in (
        ({"amount_fen": 0, "quantity": 5}, r["host"], 422),
        ({"amount_fen": 3000, "min_spend_fen": 3000, "quantity": 5}, r["host"], 422),
        ({"amount_fen": 500, "quantity": 0}, r["host"], 422),
        ({"amount_fen": 500, "quantity": 5}, stranger, 403),
    ):
        assert_problem(client.post(url, json=body, headers=who), status)
    offer = client.post(url, json={"amount_fen": 500, "quantity": 5}, headers=r["host"]).json()
    client.post(f"/api/v1/live/rooms/{room_id}/end", headers=r["host"])
    late = buyer_token(app, world, client)
    mid = snapshot(app)
    assert_problem(client.post(f"{url}/{offer['id']}/claim", headers=late), 409)
    assert snapshot(app) == mid
    assert before != mid
