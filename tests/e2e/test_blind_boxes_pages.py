"""Blind boxes and minors on the buyer's pages, in both languages: the product page discloses
odds, values, the per-buyer limit and the two notices in the rule's words (douyin:aHGYneqr4WDJ
4.5); a 12-year-old's checkout is refused with a readable message until a guardian consents on
the age page (an SMS code texted to the guardian); a refusal writes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from pledge.catalog.tables import skus
from tests.blindbox_support import list_seed_box
from tests.e2e.conftest import CSRF_INPUT, email_of, page_login, snapshot

GUARDIAN = "13800138000"


def _csrf(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found, "the form carries no CSRF token"
    return found.group(1)


def _product_id(app, sku_id: int) -> int:
    with app.uow.read() as c:
        return c.execute(select(skus.c.product_id).where(skus.c.id == sku_id)).scalar_one()


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "zh_CN",
            (
                "盲盒类商品，具有不确定性，下单前务必知悉",
                "不满8周岁的未成年人请勿下单购买",
                "40%",
                "¥5.00至¥30.00",
                "隐藏款",
                "最多抽6次",
            ),
        ),
        (
            "en",
            (
                "Blind boxes are uncertain",
                "Children under 8 must not order",
                "40%",
                "¥5.00 to ¥30.00",
                "Hidden variant",
                "6 draws",
            ),
        ),
    ],
)
def test_the_blind_box_page_discloses_odds_values_and_the_minors_notice(app, world, client, lang, words):
    shop_id, owner = world.shop()
    product_id = _product_id(app, list_seed_box(world, owner, shop_id))
    page = client.get(f"/products/{product_id}", params={"lang": lang})
    assert page.status_code == 200
    for word in words:
        assert word in page.text, word
    assert 'data-testid="blind-box-minors"' in page.text
    assert "blindbox." not in page.text and "age.title" not in page.text


def test_a_minor_is_refused_on_the_page_until_a_guardian_consents(app, world, client):
    shop_id, owner = world.shop()
    sku_id = list_seed_box(world, owner, shop_id, price_fen=990)
    buyer = world.user(born=date(2014, 3, 1))  # 12 on 2026-09-01
    csrf = page_login(client, email_of(app, buyer.user_id), f"/products/{_product_id(app, sku_id)}")
    added = client.post(
        "/cart", data={"csrf_token": csrf, "sku_id": sku_id, "quantity": 1}, follow_redirects=False
    )
    assert added.status_code == 303
    before = snapshot(app)
    refused = client.post("/checkout", data={"csrf_token": csrf})
    assert refused.status_code == 403
    assert "8至18周岁的未成年人购买盲盒须取得监护人明确同意" in refused.text
    assert "clause" not in refused.text and "blindbox.minors" not in refused.text
    assert snapshot(app) == before

    age = client.get("/account/age")
    assert "12周岁" in age.text and "每笔订单最多¥100.00" in age.text
    sent = client.post(
        "/account/age/guardian", data={"csrf_token": csrf, "guardian_phone": GUARDIAN, "action": "send_code"}
    )
    assert sent.status_code == 200 and 'data-testid="guardian-code-sent"' in sent.text
    wrong = client.post(
        "/account/age/guardian",
        data={"csrf_token": csrf, "guardian_phone": GUARDIAN, "code": "000000", "action": "confirm"},
    )
    assert wrong.status_code == 422 and "验证码错误" in wrong.text
    code = app.sms.last_code(GUARDIAN)
    confirmed = client.post(
        "/account/age/guardian",
        data={"csrf_token": csrf, "guardian_phone": GUARDIAN, "code": code, "action": "confirm"},
    )
    assert confirmed.status_code == 200 and "138****8000" in confirmed.text
    placed = client.post("/checkout", data={"csrf_token": csrf}, follow_redirects=False)
    assert placed.status_code == 303, placed.text


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_buyer_sets_the_birth_date_once_on_the_age_page(app, world, client, lang):
    buyer = world.user()
    csrf = page_login(client, email_of(app, buyer.user_id), "/account/age")
    page = client.get("/account/age", params={"lang": lang})
    assert 'data-testid="birth-date-form"' in page.text
    bad = client.post("/account/age/birth-date", data={"csrf_token": csrf, "birth_date": "2031-01-01"})
    assert bad.status_code == 422
    assert (
        "出生日期须在1900-01-01至今天之间" if lang == "zh_CN" else "between 1900-01-01 and today"
    ) in bad.text
    saved = client.post("/account/age/birth-date", data={"csrf_token": csrf, "birth_date": "2012-02-29"})
    assert saved.status_code == 200
    assert ("出生日期：2012年2月29日" if lang == "zh_CN" else "Born 2012-02-29") in saved.text
    assert ("14周岁" if lang == "zh_CN" else "14 years old") in saved.text
    assert 'data-testid="birth-date-form"' not in saved.text
    again = client.post("/account/age/birth-date", data={"csrf_token": csrf, "birth_date": "1990-01-01"})
    assert again.status_code == 409
    assert ("出生日期已填写" if lang == "zh_CN" else "contact customer service") in again.text
