"""A busy month's statement: the page (and the API, when asked) shows a page of lines at a time,
filtered by kind, while the totals and the downloads cover the whole month (a shop with 40 000
orders a month would otherwise get a page of several megabytes on a phone)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from pledge.kernel.errors import InvalidInput
from pledge.kernel.money import format_yuan
from pledge.settlement import services as settlement
from pledge.settlement.payouts import SandboxPayoutProvider
from pledge.settlement.reports import PAGE_LINES, lines_page
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, page_login
from tests.integration.test_settlement_story import PRICE, Florist, sh

SALES = 230  # three pages of sales, and their fees once settled
LINE_ROW = re.compile(r"<tr><td>[^<]*</td><td>(销售|技术服务费)</td><td>#(\d+)</td>")


def _lines(kinds: list[str]) -> list[dict]:
    return [{"kind": kind, "n": i} for i, kind in enumerate(kinds)]


def test_a_page_of_lines_counts_every_kind_and_clamps_past_the_last_page():
    lines = _lines(["sale"] * 150 + ["fee"] * 60)
    first = lines_page(lines, page=1, kind=None)
    assert (first.number, first.pages, first.first, first.last, first.total) == (1, 3, 1, 100, 210)
    assert first.lines == lines[:100] and first.kinds == {"sale": 150, "fee": 60}
    fees = lines_page(lines, page=1, kind="fee")
    assert (fees.pages, fees.first, fees.last, fees.total) == (1, 1, 60, 60)
    assert [line["n"] for line in fees.lines] == list(range(150, 210))
    beyond = lines_page(lines, page=99, kind="sale")
    assert (beyond.number, beyond.first, beyond.last) == (2, 101, 150)
    empty = lines_page([], page=3, kind=None)
    assert (empty.number, empty.pages, empty.first, empty.last, empty.total) == (1, 1, 0, 0, 0)
    assert empty.lines == [] and empty.kinds == {}
    with pytest.raises(InvalidInput):
        lines_page(lines, page=1, kind="late_ship")  # a ledger kind, not a line kind


def busy_florist(app, clock) -> Florist:
    """A florist with SALES orders paid in August 2026, settled (a fee line per sale)."""
    clock.set(sh(2026, 8, 1, 9))
    florist = Florist(app, clock)
    florist.bulk_orders([sh(2026, 8, 2, 9) + timedelta(minutes=7 * i) for i in range(SALES)])
    clock.set(sh(2026, 8, 28, 9))
    settlement.run_step(app.uow, app.rulebook, clock, SandboxPayoutProvider(app.uow))
    return florist


def test_a_busy_month_is_shown_a_page_at_a_time_with_the_whole_month_in_the_totals(app, clock, client):
    florist = busy_florist(app, clock)
    base = f"/merchant/shops/{florist.shop_id}/statement"
    page_login(client, email_of(app, florist.owner.user_id), f"{base}?month=2026-08")

    first = client.get(base, params={"month": "2026-08"})
    assert first.status_code == 200
    shown = LINE_ROW.findall(first.text)
    assert len(shown) == PAGE_LINES
    assert f"共 {2 * SALES} 条" in first.text and "第 1/5 页" in first.text
    assert f"销售 ({SALES})" in first.text and f"技术服务费 ({SALES})" in first.text
    # A sale names its channel in the page's words, never the stored key.
    assert "（商品卡）" in first.text and "product_card" not in first.text
    # The totals are the month's, not the page's.
    total = re.search(r'data-testid="total-sales">([^<]+)<', first.text).group(1)
    assert total == f"¥{format_yuan(SALES * PRICE)}"

    sales_seen: list[str] = []
    page = 1
    while True:
        resp = client.get(base, params={"month": "2026-08", "kind": "sale", "page": page})
        assert resp.status_code == 200
        rows = LINE_ROW.findall(resp.text)
        assert {kind for kind, _ in rows} == {"销售"}
        sales_seen += [order for _, order in rows]
        if 'data-testid="statement-pager-next"' not in resp.text:
            break
        page += 1
    assert page == 3 and len(sales_seen) == len(set(sales_seen)) == SALES  # every sale once

    past_the_end = client.get(base, params={"month": "2026-08", "kind": "sale", "page": 50})
    assert f"第 201–{SALES} 条，共 {SALES} 条 · 第 3/3 页" in past_the_end.text

    csv = client.get(base, params={"month": "2026-08", "format": "csv", "lang": "zh_CN"})
    assert csv.status_code == 200 and len(csv.text.strip().splitlines()) > 2 * SALES  # the download is whole
    english = client.get(base, params={"month": "2026-08", "format": "csv", "lang": "en"}).text
    assert "(product card)" in english and "product_card" not in english

    for bad in ({"kind": "nope"}, {"page": "0"}, {"page": "abc"}):
        resp = client.get(base, params={"month": "2026-08", **bad})
        assert resp.status_code == 422 and "输入有误" in resp.text


def test_the_api_gives_a_page_of_lines_when_asked_and_every_line_otherwise(app, clock, client):
    florist = busy_florist(app, clock)
    token = bearer(api_token(client, email_of(app, florist.owner.user_id)))
    url = f"/api/v1/shops/{florist.shop_id}/statement"
    whole = client.get(url, params={"month": "2026-08"}, headers=token).json()
    assert len(whole["lines"]) == 2 * SALES and "lines_page" not in whole  # the shape as before

    fees = client.get(
        url, params={"month": "2026-08", "kind": "fee", "page": 2, "page_size": 200}, headers=token
    )
    assert fees.status_code == 200, fees.text
    body = fees.json()
    assert body["lines_page"] == {
        "number": 2,
        "pages": 2,
        "first": 201,
        "last": SALES,
        "total": SALES,
        "kind": "fee",
        "kinds": {"sale": SALES, "fee": SALES},
        "page_size": 200,
    }
    assert [line["kind"] for line in body["lines"]] == ["fee"] * (SALES - 200)
    assert body["lines"] == [line for line in whole["lines"] if line["kind"] == "fee"][200:]
    assert body["totals"] == whole["totals"] and body["reconciled"]  # the month's, not the page's

    for bad in ({"kind": "late_ship"}, {"page": 0}, {"page": 1, "page_size": 201}):
        assert_problem(client.get(url, params={"month": "2026-08", **bad}, headers=token), 422)
