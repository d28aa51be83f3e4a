"""The merchant's home, product editor and staff over HTTP (issue 17), on SQLite and PostgreSQL:
the dashboard counts what needs doing; prices are typed and shown in yuan and bad amounts are
refused with a translated message and nothing saved; staff roles answer 403 problem+json on
the API and a readable page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pledge.accounts import services as accounts
from pledge.catalog.tables import products, skus
from pledge.settlement import deposits
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, page_login, snapshot


@pytest.fixture
def shop(app, world, client):
    shop_id, owner = world.shop("阿阮花房")
    sku = world.product(owner, shop_id, title="A级向日葵 12枝", price_fen=1990, promise="48h")
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    return {"shop_id": shop_id, "owner": owner, "sku": sku, "product_id": product_id}


def _form(product_id: int, sku: int, csrf: str, price: str, category: int, **extra) -> dict:
    return {
        "csrf_token": csrf,
        "title": "A级向日葵 12枝",
        "category_id": str(category),
        "promise_kind": "hours",
        "promise_hours": "48",
        "sku_id": str(sku),
        "sku_name": "默认",
        "sku_price": price,
        "sku_stock": "80",
        **extra,
    }


def test_dashboard_counts_what_needs_doing_and_links_to_the_lists(app, world, client, shop):
    buyer = world.user()
    world.paid_order(buyer, shop["sku"])
    world.paid_order(buyer, shop["sku"], 2)
    page_login(client, email_of(app, shop["owner"].user_id), "/merchant")
    page = client.get("/merchant")
    assert page.status_code == 200
    html = page.text
    assert "今日待发" in html and "未回复消息" in html
    tile = re.search(r'data-testid="tile-sales">(.*?)</a>', html, re.S).group(1)
    assert "¥59.70" in tile and "今日 2 单" in tile
    to_ship = re.search(r'data-testid="tile-to-ship">(.*?)</a>', html, re.S).group(1)
    assert f"/merchant/shops/{shop['shop_id']}/orders?filter=to_ship" in html
    assert re.search(r'tile-value">\s*(\d+)', to_ship).group(1) == "0"  # 48 h promise: not due today
    assert 'data-testid="nav-merchant-home"' in html and 'data-testid="nav-cart"' not in html


def test_owner_edits_a_price_in_yuan_and_buyers_see_it(app, world, client, shop):
    csrf = page_login(
        client, email_of(app, shop["owner"].user_id), f"/merchant/products/{shop['product_id']}/edit"
    )
    form = client.get(f"/merchant/products/{shop['product_id']}/edit")
    assert 'value="19.90"' in form.text  # the price as the merchant types it: yuan
    saved = client.post(
        f"/merchant/products/{shop['product_id']}",
        data=_form(shop["product_id"], shop["sku"], csrf, "24.50", world.category()),
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with app.uow.read() as c:
        assert c.execute(select(skus.c.price_fen).where(skus.c.id == shop["sku"])).scalar_one() == 2450
    assert "¥24.50" in client.get(f"/products/{shop['product_id']}").text


@pytest.mark.parametrize(
    ("typed", "message"),
    [("19.999", "最多两位小数"), ("-5", "必须大于零"), ("1e3", "请按元填写"), ("99999999999", "不能超过")],
)
def test_a_bad_price_is_refused_in_words_and_nothing_changes(app, world, client, shop, typed, message):
    csrf = page_login(
        client, email_of(app, shop["owner"].user_id), f"/merchant/products/{shop['product_id']}/edit"
    )
    before = snapshot(app)
    answer = client.post(
        f"/merchant/products/{shop['product_id']}",
        data=_form(shop["product_id"], shop["sku"], csrf, typed, world.category(), title="改了标题"),
    )
    assert answer.status_code == 422
    assert message in answer.text and "第 1 个规格" in answer.text
    assert 'value="改了标题"' in answer.text  # what was typed is kept
    assert snapshot(app) == before


def test_new_product_from_the_editor(app, world, client, shop):
    csrf = page_login(
        client, email_of(app, shop["owner"].user_id), f"/merchant/shops/{shop['shop_id']}/products/new"
    )
    data = _form(0, 0, csrf, "¥39.8", world.category(), title="洋桔梗 10枝", sku_id="", sku_name="粉色")
    made = client.post(f"/merchant/shops/{shop['shop_id']}/products", data=data, follow_redirects=False)
    assert made.status_code == 303
    with app.uow.read() as c:
        row = c.execute(
            select(products.c.id, skus.c.name, skus.c.price_fen)
            .join(skus, skus.c.product_id == products.c.id)
            .where(products.c.title == "洋桔梗 10枝")
        ).one()
    assert (row.name, row.price_fen) == ("粉色", 3980)


def _member(app, world, shop, role: str):
    user = world.user("店员")
    with app.uow.begin() as c:
        accounts.add_shop_member(c, shop_id=shop["shop_id"], user_id=user.user_id, role=role)
    return user


def test_staff_api_owner_invites_and_removes(app, world, client, shop):
    owner = bearer(api_token(client, email_of(app, shop["owner"].user_id)))
    clerk = world.user("客服")
    url = f"/api/v1/shops/{shop['shop_id']}/staff"
    made = client.post(url, json={"email": email_of(app, clerk.user_id), "role": "operations"}, headers=owner)
    assert made.status_code == 201 and made.json()["role"] == "operations"
    assert [m["role"] for m in client.get(url, headers=owner).json()] == ["owner", "operations"]
    clerk_token = bearer(api_token(client, email_of(app, clerk.user_id)))
    before = snapshot(app)
    refused = client.delete(f"{url}/{shop['owner'].user_id}", headers=clerk_token)
    assert assert_problem(refused, 403)["code"] == "role_not_permitted"
    assert snapshot(app) == before
    gone = client.delete(f"{url}/{clerk.user_id}", headers=owner)
    assert gone.status_code == 200 and gone.json()["removed"] is True
    assert client.get(url, headers=clerk_token).status_code == 403


def test_a_clerk_cannot_pay_out_and_reads_why(app, world, client, shop):
    clerk = _member(app, world, shop, "operations")
    token = bearer(api_token(client, email_of(app, clerk.user_id)))
    before = snapshot(app)
    refused = client.post(f"/api/v1/shops/{shop['shop_id']}/payouts", json={"amount_fen": 100}, headers=token)
    assert assert_problem(refused, 403)["code"] == "role_not_permitted"
    assert snapshot(app) == before
    csrf = page_login(client, email_of(app, clerk.user_id), f"/merchant/shops/{shop['shop_id']}/staff")
    before = snapshot(app)
    page = client.post(
        f"/merchant/shops/{shop['shop_id']}/settlement/payout", data={"csrf_token": csrf, "amount": "1.00"}
    )
    assert page.status_code == 403 and "您在本店的角色无权进行此操作，请联系店主。" in page.text
    assert snapshot(app) == before


def test_flash_deal_form_takes_a_sku_by_name_and_a_price_in_yuan(app, world, client, shop):
    url = f"/merchant/shops/{shop['shop_id']}/flash"
    csrf = page_login(client, email_of(app, shop["owner"].user_id), url)
    desk = client.get(url).text
    assert f'<option value="{shop["sku"]}">默认 · ¥19.90' in desk and 'name="price_fen"' not in desk
    before = snapshot(app)
    refused = client.post(
        url, data={"csrf_token": csrf, "sku_id": shop["sku"], "price": "9.999", "quantity": "5"}
    )
    assert refused.status_code == 422 and "金额最多两位小数" in refused.text
    assert snapshot(app) == before
    made = client.post(
        url,
        data={"csrf_token": csrf, "sku_id": shop["sku"], "price": "9.90", "quantity": "5"},
        follow_redirects=False,
    )
    assert made.status_code == 303
    assert "¥9.90" in client.get(made.headers["location"]).text


def test_a_clerk_is_not_offered_the_owners_forms(app, world, client, shop):
    clerk = _member(app, world, shop, "operations")
    cases = f"/merchant/shops/{shop['shop_id']}/cases"
    page_login(client, email_of(app, clerk.user_id), cases)
    queue = client.get(cases).text
    assert (
        'data-testid="pledge-owner-only"' in queue
        and f'action="/merchant/shops/{shop["shop_id"]}/pledge"' not in queue
    )
    staff_page = client.get(f"/merchant/shops/{shop['shop_id']}/staff").text
    assert "只有店主可以邀请或移除店员" in staff_page and 'data-testid="invite"' not in staff_page
    assert "运营/客服" in staff_page and "店主" in staff_page


@pytest.mark.parametrize(
    ("role", "offered"), [("operations", False), ("fulfilment", False), ("finance", True)]
)
def test_settlement_forms_are_offered_only_to_roles_with_the_settlement_permission(
    app, world, client, shop, role, offered
):
    member = _member(app, world, shop, role)
    finance = world.user(platform_role="finance")
    with app.uow.begin() as c:  # a deposit that holds what is owed: payouts are not paused
        deposits.top_up_deposit(
            c,
            finance,
            shop["shop_id"],
            amount_fen=10_000_000,
            reference="T1",
            at=world.now,
            book=app.rulebook,
        )
    url = f"/merchant/shops/{shop['shop_id']}/settlement"
    page_login(client, email_of(app, member.user_id), url)
    page = client.get(url).text
    payout_form = f'action="/merchant/shops/{shop["shop_id"]}/settlement/payout"' in page
    assert payout_form is offered
    assert ('data-testid="settlement-owner-only"' in page) is not offered
    if not offered:
        assert "只有店主和财务角色可以申请提现" in page
