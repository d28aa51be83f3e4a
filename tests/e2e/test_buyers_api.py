"""A new buyer over the API: sign up with a texted code, keep addresses, buy from two shops to
one address, and act on the orders; bad input answers problem+json and writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pledge.addresses import services as addresses
from pledge.addresses.model import Address
from pledge.flash import services as flash
from pledge.orders import queries as order_queries
from tests.e2e.conftest import CSRF_INPUT, api_token, assert_problem, bearer, email_of, page_login, snapshot

PHONE = "13987654321"
HOME = {
    "recipient": "周杰",
    "phone": PHONE,
    "province": "云南省",
    "city": "昆明市",
    "district": "盘龙区",
    "detail": "北京路 1088 号 6 栋 1202",
}


def _sign_up(app, client) -> dict:
    sent = client.post("/api/v1/auth/sms-codes", json={"phone": PHONE})
    assert sent.status_code == 201, sent.text
    assert sent.json()["provider"] == "sandbox"
    again = client.post("/api/v1/auth/sms-codes", json={"phone": PHONE})
    assert_problem(again, 429)
    assert again.headers["Retry-After"]
    body = {"phone": PHONE, "code": app.sms.last_code(PHONE), "password": "yunnan-2026"}
    made = client.post("/api/v1/auth/signup", json=body)
    assert made.status_code == 201, made.text
    return made.json()


def test_a_phone_buyer_signs_up_logs_in_by_phone_and_buys_from_two_shops_to_one_address(app, world, client):
    signed = _sign_up(app, client)
    assert api_token(client, PHONE, "yunnan-2026")  # logs in by phone as well
    me = bearer(signed["token"])
    added = client.post("/api/v1/addresses", json=HOME, headers=me)
    assert added.status_code == 201 and added.json()["is_default"] is True
    (a_shop, a_owner), (b_shop, b_owner) = world.shop(), world.shop()
    a_sku = world.product(a_owner, a_shop, price_fen=2990, shipping_fee_fen=600)
    b_sku = world.product(b_owner, b_shop, price_fen=1990)
    lines = [{"sku_id": a_sku, "quantity": 1}, {"sku_id": b_sku, "quantity": 2}]
    placed = client.post(
        "/api/v1/checkout", json={"lines": lines, "address_id": added.json()["id"]}, headers=me
    )
    assert placed.status_code == 201, placed.text
    assert placed.json()["total_fen"] == 2990 + 600 + 2 * 1990
    mine = client.get("/api/v1/orders", headers=me).json()
    assert {o["ship_to"]["phone"] for o in mine} == {PHONE}
    assert sorted(o["shipping_fen"] for o in mine) == [0, 600]
    owner_token = api_token(client, email_of(app, a_owner.user_id), "password123")
    theirs = client.get(f"/api/v1/shops/{a_shop}/orders", headers=bearer(owner_token)).json()
    assert theirs[0]["ship_to"]["phone"] == "139****4321"
    one = client.get(f"/api/v1/orders/{theirs[0]['id']}", headers=bearer(owner_token)).json()
    assert one["ship_to"]["phone"] == "139****4321"
    cancelled = client.post(f"/api/v1/orders/{mine[0]['id']}/cancel", headers=me)
    assert sorted(cancelled.json()["cancelled_order_ids"]) == sorted(o["id"] for o in mine)


def test_bad_addresses_and_codes_are_problems_that_write_nothing(app, world, client):
    buyer = world.user()
    token = bearer(api_token(client, email_of(app, buyer.user_id), "password123"))
    before = snapshot(app)
    for field, value in (("phone", "1234567890"), ("phone", "23812345678"), ("detail", "号")):
        body = assert_problem(
            client.post("/api/v1/addresses", json={**HOME, field: value}, headers=token), 422
        )
        assert body["code"] == "invalid_input", body
    assert_problem(
        client.post("/api/v1/addresses", json={**HOME, "recipient": "周" * 26}, headers=token), 422
    )
    assert_problem(
        client.post(
            "/api/v1/auth/signup", json={"phone": PHONE, "code": "123456", "password": "yunnan-2026"}
        ),
        422,
    )
    assert_problem(client.post("/api/v1/auth/signup", json={"password": "yunnan-2026"}), 422)
    assert snapshot(app) == before


def test_remind_twice_is_429_and_the_shop_sees_the_count(app, world, client, clock):
    buyer = world.user()
    shop_id, owner = world.shop()
    order_id = world.paid_order(buyer, world.product(owner, shop_id))
    token = bearer(api_token(client, email_of(app, buyer.user_id), "password123"))
    first = client.post(f"/api/v1/orders/{order_id}/remind", headers=token)
    assert first.status_code == 200 and first.json()["ship_reminders"] == 1
    again = client.post(f"/api/v1/orders/{order_id}/remind", headers=token)
    assert_problem(again, 429)
    assert int(again.headers["Retry-After"]) == 24 * 3600
    clock.advance(timedelta(hours=24))
    assert client.post(f"/api/v1/orders/{order_id}/remind", headers=token).json()["ship_reminders"] == 2
    owner_token = bearer(api_token(client, email_of(app, owner.user_id), "password123"))
    assert client.get(f"/api/v1/shops/{shop_id}/orders", headers=owner_token).json()[0]["ship_reminders"] == 2
    case = client.post(f"/api/v1/orders/{order_id}/cancellation", headers=token)
    assert case.status_code == 201 and case.json()["case_type"] == "instant_refund", case.text
    assert client.get(f"/api/v1/orders/{order_id}", headers=token).json()["status"] == "cancelled"


def _csrf(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found, "the form carries no CSRF token"
    return found.group(1)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_sign_up_and_address_pages_in_both_languages(app, client, lang):
    phone = "13655550000" if lang == "zh_CN" else "13655551111"
    form = client.get("/signup", params={"lang": lang})
    assert form.status_code == 200
    words = {"zh_CN": ("获取验证码", "手机号"), "en": ("Send code", "Mobile number")}[lang]
    assert all(w in form.text for w in words)
    sent = client.post(
        "/signup", data={"csrf_token": _csrf(form.text), "phone": phone, "action": "send_code"}
    )
    assert sent.status_code == 200 and 'data-testid="code-sent"' in sent.text
    wrong = client.post(
        "/signup",
        data={"csrf_token": _csrf(sent.text), "phone": phone, "code": "12345x", "password": "kunming-2026"},
    )
    assert wrong.status_code == 422
    assert ("验证码错误" if lang == "zh_CN" else "Wrong verification code") in wrong.text
    code = app.sms.last_code(phone) or ""
    signed = client.post(
        "/signup",
        data={"csrf_token": _csrf(wrong.text), "phone": phone, "code": code, "password": "kunming-2026"},
        follow_redirects=False,
    )
    assert signed.status_code == 303 and client.cookies.get("pledge_session")
    new = client.get("/account/addresses/new")
    bad = client.post("/account/addresses/new", data={"csrf_token": _csrf(new.text), **HOME, "phone": "110"})
    assert bad.status_code == 422
    assert ("请填写以1开头的11位手机号" if lang == "zh_CN" else "11-digit mainland mobile") in bad.text
    saved = client.post("/account/addresses/new", data={"csrf_token": _csrf(new.text), **HOME})
    assert saved.status_code == 200 and "北京路 1088 号" in saved.text  # followed to the book
    for key in ("address.", "signup.", "order."):
        assert key not in saved.text.replace("/account/addresses", "")


def test_flash_deal_page_checkout_chooses_an_address_from_the_book(app, world, client):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, price_fen=2990)
    with app.uow.begin() as c:
        deal_id = flash.create_deal(
            c,
            owner,
            flash.NewDeal(shop_id, sku, 990, 5, 1, world.now, world.now + timedelta(hours=1), "秒杀"),
            at=world.now,
        )
    buyer = world.user()
    csrf = page_login(client, email_of(app, buyer.user_id), f"/flash/{deal_id}")
    empty = client.get(f"/flash/{deal_id}").text
    assert 'data-testid="no-address"' in empty and f"next=/flash/{deal_id}" in empty
    with app.uow.begin() as c:
        address_id = addresses.add_address(c, buyer.user_id, Address(**HOME), at=world.now)
    page = client.get(f"/flash/{deal_id}").text
    assert f'name="address_id" value="{address_id}"' in page and "北京路 1088 号" in page
    bought = client.post(
        "/flash-orders",
        data={"csrf_token": csrf, "deal_id": deal_id, "quantity": 1, "address_id": address_id},
        follow_redirects=False,
    )
    assert bought.status_code == 303, bought.text
    with app.uow.read() as c:
        seen = order_queries.shop_orders(c, owner, shop_id, now=world.now)[0]["ship_to"]
    assert (seen["recipient"], seen["phone"]) == ("周杰", "139****4321")
