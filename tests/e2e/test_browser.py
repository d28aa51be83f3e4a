"""The buyer's walk in Chromium against a real uvicorn server on a seeded demo database:
see the pledge before paying, pay, let the shop run late (the demo clock), read on the order
page what was paid and what more may come, find the coupon in the wallet with the rule that
produced it, and spend it on the next order. Screenshots go to
test-artifacts/ (gitignored)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pledge.catalog.tables import products
from pledge.demo.seed import PASSWORD

pytestmark = pytest.mark.browser

BUYER = "buyer@pledge.demo"
SUNFLOWERS = "A级向日葵 12枝 顺丰空运"  # 48h promise, 12 stems 19.90
ORANGES = "赣南脐橙 5斤装 现摘现发"  # 48h promise, 5 jin 29.90


def product_id(live_server, title: str) -> int:
    with live_server.app.uow.read() as c:
        return c.execute(select(products.c.id).where(products.c.title == title)).scalar_one()


def log_in(page, email: str = BUYER) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    assert page.locator("header .who").inner_text().strip() == "小林"


def shot(page, artifacts, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def buy(page, live_server, title: str, coupon_id: int | None = None) -> tuple[int, str]:
    """Product page → cart → checkout → sandbox payment; returns (order id, amount paid)."""
    page.goto(f"/products/{product_id(live_server, title)}")
    page.get_by_test_id("add-to-cart").click()
    page.wait_for_url("**/cart")
    if coupon_id is not None:
        page.get_by_test_id("coupon").select_option(str(coupon_id))
    page.get_by_test_id("checkout").click()
    page.wait_for_url(re.compile(r"/pay/sandbox/sbx_\w+$"))
    amount = page.get_by_test_id("pay-amount").inner_text()
    page.get_by_test_id("confirm-pay").click()
    page.wait_for_url(re.compile(r"/orders/\d+$"))
    return int(page.url.rsplit("/", 1)[1]), amount


def test_late_shipment_becomes_a_coupon_that_pays_for_the_next_order(page, live_server, artifacts):
    log_in(page)

    # The pledge is on the product page before paying.
    page.goto("/")
    page.get_by_role("link", name=re.compile(SUNFLOWERS)).click()
    page.wait_for_url(re.compile(r"/products/\d+$"))
    badge = page.get_by_test_id("promise-badge")
    assert badge.inner_text() == "48小时内发货 · 晚发即赔"
    shot(page, artifacts, "01-product-promise-badge")

    # Cart, checkout, sandbox payment.
    page.get_by_test_id("add-to-cart").click()
    page.wait_for_url("**/cart")
    assert SUNFLOWERS in page.locator("table.list").inner_text()
    shot(page, artifacts, "02-cart")
    page.get_by_test_id("checkout").click()
    page.wait_for_url(re.compile(r"/pay/sandbox/sbx_\w+$"))
    assert page.get_by_test_id("pay-amount").inner_text() == "¥19.90"
    page.get_by_test_id("confirm-pay").click()
    page.wait_for_url(re.compile(r"/orders/\d+$"))
    order_id = int(page.url.rsplit("/", 1)[1])
    assert page.get_by_test_id("status").inner_text() == "待发货"
    assert "48小时内发货 · 晚发即赔" in page.get_by_test_id("order-status").inner_text()
    assert page.get_by_test_id("compensation").count() == 0
    shot(page, artifacts, "03-order-paid")

    # The shop never ships. 3 days: 24 h late. A promise of up to 48 h earns nothing in the
    # late-ship table's first column; the page says what comes 48 h later.
    page.get_by_test_id("advance-3d").click()
    page.wait_for_url(f"**/orders/{order_id}")
    compensation = page.get_by_test_id("compensation")
    assert compensation.count() == 1 and "本项不赔付" in compensation.inner_text()
    assert "仍未发货，将按缺货赔 ¥2.00" in page.get_by_test_id("compensation-ahead").inner_text()
    # 6 days: 96 h late, more than 48 h: the out-of-stock deduction (1% of 19.90, min 2 yuan), once.
    page.get_by_test_id("advance-3d").click()
    page.wait_for_url(f"**/orders/{order_id}")
    out_of_stock = page.locator("[data-testid=compensation][data-kind=out_of_stock]")
    assert out_of_stock.count() == 1
    assert out_of_stock.locator("h2").inner_text() == "缺货赔付 ¥2.00"
    explained = out_of_stock.get_by_test_id("explanation").inner_text()
    assert "按缺货/无货处理" in explained and "实付¥19.90的1%" in explained and "（北京时间）" in explained
    assert "缺货/无货，已赔付" in page.get_by_test_id("timeline").inner_text()
    shot(page, artifacts, "04-order-compensated")

    # The wallet holds the coupon for THAT order, explained in plain words with its rule.
    page.get_by_test_id("nav-wallet").click()
    page.wait_for_url("**/wallet")
    card = page.locator(f'[data-testid=coupon][data-source="out-of-stock:{order_id}"]')
    assert card.count() == 1
    assert card.get_by_test_id("coupon-title").inner_text() == f"缺货赔付 ¥2.00 · 订单 #{order_id}"
    explanation = card.get_by_test_id("coupon-explanation").inner_text()
    assert "实付¥19.90的1%" in explanation and "按缺货/无货处理" in explanation
    assert "《【商家-缺货/无货】实施细则》" in card.inner_text()
    assert "¥2.00" in card.inner_text() and "可使用" in card.inner_text()
    coupon_id = int(re.search(r"#(\d+)", card.inner_text()).group(1))
    shot(page, artifacts, "05-wallet-coupon")

    # Spend it on the next order: 29.90 − 2.00 = 27.90.
    next_order, paid = buy(page, live_server, ORANGES, coupon_id=coupon_id)
    assert paid == "¥27.90"
    assert page.get_by_test_id("status").inner_text() == "待发货"
    lines = page.locator("section.card table.list").first.inner_text()
    assert "优惠券" in lines and "-¥2.00" in lines and "¥27.90" in lines
    shot(page, artifacts, "06-next-order-with-coupon")

    page.get_by_test_id("nav-wallet").click()
    card = page.locator(f'[data-testid=coupon][data-source="out-of-stock:{order_id}"]')
    assert "已使用" in card.inner_text() and f"#{next_order}" in card.inner_text()
    assert page.get_by_test_id("coupon").filter(has_text=f"#{coupon_id} · 可使用").count() == 0
    shot(page, artifacts, "07-wallet-coupon-used")

    # The same explanation in English.
    page.goto("/wallet?lang=en")
    card = page.locator(f'[data-testid=coupon][data-source="out-of-stock:{order_id}"]')
    english = card.get_by_test_id("coupon-explanation").inner_text()
    assert (
        english.startswith("Still not shipped 48 h after the promised time")
        and "1% of the ¥19.90 you paid" in english
    )
    assert "Used" in card.inner_text()
    page.goto("/wallet?lang=zh_CN")


def test_english_switch(page, live_server, artifacts):
    page.goto("/?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    nav = page.locator("header.top").inner_text()
    assert "Shop" in nav and "Rulebook" in nav and "Log in" in nav and "商城" not in nav
    assert page.locator("h1").inner_text() == "Every promise shown before you pay"

    # The choice sticks (cookie) without ?lang on later pages.
    page.goto(f"/products/{product_id(live_server, SUNFLOWERS)}")
    assert (
        page.get_by_test_id("promise-badge").inner_text() == "Ships within 48 h · late shipping compensated"
    )
    assert "If the shop ships later than promised" in page.locator("p.explain").inner_text()

    log_in(page)
    page.goto("/orders")
    assert page.locator("h1").inner_text() == "My orders"
    first = page.locator("table.list tbody a").first
    first.click()
    page.wait_for_url(re.compile(r"/orders/\d+$"))
    live = page.get_by_test_id("order-status").inner_text()
    assert "Status" in live and "Ship by" in live
    timeline = page.get_by_test_id("timeline").inner_text()
    assert "event." not in timeline and "Order placed" in timeline and "Payment received" in timeline
    assert "_" not in page.get_by_test_id("status").inner_text()
    shot(page, artifacts, "08-order-english")

    page.goto("/wallet")
    assert page.locator("h1").inner_text() == "Wallet"
    assert "Demo mode" in page.locator(".demo-bar").inner_text()

    page.goto("/?lang=zh_CN")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "商城" in page.locator("header.top").inner_text()
