"""The florist's live room in Chromium against a live server on the demo database: two viewers
in their own browser contexts see each other's comments, and a card the host pins, without a
reload (a marker on each page's window object, which a navigation would wipe); the room's video
plays its looping HLS sample (currentTime advances, then starts again)."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from pledge.catalog.tables import products, shops, skus
from pledge.demo.seed import PASSWORD
from pledge.live.tables import live_rooms
from tests.e2e.conftest import PHONE_VIEWPORT, new_context

pytestmark = pytest.mark.browser
WAIT = 10_000  # ms


def florist_room(live_server) -> tuple[int, int]:
    """The florist's room, and a SKU of hers not on the cart yet (24 sunflowers)."""
    with live_server.app.uow.read() as c:
        shop_id = c.execute(select(shops.c.id).where(shops.c.slug == "xiaoaruan-flowers")).scalar_one()
        room_id = c.execute(select(live_rooms.c.id).where(live_rooms.c.shop_id == shop_id)).scalar_one()
        sku_id = c.execute(
            select(skus.c.id)
            .join(products, products.c.id == skus.c.product_id)
            .where(products.c.shop_id == shop_id, skus.c.name == "24枝")
        ).scalar_one()
    return room_id, sku_id


def log_in(page, email: str, then: str) -> None:
    page.goto(f"/login?next={then}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"**{then}")


def viewer(browser, live_server, email: str, room: str):
    context = new_context(browser, live_server, PHONE_VIEWPORT)
    page = context.new_page()
    log_in(page, email, room)
    expect(page.get_by_test_id("live-status")).to_have_text("直播中")
    page.evaluate("window.__noReload = 'still here'")
    return context, page


def test_two_viewers_see_comments_and_a_pinned_card_without_reload(page, browser, live_server, artifacts):
    room_id, sku_id = florist_room(live_server)
    room = f"/live/{room_id}"
    first_ctx, first = viewer(browser, live_server, "buyer@pledge.demo", room)
    second_ctx, second = viewer(browser, live_server, "grandma@pledge.demo", room)
    try:
        tag = int(time.time() * 1000) % 100000
        first.get_by_test_id("live-comment-input").fill(f"向日葵能放几天？#{tag}")
        first.get_by_test_id("live-comment-send").click()
        expect(second.get_by_test_id("live-comments")).to_contain_text(
            f"向日葵能放几天？#{tag}", timeout=WAIT
        )
        second.get_by_test_id("live-comment-input").fill(f"放一周没问题#{tag}")
        second.get_by_test_id("live-comment-send").click()
        expect(first.get_by_test_id("live-comments")).to_contain_text(f"放一周没问题#{tag}", timeout=WAIT)
        expect(first.get_by_test_id(f"live-card-{sku_id}")).to_have_count(0)

        log_in(page, "florist@pledge.demo", f"/merchant/live/{room_id}")
        page.get_by_test_id("console-sku").select_option(str(sku_id))
        page.get_by_test_id("console-price").fill("29.90")
        page.get_by_test_id("console-pin").click()
        for p in (first, second):
            card = p.get_by_test_id(f"live-card-{sku_id}")
            expect(card).to_contain_text("¥29.90", timeout=WAIT)
            assert p.evaluate("window.__noReload") == "still here"
        first.screenshot(path=str(artifacts / "live-room-390.png"), full_page=True)
    finally:
        first_ctx.close()
        second_ctx.close()


def test_the_florist_room_plays_its_video(page, live_server):
    room_id, _sku = florist_room(live_server)
    page.goto(f"/live/{room_id}")
    video = page.get_by_test_id("live-video")
    expect(video).to_be_visible()
    played, deadline = 0.0, time.monotonic() + 15
    while played <= 1 and time.monotonic() < deadline:  # polled from here: the page's CSP allows no eval
        played = page.evaluate("document.querySelector('video').currentTime")
        time.sleep(0.2)
    assert played > 1, f"the florist's video did not play (currentTime {played})"
    assert page.evaluate("document.querySelector('video').readyState") >= 2
    looped, deadline = False, time.monotonic() + 20  # the 6-second sample starts again at its end
    while not looped and time.monotonic() < deadline:
        now = page.evaluate("document.querySelector('video').currentTime")
        looped, played = now < played, max(played, now)
        time.sleep(0.2)
    assert looped and not page.evaluate("document.querySelector('video').paused")


def test_a_pushed_coupon_and_its_claim_reach_a_second_viewer_without_reload(page, browser, live_server):
    room_id, _sku = florist_room(live_server)
    room = f"/live/{room_id}"
    first_ctx, first = viewer(browser, live_server, "buyer@pledge.demo", room)
    second_ctx, second = viewer(browser, live_server, "grandma@pledge.demo", room)
    try:
        log_in(page, "florist@pledge.demo", f"/merchant/live/{room_id}")
        page.get_by_test_id("console-coupon-amount").fill("3.00")
        page.get_by_test_id("console-coupon-min").fill("20.00")
        page.get_by_test_id("console-coupon-quantity").fill("2")
        page.get_by_test_id("console-coupon-push").click()
        expect(page.get_by_test_id("console-coupons")).to_contain_text("满¥20.00减¥3.00")
        for p in (first, second):
            expect(p.get_by_test_id("live-coupons")).to_contain_text("满¥20.00减¥3.00", timeout=WAIT)
        offer = first.get_by_test_id("live-coupons").locator("li").last
        offer.locator("[data-claim]").click()
        expect(offer.get_by_test_id("coupon-claimed")).to_have_text("已领取", timeout=WAIT)
        second_offer = second.get_by_test_id("live-coupons").locator("li").last
        expect(second_offer.get_by_test_id("coupon-left")).to_have_text("剩余1张", timeout=WAIT)
        expect(second_offer.locator("[data-claim]")).to_be_visible()
        for p in (first, second):
            assert p.evaluate("window.__noReload") == "still here"
        first.goto("/wallet")
        expect(first.get_by_test_id("coupon").first).to_contain_text("满¥20.00减¥3.00")
        expect(first.get_by_test_id("coupon-expires").first).to_contain_text("北京时间")
    finally:
        first_ctx.close()
        second_ctx.close()
