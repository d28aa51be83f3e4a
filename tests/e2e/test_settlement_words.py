"""Settlement pages read as words in both languages: a programme application waiting for
finance is 待审核 (never 待支付, an order's word), every status of a payout or an application
has its own label, rebate tiers are a table (never a Python list), and the statement downloads
as a Chinese CSV (Chinese headers, UTF-8 with BOM, amounts in yuan) as well as an English one."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient

from pledge.settlement import deposits, fees, programs
from pledge.settlement.model import ApplicationStatus, PayoutStatus
from pledge.web.i18n import catalog
from tests.e2e.conftest import email_of, page_login
from tests.integration.test_settlement_story import Florist, sh

ENGLISH_WORD = re.compile(r"\b(?!PDF\b)[A-Za-z]{3,}\b")


@pytest.fixture
def florist(app, clock):
    clock.set(sh(2026, 8, 1, 9))
    return Florist(app, clock)


def visible_text(html: str) -> str:
    """The words a reader sees in the page's main part: no tags, attributes, scripts or styles."""
    html = html[html.find("<main>") :]
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    return re.sub(r"<[^>]+>", " ", html)


def test_every_payout_and_application_status_has_its_own_label_in_both_languages():
    zh, en = catalog("zh_CN"), catalog("en")
    for prefix, enum in (("payout", PayoutStatus), ("application", ApplicationStatus)):
        for status in enum:
            key = f"{prefix}.{status.value}"
            assert key in zh and key in en, key
            assert not ENGLISH_WORD.search(zh[key]) and en[key] != key
    assert zh["application.pending"] == "待审核" and zh["payout.pending"] == "待打款"
    assert "待支付" not in {zh[f"application.{s}"] for s in ApplicationStatus}


def launch_rebate(client, csrf: str) -> None:
    made = client.post(
        "/finance/settlement/programs",
        follow_redirects=False,
        data={
            "csrf_token": csrf,
            "code": "rebate",
            "kind": "turnover_rebate",
            "name": "多卖多返",
            "name_en": "Sell more, get more back",
            "tiers": "1000:5, 5000:10",
            "requires_application": "on",
            "starts_at": "2026-07-01",
        },
    )
    assert made.status_code == 303, made.text


def test_a_pending_application_reads_awaiting_review_and_tiers_are_a_table(app, clock, client, florist):
    f = florist
    csrf = page_login(client, email_of(app, f.operator.user_id), "/finance/settlement")
    launch_rebate(client, csrf)
    with app.uow.begin() as c:
        programs.apply_to_program(c, f.owner, f.shop_id, programs.load_programs(c)[0].id, at=clock.now())
    zh = client.get("/finance/settlement").text
    status = re.search(r'data-testid="application-status">([^<]+)<', zh)
    assert status and status.group(1) == "待审核" and "待支付" not in zh
    tiers = re.search(r'(?s)data-testid="program-tiers">(.*?)</table>', zh)
    assert tiers and "¥1000.00" in tiers.group(1) and "5%" in tiers.group(1) and "10%" in tiers.group(1)
    assert "[[" not in zh and "'tiers'" not in zh and "{&#39;tiers" not in zh
    en = client.get("/finance/settlement", params={"lang": "en"}).text
    assert re.search(r'data-testid="application-status">awaiting review<', en)
    assert "Monthly turnover from" in en and "[[" not in en
    client = TestClient(client.app)
    page_login(client, email_of(app, f.owner.user_id), f"/merchant/shops/{f.shop_id}/settlement")
    shop_zh = client.get(f"/merchant/shops/{f.shop_id}/settlement", params={"lang": "zh_CN"}).text
    assert re.search(r'data-testid="application-status">待审核<', shop_zh) and "待支付" not in shop_zh
    assert 'data-testid="program-tiers"' in shop_zh and "当月成交额达到" in shop_zh
    shop_en = client.get(f"/merchant/shops/{f.shop_id}/settlement", params={"lang": "en"}).text
    assert re.search(r'data-testid="application-status">awaiting review<', shop_en)


def test_statement_csv_in_chinese_has_chinese_headers_a_bom_and_yuan(app, clock, client, florist):
    f = florist
    with app.uow.begin() as c:
        deposits.top_up_deposit(c, f.operator, f.shop_id, amount_fen=200_050, reference="B1", at=clock.now())
    page_login(client, email_of(app, f.owner.user_id), f"/merchant/shops/{f.shop_id}/statement")
    month = fees.month_of(clock.now(), "Asia/Shanghai")
    page = client.get(f"/merchant/shops/{f.shop_id}/statement", params={"month": month, "lang": "zh_CN"})
    assert "下载电子表格（中文）" in page.text and 'data-testid="download-csv-zh"' in page.text
    zh = client.get(
        f"/merchant/shops/{f.shop_id}/statement", params={"month": month, "format": "csv", "lang": "zh_CN"}
    )
    assert zh.status_code == 200 and zh.headers["content-type"].startswith("text/csv")
    assert zh.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel opens the Chinese right
    rows = list(csv.reader(io.StringIO(zh.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["店铺", "小阿阮鲜花", "月份", month]
    assert rows[1] == ["时间（北京时间）", "类型", "订单号", "金额（元）", "说明", "条款", "条款出处", "活动"]
    deposit = next(r for r in rows[2:] if r and r[1] == "保证金缴纳")
    assert deposit[3] == "2000.50" and "缴纳保证金" in deposit[4]
    assert ["保证金缴纳", "2000.50", "2000.50"] in rows and ["与账本一致", "是"] in rows
    assert not any(ENGLISH_WORD.search(cell) for cell in [*rows[0][0::2], *rows[1]])
    en = client.get(
        f"/merchant/shops/{f.shop_id}/statement", params={"month": month, "format": "csv", "lang": "en"}
    )
    en_rows = list(csv.reader(io.StringIO(en.content.decode("utf-8-sig"))))
    assert en_rows[1][:4] == ["time", "kind", "order_id", "amount_yuan"] and ["reconciled", "yes"] in en_rows


def test_settlement_pages_in_chinese_hold_no_english_words_or_status_keys(app, clock, client, florist):
    f = florist
    csrf = page_login(client, email_of(app, f.operator.user_id), "/finance/settlement")
    launch_rebate(client, csrf)
    with app.uow.begin() as c:
        programs.apply_to_program(c, f.owner, f.shop_id, programs.load_programs(c)[0].id, at=clock.now())
    client = TestClient(client.app)
    page_login(client, email_of(app, f.owner.user_id), f"/merchant/shops/{f.shop_id}/settlement")
    text = visible_text(client.get(f"/merchant/shops/{f.shop_id}/settlement", params={"lang": "zh_CN"}).text)
    assert "application." not in text and "payout." not in text
    words = set(ENGLISH_WORD.findall(text)) - {"rebate"}  # the programme's code, shown small
    assert not words, words


def test_a_program_names_its_channel_in_words_and_finance_picks_it_from_a_list(app, clock, client, florist):
    f = florist
    csrf = page_login(client, email_of(app, f.operator.user_id), "/finance/settlement")
    form = client.get("/finance/settlement").text
    picker = re.search(r'(?s)<select name="channel">(.*?)</select>', form)
    assert picker and '<option value="">全部渠道</option>' in picker.group(1)
    assert '<option value="product_card">商品卡</option>' in picker.group(1)
    made = client.post(
        "/finance/settlement/programs",
        follow_redirects=False,
        data={
            "csrf_token": csrf,
            "code": "card-task",
            "kind": "task_waiver",
            "name": "商品卡免佣",
            "rate": "0.6",
            "task_orders": "10",
            "channel": "product_card",
            "starts_at": "2026-07-01",
        },
    )
    assert made.status_code == 303, made.text
    zh = visible_text(client.get("/finance/settlement").text)
    assert "· 商品卡" in zh and "product_card" not in zh
    en = visible_text(client.get("/finance/settlement", params={"lang": "en"}).text)
    assert "· product card" in en and "product_card" not in en
