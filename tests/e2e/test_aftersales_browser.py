"""The damage pledge in Chromium against a real uvicorn server on a seeded demo database: the
buyer files a damage claim with a photo from the order page, the florist sees it in her queue
with a countdown and stays silent, the platform clock passes the 48 h review deadline, and the
refund appears on the order with its explanation citing the clause. The order is paid after the
坏了包退 guarantee's withdrawal (douyin:aJn4bujNmDDo, orders from 2026-07-06) and flowers were never
in its categories: the florist's own pledge, "损坏一支也给售后赔付", pays every damaged bunch.
Screenshots go to test-artifacts/ (gitignored)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pledge.accounts import services as accounts
from pledge.accounts.tables import users
from pledge.catalog.tables import products, skus
from pledge.demo.aftersales import photo
from pledge.demo.seed import PASSWORD
from tests.e2e.conftest import new_context
from tests.e2e.test_aftersales_api import delivered_order

pytestmark = pytest.mark.browser

SUNFLOWERS = "A级向日葵 12枝 顺丰空运"  # 19.90 a bunch, perishable, sold by 小阿阮鲜花


def actor(live_server, email: str) -> accounts.Actor:
    with live_server.app.uow.read() as c:
        return accounts.load_actor(
            c, c.execute(select(users.c.id).where(users.c.email == email)).scalar_one()
        )


def log_in(page, email: str, name: str) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    assert page.locator("header .who").inner_text().strip() == name


def shot(page, artifacts, name: str) -> None:
    page.screenshot(path=str(artifacts / f"aftersales-{name}.png"), full_page=True)


@pytest.fixture
def delivered(live_server):
    """小林 bought 6 bunches of sunflowers; the parcel was signed for 2 hours ago."""
    with live_server.app.uow.read() as c:
        sku = c.execute(
            select(skus.c.id)
            .join(products, products.c.id == skus.c.product_id)
            .where(products.c.title == SUNFLOWERS, skus.c.name == "12枝")
        ).scalar_one()
    return delivered_order(
        live_server.app,
        actor(live_server, "buyer@pledge.demo"),
        actor(live_server, "florist@pledge.demo"),
        sku,
        6,
        hours_ago=2,
    )


def test_damage_claim_with_a_photo_is_refunded_when_the_shop_stays_silent(
    page, browser, live_server, artifacts, delivered, tmp_path
):
    order_id, line_id = delivered
    picture = tmp_path / "crushed-sunflowers.png"
    picture.write_bytes(photo(3, 320, 240))
    log_in(page, "buyer@pledge.demo", "小林")

    # The shop's pledge is on the product page before buying.
    with live_server.app.uow.read() as c:
        product_id = c.execute(select(products.c.id).where(products.c.title == SUNFLOWERS)).scalar_one()
    page.goto(f"/products/{product_id}")
    assert "损坏一支也给售后赔付" in page.get_by_test_id("shop-pledge").inner_text()

    # From the order page to the case form.
    page.goto(f"/orders/{order_id}")
    assert page.get_by_test_id("status").inner_text() == "已签收"
    page.get_by_test_id("file-case").click()
    page.wait_for_url(f"**/orders/{order_id}/cases/new")
    windows = page.get_by_test_id("windows").inner_text()
    assert "损坏赔付 · 商品损坏" in windows and "解冻" not in windows and "腐烂" not in windows
    page.get_by_test_id("case-type").select_option("damage_claim")
    page.get_by_test_id("reason").select_option("damaged")
    page.get_by_test_id(f"units-{line_id}").fill("2")
    page.get_by_test_id("photos").set_input_files(str(picture))
    page.get_by_test_id("note").fill("快递压坏了两扎，花头折断")
    shot(page, artifacts, "01-case-form")
    page.get_by_test_id("submit-case").click()

    # The case page: waiting on the shop, 48 h on the clock, the photo served back through the
    # tenancy-checked route, the refund it will bring and the clause that sets it.
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    case_id = int(page.url.rsplit("/", 1)[1])
    assert page.get_by_test_id("case-status").inner_text() == "待商家处理"
    deadline = page.get_by_test_id("case-deadline").inner_text()
    assert (
        "商家逾期未审核，系统自动同意" in deadline
        and "review.default-48h" in deadline
        and "北京时间" in deadline
    )
    page.wait_for_function("document.querySelector('.countdown').textContent.startsWith('剩余 1天23小时')")
    evidence = page.get_by_test_id("evidence-photo")
    assert evidence.count() == 1
    evidence.first.wait_for()
    assert page.evaluate("document.querySelector('[data-testid=evidence-photo]').naturalWidth") == 320
    assert page.get_by_test_id("case-refund-amount").inner_text() == "¥39.80"  # 2 of 6 bunches, pro rata
    assert "条款 damage.shop-pledge" in page.get_by_test_id("case-explanation").inner_text()
    shot(page, artifacts, "02-case-requested")

    # The florist sees it in her queue, nearest deadline first, and does nothing.
    florist = new_context(browser, live_server)
    shop_page = florist.new_page()
    log_in(shop_page, "florist@pledge.demo", "阿阮")
    shop_page.get_by_test_id("nav-merchant-cases").click()
    shop_page.wait_for_url(re.compile(r"/merchant/shops/\d+/cases$"))
    row = shop_page.get_by_test_id(f"case-row-{case_id}")
    assert "损坏赔付" in row.inner_text() and "¥39.80" in row.inner_text()
    shop_page.wait_for_function(
        f"document.querySelector('[data-testid=case-row-{case_id}] .countdown')"
        ".textContent.startsWith('剩余')"
    )
    assert shop_page.get_by_test_id(f"approve-{case_id}").is_visible()
    shop_page.screenshot(path=str(artifacts / "aftersales-03-merchant-queue.png"), full_page=True)
    florist.close()

    # Two days pass on the platform clock: the review deadline is behind us.
    page.get_by_test_id("advance-2d").click()
    page.wait_for_url(f"**/cases/{case_id}")
    assert page.get_by_test_id("case-status").inner_text() == "已退款"
    timeline = page.get_by_test_id("case-timeline").inner_text()
    assert (
        "商家未在期限内审核，系统自动同意（条款 review.default-48h）" in timeline and "退款到账" in timeline
    )
    assert "退款已原路退回" in page.get_by_test_id("case-refund").inner_text()
    shot(page, artifacts, "04-case-refunded")

    # The refund is on the order, explained down to the clause.
    page.goto(f"/orders/{order_id}")
    card = page.get_by_test_id("case")
    assert card.get_by_test_id("case-status").inner_text() == "已退款"
    assert card.get_by_test_id("case-refund-amount").inner_text() == "¥39.80"
    explanation = card.get_by_test_id("case-explanation").inner_text()
    assert (
        "2/6件受损" in explanation
        and "条款 damage.shop-pledge" in explanation
        and "店铺承诺每件损坏按件赔付" in explanation
    )
    assert "douyin:aJn4bujNmDDo" in explanation and "退款39.80元" in explanation
    assert "售后退款到账" in page.get_by_test_id("timeline").inner_text()
    shot(page, artifacts, "05-order-refund-explained")

    # The same in English.
    page.goto(f"/orders/{order_id}?lang=en")
    english = page.get_by_test_id("case").inner_text()
    assert (
        "Refunded" in english
        and (
            "2 of 6 units damaged → shop pledge (damage.shop-pledge): the shop pays every "
            "damaged unit: 2/6 of 119.40 = 39.80"
        )
        in english
    )
    assert "case." not in english and "reason." not in english
    page.goto("/cases?lang=zh_CN")
    assert (
        "已退款" in page.get_by_test_id("my-cases").inner_text()
        and f'href="/cases/{case_id}"' in page.content()
    )
