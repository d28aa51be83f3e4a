"""A creator's own short video in Chromium on the demo database (issue 18: "a creator adds a
product to the showcase, a buyer buys from the creator's video, the creator sees the commission
pending"): 花花姐 adds the florist's roses to her showcase from the marketplace at 390 px, publishes
a video with them and the fruit seller's product (MP4 and poster uploaded through the form); the
demo buyer opens the video at 390 px, sees her as its author and each product's shop, buys both
into one cart and pays once: two orders, one per shop, both credited to her video; after the
worker's pass her dashboard shows each order's commission pending. Every page fits its width and
holds no English words in Chinese. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from sqlalchemy import select

from pledge.catalog.tables import products, shops
from pledge.creators.tables import creators, showcase_items
from pledge.orders.tables import orders
from pledge.worker import run_once
from tests.e2e.page_audit import audit
from tests.e2e.page_audit import browser_context as _context
from tests.e2e.test_live_browser import log_in

pytestmark = pytest.mark.browser
MEDIA = resources.files("pledge") / "demo" / "media"
ROSES = "多头玫瑰 20枝 昆明基地直发"
TITLE = "玫瑰配水果 周末好物"


def _fruit_product(live_server) -> tuple[int, str, int]:
    """(creator id, the fruit seller's product in her showcase and its title)."""
    with live_server.app.uow.read() as c:
        creator_id = c.execute(select(creators.c.id).where(creators.c.handle == "huahua_jie")).scalar_one()
        fruit = c.execute(
            select(products.c.id, products.c.title)
            .join(showcase_items, showcase_items.c.product_id == products.c.id)
            .join(shops, shops.c.id == products.c.shop_id)
            .where(showcase_items.c.creator_id == creator_id, shops.c.slug != "xiaoaruan-flowers")
        ).one()
    return creator_id, fruit.title, fruit.id


def _add_roses_to_showcase(creator) -> None:
    creator.goto("/creator/marketplace?min_rate=15")
    roses = creator.get_by_test_id("market-items").locator("section", has_text=ROSES)
    roses.locator("button", has_text="加入橱窗").click()
    creator.wait_for_url("**/creator/marketplace**")
    creator.goto("/creator")
    assert ROSES in creator.get_by_test_id("showcase").inner_text()


def _publish(creator, artifacts, fruit_id: int) -> int:
    creator.get_by_test_id("creator-video-new").click()
    creator.wait_for_url("**/creator/videos/new")
    audit(creator, artifacts, "creator-video-form-390")
    creator.get_by_test_id("video-title").fill(TITLE)
    creator.get_by_test_id("video-file").set_input_files(str(MEDIA / "sunflower.mp4"))
    creator.get_by_test_id("poster-file").set_input_files(str(MEDIA / "poster.jpg"))
    creator.get_by_test_id("creator-video-products").locator("label", has_text=ROSES).locator("input").check()
    creator.get_by_test_id(f"creator-video-product-{fruit_id}").check()
    creator.get_by_test_id("video-submit").click()
    creator.wait_for_url(re.compile(r"/videos/\d+$"))
    return int(creator.url.rsplit("/", 1)[1])


def _buy(buyer, video_id: int, title: str) -> None:
    buyer.goto(f"/videos/{video_id}")
    buyer.get_by_test_id("video-product").filter(has_text=title).click()
    assert "短视频" in buyer.get_by_test_id("bought-from").inner_text()
    buyer.get_by_test_id("add-to-cart").click()
    buyer.wait_for_url("**/cart")


def test_a_buyer_buys_two_shops_products_from_a_creator_video(browser, live_server, artifacts):
    creator_id, fruit_title, fruit_id = _fruit_product(live_server)
    creator_ctx, buyer_ctx = _context(browser, live_server, 390), _context(browser, live_server, 390)
    try:
        creator = creator_ctx.new_page()
        log_in(creator, "creator@pledge.demo", "/creator")
        _add_roses_to_showcase(creator)
        video_id = _publish(creator, artifacts, fruit_id)
        buyer = buyer_ctx.new_page()
        log_in(buyer, "buyer@pledge.demo", f"/videos/{video_id}")
        assert "花花姐" in buyer.get_by_test_id("video-author").inner_text()
        shown = buyer.get_by_test_id("video-product-shop").all_inner_texts()
        assert len(set(shown)) == 2 and any("小阿阮鲜花" in s for s in shown), (
            shown
        )  # each card names its shop
        audit(buyer, artifacts, "creator-video-page-390")
        for title in (ROSES, fruit_title):
            _buy(buyer, video_id, title)
        buyer.get_by_test_id("checkout").click()
        buyer.wait_for_url(re.compile(r"/pay/sandbox/sbx_\w+$"))
        buyer.get_by_test_id("confirm-pay").click()
        buyer.wait_for_url(re.compile(r"/orders"))
        with live_server.app.uow.read() as c:
            placed = c.execute(
                select(orders.c.id, orders.c.shop_id, orders.c.creator_id, orders.c.source_ref)
                .order_by(orders.c.id.desc())
                .limit(2)
            ).all()
        assert len({row.shop_id for row in placed}) == 2
        assert {(row.creator_id, row.source_ref) for row in placed} == {(creator_id, f"video:{video_id}")}
        run_once(live_server.app)  # the worker's pass books the commissions
        creator.goto("/creator")
        for row in placed:
            state = creator.get_by_test_id(f"creator-order-{row.id}").get_by_test_id("commission-state")
            assert "待结算" in state.inner_text()
        assert TITLE in creator.get_by_test_id("creator-videos").inner_text()
        audit(creator, artifacts, "creator-video-commission-390")
    finally:
        creator_ctx.close()
        buyer_ctx.close()
