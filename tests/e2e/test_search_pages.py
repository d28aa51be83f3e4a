"""The search page: phone-first GET form in both languages, results with the price in yuan and
the promise, bad fields as a translated message on the page (never an error page)."""

from __future__ import annotations

import re

import pytest

CJK_PAGE_LATIN = re.compile(r"[A-Za-z]{2,}")


@pytest.fixture
def shelf(world):
    shop_id, owner = world.shop("小阿阮鲜花")
    world.product(owner, shop_id, title="向日葵 十二枝", price_fen=1990, promise="48h")
    world.product(owner, shop_id, title="向日葵花束 礼盒", price_fen=12800, promise="72h")
    return shop_id


def _visible_text(html: str) -> str:
    body = html.split("<main>", 1)[1].split("</main>", 1)[0]
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"&[a-z]+;|&#\d+;", " ", body)


def test_results_show_price_in_yuan_and_the_promise_in_chinese(client, shelf):
    page = client.get("/search", params={"q": "太阳花", "sort": "price_asc"})
    assert page.status_code == 200
    text = _visible_text(page.text)
    assert text.index("向日葵 十二枝") < text.index("向日葵花束 礼盒")
    assert "¥19.90" in text and "¥128.00" in text
    assert "48小时内发货" in text and "72小时内发货 · 晚发即赔" in text
    assert "48小时内发货 · 晚发即赔" not in text  # a 48 h promise pays only once 48 h late
    assert not CJK_PAGE_LATIN.findall(text), CJK_PAGE_LATIN.findall(text)


def test_the_page_in_english_and_the_filters(client, shelf):
    page = client.get("/search", params={"q": "向日葵", "late_ship_pledge": "1", "lang": "en"})
    assert page.status_code == 200
    assert "Ships within 72 h · late shipping compensated" in page.text
    assert "向日葵 十二枝" not in page.text
    cheap = client.get("/search", params={"q": "向日葵", "max_price": "¥20"})
    assert "向日葵 十二枝" in cheap.text and "向日葵花束 礼盒" not in cheap.text


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"q": "花" * 101}, "搜索词最多100个字"),
        ({"page": "0"}, "页码为1到50"),
        ({"max_price": "abc"}, "金额格式不对"),
        ({"kind": "order"}, "没有这个选项"),
        ({"kind": "shop", "min_price": "1"}, "类目和价格只能筛选商品"),
        ({"page": "x"}, "请填写整数"),
    ],
)
def test_bad_fields_are_a_message_on_the_page(client, params, says):
    page = client.get("/search", params=params)
    assert page.status_code == 200
    assert 'data-testid="search-error"' in page.text
    assert says in page.text, _visible_text(page.text)[:400]


def test_the_header_has_a_search_box(client):
    assert 'action="/search"' in client.get("/").text
