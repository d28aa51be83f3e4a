"""The florist opens her experience score in Chromium on the demo database: the score, the
30-day trend chart (inline SVG, one point per daily snapshot), and from the breakdown an
indicator's page listing the orders behind it, worst first, each linking to the order."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from pledge.catalog.tables import shops
from tests.e2e.test_chat_browser import log_in

pytestmark = pytest.mark.browser


def test_merchant_follows_an_indicator_to_its_orders(page, live_server, artifacts):
    with live_server.app.uow.read() as c:
        shop_id = c.execute(select(shops.c.id).where(shops.c.slug == "xiaoaruan-flowers")).scalar_one()
    log_in(page, "florist@pledge.demo", "/chats")
    page.get_by_test_id("nav-experience").click()
    page.wait_for_url(f"**/merchant/shops/{shop_id}/experience")
    expect(page.get_by_test_id("score-value")).to_have_text(re.compile(r"^\d+\.\d\d$"))
    chart = page.get_by_test_id("score-trend")
    expect(chart).to_be_visible()
    assert chart.locator("circle").count() == 30  # the demo records 30 daily snapshots
    expect(page.get_by_test_id("indicators")).to_contain_text("平均揽收时长")
    page.screenshot(path=str(artifacts / "experience-score.png"), full_page=True)
    page.get_by_test_id("open-average_pickup_hours").click()
    page.wait_for_url(f"**/merchant/shops/{shop_id}/experience/average_pickup_hours*")
    expect(page.get_by_test_id("indicator-title")).to_have_text("平均揽收时长")
    rows = page.get_by_test_id("indicator-orders").locator("tr")
    expect(rows.nth(1)).to_be_visible()
    hours = [float(t.split()[0]) for t in rows.locator("td:nth-child(5)").all_inner_texts()]
    # worst first, all over the best band (12 h): the page rounds hours to two decimals, so an
    # order picked up 12 h and a few seconds after payment, over the band, reads 12.0 (it is in
    # the window at some hours of the day: seen with the demo seeded at 23:57 in Shanghai)
    assert hours and hours == sorted(hours, reverse=True) and hours[-1] >= 12
    first = rows.nth(1).locator("a").first
    target = first.get_attribute("href")
    assert re.fullmatch(r"/orders/\d+", target)
    first.click()
    page.wait_for_url(f"**{target}")
