"""Shop audiences in Chromium on the demo database, phone first (390 px, Chinese): the florist
defines an audience of its recent buyers and followers, sees its size, drafts a shop coupon in
yuan, sends it and reads the report row; the page fits the phone and holds no English words. The
demo buyer then stops the shop's campaigns from the shop page. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pledge.catalog.tables import shops
from tests.e2e.conftest import PHONE_VIEWPORT, new_context
from tests.e2e.page_audit import audit
from tests.e2e.test_live_browser import log_in
from tests.e2e.test_page_layout_browser import DEMO_WORDS

pytestmark = pytest.mark.browser


def _phone(browser, live_server):
    return new_context(browser, live_server, PHONE_VIEWPORT)


def _audit(page, artifacts, name: str) -> None:
    audit(page, artifacts, f"audiences-{name}", DEMO_WORDS)


def test_the_florist_targets_an_audience_with_a_coupon_on_a_phone(browser, live_server, artifacts):
    with live_server.app.uow.read() as c:
        shop_id = c.execute(select(shops.c.id).where(shops.c.slug == "xiaoaruan-flowers")).scalar_one()
    merchant_ctx, buyer_ctx = _phone(browser, live_server), _phone(browser, live_server)
    try:
        page = merchant_ctx.new_page()
        log_in(page, "florist@pledge.demo", f"/merchant/shops/{shop_id}/audiences")
        _audit(page, artifacts, "empty-390")
        page.get_by_test_id("audience-name").fill("老客和粉丝")
        page.get_by_test_id("tick-ordered").check()
        page.get_by_test_id("days-ordered").fill("180")
        page.get_by_test_id("tick-followers").check()
        page.get_by_test_id("create-audience").click()
        page.wait_for_load_state()
        audience = page.get_by_test_id("audience").first
        size = int(re.sub(r"\D", "", audience.get_by_test_id("audience-size").inner_text()))
        assert size > 0
        audience.locator("summary").click()
        audience.get_by_test_id("coupon-amount").fill("3")
        audience.get_by_test_id("coupon-min-spend").fill("30")
        audience.get_by_test_id("draft-coupon").click()
        page.wait_for_load_state()
        page.locator("[data-testid^=send-]").first.click()
        page.wait_for_load_state()
        row = page.get_by_test_id("campaigns").locator("tbody tr").first
        assert "满¥30.00减¥3.00" in row.inner_text()
        assert int(row.get_by_test_id("reached").inner_text()) == size
        _audit(page, artifacts, "sent-390")

        buyer = buyer_ctx.new_page()
        log_in(buyer, "buyer@pledge.demo", f"/shops/{shop_id}")
        buyer.get_by_test_id("audience-opt-out").click()
        buyer.wait_for_load_state()
        assert buyer.get_by_test_id("audience-opt-out").inner_text() == "重新接收本店活动"
        _audit(buyer, artifacts, "shop-390")
    finally:
        merchant_ctx.close()
        buyer_ctx.close()
