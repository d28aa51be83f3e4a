"""Paid samples (买样返款), returns and creator payout bank returns over the API and the pages
(douyin:aJmYG5vi4n1f): a merchant sets a paid plan, a creator buys the sample, the shop ships it,
the creator receives and returns it, the shop confirms and the price is refunded once; bad plans,
a second purchase, a bad waybill and a bank return by a non-finance user are problem+json and write
nothing; the creator's page shows the sample's plan and duty in Chinese and English."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from pledge.catalog.tables import skus
from pledge.ledger.tables import ledger_transactions
from pledge.web.app import create_app
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, page_login, snapshot


def _login(app, client, actor) -> dict:
    return bearer(api_token(client, email_of(app, actor.user_id)))


def _refunds(app) -> int:
    with app.uow.read() as c:
        return c.execute(
            select(func.count()).where(ledger_transactions.c.idempotency_key.like("sample-refund:%"))
        ).scalar_one()


def test_a_paid_sample_is_bought_returned_and_refunded_once_over_the_api(app, world, client):
    shop_id, owner = world.shop("小阿阮鲜花")
    sku = world.product(owner, shop_id, title="A级向日葵 12枝", price_fen=1990)
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    creator_user = world.user("达人")
    merchant, creator = _login(app, client, owner), _login(app, client, creator_user)
    rate = {"rate_bp": 2000, "starts_at": "2026-08-31T00:00:00+08:00"}
    client.post(f"/api/v1/products/{product_id}/affiliate-rates", json=rate, headers=merchant)
    made = {"handle": "huahua", "display_name": "花花", "follower_count": 12_000}
    assert client.post("/api/v1/creators", json=made, headers=creator).status_code == 201

    before = snapshot(app)
    for bad in ({"mode": "paid", "price_fen": 0, "target_orders": 1}, {"mode": "paid", "price_fen": 1990}):
        assert_problem(
            client.put(f"/api/v1/products/{product_id}/sample-plan", json=bad, headers=merchant), 422
        )
    no_plan = client.post(
        "/api/v1/creators/me/samples/purchase", json={"product_id": product_id}, headers=creator
    )
    assert "no paid sample plan" in assert_problem(no_plan, 409)["detail"]
    assert snapshot(app) == before

    plan = {"mode": "paid", "price_fen": 1990, "target_orders": 2}
    set_plan = client.put(f"/api/v1/products/{product_id}/sample-plan", json=plan, headers=merchant)
    assert set_plan.status_code == 200 and set_plan.json()["target_orders"] == 2, set_plan.text
    bought = client.post(
        "/api/v1/creators/me/samples/purchase", json={"product_id": product_id}, headers=creator
    )
    assert bought.status_code == 201, bought.text
    sample = bought.json()
    assert (sample["kind"], sample["status"], sample["price_fen"]) == ("paid", "approved", 1990)
    again = client.post(
        "/api/v1/creators/me/samples/purchase", json={"product_id": product_id}, headers=creator
    )
    assert_problem(again, 409)

    sample_id = sample["id"]
    shipped = client.post(
        f"/api/v1/samples/{sample_id}/shipment", json={"tracking_no": "SF1234567890"}, headers=merchant
    )
    assert shipped.status_code == 200, shipped.text
    client.post(f"/api/v1/creators/me/samples/{sample_id}/receipt", headers=creator)
    bad_waybill = client.post(
        f"/api/v1/creators/me/samples/{sample_id}/return", json={"tracking_no": "!!"}, headers=creator
    )
    assert_problem(bad_waybill, 422)
    sent_back = client.post(
        f"/api/v1/creators/me/samples/{sample_id}/return", json={"tracking_no": "YT998877"}, headers=creator
    )
    assert sent_back.status_code == 200, sent_back.text
    assert (sent_back.json()["duty_status"], sent_back.json()["return_tracking_no"]) == (
        "returning",
        "YT998877",
    )
    confirmed = client.post(f"/api/v1/samples/{sample_id}/return-receipt", headers=merchant)
    assert confirmed.json()["duty_status"] == "returned" and confirmed.json()["refunded_at"] is not None
    assert_problem(client.post(f"/api/v1/samples/{sample_id}/return-receipt", headers=merchant), 409)
    assert _refunds(app) == 1

    with TestClient(create_app(app, run_worker=False)) as browser:
        page_login(browser, email_of(app, creator_user.user_id), "/creator")
        for lang, words in (("zh_CN", ("买样返款", "已退回", "¥19.90")), ("en", ("Paid sample", "Returned"))):
            page = browser.get(f"/creator?lang={lang}")
            assert page.status_code == 200 and all(w in page.text for w in words), page.text

    not_finance = client.post(
        "/api/v1/creators/payouts/1/return", json={"reason": "户名不符"}, headers=creator
    )
    assert_problem(not_finance, 403)
