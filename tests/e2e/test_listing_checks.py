"""Listings pass the content checks at create and edit (issue 14): a title, description or SKU
name with an absolute term or prohibited information is refused with 422 naming the term and
the clause, on the API and in the merchant's editor, and nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pledge.catalog.tables import products, skus
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, page_login, snapshot
from tests.e2e.test_merchant_pages import _form


@pytest.fixture
def shop(app, world, client):
    shop_id, owner = world.shop("阿阮花房")
    sku = world.product(owner, shop_id, title="A级向日葵 12枝", price_fen=1990, promise="48h")
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    host = bearer(api_token(client, email_of(app, owner.user_id)))
    return {"shop_id": shop_id, "owner": owner, "sku": sku, "product_id": product_id, "host": host}


def _product(world, **fields) -> dict:
    return {
        "category_id": world.category(),
        "title": "A级向日葵 12枝",
        "promise": "48h",
        "skus": [{"name": "12枝", "price_fen": 1990, "stock": 10}],
        **fields,
    }


@pytest.mark.parametrize(
    ("fields", "clause", "term"),
    [
        ({"title": "全网ＮＯ．１ 向日葵"}, "moderation.absolute-terms", "ＮＯ．１"),
        ({"description": "昆明斗南 國家級 品质"}, "moderation.absolute-terms", "國家級"),
        (
            {"skus": [{"name": "最*佳款", "price_fen": 1990, "stock": 10}]},
            "moderation.absolute-terms",
            "最*佳",
        ),
        ({"title": "出售气枪配件"}, "moderation.prohibited.weapons", "出售气枪"),
    ],
)
def test_a_listing_the_rules_forbid_is_refused_over_the_api(app, world, client, shop, fields, clause, term):
    before = snapshot(app)
    answer = client.post(
        f"/api/v1/shops/{shop['shop_id']}/products", json=_product(world, **fields), headers=shop["host"]
    )
    problem = assert_problem(answer, 422)
    assert problem["code"] == "content_refused" and problem["clause"] == clause
    assert f"“{term}”" in problem["detail"]
    assert _without_refusals(snapshot(app)) == _without_refusals(before)
    assert [(r[2], r[11]) for r in _refusals(app)] == [("listing", "blocked")]


def _refusals(app) -> list[tuple]:
    """The reviewer queue's records of refused listings (written once the refusal rolled back)."""
    return snapshot(app)["governance_items"]


def _without_refusals(rows: dict) -> dict:
    return {name: r for name, r in rows.items() if name != "governance_items"}


def test_an_ordinary_listing_passes(app, world, client, shop):
    answer = client.post(
        f"/api/v1/shops/{shop['shop_id']}/products",
        json=_product(world, title="第一次种花也能养好的向日葵", description="最佳赏味期3天"),
        headers=shop["host"],
    )
    assert answer.status_code == 201, answer.text


def test_an_edit_in_the_merchant_editor_is_refused_and_keeps_what_was_typed(app, world, client, shop):
    csrf = page_login(
        client, email_of(app, shop["owner"].user_id), f"/merchant/products/{shop['product_id']}/edit"
    )
    before = snapshot(app)
    answer = client.post(
        f"/merchant/products/{shop['product_id']}",
        data=_form(
            shop["product_id"], shop["sku"], csrf, "19.90", world.category(), title="史上最低价向日葵"
        ),
    )
    assert answer.status_code == 422
    assert "史上最低价" in answer.text and 'value="史上最低价向日葵"' in answer.text
    assert _without_refusals(snapshot(app)) == _without_refusals(before) and len(_refusals(app)) == 1
    with app.uow.read() as c:
        title = c.execute(select(products.c.title).where(products.c.id == shop["product_id"])).scalar_one()
    assert title == "A级向日葵 12枝"
