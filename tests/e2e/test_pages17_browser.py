"""At phone width (390 px) in Chromium, on the demo: the experience-score chart fits the screen
with its gridline labels and values readable, and the operator's dispute queue shows the
evidence thumbnails and the reasons without sideways scrolling."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from pledge.catalog.tables import shops
from tests.e2e.test_chat_browser import log_in

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def overflow(page) -> int:
    """How many pixels the page is wider than the screen (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_the_score_chart_is_readable_at_390_px(page, live_server, artifacts):
    with live_server.app.uow.read() as c:
        shop_id = c.execute(select(shops.c.id).where(shops.c.slug == "xiaoaruan-flowers")).scalar_one()
    page.set_viewport_size(PHONE)
    log_in(page, "florist@pledge.demo", f"/merchant/shops/{shop_id}/experience")
    chart = page.get_by_test_id("score-trend")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    values = chart.get_by_test_id("trend-value")
    assert values.count() >= 2
    heights = [values.nth(i).bounding_box()["height"] for i in range(values.count())]
    assert min(heights) >= 9  # px on the phone's screen: readable
    assert chart.locator("line.gridline").count() >= 5
    score = page.get_by_test_id("score-value").bounding_box()
    assert score and score["height"] >= 36  # the score, large
    assert overflow(page) <= 0
    page.screenshot(path=str(artifacts / "experience-score-390.png"), full_page=True)


def test_the_dispute_queue_fits_390_px_with_photos_and_reasons(page, live_server, artifacts):
    page.set_viewport_size(PHONE)
    log_in(page, "operator@pledge.demo", "/operator/disputes")
    first = page.locator("[data-testid^=dispute-]").first
    expect(first).to_be_visible()
    expect(page.get_by_test_id("merchant-reason").first).to_be_visible()
    expect(page.get_by_test_id("buyer-note").first).to_be_visible()
    thumbs = page.get_by_test_id("evidence-thumb")
    if thumbs.count():
        box = thumbs.first.bounding_box()
        assert box and box["x"] + box["width"] <= PHONE["width"]
    assert overflow(page) <= 0
    page.screenshot(path=str(artifacts / "operator-disputes-390.png"), full_page=True)
