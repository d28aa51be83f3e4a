"""A creator's orders, commissions and statement over the API (issue 18): a buyer buys from the
creator's showcase, the worker books the commission, and the creator reads it back; the
statement reconciles with the ledger and downloads as CSV and PDF; a user without a creator
account gets problem+json."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from pledge.catalog.tables import skus
from pledge.creators import commissions
from pledge.creators import services as creators
from pledge.creators.sources import showcase_source
from pledge.orders import services as orders
from pledge.settlement import services as settlement
from pledge.settlement.payouts import SandboxPayoutProvider
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of


def _sell_one(app, world) -> tuple:
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, price_fen=1990)
    actor, operator = world.user("达人"), world.user("运营", platform_role="operator")
    buyer = world.user()
    now = app.clock.now()
    with app.uow.begin() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
        creators.offer_rate(c, owner, creators.NewRate(product_id, 2_000, now - timedelta(days=1)), at=now)
        creator_id = creators.register_creator(c, actor, creators.NewCreator("huahua", "花花", 5_000), at=now)
        creators.add_to_showcase(c, actor, app.rulebook, product_id=product_id, at=now)
        creators.set_grade(
            c, operator, app.rulebook, creator_id=creator_id, period_start=date(2026, 8, 9), grade="C", at=now
        )
        placed = orders.place_order(
            c,
            buyer,
            [orders.LineRequest(sku, 1, showcase_source(creator_id))],
            at=now,
            pay_window=app.pay_window,
            guards=app.sale_guards,
            sources=app.sources,
        )
    world.pay(placed)
    settlement.run_step(app.uow, app.rulebook, app.clock, SandboxPayoutProvider(app.uow))
    commissions.run_step(app.uow, app.rulebook, app.clock)
    return actor, product_id, placed.order_ids[0]


def test_a_creator_reads_their_orders_commissions_and_statement(app, world, client):
    actor, product_id, order_id = _sell_one(app, world)
    headers = bearer(api_token(client, email_of(app, actor.user_id)))
    listed = client.get("/api/v1/creators/me/orders", headers=headers)
    assert listed.status_code == 200, listed.text
    [order] = listed.json()["orders"]
    assert (order["order_id"], order["commission_fen"], order["commission_settled"]) == (order_id, 398, False)
    summary = client.get("/api/v1/creators/me/commissions?month=2026-09", headers=headers).json()
    assert (summary["gmv_fen"], summary["pending_fen"], summary["balance_pending_fen"]) == (1990, 398, 398)
    assert summary["by_product"][0]["product_id"] == product_id
    assert summary["payable"] == {
        "available_fen": 0,
        "reserve_fen": 0,
        "frozen_until": None,
        "frozen_products": [],
        "payable_fen": 0,
    }
    statement = client.get("/api/v1/creators/me/statement?month=2026-09", headers=headers).json()
    assert statement["reconciled"] and statement["totals"]["commissions"] == 398
    csv = client.get("/api/v1/creators/me/statement?month=2026-09&format=csv", headers=headers)
    assert csv.headers["content-type"].startswith("text/csv") and "creator" in csv.text
    pdf = client.get("/api/v1/creators/me/statement?month=2026-09&format=pdf", headers=headers)
    assert pdf.content.startswith(b"%PDF")
    nothing_payable = client.post("/api/v1/creators/me/payouts", json={"amount_fen": 100}, headers=headers)
    assert "more than the payable" in assert_problem(nothing_payable, 422)["detail"]
    negative = client.post("/api/v1/creators/me/payouts", json={"amount_fen": -5}, headers=headers)
    assert_problem(negative, 422)


def test_a_user_without_a_creator_account_gets_a_problem(app, world, client):
    headers = bearer(api_token(client, email_of(app, world.user().user_id)))
    for path in ("orders", "commissions", "statement"):
        answer = client.get(f"/api/v1/creators/me/{path}", headers=headers)
        assert "no creator account" in assert_problem(answer, 403)["detail"]
    bad = client.get("/api/v1/creators/me/statement?format=xls", headers=headers)
    assert bad.status_code in (403, 422)
