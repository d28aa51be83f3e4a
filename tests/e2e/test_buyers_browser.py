"""A new buyer's first purchase in Chromium, at phone (390 px) and desktop (1280 px) widths:
sign up with a phone number (the SMS sandbox's code, read from the adapter), add an address,
buy from two shops in one payment, land on the page that lists both orders, find the address
on the order, and — the shops never shipping — find the compensation coupon in the inbox, with
its unread count, its reason and its order. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pledge.catalog.tables import products
from tests.e2e.conftest import new_context

pytestmark = pytest.mark.browser

SUNFLOWERS = "A级向日葵 12枝 顺丰空运"  # 小阿阮鲜花
ORANGES = "赣南脐橙 5斤装 现摘现发"  # 大乐水果
WIDTHS = {390: "13711110390", 1280: "13711111280"}


def product_id(live_server, title: str) -> int:
    with live_server.app.uow.read() as c:
        return c.execute(select(products.c.id).where(products.c.title == title)).scalar_one()


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def sign_up(page, live_server, phone: str) -> None:
    page.goto("/signup")
    page.get_by_test_id("signup-phone").fill(phone)
    page.get_by_test_id("send-code").click()
    page.get_by_test_id("code-sent").wait_for()
    code = live_server.app.sms.last_code(phone)
    assert code and re.fullmatch(r"\d{6}", code)
    page.get_by_test_id("signup-code").fill(code)
    page.get_by_test_id("signup-name").fill("云南新客")
    page.get_by_test_id("signup-password").fill("kunming-2026")
    assert no_sideways_scroll(page)
    page.get_by_test_id("signup-submit").click()
    page.wait_for_url(re.compile(r"/$"))
    assert page.locator("header .who").inner_text().strip() == "云南新客"


def add_address(page, phone: str) -> None:
    page.goto("/account/addresses/new")
    for field, value in (
        ("recipient", "段丽"),
        ("phone", phone),
        ("province", "云南省"),
        ("city", "昆明市"),
        ("district", "官渡区"),
        ("detail", "春城路 219 号 金色年华 2 栋 1801"),
    ):
        page.get_by_test_id(f"address-{field}").fill(value)
    assert no_sideways_scroll(page)
    page.get_by_test_id("save-address").click()
    page.wait_for_url("**/account/addresses")
    assert page.get_by_test_id("default-address").count() == 1
    assert no_sideways_scroll(page)


def coupon_reaches_the_inbox(page, order_id: int, artifacts, width: int) -> None:
    """Six days on the demo clock without shipping: more than 48 h late, each order is paid the
    out-of-stock coupon, and the inbox says so without the buyer asking."""
    for _ in range(2):
        page.get_by_test_id("advance-3d").click()
        page.wait_for_url(f"**/orders/{order_id}")
    assert page.locator("[data-testid=compensation][data-kind=out_of_stock]").count() == 1
    badge = page.get_by_test_id("unread-badge")
    badge.wait_for()
    assert int(badge.inner_text()) >= 2  # one coupon per order, at least
    page.get_by_test_id("nav-notifications").click()
    page.wait_for_url("**/notifications")
    notices = page.get_by_test_id("notice")
    texts = [notices.nth(i).inner_text() for i in range(notices.count())]
    mine = [t for t in texts if f"订单 #{order_id}" in t and "优惠券已放入卡包" in t]
    assert len(mine) == 1, texts
    assert "缺货" in mine[0] and "¥" in mine[0]
    assert no_sideways_scroll(page)
    page.screenshot(path=str(artifacts / f"buyer-inbox-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_new_buyer_signs_up_adds_an_address_and_pays_two_shops_at_once(
    browser, live_server, artifacts, width
):
    phone = WIDTHS[width]
    context = new_context(browser, live_server, {"width": width, "height": 900})
    page = context.new_page()
    try:
        sign_up(page, live_server, phone)
        add_address(page, phone)
        for title in (SUNFLOWERS, ORANGES):
            page.goto(f"/products/{product_id(live_server, title)}")
            page.get_by_test_id("add-to-cart").click()
            page.wait_for_url("**/cart")
        assert page.get_by_test_id("checkout-address").is_checked()  # the default is preselected
        page.screenshot(path=str(artifacts / f"buyer-cart-{width}.png"), full_page=True)
        page.get_by_test_id("checkout").click()
        page.wait_for_url(re.compile(r"/pay/sandbox/sbx_\w+$"))
        page.get_by_test_id("confirm-pay").click()
        page.wait_for_url(re.compile(r"/orders\?checkout=\d+$"))
        listed = page.get_by_test_id("buyer-orders").locator("tbody tr")
        assert listed.count() == 2
        text = page.get_by_test_id("buyer-orders").inner_text()
        assert "小阿阮鲜花" in text and "大乐水果" in text
        page.screenshot(path=str(artifacts / f"buyer-paid-together-{width}.png"), full_page=True)
        listed.first.locator("a").first.click()
        page.wait_for_url(re.compile(r"/orders/\d+$"))
        address = page.get_by_test_id("order-address").inner_text()
        assert "段丽" in address and "云南省 昆明市 官渡区 春城路 219 号" in address
        assert page.get_by_test_id("order-address-phone").inner_text() == phone  # the buyer sees it whole
        order_id = int(page.url.rsplit("/", 1)[1])
        coupon_reaches_the_inbox(page, order_id, artifacts, width)
    finally:
        context.close()
