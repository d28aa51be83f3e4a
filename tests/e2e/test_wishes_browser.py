"""The wish pool in Chromium on the demo database (issue 15): the demo buyer +1s the umbrella
factory's clear-umbrella wish on its shop page (390 px); the merchant opens the wish board at
1280 px and 390 px, sees the demands ranked by wishers, and fulfils the clear umbrella as one of
the shop's products with a wisher price; the buyer gets the notice, opens the product, reads
"应 N 位用户的心愿上新" and the wisher price, and finds it among the coupons at checkout. Every page
fits its width and holds no English words in Chinese. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pledge.catalog.tables import shops
from tests.e2e.page_audit import audit
from tests.e2e.page_audit import browser_context as _context
from tests.e2e.test_live_browser import log_in

pytestmark = pytest.mark.browser

TARGET = "镭射变色晴雨伞 遇水开花"  # one of the factory's products on sale, ¥39.90


def _audit(page, artifacts, name: str) -> None:
    audit(page, artifacts, f"wishes-{name}")


def _factory_id(live_server) -> int:
    with live_server.app.uow.read() as c:
        return c.execute(select(shops.c.id).where(shops.c.slug == "feilian-umbrella")).scalar_one()


def test_a_wish_comes_true_with_a_wisher_price_and_the_wisher_sees_it(browser, live_server, artifacts):
    shop_id = _factory_id(live_server)
    buyer_ctx, merchant_ctx, narrow_ctx = (
        _context(browser, live_server, 390),
        _context(browser, live_server, 1280),
        _context(browser, live_server, 390),
    )
    try:
        buyer = buyer_ctx.new_page()
        log_in(buyer, "buyer@pledge.demo", f"/shops/{shop_id}")
        clear = buyer.get_by_test_id("open-wishes").locator("li", has_text="透明").first
        clear.get_by_test_id("plus-one").click()
        buyer.wait_for_url(re.compile(r"wished=1"))
        _audit(buyer, artifacts, "shop-390")

        merchant = merchant_ctx.new_page()
        log_in(merchant, "umbrella@pledge.demo", f"/merchant/shops/{shop_id}/wishes")
        counts = [int(re.sub(r"\D", "", t)) for t in merchant.get_by_test_id("wishers").all_inner_texts()]
        assert counts == sorted(counts, reverse=True) and len(counts) >= 2, counts
        _audit(merchant, artifacts, "board-1280")
        narrow = narrow_ctx.new_page()
        log_in(narrow, "umbrella@pledge.demo", f"/merchant/shops/{shop_id}/wishes")
        _audit(narrow, artifacts, "board-390")

        demand = merchant.get_by_test_id("demand").filter(has_text="透明").first
        wishers = int(re.sub(r"\D", "", demand.get_by_test_id("wishers").inner_text()))
        demand.locator("summary").click()
        demand.get_by_test_id("fulfil-product").select_option(label=TARGET)
        demand.get_by_test_id("price-off").fill("5")
        demand.get_by_test_id("valid-days").fill("7")
        demand.get_by_test_id("fulfil").click()
        merchant.wait_for_load_state()
        came = merchant.get_by_test_id("came-true").filter(has_text=TARGET)
        assert "心愿价立减¥5.00" in came.get_by_test_id("offer").inner_text()
        assert f"已通知 {wishers} 位许愿用户" in came.inner_text()
        _audit(merchant, artifacts, "board-fulfilled-1280")

        buyer.goto("/notifications")
        notice = buyer.get_by_test_id("notice").filter(has_text=TARGET).first
        assert "你的心愿实现了" in notice.inner_text()
        _audit(buyer, artifacts, "notifications-390")
        notice.get_by_role("link").first.click()
        buyer.wait_for_url(re.compile(r"/products/\d+"))
        assert f"应 {wishers} 位用户的心愿上新" in buyer.get_by_test_id("wished-by").inner_text()
        assert "立减¥5.00" in buyer.get_by_test_id("wisher-price").inner_text()
        _audit(buyer, artifacts, "product-390")
        buyer.get_by_test_id("add-to-cart").click()
        buyer.wait_for_url("**/cart")
        options = buyer.get_by_test_id("coupon").locator("option").all_inner_texts()
        assert any("¥5.00" in o and "心愿价" in o for o in options), options
        _audit(buyer, artifacts, "cart-390")
    finally:
        for context in (buyer_ctx, merchant_ctx, narrow_ctx):
            context.close()
