"""The content walk in Chromium at phone width (390 px), on the seeded demo: the florist's shop
page → one of her short videos → a product card under it → buy; the order is the video's
(channel short_video, source video:N), decided by the server from the token the link carried."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from pledge.catalog.tables import shops
from pledge.orders.tables import orders
from pledge.videos.tables import videos
from tests.e2e.conftest import PHONE_VIEWPORT, new_context
from tests.e2e.test_browser import log_in, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser, live_server):
    context = new_context(browser, live_server, PHONE_VIEWPORT)
    page = context.new_page()
    yield page
    context.close()


def test_shop_page_to_video_to_an_order_bought_from_the_video(phone, live_server, artifacts):
    page = phone
    with live_server.app.uow.read() as c:
        shop_id = c.execute(select(shops.c.id).where(shops.c.name == "小阿阮鲜花")).scalar_one()
    log_in(page)
    page.goto(f"/shops/{shop_id}")
    assert page.get_by_test_id("shop-name").inner_text() == "小阿阮鲜花"
    assert page.get_by_test_id("shop-video").count() == 2
    assert page.locator("[data-testid=shop-product] img").count() >= 1  # card photos
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    shot(page, artifacts, "shop-01-shop-page-390")

    page.get_by_test_id("shop-video").first.click()
    page.wait_for_url(re.compile(r"/videos/\d+$"))
    video_id = int(page.url.rsplit("/", 1)[1])
    assert "次播放" in page.get_by_test_id("play-count").inner_text()
    played = page.evaluate(
        "() => { const v = document.querySelector('video'); v.muted = true;"
        " return v.play().then(() => true); }"
    )
    assert played  # the MP4 streams through range requests and plays
    page.wait_for_function("() => document.querySelector('video').currentTime > 0")
    page.evaluate(
        "() => { const v = document.querySelector('video'); v.pause(); v.currentTime = 0; return v.play(); }"
    )
    page.wait_for_timeout(300)
    with live_server.app.uow.read() as c:
        assert (
            c.execute(select(videos.c.plays).where(videos.c.id == video_id)).scalar_one() == 1
        )  # once per view
    shot(page, artifacts, "shop-02-video-page-390")

    page.get_by_test_id("video-product").first.click()
    page.wait_for_url(re.compile(r"/products/\d+\?source="))
    assert "短视频" in page.get_by_test_id("bought-from").inner_text()
    page.get_by_test_id("add-to-cart").click()
    page.wait_for_url("**/cart")
    assert page.get_by_test_id("line-source").first.inner_text() == "来自短视频"
    page.get_by_test_id("checkout").click()
    page.wait_for_url(re.compile(r"/pay/sandbox/sbx_\w+$"))
    page.get_by_test_id("confirm-pay").click()
    page.wait_for_url(re.compile(r"/orders/\d+$"))
    order_id = int(page.url.rsplit("/", 1)[1])
    shot(page, artifacts, "shop-03-order-from-video-390")
    with live_server.app.uow.read() as c:
        order = c.execute(select(orders.c.channel, orders.c.source_ref).where(orders.c.id == order_id)).one()
        assert c.execute(select(videos.c.shop_id).where(videos.c.id == video_id)).scalar_one() == shop_id
    assert tuple(order) == ("short_video", f"video:{video_id}")


def test_the_like_button_likes_once_and_takes_the_like_back(phone, live_server):
    page = phone
    with live_server.app.uow.read() as c:
        video_id, likes = c.execute(
            select(videos.c.id, videos.c.likes)
            .where(videos.c.status == "published")
            .order_by(videos.c.id.desc())
        ).first()
    log_in(page)
    page.goto(f"/videos/{video_id}")
    button = page.get_by_test_id("like")
    expect(button).to_have_attribute("aria-pressed", "false")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button.locator("[data-like-count]")).to_have_text(str(likes + 1))
    page.reload()  # the page remembers this user's like
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button.locator("[data-like-count]")).to_have_text(str(likes + 1))
    button.click()
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(button.locator("[data-like-count]")).to_have_text(str(likes))
