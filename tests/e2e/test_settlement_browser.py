"""Settlement in Chromium against a real uvicorn server on a seeded demo database: the florist
opens her settlement page (pending proceeds, a deposit short of what she owes and why), opens
this month's statement (the newest with fees), sees every line with its clause
and totals that agree with the ledger, and downloads the CSV, whose totals are the page's."""

from __future__ import annotations

import csv
import io

import pytest

from pledge.kernel.money import format_yuan
from pledge.settlement import fees, reports
from pledge.settlement.policy import previous_month
from pledge.web.present import yuan
from tests.e2e.conftest import PHONE_VIEWPORT, new_context
from tests.e2e.test_aftersales_browser import actor, log_in

pytestmark = pytest.mark.browser


def test_the_florist_opens_her_statement_and_downloads_the_csv(page, live_server, artifacts):
    florist = actor(live_server, "florist@pledge.demo")
    shop_id = min(florist.shops)
    app = live_server.app
    # The seed's sales are days old and its fees were charged when it settled them, at seeding
    # (the server runs on the real clock). In a month's first hours in Shanghai the sales are all
    # last month's: the test opens the newest listed statement with fees, this month's but for a
    # seed run before the month turned.
    this_month = fees.month_of(app.clock.now(), app.rulebook.timezone)
    listed = [this_month, previous_month(this_month)]
    with app.uow.read() as c:
        statements = {m: reports.statement(c, florist, app.rulebook, shop_id, m) for m in listed}
    assert sum(statements[m]["totals"]["sales"] for m in listed) > 0
    month = next(m for m in listed if statements[m]["totals"]["fees"] < 0)
    expected = statements[month]
    assert expected["reconciled"]

    log_in(page, "florist@pledge.demo", florist.display_name)
    page.click("[data-testid=nav-settlement]")
    page.wait_for_url(f"**/merchant/shops/{shop_id}/settlement")
    assert page.locator("[data-testid=payouts-paused]").is_visible()  # 300 yuan paid in, 500 owed
    assert "¥500.00" in page.locator("[data-testid=deposit-parts]").inner_text()  # deposit.base.gmv-0-50k
    assert "暂无冻结货款" in page.locator("[data-testid=freezes]").inner_text()
    assert page.locator("[data-testid=programs]").inner_text().count("新商家90天免佣") == 1
    page.click(f"[data-testid=statement-links] a:has-text('{month}')")
    page.wait_for_url(f"**/statement?month={month}")
    assert "合计与账本一致" in page.locator("[data-testid=reconciled]").inner_text()
    assert page.locator("[data-testid=total-sales]").inner_text() == yuan(expected["totals"]["sales"])
    # a month of fees alone nets below zero, shown sign first: -¥92.27
    assert page.locator("[data-testid=total-net]").inner_text() == yuan(expected["net_fen"])
    lines = page.locator("[data-testid=statement-lines] tbody tr")
    assert lines.count() == len(expected["lines"])
    assert "commission.rate.flowers" in page.locator("[data-testid=statement-lines]").inner_text()
    page.screenshot(path=str(artifacts / "settlement-statement.png"), full_page=True)

    with page.expect_download() as info:
        page.click("[data-testid=download-csv]")
    download = info.value
    assert download.suggested_filename == f"statement-{shop_id}-{month}.csv"
    rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8-sig").read())))
    totals = {r[0]: r[1:] for r in rows if len(r) == 3 and r[0] in expected["totals"]}
    assert totals["sales"] == [format_yuan(expected["totals"]["sales"])] * 2
    assert totals["fees"] == [format_yuan(expected["totals"]["fees"])] * 2
    assert ["reconciled", "yes"] in rows
    assert sum(1 for r in rows if len(r) == 8 and r[1] in ("sale", "fee")) >= 2


def test_on_a_phone_the_rebate_tiers_keep_their_own_headers(browser, live_server):
    """Below 640 px a list table's cells are labelled with its column names (app.js). A table
    inside a cell, a programme's rebate tiers, is not that table's: its cells used to be labelled
    政策 and 费率 like the programme's."""
    florist = actor(live_server, "florist@pledge.demo")
    context = new_context(browser, live_server, PHONE_VIEWPORT)
    try:
        page = context.new_page()
        log_in(page, "florist@pledge.demo", florist.display_name)
        page.goto(f"/merchant/shops/{min(florist.shops)}/settlement")
        programs = page.locator("[data-testid=programs]")
        tiers = programs.locator("[data-testid=program-tiers]").first
        assert tiers.locator("td").count() >= 2
        assert tiers.locator("td[data-label], th[data-label]").count() == 0
        assert programs.locator(":scope > tbody > tr > td[data-label]").count() > 0
        assert "政策" not in tiers.inner_text() and "当月成交额达到" in tiers.inner_text()
    finally:
        context.close()
