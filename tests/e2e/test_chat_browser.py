"""Customer-service chat in two Chromium contexts against a live server on the demo database:
the buyer opens 联系客服 from a product page and writes; the merchant's inbox, opened before,
shows the message without a reload (HTMX polling); the merchant answers from the conversation
page and the buyer's page shows the answer without a reload. "Without a reload" is proven by a
marker set on each page's window object, which any navigation would wipe."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from pledge.catalog.tables import products, shops
from pledge.demo.seed import PASSWORD
from tests.e2e.conftest import new_context

pytestmark = pytest.mark.browser

SUNFLOWERS = "A级向日葵 12枝 顺丰空运"
POLL_WAIT = 10_000  # ms; the pages poll every 2 s


def ids(live_server) -> tuple[int, int]:
    with live_server.app.uow.read() as c:
        shop_id = c.execute(select(shops.c.id).where(shops.c.slug == "xiaoaruan-flowers")).scalar_one()
        product_id = c.execute(select(products.c.id).where(products.c.title == SUNFLOWERS)).scalar_one()
    return shop_id, product_id


def log_in(page, email: str, then: str) -> None:
    page.goto(f"/login?next={then}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"**{then}")


def mark(page) -> None:
    page.evaluate("window.__noReload = 'still here'")


def not_reloaded(page) -> bool:
    return page.evaluate("window.__noReload") == "still here"


def test_buyer_and_merchant_see_each_other_without_reloading(page, browser, live_server, artifacts):
    shop_id, product_id = ids(live_server)
    question = f"向日葵明天能到昆明吗？#{int(time.time() * 1000) % 100000}"
    answer = "今天16点前下单，顺丰空运明天到"

    merchant_context = new_context(browser, live_server)
    merchant = merchant_context.new_page()
    try:
        # The merchant watches the inbox before anything is written.
        log_in(merchant, "florist@pledge.demo", f"/merchant/shops/{shop_id}/chats")
        expect(merchant.get_by_test_id("chat-metrics")).to_contain_text("chat.response-time")
        expect(merchant.get_by_test_id("inbox")).not_to_contain_text(question)
        mark(merchant)

        # The buyer opens 联系客服 on the product page and writes.
        log_in(page, "buyer@pledge.demo", f"/products/{product_id}")
        contact = page.get_by_test_id("contact-shop")
        expect(contact).to_have_text("联系客服")
        contact.click()
        page.wait_for_url(re.compile(r"/chats/\d+$"))
        conversation_url = page.url
        expect(page.locator("h1")).to_contain_text("小阿阮鲜花")
        mark(page)
        page.get_by_test_id("chat-body").fill(question)
        page.get_by_test_id("chat-send").click()
        expect(page.get_by_test_id("chat-messages")).to_contain_text(question, timeout=POLL_WAIT)
        expect(page.get_by_test_id("chat-body")).to_have_value("")  # the form was reset after sending
        assert not_reloaded(page)
        page.screenshot(path=str(artifacts / "chat-01-buyer-asks.png"), full_page=True)

        # The merchant's inbox shows it by polling, unanswered, without a reload.
        row = merchant.get_by_test_id("inbox-row").filter(has_text=question)
        expect(row).to_have_count(1, timeout=POLL_WAIT)
        expect(row).to_contain_text("未回复")
        assert not_reloaded(merchant)
        merchant.screenshot(path=str(artifacts / "chat-02-merchant-inbox.png"), full_page=True)

        # The merchant opens the conversation and answers.
        row.get_by_test_id("inbox-open").click()
        merchant.wait_for_url(conversation_url)
        expect(merchant.get_by_test_id("chat-messages")).to_contain_text(question)
        merchant.get_by_test_id("chat-body").fill(answer)
        merchant.get_by_test_id("chat-send").click()
        expect(merchant.get_by_test_id("chat-messages")).to_contain_text(answer, timeout=POLL_WAIT)

        # The buyer's page shows the answer by polling, still without a reload, exactly once.
        expect(page.get_by_test_id("chat-messages")).to_contain_text(answer, timeout=POLL_WAIT)
        expect(page.get_by_test_id("chat-message").filter(has_text=answer)).to_have_count(1)
        expect(page.get_by_test_id("chat-message").filter(has_text=question)).to_have_count(1)
        assert not_reloaded(page)
        page.screenshot(path=str(artifacts / "chat-03-buyer-sees-answer.png"), full_page=True)

        # The buyer rates the conversation, which ends it.
        page.get_by_test_id("stars-5").check()
        page.get_by_test_id("rate-submit").click()
        expect(page.get_by_test_id("chat-status")).to_contain_text("5★")
        expect(page.get_by_test_id("chat-new")).to_be_visible()
        expect(page.get_by_test_id("chat-body")).to_have_count(0)
    finally:
        merchant_context.close()
