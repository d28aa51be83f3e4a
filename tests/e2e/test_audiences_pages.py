"""The merchant's audience page over HTTP: define an audience with the form (its size shown),
draft a coupon campaign in yuan, send it, and read the report in yuan and Beijing time, in
Chinese and English; bad input is a readable Chinese sentence and writes nothing; a buyer's
switch on the shop page keeps the shop's campaigns away."""

from __future__ import annotations

import re

import pytest

from pledge.audiences.tables import audience_recipients
from pledge.ledger.tables import coupons
from tests.e2e.conftest import email_of, page_login, snapshot
from tests.e2e.page_audit import latin_words


@pytest.fixture
def florist(app, world):
    shop_id, owner = world.shop("小阿阮鲜花")
    world.product(owner, shop_id, title="A级向日葵 12枝", price_fen=5000)
    return {"shop_id": shop_id, "owner": owner, "page": f"/merchant/shops/{shop_id}/audiences"}


def visible_text(html: str) -> str:
    """The page's words outside tags, scripts, what users wrote (data-user-text) and the switch to
    English (lang="en"), as the browser audit reads them."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<(\w+)[^>]*(?:data-user-text|lang=\"en\")[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_a_merchant_defines_targets_and_reads_a_campaign_on_the_page(app, world, client, florist):
    fans = [world.user() for _ in range(2)]
    buyer_csrf = page_login(client, email_of(app, fans[0].user_id), f"/shops/{florist['shop_id']}")
    client.post(f"/shops/{florist['shop_id']}/follow", data={"csrf_token": buyer_csrf, "follow": "1"})
    client.post(f"/shops/{florist['shop_id']}/audience-opt-out", data={"csrf_token": buyer_csrf})
    assert "重新接收本店活动" in client.get(f"/shops/{florist['shop_id']}").text
    client.cookies.clear()
    fan_csrf = page_login(client, email_of(app, fans[1].user_id), f"/shops/{florist['shop_id']}")
    client.post(f"/shops/{florist['shop_id']}/follow", data={"csrf_token": fan_csrf, "follow": "1"})
    client.cookies.clear()
    csrf = page_login(client, email_of(app, florist["owner"].user_id), florist["page"])
    made = client.post(
        florist["page"],
        data={
            "csrf_token": csrf,
            "name": "老粉",
            "rule_followers": "1",
            "rule_viewed": "1",
            "days_viewed": "30",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    page = client.get(florist["page"]).text
    assert "2 人" in page and "近 30 天浏览过本店商品" in re.sub(r"\s+", " ", visible_text(page))
    audience_id = re.search(r"/merchant/audiences/(\d+)/campaigns", page).group(1)
    drafted = client.post(
        f"/merchant/audiences/{audience_id}/campaigns",
        data={"csrf_token": csrf, "kind": "coupon", "amount": "5", "min_spend": "30", "valid_days": "7"},
        follow_redirects=False,
    )
    assert drafted.status_code == 303, drafted.text
    campaign_id = re.search(r"/merchant/campaigns/(\d+)/send", client.get(florist["page"]).text).group(1)
    sent = client.post(
        f"/merchant/campaigns/{campaign_id}/send", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert sent.status_code == 303, sent.text
    page = client.get(florist["page"]).text
    words = re.sub(r"\s+", " ", visible_text(page))
    assert "满¥30.00减¥5.00" in words and "拒收1人" in words and "0单 · ¥0.00" in words
    assert not latin_words(words), latin_words(words)
    english = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get(f"{florist['page']}?lang=en").text))
    assert "¥5.00 off ¥30.00 or more" in english and "1 opted out" in english
    with app.uow.read() as c:
        assert c.execute(coupons.select()).all()[0].buyer_id == fans[1].user_id
        assert len(c.execute(audience_recipients.select()).all()) == 2


@pytest.mark.parametrize(
    "fields, sentence",
    [
        ({"rule_viewed": "1", "days_viewed": "181"}, "天数须为1至180的整数"),
        ({"rule_viewed": "1", "days_viewed": "0"}, "天数须为1至180的整数"),
        ({}, "请至少选择一个圈人条件"),
    ],
)
def test_a_bad_audience_form_is_a_chinese_sentence_and_writes_nothing(app, client, florist, fields, sentence):
    csrf = page_login(client, email_of(app, florist["owner"].user_id), florist["page"])
    before = snapshot(app)
    resp = client.post(florist["page"], data={"csrf_token": csrf, "name": "人群", **fields})
    assert 400 <= resp.status_code < 500 and sentence in resp.text, resp.text
    assert snapshot(app) == before
