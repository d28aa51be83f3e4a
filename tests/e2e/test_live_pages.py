"""Live-room pages over HTTP (SQLite and PostgreSQL): the rooms list, the room a viewer watches
(video, cards with the room price and promise, 讲解中, buy links carrying a signed source token),
the host console driving the session through its forms, and the report of a finished session
with its two charts; Chinese pages hold no English words, and every live string is translated
in both languages."""

from __future__ import annotations

import re
from datetime import timedelta
from importlib import resources
from urllib.parse import unquote

from pledge.attribution.model import Channel, Source
from pledge.attribution.tokens import verify
from pledge.live import metrics
from pledge.live import services as live
from pledge.orders import services as orders
from pledge.promises.model import Promise
from pledge.web.i18n import catalog
from tests.e2e.conftest import email_of, page_login, post_login, snapshot
from tests.e2e.test_compensation_pages import assert_plain_chinese, sections
from tests.e2e.test_live_api import HLS

LIVE_TEMPLATES = (
    "live_rooms.html",
    "live_room.html",
    "_live_cards.html",
    "_live_coupons.html",
    "_live_metrics.html",
    "live_console.html",
    "live_merchant.html",
    "live_report.html",
)
CSRF = re.compile(r'name="csrf_token"\s+value="([^"]+)"')


def florist(app, world):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, title="向日葵 12枝", price_fen=1990, promise="48h")
    with app.uow.begin() as c:
        room_id = live.create_room(
            c, owner, shop_id=shop_id, title="阿阮的花房", promise=Promise.parse("24h"), at=app.clock.now()
        )
    return shop_id, owner, sku, room_id


def test_every_live_string_is_translated_in_both_languages():
    folder = resources.files("pledge.web") / "templates"
    msgids: set[str] = set()
    for name in LIVE_TEMPLATES:
        text = (folder / name).read_text(encoding="utf-8")
        msgids |= {a or b for a, b in re.findall(r"""_\(\s*"([^"]+)"|_\(\s*'([^']+)'""", text)}
    assert "live.explaining" in msgids and len(msgids) > 40
    zh, en = catalog("zh_CN"), catalog("en")
    assert not sorted(msgids - zh.keys()), "missing in zh_CN"
    assert not sorted(msgids - en.keys()), "missing in en"
    for m in msgids:  # no English word on a Chinese page ({n} is a placeholder)
        assert not re.search(r"[A-Za-z]", re.sub(r"{\w+}", "", zh[m])), f"{m}: {zh[m]}"


def test_the_host_runs_a_session_from_the_console_and_viewers_see_it(app, world, client, clock):
    shop_id, owner, sku, room_id = florist(app, world)
    console = f"/merchant/live/{room_id}"
    csrf = page_login(client, email_of(app, owner.user_id), console)
    form = {"csrf_token": csrf}
    assert (
        client.post(
            f"{console}/start", data=form | {"playback_url": HLS, "title": "晚八点"}, follow_redirects=False
        ).status_code
        == 303
    )
    assert (
        client.post(
            f"{console}/cards",
            data=form | {"sku_id": str(sku), "price_yuan": "15.90"},
            follow_redirects=False,
        ).status_code
        == 303
    )
    assert client.post(f"{console}/cards/{sku}/explain", data=form, follow_redirects=False).status_code == 303
    host_page = client.get(console)
    assert "¥15.90" in host_page.text and "讲解中" in host_page.text

    viewer = client.__class__(client.app)
    room = viewer.get(f"/live/{room_id}")
    assert room.status_code == 200
    assert f'data-src="{HLS}"' in room.text and "/static/vendor/hls.light.min.js" in room.text
    status, cards = sections(room.text, "live-status", "live-cards")
    assert "¥15.90" in cards and "¥19.90" in cards and "讲解中" in cards and "24小时" in cards
    assert status == "直播中"
    assert_plain_chinese([cards, status])
    token = unquote(re.search(r'href="/products/\d+\?source=([^"&]+)', room.text).group(1))
    assert verify([app.settings.secret_key], token, now=clock.now()) == Source(Channel.LIVE_ROOM, room_id)
    listing = viewer.get("/live")
    assert_plain_chinese(sections(listing.text, f"live-room-{room_id}"))
    english = viewer.get(f"/live/{room_id}", params={"lang": "en"})
    assert "Explaining" in english.text and "Live" in english.text

    assert client.post(f"{console}/end", data=form, follow_redirects=False).status_code == 303
    ended = viewer.get(f"/live/{room_id}", params={"lang": "zh_CN"})
    assert "本场直播已结束" in ended.text and "data-src" not in ended.text


def test_the_report_shows_viewers_over_time_and_comments_per_minute(app, world, client, clock):
    shop_id, owner, sku, room_id = florist(app, world)
    buyer = world.user("看客")
    with app.uow.begin() as c:
        session_id = live.go_live(c, owner, room_id=room_id, playback_url=HLS, at=clock.now())
        for n, viewers in enumerate((3, 9, 5)):
            live.record_viewers(
                c, session_id=session_id, viewers=viewers, at=clock.now() + timedelta(minutes=n)
            )
    for n in range(3):
        with app.uow.begin() as c:
            live.post_comment(
                c,
                buyer,
                session_id=session_id,
                text=f"第{n}条",
                moderator=app.moderator,
                at=clock.now() + timedelta(minutes=n),
            )
    with app.uow.begin() as c:
        live.end_session(c, owner, session_id=session_id, at=clock.now() + timedelta(minutes=5))
    report = f"/merchant/live/sessions/{session_id}"
    page_login(client, email_of(app, owner.user_id), f"/merchant/live/{room_id}")
    page = client.get(report)
    assert page.status_code == 200
    assert 'data-testid="viewers-chart"' in page.text and 'data-testid="comments-chart"' in page.text
    assert page.text.count("<rect") == 3 and "<polyline" in page.text
    assert sections(page.text, "report-comments") == ["3"]

    outsider = client.__class__(client.app)
    assert post_login(outsider, email_of(app, buyer.user_id), next_page="/").status_code == 303
    assert outsider.get(report).status_code == 403


def test_a_console_form_with_a_bad_price_writes_nothing(app, world, client):
    shop_id, owner, sku, room_id = florist(app, world)
    console = f"/merchant/live/{room_id}"
    csrf = page_login(client, email_of(app, owner.user_id), console)
    client.post(f"{console}/start", data={"csrf_token": csrf, "playback_url": HLS})
    before = snapshot(app)
    resp = client.post(
        f"{console}/cards",
        data={"csrf_token": csrf, "sku_id": str(sku), "price_yuan": "abc"},
        follow_redirects=False,
    )
    assert resp.status_code in (400, 422) and "text/html" in resp.headers["content-type"]
    resp = client.post(
        f"{console}/start", data={"csrf_token": csrf, "playback_url": HLS}, follow_redirects=False
    )
    assert resp.status_code == 409
    assert snapshot(app) == before


def test_the_console_and_the_report_show_orders_gmv_and_conversion_per_product(app, world, client, clock):
    shop_id, owner, sku, room_id = florist(app, world)
    buyer = world.user("看客")
    with app.uow.begin() as c:
        session_id = live.go_live(c, owner, room_id=room_id, playback_url=HLS, at=clock.now())
        live.pin_card(c, owner, session_id=session_id, sku_id=sku, price_fen=1500, at=clock.now())
        for key in ("user:1", "user:2", "user:3", "user:4"):
            metrics.record_viewer(c, session_id=session_id, viewer_key=key, at=clock.now())
        placed = orders.place_order(
            c,
            buyer,
            [orders.LineRequest(sku, 2, Source(Channel.LIVE_ROOM, room_id))],
            at=clock.now(),
            pay_window=app.pay_window,
            guards=app.sale_guards,
            sources=app.sources,
        )
    world.pay(placed)
    page_login(client, email_of(app, owner.user_id), f"/merchant/live/{room_id}")
    expected = ["1", "¥30.00", "4", "25%"]
    testids = ("metric-orders", "metric-gmv", "metric-viewers", "metric-conversion")
    assert sections(client.get(f"/merchant/live/{room_id}").text, *testids) == expected
    assert sections(client.get(f"/merchant/live/{room_id}/metrics").text, *testids) == expected
    with app.uow.begin() as c:
        live.end_session(c, owner, session_id=session_id, at=clock.now() + timedelta(minutes=5))
    page = client.get(f"/merchant/live/sessions/{session_id}")
    assert sections(page.text, *testids) == expected
    assert 'data-testid="gmv-chart"' in page.text and 'data-testid="orders-chart"' in page.text
    assert "¥30.00" in sections(page.text, "report-products")[0]
