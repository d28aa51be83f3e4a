"""The warehouse in two Chromium contexts against a live server on the demo database: the buyer
keeps the order page open while the merchant starts a pick wave, confirms the pick, scans at the
pack station (one wrong item is refused with a visible message), prints the label and hands the
parcel to the courier. Each step reaches the buyer's page by Server-Sent Events, without a
reload (a marker on the window object would be wiped by any navigation)."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from pledge.accounts.services import load_actor
from pledge.accounts.tables import users
from pledge.catalog.tables import products, shops, skus
from pledge.inventory.tables import parcels
from pledge.orders.services import LineRequest, place_order
from pledge.payments.adapters import CallbackPayload
from pledge.payments.services import handle_callback
from tests.e2e.conftest import new_context
from tests.e2e.test_chat_browser import log_in, mark, not_reloaded

pytestmark = pytest.mark.browser

SUNFLOWERS = "A级向日葵 12枝 顺丰空运"
ROSES = "多头玫瑰 20枝 昆明基地直发"
PUSH_WAIT = 10_000  # ms; the stream looks for new steps every second


def paid_order(live_server) -> tuple[int, int, str, str]:
    """buyer@pledge.demo buys two bunches of sunflowers (paid); returns the order, the shop, the
    sunflower barcode and a rose barcode (an item not in the order)."""
    app = live_server.app
    with app.uow.begin() as c:
        buyer = load_actor(
            c, c.execute(select(users.c.id).where(users.c.email == "buyer@pledge.demo")).scalar_one()
        )
        shop_id = c.execute(select(shops.c.id).where(shops.c.slug == "xiaoaruan-flowers")).scalar_one()
        sunflower, barcode = c.execute(
            select(skus.c.id, skus.c.barcode)
            .join(products, products.c.id == skus.c.product_id)
            .where(products.c.title == SUNFLOWERS)
            .order_by(skus.c.id)
        ).first()
        rose_code = (
            c.execute(
                select(skus.c.barcode)
                .join(products, products.c.id == skus.c.product_id)
                .where(products.c.title == ROSES)
                .order_by(skus.c.id)
            )
            .scalars()
            .first()
        )
        placed = place_order(
            c,
            buyer,
            [LineRequest(sunflower, 2)],
            at=app.clock.now(),
            pay_window=app.pay_window,
            guards=app.sale_guards,
        )
    with app.uow.begin() as c:
        handle_callback(
            c,
            CallbackPayload(placed.payment_ref, placed.total_fen, "captured"),
            book=app.rulebook,
            at=app.clock.now(),
        )
    return placed.order_ids[0], shop_id, barcode, rose_code


def parcel_of(live_server, order_id: int) -> int:
    with live_server.app.uow.read() as c:
        return c.execute(select(parcels.c.id).where(parcels.c.order_id == order_id)).scalar_one()


def test_merchant_picks_packs_labels_and_hands_over_while_the_buyer_watches(
    page, browser, live_server, artifacts
):
    order_id, shop_id, barcode, rose_code = paid_order(live_server)
    assert barcode and rose_code and barcode != rose_code

    # The buyer opens the order and keeps watching.
    log_in(page, "buyer@pledge.demo", f"/orders/{order_id}")
    expect(page.get_by_test_id("status")).to_have_text("待发货")
    expect(page.get_by_test_id("delivery-estimate")).to_contain_text("预计送达")
    timeline = page.get_by_test_id("timeline")
    mark(page)

    merchant_context = new_context(browser, live_server)
    merchant = merchant_context.new_page()
    try:
        log_in(merchant, "florist@pledge.demo", f"/merchant/shops/{shop_id}/warehouse")
        expect(merchant.get_by_test_id("stock")).to_contain_text(barcode)
        merchant.get_by_test_id("new-wave-KM").click()
        merchant.wait_for_url(re.compile(r"/merchant/waves/\d+$"))
        expect(merchant.get_by_test_id("pick-list")).to_contain_text("A级向日葵")
        merchant.screenshot(path=str(artifacts / "warehouse-01-pick-list.png"), full_page=True)
        merchant.get_by_test_id("confirm-picked").click()
        expect(merchant.get_by_test_id("confirm-picked")).to_have_count(0)
        expect(timeline).to_contain_text("已拣货", timeout=PUSH_WAIT)

        parcel_id = parcel_of(live_server, order_id)
        merchant.get_by_test_id(f"parcel-{parcel_id}").click()
        merchant.wait_for_url(f"**/merchant/parcels/{parcel_id}")
        scanned = merchant.get_by_test_id("parcel-contents")

        merchant.get_by_test_id("barcode").fill(rose_code)  # roses are not in this order
        merchant.get_by_test_id("scan").click()
        expect(merchant.get_by_test_id("pack-error")).to_contain_text("错发拦截")
        expect(scanned).to_contain_text("0 / 2")
        merchant.screenshot(path=str(artifacts / "warehouse-02-wrong-item.png"), full_page=True)

        merchant.get_by_test_id("barcode").fill(barcode)
        merchant.get_by_test_id("scan").click()
        expect(scanned).to_contain_text("1 / 2")
        merchant.get_by_test_id("print-label").click()  # one unit still missing: blocked
        expect(merchant.get_by_test_id("pack-error")).to_contain_text("漏件拦截")
        merchant.get_by_test_id("barcode").fill(barcode)
        merchant.get_by_test_id("scan").click()
        expect(merchant.get_by_test_id("parcel-status")).to_have_text("已打包")
        expect(timeline).to_contain_text("已打包", timeout=PUSH_WAIT)

        merchant.get_by_test_id("print-label").click()
        tracking_no = merchant.get_by_test_id("tracking-no")
        expect(tracking_no).to_have_text(re.compile(r"^SF\d{12}$"))
        pdf = merchant.request.get(merchant.get_by_test_id("label-pdf").get_attribute("href"))
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
        # The label ships to the buyer's address, the phone masked as on a privacy waybill (issue 17).
        label = PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text()
        assert "收件人" in label and "地址" in label
        assert re.search(r"1\d{2}\*{4}\d{4}", label) and not re.search(r"1\d{10}", label)
        expect(timeline).to_contain_text("已打印面单", timeout=PUSH_WAIT)

        merchant.get_by_test_id("handover").click()
        expect(merchant.get_by_test_id("handed-over")).to_be_visible()
        merchant.screenshot(path=str(artifacts / "warehouse-03-handed-over.png"), full_page=True)
        expect(page.get_by_test_id("status")).to_have_text("已发货", timeout=PUSH_WAIT)
        expect(timeline).to_contain_text("快递揽收")
        assert not_reloaded(page)
        page.screenshot(path=str(artifacts / "warehouse-04-buyer-order.png"), full_page=True)
    finally:
        merchant_context.close()
