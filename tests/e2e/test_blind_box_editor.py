"""The blind-box section of the product editor (douyin:aHGYneqr4WDJ), over HTTP on SQLite and
PostgreSQL: a merchant lists a blind box from the page with its items, odds in percent and values
in yuan; the rules refuse a banned kind, an unsealed box and odds that do not add up to 100 % in
Chinese words with the rule's own text, keep what was typed and write nothing; the edit page shows
the series as buyers see it and offers no way to change it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pledge.blindboxes.tables import blind_box_items, blind_box_series
from pledge.catalog.tables import products
from tests.e2e.conftest import email_of, page_login, snapshot
from tests.e2e.test_settlement_words import ENGLISH_WORD, visible_text


@pytest.fixture
def owner(app, world, client):
    shop_id, owner = world.shop("盲盒研究所")
    csrf = page_login(client, email_of(app, owner.user_id), f"/merchant/shops/{shop_id}/products/new")
    return {"shop_id": shop_id, "csrf": csrf}


ITEMS = [
    ("小熊", "60", "39.00", "600", "0"),
    ("小兔", "39.5", "45.00", "395", "0"),
    ("金色小熊", "0.5", "199", "5", "1"),
]


def _form(owner: dict, category: int, *, items=ITEMS, **extra) -> dict:
    fields = {
        "csrf_token": owner["csrf"],
        "title": "萌宠系列盲盒 春日款",
        "category_id": str(category),
        "promise_kind": "hours",
        "promise_hours": "48",
        "sku_id": "",
        "sku_name": "单盒",
        "sku_price": "49.00",
        "sku_stock": "1000",
        "blind_box": "on",
        "box_type": "figures",
        "factory_sealed": "on",
        "draws_per_buyer": "12",
        **extra,
    }
    data: dict = {k: v for k, v in fields.items() if v is not None}
    rows = [*items, ("", "", "", "", "0")]  # the form's spare blank row comes along
    for i, column in enumerate(("item_name", "item_odds", "item_value", "item_quantity", "item_hidden")):
        data[column] = [row[i] for row in rows]
    return data


def _post(client, owner, data):
    return client.post(f"/merchant/shops/{owner['shop_id']}/products", data=data, follow_redirects=False)


def test_new_product_page_offers_the_blind_box_section_without_banned_kinds(client, owner):
    page = client.get(f"/merchant/shops/{owner['shop_id']}/products/new")
    assert page.status_code == 200
    assert 'data-testid="blind-box-section"' in page.text
    assert 'value="figures"' in page.text and "手办潮玩" in page.text
    assert 'value="parcel"' not in page.text and 'value="animal"' not in page.text  # banned (2.1.1)
    assert page.text.count('data-testid="box-item-row"') == 4
    assert not ENGLISH_WORD.findall(visible_text(page.text))


def test_a_merchant_lists_a_blind_box_from_the_page_and_buyers_see_the_odds(app, world, client, owner):
    made = _post(client, owner, _form(owner, world.category()))
    assert made.status_code == 303, made.text
    with app.uow.read() as c:
        product_id = c.execute(
            select(products.c.id).where(products.c.title == "萌宠系列盲盒 春日款")
        ).scalar_one()
        head = c.execute(select(blind_box_series).where(blind_box_series.c.product_id == product_id)).one()
        items = c.execute(
            select(blind_box_items.c.name, blind_box_items.c.odds_bp, blind_box_items.c.value_fen)
            .add_columns(blind_box_items.c.quantity, blind_box_items.c.hidden)
            .where(blind_box_items.c.product_id == product_id)
            .order_by(blind_box_items.c.position)
        ).all()
    assert (head.box_type, head.factory_sealed, head.draws_per_buyer) == ("figures", True, 12)
    assert [tuple(i) for i in items] == [
        ("小熊", 6000, 3900, 600, False),
        ("小兔", 3950, 4500, 395, False),
        ("金色小熊", 50, 19900, 5, True),
    ]
    edit = client.get(made.headers["location"])
    assert 'data-testid="blind-box-fixed"' in edit.text and 'data-testid="blind-box-section"' not in edit.text
    assert "0.5%" in edit.text and "¥199.00" in edit.text
    buyer_page = client.get(f"/products/{product_id}").text
    assert "39.5%" in buyer_page and "隐藏款" in buyer_page


@pytest.mark.parametrize(
    ("change", "words", "rule_words"),
    [
        ({"box_type": "parcel"}, "此类商品不得以盲盒形式发布", "快递盲盒"),
        ({"title": "快递盲盒 惊喜包裹"}, "此类商品不得以盲盒形式发布", "快递暂行条例"),
        ({"factory_sealed": None}, "只有出厂即为盲盒", None),
        ({"items": ITEMS[:2]}, "概率相加须正好等于100%", None),
        ({"items": ITEMS[:1]}, "至少两款", None),
        ({"items": [("小熊", "50", "39", "1", "0"), ("小熊", "50", "39", "1", "0")]}, "名称不能重复", None),
        ({"items": [ITEMS[0], ("", "40", "45", "1", "0")]}, "第 2 款：请填写款式名称", None),
        ({"items": [ITEMS[0], ("小兔", "四十", "45", "1", "0")]}, "第 2 款：请填写百分比", None),
        ({"items": [ITEMS[0], ("小兔", "40", "45.001", "1", "0")]}, "第 2 款：金额最多两位小数", None),
        ({"items": [ITEMS[0], ("小兔", "40", "45", "0", "0")]}, "第 2 款：投放数量须为1至", None),
        ({"draws_per_buyer": ""}, "每位买家最多抽取次数须为1至", None),
    ],
)
def test_a_refused_blind_box_says_why_in_chinese_keeps_the_form_and_writes_nothing(
    app, world, client, owner, change, words, rule_words
):
    fields = dict(change)  # the parameter is shared by the SQLite and PostgreSQL runs: never mutate it
    data = _form(owner, world.category(), items=fields.pop("items", ITEMS), **fields)
    before = snapshot(app)
    answer = _post(client, owner, data)
    assert answer.status_code == 422
    assert words in answer.text
    if rule_words:
        assert rule_words in answer.text  # the banned-kind clause's own text, in Chinese
    assert 'name="blind_box" data-testid="blind-box" checked' in answer.text  # what was typed is kept
    assert not ENGLISH_WORD.findall(visible_text(answer.text))
    assert snapshot(app) == before


def test_an_ordinary_product_from_the_editor_is_not_a_blind_box(app, world, client, owner):
    made = _post(client, owner, _form(owner, world.category(), blind_box=None, items=[]))
    assert made.status_code == 303, made.text
    with app.uow.read() as c:
        assert c.execute(select(blind_box_series)).first() is None
        assert c.execute(select(products.c.blind_box)).scalar_one() is False


def test_a_title_the_content_rules_refuse_names_the_words_in_chinese(world, client, owner):
    """Absolute terms (Advertising Law Art. 9(3)): "第一弹" reads as "第一"; the page says which
    words and why, in Chinese, instead of a general sentence."""
    answer = _post(client, owner, _form(owner, world.category(), title="萌宠系列盲盒 第一弹"))
    assert answer.status_code == 422
    assert "标题中的“第一”不符合内容规范" in answer.text
    assert not ENGLISH_WORD.findall(visible_text(answer.text))
