"""Creators and the affiliate marketplace in Chromium on the demo database (issue 18): the demo
creator 花花姐 opens the marketplace at 390 px, filters it by rate, adds the florist's roses to her
showcase from the list and finds them there; the florist opens the affiliate page at 1280 px and
390 px, sees her among the creators selling, approves her rose sample and ships it; the creator
sees it shipped and confirms it arrived. The demo buyer then opens her public showcase and buys the
sunflowers from her short video, and she sees the commission pending on her dashboard. Every page
fits its width (no sideways scrolling) and holds no English words in Chinese. Screenshots go to
test-artifacts/."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pledge.catalog.tables import shops
from pledge.creators.tables import creators
from pledge.orders.tables import orders
from pledge.videos.tables import videos
from pledge.worker import run_once
from tests.e2e.page_audit import audit
from tests.e2e.page_audit import browser_context as _context
from tests.e2e.test_browser import log_in as buyer_log_in
from tests.e2e.test_live_browser import log_in

pytestmark = pytest.mark.browser

ROSES = "多头玫瑰 20枝 昆明基地直发"


def _audit(page, artifacts, name: str) -> None:
    audit(page, artifacts, f"creators-{name}")


def _florist_board(live_server) -> str:
    with live_server.app.uow.read() as c:
        shop_id = c.execute(select(shops.c.id).where(shops.c.slug == "xiaoaruan-flowers")).scalar_one()
    return f"/merchant/shops/{shop_id}/affiliate"


def _buyer_buys_from_the_creators_video(browser, live_server, artifacts) -> None:
    """The demo buyer opens 花花姐's short video (one of the florist's, hers by the demo seed),
    buys the sunflowers from it and pays; the worker's pass then books the commission (as the demo
    clock's buttons do). Her public showcase is audited on the way."""
    with live_server.app.uow.read() as c:
        creator_id = c.execute(select(creators.c.id).where(creators.c.handle == "huahua_jie")).scalar_one()
        video_id = c.execute(  # the florist's video naming her (her own video is another test's)
            select(videos.c.id).where(videos.c.creator_id == creator_id, videos.c.shop_id.is_not(None))
        ).scalar_one()
    context = _context(browser, live_server, 390)
    try:
        page = context.new_page()
        buyer_log_in(page)
        page.goto(f"/creators/{creator_id}")
        _audit(page, artifacts, "public-showcase-390")
        page.goto(f"/videos/{video_id}")
        page.get_by_test_id("video-product").filter(has_text="A级向日葵").click()
        assert "短视频" in page.get_by_test_id("bought-from").inner_text()
        page.get_by_test_id("add-to-cart").click()
        page.wait_for_url("**/cart")
        page.get_by_test_id("checkout").click()
        page.wait_for_url(re.compile(r"/pay/sandbox/sbx_\w+$"))
        page.get_by_test_id("confirm-pay").click()
        page.wait_for_url(re.compile(r"/orders/\d+$"))
    finally:
        context.close()
    run_once(live_server.app)
    with live_server.app.uow.read() as c:
        credited = c.execute(select(orders.c.creator_id).order_by(orders.c.id.desc()).limit(1)).scalar_one()
    assert credited == creator_id


def test_a_creator_adds_a_marketplace_product_and_receives_a_sample(browser, live_server, artifacts):
    creator_ctx, merchant_ctx, narrow_ctx = (
        _context(browser, live_server, 390),
        _context(browser, live_server, 1280),
        _context(browser, live_server, 390),
    )
    try:
        creator = creator_ctx.new_page()
        log_in(creator, "creator@pledge.demo", "/creator")
        assert "A级向日葵" in creator.get_by_test_id("showcase").inner_text()
        _audit(creator, artifacts, "home-390")

        creator.get_by_test_id("to-marketplace").click()
        creator.wait_for_url("**/creator/marketplace")
        creator.get_by_test_id("filter-rate").fill("15")
        creator.get_by_test_id("filter-apply").click()
        creator.wait_for_url("**min_rate=15**")
        items = creator.get_by_test_id("market-items")
        assert "12%" not in items.inner_text()  # the fruit seller's 12 % is filtered out
        assert "专属佣金" in items.inner_text()  # the peonies: her rate alone
        _audit(creator, artifacts, "marketplace-390")
        roses = items.locator("section", has_text=ROSES)
        roses.locator("button", has_text="加入橱窗").click()
        creator.wait_for_url("**min_rate=15**")
        assert (
            creator.get_by_test_id("market-items")
            .locator("section", has_text=ROSES)
            .get_by_test_id("in-showcase")
            .is_visible()
        )
        creator.goto("/creator")
        assert ROSES in creator.get_by_test_id("showcase").inner_text()

        merchant = merchant_ctx.new_page()
        log_in(merchant, "florist@pledge.demo", _florist_board(live_server))
        assert "花花姐" in merchant.get_by_test_id("sellers").inner_text()
        _audit(merchant, artifacts, "merchant-1280")
        narrow = narrow_ctx.new_page()
        log_in(narrow, "florist@pledge.demo", _florist_board(live_server))
        _audit(narrow, artifacts, "merchant-390")

        row = merchant.get_by_test_id("samples").locator("tr", has_text="多头玫瑰")
        row.locator("button", has_text="通过").click()
        merchant.wait_for_load_state()
        row = merchant.get_by_test_id("samples").locator("tr", has_text="多头玫瑰")
        row.locator("input[name=tracking_no]").fill("SF1234567890")
        row.locator("button", has_text="发货").click()
        merchant.wait_for_load_state()
        assert "已发货" in merchant.get_by_test_id("samples").inner_text()
        _audit(merchant, artifacts, "merchant-shipped-1280")

        creator.goto("/creator")
        sample = creator.get_by_test_id("samples").locator("tr", has_text="多头玫瑰")
        assert "已发货" in sample.inner_text()
        sample.locator("button", has_text="确认收货").click()
        creator.wait_for_load_state()
        assert "已收货" in creator.get_by_test_id("samples").locator("tr", has_text="多头玫瑰").inner_text()
        _audit(creator, artifacts, "home-received-390")
        _buyer_buys_from_the_creators_video(browser, live_server, artifacts)
        creator.goto("/creator")
        assert creator.get_by_test_id("commission-pending").inner_text() != "¥0.00"
        order = creator.get_by_test_id("creator-orders").locator("tr", has_text="短视频").first
        assert "待结算" in order.get_by_test_id("commission-state").inner_text()
        _audit(creator, artifacts, "home-commission-390")
    finally:
        for context in (creator_ctx, merchant_ctx, narrow_ctx):
            context.close()
