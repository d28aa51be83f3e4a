"""A creator's own live room in Chromium on the demo database (issue 18): 花花姐 opens her room's
console from the creator centre at 390 px and sees the florist's and the fruit seller's cards,
each with its shop; the demo buyer watches the room at 390 px, buys one card of each shop into
one cart and pays once: two orders, one per shop, both credited to her and her room's session.
Every page fits its width and holds no English words in Chinese. Screenshots go to
test-artifacts/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import select

from pledge.catalog.tables import skus
from pledge.creators.tables import creators
from pledge.live.tables import live_cards, live_rooms, live_sessions
from pledge.orders.tables import orders
from tests.e2e.page_audit import audit
from tests.e2e.page_audit import browser_context as _context
from tests.e2e.test_live_browser import log_in

pytestmark = pytest.mark.browser
PRODUCT_TITLE_WORDS = frozenset({"A"})  # the florist's own title "A级向日葵" on the cart page


def _her_room(live_server) -> tuple[int, int, list[tuple[int, int]]]:
    """(creator id, her room, its cards as (SKU, shop))."""
    with live_server.app.uow.read() as c:
        creator_id = c.execute(select(creators.c.id).where(creators.c.handle == "huahua_jie")).scalar_one()
        room_id = c.execute(
            select(live_rooms.c.id).where(
                live_rooms.c.creator_id == creator_id, live_rooms.c.shop_id.is_(None)
            )
        ).scalar_one()
        cards = c.execute(
            select(live_cards.c.sku_id, skus.c.shop_id)
            .join(live_sessions, live_sessions.c.id == live_cards.c.session_id)
            .join(skus, skus.c.id == live_cards.c.sku_id)
            .where(live_sessions.c.room_id == room_id, live_sessions.c.status == "live")
            .order_by(live_cards.c.position)
        ).all()
    return creator_id, room_id, [(row.sku_id, row.shop_id) for row in cards]


def _add_from_room(page, room_id: int, sku_id: int) -> None:
    page.goto(f"/live/{room_id}")
    page.get_by_test_id(f"live-buy-{sku_id}").click()
    try:
        bought_from = page.get_by_test_id("bought-from").inner_text()
    except PlaywrightTimeout as late:
        # Seen once under the full suite's load: say where the page was, so that the next time
        # tells a click that did not navigate from a product page without its source token.
        raise AssertionError(f"no bought-from line on {page.url}") from late
    assert "直播间" in bought_from
    page.get_by_test_id("add-to-cart").click()
    page.wait_for_url("**/cart")


def test_a_buyer_buys_two_shops_products_in_one_creator_room(browser, live_server, artifacts):
    creator_id, room_id, cards = _her_room(live_server)
    assert len({shop for _sku, shop in cards}) == 2
    creator_ctx, buyer_ctx = _context(browser, live_server, 390), _context(browser, live_server, 390)
    try:
        creator = creator_ctx.new_page()
        log_in(creator, "creator@pledge.demo", "/creator")
        creator.get_by_test_id(f"creator-room-{room_id}").get_by_role("link").click()
        creator.wait_for_url(f"**/creator/rooms/{room_id}")
        for sku_id, _shop in cards:
            assert creator.get_by_test_id(f"creator-card-{sku_id}").is_visible()
        audit(creator, artifacts, "creator-room-console-390")
        buyer = buyer_ctx.new_page()
        log_in(buyer, "buyer@pledge.demo", f"/live/{room_id}")
        assert "花花姐" in buyer.get_by_test_id("room-host").inner_text()
        shown = buyer.get_by_test_id("card-shop").all_inner_texts()
        assert sorted(shown) == ["店铺：大乐水果", "店铺：小阿阮鲜花"], shown  # each card names its shop
        audit(buyer, artifacts, "creator-room-viewer-390")
        for sku_id, _shop in cards:
            _add_from_room(buyer, room_id, sku_id)
        audit(buyer, artifacts, "creator-room-cart-390", allowed=PRODUCT_TITLE_WORDS)
        buyer.get_by_test_id("checkout").click()
        buyer.wait_for_url(re.compile(r"/pay/sandbox/sbx_\w+$"))
        buyer.get_by_test_id("confirm-pay").click()
        buyer.wait_for_url(re.compile(r"/orders"))
    finally:
        creator_ctx.close()
        buyer_ctx.close()
    with live_server.app.uow.read() as c:
        placed = c.execute(
            select(orders.c.shop_id, orders.c.creator_id, orders.c.channel, orders.c.status)
            .order_by(orders.c.id.desc())
            .limit(2)
        ).all()
    assert {row.shop_id for row in placed} == {shop for _sku, shop in cards}
    assert {(row.creator_id, row.channel) for row in placed} == {(creator_id, "live_room")}
    assert all(row.status != "pending_payment" for row in placed)
