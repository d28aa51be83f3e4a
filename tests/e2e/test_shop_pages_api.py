"""Shop pages, short videos, the inbox and attribution at checkout over HTTP (issue 13), on
SQLite and PostgreSQL: what the API answers, what it refuses (problem+json, nothing written),
video files in pieces (HTTP range requests), and the pages in both languages."""

from __future__ import annotations

import re
from datetime import timedelta
from importlib import resources

import pytest
from sqlalchemy import select

from pledge.attribution import tokens
from pledge.attribution.model import Channel, Source
from pledge.catalog import images
from pledge.catalog.tables import skus
from pledge.live import queries as live_queries
from pledge.live import services as live
from pledge.live.queries import current_session
from pledge.notifications.model import Kind
from pledge.notifications.services import notify
from pledge.orders.tables import order_lines, orders
from pledge.promises.model import Promise
from pledge.uploads.store import LocalFileStore
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, page_login, snapshot
from tests.e2e.test_aftersales_api import PNG

MEDIA = resources.files("pledge") / "demo" / "media"
MP4 = (MEDIA / "sunflower.mp4").read_bytes()
POSTER = (MEDIA / "poster.jpg").read_bytes()
CARD_PRICE, LIST_PRICE = 1990, 2590


@pytest.fixture(autouse=True)
def _private_files(app, tmp_path):
    app.files = LocalFileStore(tmp_path / "uploads")


@pytest.fixture
def florist(app, world, client):
    shop_id, owner = world.shop("阿阮花房")
    pinned = world.product(owner, shop_id, title="A级向日葵 12枝", price_fen=LIST_PRICE)
    other = world.product(owner, shop_id, title="洋桔梗 10枝", price_fen=3990)
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == pinned)).scalar_one()
    buyer = world.user()
    return {
        "shop_id": shop_id,
        "owner": owner,
        "pinned": pinned,
        "other": other,
        "product_id": product_id,
        "owner_token": api_token(client, email_of(app, owner.user_id)),
        "buyer": buyer,
        "token": api_token(client, email_of(app, buyer.user_id)),
    }


def upload_video(client, f, **overrides):
    files = {"video": ("v.mp4", MP4, "video/mp4"), "poster": ("p.jpg", POSTER, "image/jpeg")}
    files.update(overrides.pop("files", {}))
    data = {"title": "向日葵怎么插", "product_ids": str(f["product_id"]), "promise": "same-day", **overrides}
    return client.post(
        f"/api/v1/shops/{f['shop_id']}/videos", data=data, files=files, headers=bearer(f["owner_token"])
    )


@pytest.fixture
def video(client, florist):
    resp = upload_video(client, florist)
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def go_live(app, f) -> int:
    now = app.clock.now()
    with app.uow.begin() as c:
        room_id = live.create_room(
            c, f["owner"], shop_id=f["shop_id"], title="斗南花市直播", promise=Promise.parse("24h"), at=now
        )
        session_id = live.go_live(
            c, f["owner"], room_id=room_id, playback_url="/m.m3u8", at=now, title="开播"
        )
        live.pin_card(c, f["owner"], session_id=session_id, sku_id=f["pinned"], price_fen=CARD_PRICE, at=now)
    return room_id


def checkout(client, f, body: dict):
    lines = {"lines": [{"sku_id": f["pinned"], "quantity": 1}]}
    return client.post("/api/v1/checkout", json={**lines, **body}, headers=bearer(f["token"]))


def placed_order(app, resp):
    assert resp.status_code == 201, resp.text
    with app.uow.read() as c:
        order = c.execute(select(orders).where(orders.c.id == resp.json()["order_ids"][0])).one()
        price = c.execute(
            select(order_lines.c.unit_price_fen).where(order_lines.c.order_id == order.id)
        ).scalar()
    return order, price


# ---------------------------------------------------------------- attribution at checkout


def test_checkout_from_the_live_room_pays_the_room_price_and_records_the_room(app, client, florist):
    room_id = go_live(app, florist)
    order, price = placed_order(
        app, checkout(client, florist, {"source": {"kind": "live_room", "id": room_id}})
    )
    assert (order.channel, order.source_ref.startswith("live_session:"), price) == (
        "live_room",
        True,
        CARD_PRICE,
    )


def test_checkout_refuses_an_unpinned_sku_from_the_room_and_writes_nothing(app, client, florist):
    room_id = go_live(app, florist)
    before = snapshot(app)
    body = {
        "lines": [{"sku_id": florist["other"], "quantity": 1}],
        "source": {"kind": "live_room", "id": room_id},
    }
    resp = client.post("/api/v1/checkout", json=body, headers=bearer(florist["token"]))
    assert "not on live room" in assert_problem(resp, 409)["detail"]
    assert snapshot(app) == before


def test_checkout_refuses_a_forged_or_expired_source_token_and_writes_nothing(app, client, florist):
    room_id = go_live(app, florist)
    source = Source(Channel.LIVE_ROOM, room_id)
    before = snapshot(app)
    forged = tokens.sign("not-the-platform-secret", source, at=app.clock.now())
    assert (
        "not one this platform signed"
        in assert_problem(checkout(client, florist, {"source_token": forged}), 422)["detail"]
    )
    old = tokens.sign(
        app.settings.secret_key, source, at=app.clock.now() - tokens.TOKEN_LIFETIME - timedelta(minutes=1)
    )
    assert "expired" in assert_problem(checkout(client, florist, {"source_token": old}), 422)["detail"]
    assert snapshot(app) == before


def test_checkout_refuses_a_channel_chosen_by_the_buyer(app, client, florist):
    before = snapshot(app)
    assert_problem(checkout(client, florist, {"channel": "live_room"}), 422)
    assert snapshot(app) == before


def test_checkout_with_the_video_token_is_the_videos_order(app, client, florist, video):
    token = client.get(f"/api/v1/videos/{video}").json()["source_token"]
    order, price = placed_order(app, checkout(client, florist, {"source_token": token}))
    assert (order.channel, order.source_ref, price) == ("short_video", f"video:{video}", LIST_PRICE)


def test_a_cart_line_added_from_the_room_keeps_its_source_to_checkout(app, client, florist):
    room_id = go_live(app, florist)
    token = tokens.sign(app.settings.secret_key, Source(Channel.LIVE_ROOM, room_id), at=app.clock.now())
    h = bearer(florist["token"])
    resp = client.post(
        "/api/v1/cart/lines",
        json={"sku_id": florist["pinned"], "quantity": 1, "source_token": token},
        headers=h,
    )
    assert resp.status_code == 201 and resp.json()["lines"][0]["source"] == {
        "kind": "live_room",
        "id": room_id,
    }
    order, price = placed_order(app, client.post("/api/v1/checkout", json={}, headers=h))
    assert (order.channel, price) == ("live_room", CARD_PRICE)


# ---------------------------------------------------------------- videos


def test_a_video_is_published_read_and_served_in_pieces(app, client, florist, video):
    body = client.get(f"/api/v1/videos/{video}").json()
    assert (body["title"], body["promise_code"], [p["product_id"] for p in body["products"]]) == (
        "向日葵怎么插",
        "same-day",
        [florist["product_id"]],
    )
    assert body["products"][0]["url"] == f"/products/{florist['product_id']}?source={body['source_token']}"
    whole = client.get(body["file_url"])
    assert (whole.status_code, whole.content, whole.headers["accept-ranges"]) == (200, MP4, "bytes")
    part = client.get(body["file_url"], headers={"Range": "bytes=100-199"})
    assert (part.status_code, part.headers["content-range"], part.content) == (
        206,
        f"bytes 100-199/{len(MP4)}",
        MP4[100:200],
    )
    tail = client.get(body["file_url"], headers={"Range": "bytes=-10"})
    assert (tail.status_code, tail.content) == (206, MP4[-10:])
    open_end = client.get(body["file_url"], headers={"Range": f"bytes={len(MP4) - 5}-"})
    assert (open_end.status_code, open_end.content) == (206, MP4[-5:])
    beyond = client.get(body["file_url"], headers={"Range": f"bytes={len(MP4)}-"})
    assert (beyond.status_code, beyond.headers["content-range"]) == (416, f"bytes */{len(MP4)}")
    poster = client.get(body["poster_url"])
    assert poster.status_code == 200 and poster.headers["content-type"].startswith("image/")


def test_plays_and_likes_are_counted(client, florist, video):
    assert client.post(f"/api/v1/videos/{video}/plays").json()["plays"] == 1
    assert client.post(f"/api/v1/videos/{video}/likes", headers=bearer(florist["token"])).json()["likes"] == 1
    assert_problem(client.post(f"/api/v1/videos/{video}/likes"), 401)


def test_a_file_that_is_not_an_mp4_is_refused_and_nothing_is_written(app, client, florist):
    before = snapshot(app)
    resp = upload_video(
        client, florist, files={"video": ("v.mp4", b"\x00\x00\x00\x18notanmp4" * 10, "video/mp4")}
    )
    assert "MP4" in assert_problem(resp, 422)["detail"]
    assert snapshot(app) == before


def test_another_shops_member_cannot_upload_to_the_shop(app, world, client, florist):
    _, stranger = world.shop("大乐水果")
    resp = upload_video(client, dict(florist, owner_token=api_token(client, email_of(app, stranger.user_id))))
    assert_problem(resp, 403)


# ---------------------------------------------------------------- shop page, follow, photos


def test_the_shop_page_shows_products_videos_sessions_and_followers(app, client, florist, video):
    go_live(app, florist)
    h = bearer(florist["token"])
    photo = client.post(
        f"/api/v1/products/{florist['product_id']}/images",
        files={"file": ("a.png", PNG, "image/png")},
        headers=bearer(florist["owner_token"]),
    )
    assert photo.status_code == 201 and photo.json()["position"] == 1
    assert client.post(f"/api/v1/shops/{florist['shop_id']}/follow", headers=h).json()["followers"] == 1
    assert client.post(f"/api/v1/shops/{florist['shop_id']}/follow", headers=h).json()["followers"] == 1
    shop = client.get(f"/api/v1/shops/{florist['shop_id']}", headers=h).json()
    assert (shop["name"].startswith("阿阮花房"), shop["followers"], shop["following"]) == (True, 1, True)
    assert [v["id"] for v in shop["videos"]] == [video]
    assert [s["status"] for s in shop["upcoming_sessions"]] == ["live"]
    cards = {p["id"]: p["image_url"] for p in shop["products"]}
    assert cards[florist["product_id"]] == f"/api/v1/products/{florist['product_id']}/images/1"
    assert client.get(cards[florist["product_id"]]).status_code == 200
    assert client.delete(f"/api/v1/shops/{florist['shop_id']}/follow", headers=h).json() == {
        "shop_id": florist["shop_id"],
        "following": False,
        "followers": 0,
    }
    assert_problem(client.get("/api/v1/shops/999999"), 404)


def test_shop_and_video_pages_in_both_languages(app, client, florist, video):
    for lang, words in (("zh_CN", ("关注", "短视频")), ("en", ("Follow", "Videos"))):
        page = client.get(f"/shops/{florist['shop_id']}?lang={lang}")
        assert page.status_code == 200 and all(w in page.text for w in words), lang
    page = client.get(f"/videos/{video}?lang=zh_CN")
    assert page.status_code == 200 and "向日葵怎么插" in page.text and "?source=" in page.text


# ---------------------------------------------------------------- the inbox


def test_the_inbox_words_notices_and_marks_them_read(app, client, florist):
    buyer = florist["buyer"]
    with app.uow.begin() as c:
        notify(
            c,
            [buyer.user_id],
            kind=Kind.LIVE_SCHEDULED,
            params={
                "shop": "小阿阮鲜花",
                "title": "晚八点",
                "room_id": 1,
                "starts_at": "2026-09-01T12:00:00+00:00",
            },
            link="/live/1",
            cause="live-scheduled:1",
            at=app.clock.now(),
        )
    h = bearer(florist["token"])
    inbox = client.get("/api/v1/notifications", headers=h).json()
    assert (inbox["unread"], inbox["notices"][0]["kind"], inbox["notices"][0]["read"]) == (
        1,
        "live_scheduled",
        False,
    )
    pages = client
    csrf = page_login(pages, email_of(app, buyer.user_id), "/notifications")
    page = pages.get("/notifications?lang=zh_CN")
    assert "小阿阮鲜花 将于 9月1日 20:00 开播：晚八点" in page.text and "UTC" not in page.text
    assert pages.get("/notifications/badge").text.strip().endswith("</span>")
    resp = client.post("/api/v1/notifications/read", json={}, headers=h)
    assert resp.json() == {"marked": 1, "unread": 0}
    assert (
        pages.post("/notifications/read", data={"csrf_token": csrf}, follow_redirects=False).status_code
        == 303
    )


def test_the_merchant_upload_form_publishes_with_a_poster_file(app, client, florist):
    csrf = page_login(client, email_of(app, florist["owner"].user_id), "/merchant/videos/new")
    form = client.get("/merchant/videos/new?lang=zh_CN")
    assert "上传短视频" in form.text and "A级向日葵 12枝" in form.text
    resp = client.post(
        "/merchant/videos",
        data={
            "csrf_token": csrf,
            "title": "花束包装",
            "promise": "48h",
            "product_ids": str(florist["product_id"]),
        },
        files={"video": ("v.mp4", MP4, "video/mp4"), "poster": ("p.jpg", POSTER, "image/jpeg")},
        follow_redirects=False,
    )
    assert resp.status_code == 303 and re.fullmatch(r"/videos/\d+", resp.headers["location"]), resp.text
    refused = client.post(
        "/merchant/videos",
        data={"csrf_token": csrf, "title": "假视频", "product_ids": str(florist["product_id"])},
        files={
            "video": ("v.mp4", b"not a video at all", "video/mp4"),
            "poster": ("p.jpg", POSTER, "image/jpeg"),
        },
    )
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("text/html")


def test_the_cart_page_shows_the_room_price_and_flags_a_line_the_room_no_longer_sells(app, client, florist):
    room_id = go_live(app, florist)
    token = tokens.sign(app.settings.secret_key, Source(Channel.LIVE_ROOM, room_id), at=app.clock.now())
    csrf = page_login(client, email_of(app, florist["buyer"].user_id), f"/products/{florist['product_id']}")
    added = client.post(
        "/cart",
        data={"csrf_token": csrf, "sku_id": str(florist["pinned"]), "quantity": "1", "source_token": token},
        follow_redirects=False,
    )
    assert added.status_code == 303
    cart = client.get("/cart?lang=zh_CN").text
    assert "来自直播间" in cart and "¥19.90" in cart and "¥25.90" not in cart
    with app.uow.begin() as c:
        live.end_session(c, florist["owner"], session_id=current_session(c, room_id).id, at=app.clock.now())
    assert "不再售卖" in client.get("/cart?lang=zh_CN").text


def test_the_shop_lists_every_upcoming_session_and_pages_its_past_ones(app, client, florist, clock):
    room_id = go_live(app, florist)
    owner, now = florist["owner"], clock.now()
    with app.uow.begin() as c:
        live.end_session(c, owner, session_id=live_queries.open_session_id(c, room_id), at=now)
        for n in range(12):  # thirteen past sessions with the first: a page of ten, then three
            session_id = live.go_live(
                c, owner, room_id=room_id, playback_url="/m.m3u8", at=now, title=f"第{n}场"
            )
            live.end_session(c, owner, session_id=session_id, at=now)
        for days in (2, 1):  # two announced sessions in other rooms too
            other = live.create_room(
                c,
                owner,
                shop_id=florist["shop_id"],
                title=f"预告{days}",
                promise=Promise.parse("24h"),
                at=now,
            )
            live.schedule_session(
                c, owner, room_id=other, title=f"{days}天后", starts_at=now + timedelta(days=days), at=now
            )
    url = f"/api/v1/shops/{florist['shop_id']}"
    first = client.get(url).json()
    assert [s["title"] for s in first["upcoming_sessions"]] == ["1天后", "2天后"]
    assert len(first["past_sessions"]) == 10 and first["past_more"] is True
    second = client.get(url, params={"past_page": 2}).json()
    assert len(second["past_sessions"]) == 3 and second["past_more"] is False
    page = client.get(f"/shops/{florist['shop_id']}", params={"past_page": 2})
    assert page.status_code == 200 and page.text.count('data-testid="past-session"') == 3
    assert 'data-testid="past-newer"' in page.text and 'data-testid="past-older"' not in page.text
    assert_problem(client.get(url, params={"past_page": 0}), 422)


def test_the_merchant_adds_reorders_and_removes_product_photos_in_the_page_and_the_api(app, client, florist):
    pid, owner_h = florist["product_id"], bearer(florist["owner_token"])
    for name in ("a.png", "b.png"):
        added = client.post(
            f"/api/v1/products/{pid}/images", files={"file": (name, PNG, "image/png")}, headers=owner_h
        )
        assert added.status_code == 201, added.text
    moved = client.post(f"/api/v1/products/{pid}/images/2/move", json={"to": 1}, headers=owner_h)
    assert moved.status_code == 200 and moved.json()["urls"] == [
        images.image_url(pid, 1),
        images.image_url(pid, 2),
    ]
    assert_problem(client.post(f"/api/v1/products/{pid}/images/2/move", json={"to": 9}, headers=owner_h), 422)
    assert client.delete(f"/api/v1/products/{pid}/images/2", headers=owner_h).status_code == 204
    assert_problem(client.delete(f"/api/v1/products/{pid}/images/2", headers=owner_h), 404)

    csrf = page_login(client, email_of(app, florist["owner"].user_id), f"/products/{pid}")
    assert 'data-testid="manage-photos"' in client.get(f"/products/{pid}").text
    page = client.get(f"/merchant/products/{pid}/photos")
    assert page.status_code == 200 and 'data-testid="photo-1"' in page.text
    resp = client.post(
        f"/merchant/products/{pid}/photos",
        data={"csrf_token": csrf},
        files={"file": ("c.png", PNG, "image/png")},
        follow_redirects=False,
    )
    assert resp.status_code == 303
    resp = client.post(
        f"/merchant/products/{pid}/photos/2/move",
        data={"csrf_token": csrf, "to": "1"},
        follow_redirects=False,
    )
    assert resp.status_code == 303
    with app.uow.read() as c:
        assert len(images.image_uploads(c, pid)) == 2
    resp = client.post(
        f"/merchant/products/{pid}/photos/1/remove", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert resp.status_code == 303
    with app.uow.read() as c:
        assert len(images.image_uploads(c, pid)) == 1
    chinese = client.get(f"/merchant/products/{pid}/photos", params={"lang": "zh_CN"}).text
    assert "主图" in chinese and "添加图片" in chinese


def test_a_visitor_viewing_a_video_and_a_live_room_is_recorded_for_the_feed(app, client, florist, video):
    """Issue 16: views of videos and live sessions are behaviour events, a visitor's under the
    first-party cookie (buffered, written by the worker's pass)."""
    from pledge.reach.tables import reach_events
    from pledge.worker import run_once

    room_id = go_live(app, florist)
    with app.uow.read() as c:
        session_id = current_session(c, room_id).id
    visitor = type(client)(client.app)
    assert visitor.get(f"/videos/{video}").status_code == 200
    assert visitor.cookies.get("pledge_visitor")
    assert visitor.get(f"/live/{room_id}").status_code == 200
    run_once(app)
    e = reach_events.c
    with app.uow.read() as c:
        rows = c.execute(select(e.kind, e.subject, e.subject_id, e.user_id).order_by(e.id)).all()
    assert [tuple(r) for r in rows] == [("view", "video", video, None), ("view", "session", session_id, None)]
