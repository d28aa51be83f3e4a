"""The buyer's order page and wallet say in plain words what was paid, why, and what more may
come (issue 10, "Show it"): a 72 h order of 150.00 never shipped earns the late-ship cell
(1% -> 2 yuan) when it goes late and the out-of-stock cell (3% -> 5 yuan) once 48 h late; the
page says so before each happens, in Beijing time, never as a UTC ISO string, and the Chinese
page carries no English words or internal keys."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

from pledge.worker import run_once
from tests.e2e.conftest import email_of, page_login

H = timedelta(hours=1)
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


class _Sections(HTMLParser):
    """The visible text of every element carrying one of the wanted data-testids."""

    def __init__(self, wanted: set[str]) -> None:
        super().__init__()
        self.wanted, self.stack, self.found = wanted, [], []

    def handle_starttag(self, tag, attrs):
        testid = dict(attrs).get("data-testid")
        if testid in self.wanted:
            self.found.append([testid, ""])
            self.stack.append(tag)
        elif self.stack:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack:
            self.found[-1][1] += data


def sections(html: str, *testids: str) -> list[str]:
    parser = _Sections(set(testids))
    parser.feed(html)
    return [" ".join(text.split()) for _, text in parser.found]


def assert_plain_chinese(texts: list[str]) -> None:
    for text in texts:
        assert not ISO.search(text), text
        assert not re.search(r"[A-Za-z]", text), f"English word or internal key on the Chinese page: {text}"


def late_order(app, world):
    shop_id, owner = world.shop()
    buyer = world.user()
    order_id = world.paid_order(buyer, world.product(owner, shop_id, promise="72h", price_fen=15000))
    return buyer, order_id  # paid 2026-09-01 10:00 Beijing: ship by 2026-09-04 10:00


def test_order_page_says_what_was_paid_why_and_when_more_may_come(app, world, client, clock):
    buyer, order_id = late_order(app, world)
    page_login(client, email_of(app, buyer.user_id), f"/orders/{order_id}")

    before = client.get(f"/orders/{order_id}").text
    assert sections(before, "compensation") == []
    [ahead] = sections(before, "compensation-ahead")
    assert "若商家未在2026年9月4日 10:00（北京时间）前发货，将自动赔付你¥2.00无门槛券（发货超时）。" in ahead
    assert "若48小时后（2026年9月6日 10:00（北京时间））仍未发货，将按缺货再赔 ¥5.00。" in ahead
    assert sections(before, "ship-by") == ["2026年9月4日 10:00（北京时间）"]
    assert_plain_chinese([ahead])

    clock.advance((72 + 30) * H)  # 30 h late, unshipped: the late-ship cell now
    run_once(app)
    late = client.get(f"/orders/{order_id}").text
    [paid] = sections(late, "compensation")
    assert paid.startswith("发货超时赔付 ¥2.00")
    assert "商家承诺2026年9月4日 10:00（北京时间）前发货，到期仍未发货。" in paid
    assert "实付¥150.00的1%（四舍五入到元，最低¥2.00，最高¥50.00），赔付¥2.00。" in paid
    assert "已作为无门槛券放入你的钱包（2026年9月5日 16:00（北京时间）发放），由商家承担。" in paid
    assert "《【商家-发货超时】实施细则》（2026年8月10日修订）" in paid
    [ahead] = sections(late, "compensation-ahead")
    assert ahead.endswith("若48小时后（2026年9月6日 10:00（北京时间））仍未发货，将按缺货再赔 ¥5.00。")

    clock.advance(19 * H)  # 49 h late: the out-of-stock cell in addition, and nothing more to come
    run_once(app)
    done = client.get(f"/orders/{order_id}").text
    late_card, oos_card = sections(done, "compensation")
    assert late_card.startswith("发货超时赔付 ¥2.00")
    assert oos_card.startswith("缺货赔付 ¥5.00")
    assert "超过承诺发货时间（2026年9月4日 10:00（北京时间））48小时仍未发货，按缺货/无货处理" in oos_card
    assert "实付¥150.00的3%（四舍五入到元，最低¥3.00，最高¥50.00），赔付¥5.00。" in oos_card
    assert "《【商家-缺货/无货】实施细则》" in oos_card
    assert sections(done, "compensation-total") == ["本单共赔付你: ¥7.00"]
    assert sections(done, "compensation-ahead") == []
    assert 'href="https://school.jinritemai.com/doudian/web/article/aHwHGWzbmk88"' in done
    assert_plain_chinese(sections(done, "compensation", "compensation-total", "ship-by"))

    english = client.get(f"/orders/{order_id}", params={"lang": "en"}).text
    late_en, oos_en = sections(english, "compensation")
    assert late_en.startswith("Late shipment ¥2.00")
    assert (
        "The shop promised to ship by 4 Sep 2026 10:00 (Beijing time); it had not shipped by then." in late_en
    )
    assert (
        "1% of the ¥150.00 you paid (rounded to whole yuan, at least ¥2.00, at most ¥50.00): ¥2.00."
        in late_en
    )
    assert (
        oos_en.startswith("Out of stock ¥5.00") and "Still not shipped 48 h after the promised time" in oos_en
    )
    assert not ISO.search(" ".join(sections(english, "compensation")))


def test_a_promise_of_48h_or_less_says_out_of_stock_is_what_comes(app, world, client, clock):
    shop_id, owner = world.shop()
    buyer = world.user()
    order_id = world.paid_order(buyer, world.product(owner, shop_id, promise="48h", price_fen=1990))
    page_login(client, email_of(app, buyer.user_id), f"/orders/{order_id}")
    [ahead] = sections(client.get(f"/orders/{order_id}").text, "compensation-ahead")
    assert ahead.endswith("若48小时后（2026年9月5日 10:00（北京时间））仍未发货，将按缺货赔 ¥2.00。")
    assert "发货超时）" not in ahead  # a promise of up to 48 h earns nothing in the first column
    clock.advance(60 * H)  # 12 h late
    run_once(app)
    [card] = sections(client.get(f"/orders/{order_id}").text, "compensation")
    assert card.startswith("发货超时赔付：本项不赔付")
    assert "承诺48小时内发货的订单，这一项不赔付；超时48小时后仍未发货的，另按缺货赔付。" in card
    assert_plain_chinese([card])


def test_wallet_says_which_order_why_and_when_in_both_languages(app, world, client, clock):
    buyer, order_id = late_order(app, world)
    clock.advance((72 + 49) * H)
    run_once(app)
    page_login(client, email_of(app, buyer.user_id), f"/orders/{order_id}")

    wallet = client.get("/wallet").text
    oos, late = sections(wallet, "coupon")  # newest first
    assert late.startswith("¥2.00") and f"发货超时赔付 ¥2.00 · 订单 #{order_id}" in late
    assert "商家承诺2026年9月4日 10:00（北京时间）前发货，到期仍未发货。" in late
    assert f"缺货赔付 ¥5.00 · 订单 #{order_id}" in oos and "按缺货/无货处理" in oos
    assert "发放于 2026年9月6日 11:00（北京时间）" in oos and "规则: 《【商家-缺货/无货】实施细则》" in oos
    assert_plain_chinese(sections(wallet, "coupon-title", "coupon-explanation"))
    assert f"late-ship:{order_id}" not in " ".join(sections(wallet, "coupon"))  # no internal keys in the text

    english = client.get("/wallet", params={"lang": "en"}).text
    oos_en, late_en = sections(english, "coupon")
    assert f"Late shipment ¥2.00 · Order #{order_id}" in late_en
    assert f"Out of stock ¥5.00 · Order #{order_id}" in oos_en
    assert "6 Sep 2026 11:00 (Beijing time)" in oos_en
    assert not ISO.search(english.split("<main", 1)[-1].split("data-deadline")[0])


def test_the_inbox_names_each_coupon_its_reason_and_order_and_the_wallet_its_expiry(
    app, world, client, clock
):
    buyer, order_id = late_order(app, world)
    clock.advance((72 + 49) * H)
    run_once(app)
    page_login(client, email_of(app, buyer.user_id), "/notifications")
    inbox = sections(client.get("/notifications").text, "notice")
    assert any(f"缺货赔付：¥5.00优惠券已放入卡包（订单 #{order_id}）" in n for n in inbox), inbox
    assert any(f"发货超时赔付：¥2.00优惠券已放入卡包（订单 #{order_id}）" in n for n in inbox), inbox
    assert_plain_chinese(inbox)
    english = sections(client.get("/notifications", params={"lang": "en"}).text, "notice")
    assert any(f"Late shipment: a ¥2.00 coupon is in your wallet (order #{order_id})" in n for n in english)
    wallet = client.get("/wallet", params={"lang": "zh_CN"}).text
    assert sections(wallet, "coupon-expires") == ["长期有效", "长期有效"]
