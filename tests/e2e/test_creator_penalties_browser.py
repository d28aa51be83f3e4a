"""Creator penalties in Chromium at a phone's width (issue 14): the demo reviewer records a
violation of the demo creator's video from the governance form; the creator opens 处罚记录 from her
console and reads the reason, the rule's text and each action, in Chinese with no English words
and fitting 390 px, and in English."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pledge.creators.tables import creators
from pledge.videos.tables import video_products, videos
from tests.e2e.page_audit import audit, browser_context
from tests.e2e.test_live_browser import log_in

pytestmark = pytest.mark.browser

REASON = "视频宣称向日葵插瓶可开一个月，与商品详情不符"


def _demo_video(app) -> tuple[int, int, int]:
    with app.uow.read() as c:
        creator_id, video_id = c.execute(
            select(creators.c.id, videos.c.id).join(videos, videos.c.creator_id == creators.c.id)
        ).first()
        product_id = c.execute(
            select(video_products.c.product_id).where(video_products.c.video_id == video_id)
        ).scalar()
    return creator_id, video_id, product_id


def test_a_reviewer_records_a_violation_and_the_creator_reads_it_on_her_phone(
    browser, live_server, artifacts
):
    creator_id, video_id, product_id = _demo_video(live_server.app)
    context = browser_context(browser, live_server, 390)
    page = context.new_page()
    log_in(page, "reviewer@pledge.demo", f"/operator/creators/{creator_id}/penalties")
    page.fill("input[name=ref]", "WG-0001")
    page.select_option("select[name=scene]", "video")
    page.fill("input[name=subject_id]", str(video_id))
    page.fill("input[name=product_id]", str(product_id))
    page.fill("input[name=reason]", REASON)
    page.click("[data-testid=record-violation]")
    page.wait_for_selector("[data-testid^=creator-penalty-]")
    audit(page, artifacts, "creator-penalties-reviewer-390")
    context.close()
    context = browser_context(browser, live_server, 390)
    page = context.new_page()
    log_in(page, "creator@pledge.demo", "/creator")
    page.click("[data-testid=to-penalties]")
    page.wait_for_url("**/creator/penalties")
    text = page.inner_text("main")
    assert (
        REASON in text and "违规程度第1档" in text and "视频仅自己可见" in text and "同一场景首次违规" in text
    )
    audit(page, artifacts, "creator-penalties-390")
    context.close()
    context = browser_context(browser, live_server, 390, lang="en")
    page = context.new_page()
    log_in(page, "creator@pledge.demo", "/creator/penalties?lang=en")
    assert "Video visible to you only" in page.inner_text("main")
    context.close()
