"""The experience score and reviews over HTTP: problem+json for bad input, the merchant's pages
with the chart and the breakdown, gates with their clause, every template string translated."""

from __future__ import annotations

import re
from datetime import timedelta
from importlib import resources

from fastapi.testclient import TestClient

from pledge.experience import services as experience
from pledge.web.i18n import catalog
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, page_login, snapshot
from tests.e2e.test_aftersales_api import delivered_order

MY_TEMPLATES = (
    "experience_score.html",
    "experience_indicator.html",
    "experience_ranking.html",
    "review_form.html",
    "review_list.html",
)


def setup(app, world):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, stock=100)
    buyer = world.user()
    order_id, line_id = delivered_order(app, buyer, owner, sku, hours_ago=30)
    return shop_id, owner, sku, buyer, order_id, line_id


def test_review_api_rules(app, world, client):
    shop_id, owner, sku, buyer, order_id, line_id = setup(app, world)
    token = api_token(client, email_of(app, buyer.user_id))
    owner_token = api_token(client, email_of(app, owner.user_id))
    before = snapshot(app)
    assert_problem(
        client.post("/api/v1/reviews", json={"order_line_id": line_id, "stars": 6}, headers=bearer(token)),
        422,
    )
    assert_problem(
        client.post(
            "/api/v1/reviews", json={"order_line_id": line_id, "stars": 5}, headers=bearer(owner_token)
        ),
        404,
    )
    assert snapshot(app) == before
    made = client.post(
        "/api/v1/reviews",
        json={"order_line_id": line_id, "stars": 4, "body": "花很新鲜"},
        headers=bearer(token),
    )
    assert made.status_code == 201, made.text
    assert_problem(
        client.post("/api/v1/reviews", json={"order_line_id": line_id, "stars": 5}, headers=bearer(token)),
        409,
    )
    review_id = made.json()["id"]
    assert (
        client.put(
            f"/api/v1/reviews/{review_id}", json={"stars": 5, "body": "醒花后更好"}, headers=bearer(token)
        ).status_code
        == 200
    )
    assert_problem(client.put(f"/api/v1/reviews/{review_id}", json={"stars": 1}, headers=bearer(token)), 409)
    listed = client.get(f"/api/v1/products/{_product_of(app, sku)}/reviews").json()
    assert listed["count"] == 1 and listed["average"] == 5 and listed["reviews"][0]["body"] == "醒花后更好"


def _product_of(app, sku: int) -> int:
    from sqlalchemy import select

    from pledge.catalog.tables import skus

    with app.uow.read() as c:
        return c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()


def test_score_api_and_pages(app, world, client):
    shop_id, owner, sku, buyer, order_id, line_id = setup(app, world)
    with app.uow.begin() as c:
        for back in range(3, -1, -1):
            experience.snapshot_day(
                c,
                app.rulebook,
                experience.local_today(app.rulebook, app.clock.now()) - timedelta(days=back),
                at=app.clock.now(),
            )
    token = api_token(client, email_of(app, owner.user_id))
    body = client.get(f"/api/v1/shops/{shop_id}/experience", headers=bearer(token)).json()
    assert body["stage"] == "growth" and body["score"] == 70 and body["version"] == "2026-07-14"
    assert (
        client.get(
            f"/api/v1/shops/{shop_id}/experience", params={"version": "2026-09-08"}, headers=bearer(token)
        ).json()["version"]
        == "2026-09-08"
    )
    assert_problem(
        client.get(
            f"/api/v1/shops/{shop_id}/experience", params={"version": "2020-01-01"}, headers=bearer(token)
        ),
        422,
    )
    assert_problem(
        client.get(f"/api/v1/shops/{shop_id}/experience/indicators/nope", headers=bearer(token)), 404
    )
    assert len(client.get(f"/api/v1/shops/{shop_id}/experience/history", headers=bearer(token)).json()) == 4
    compared = client.get(f"/api/v1/shops/{shop_id}/experience/compare", headers=bearer(token)).json()
    assert (compared["base"]["version"], compared["target"]["version"]) == ("2026-07-14", "2026-09-08")
    changed = {r["code"]: (r["in_old"], r["in_new"]) for r in compared["indicators"]}
    assert changed["pickup_score"] == (True, False) and changed["average_pickup_hours"] == (False, True)
    gate = client.get(
        f"/api/v1/shops/{shop_id}/experience/gates/ad_spend",
        params={"amount_fen": 100},
        headers=bearer(token),
    ).json()
    assert (
        gate["clause_id"] == "experience.gate.ad-spend"
        and gate["allowed"]
        and gate["source"] == "pledge:default"
    )
    assert_problem(client.get(f"/api/v1/shops/{shop_id}/experience/gates/nope", headers=bearer(token)), 422)
    assert_problem(client.get("/api/v1/experience/ranking", headers=bearer(token)), 403)
    assert_problem(
        client.post(
            f"/api/v1/shops/{shop_id}/experience/incidents",
            headers=bearer(token),
            json={"kind": "brushing", "occurred_at": "2026-08-30T10:00:00+08:00"},
        ),
        403,
    )
    pages = TestClient(client.app)
    page_login(pages, email_of(app, owner.user_id), f"/products/{_product_of(app, sku)}")
    html = pages.get(f"/merchant/shops/{shop_id}/experience").text
    assert 'data-testid="score-trend"' in html and html.count("<circle") == 4 and "商家体验分" in html
    assert f"/merchant/shops/{shop_id}/experience/pickup_score" in html
    detail = pages.get(f"/merchant/shops/{shop_id}/experience/pickup_score")
    assert detail.status_code == 200 and "揽收时长平均得分" in detail.text
    pages.close()


def test_every_experience_string_is_translated():
    folder = resources.files("pledge.web") / "templates"
    msgids = set()
    for name in MY_TEMPLATES:
        text = (folder / name).read_text(encoding="utf-8")
        msgids |= {a or b for a, b in re.findall(r"""_\(\s*"([^"]+)"|_\(\s*'([^']+)'""", text)}
    assert "Experience score" in msgids and "Save review" in msgids
    msgids = {m for m in msgids if not m.endswith(".")} | {"Experience score ranking"}
    from pledge.experience.policy import DIMENSIONS
    from pledge.rulebooks.loader import load

    codes = {f"indicator.{c.get('code')}" for c in load("douyin").clauses if c.kind == "experience_indicator"}
    codes |= {f"dimension.{d}" for d in DIMENSIONS} | {"stage.growth", "stage.formal"}
    codes |= {
        f"unit.{c.get('unit')}"
        for c in load("douyin").clauses
        if c.kind == "experience_indicator" and c.get("unit")
    }
    codes |= {f"bonus.{c.get('code')}" for c in load("douyin").clauses if c.kind == "experience_bonus"}
    zh, en = catalog("zh_CN"), catalog("en")
    assert not sorted((msgids | codes) - zh.keys()), "missing in zh_CN"
    assert not sorted(codes - en.keys()), "missing in en"


def test_operators_classify_shops_record_incidents_and_rank(app, world, client):
    from tests.integration.test_experience import History

    h = History(world)
    for _ in range(30):
        h.order("2026-08-15T10:00", picked="2026-08-15T12:00", delivered="2026-08-16T12:00", stars=5)
    other, _owner = world.shop("大乐水果")
    operator = world.user("平台运营", platform_role="operator")
    op = api_token(client, email_of(app, operator.user_id))
    owner = api_token(client, email_of(app, h.owner.user_id))
    before = client.get(f"/api/v1/shops/{h.shop_id}/experience", headers=bearer(owner)).json()
    assert before["stage"] == "formal" and not before["deductions"]
    assert_problem(
        client.put(
            f"/api/v1/shops/{h.shop_id}/experience/profile", json={"industry": ""}, headers=bearer(op)
        ),
        422,
    )
    assert (
        client.put(
            f"/api/v1/shops/{h.shop_id}/experience/profile", json={"industry": "生活鲜花"}, headers=bearer(op)
        ).status_code
        == 200
    )
    assert_problem(
        client.post(
            f"/api/v1/shops/{h.shop_id}/experience/incidents",
            headers=bearer(op),
            json={"kind": "kicked_a_dog", "occurred_at": "2026-08-30T10:00:00+08:00"},
        ),
        422,
    )
    for _ in range(6):  # 6 x 3 = 18, capped at 15 (experience.deduction.negative-service)
        made = client.post(
            f"/api/v1/shops/{h.shop_id}/experience/incidents",
            headers=bearer(op),
            json={"kind": "refused_invoice", "occurred_at": "2026-08-30T10:00:00+08:00"},
        )
        assert made.status_code == 201, made.text
    after = client.get(f"/api/v1/shops/{h.shop_id}/experience", headers=bearer(owner)).json()
    assert after["deductions"] == [
        {
            "clause": "experience.deduction.negative-service",
            "source": "douyin:aJmVWbCJyD8M",
            "incidents": 6,
            "points": 15,
            "cap": 15,
        }
    ]
    assert "experience.weights.service.flowers" in after["clauses"]
    assert after["score"] == max(
        50, round(sum(d["weight"] / 100 * d["points"] for d in after["dimensions"].values()) - 15, 2)
    )
    with app.uow.begin() as c:
        experience.snapshot_day(
            c, app.rulebook, experience.local_today(app.rulebook, app.clock.now()), at=app.clock.now()
        )
    ranking = client.get("/api/v1/experience/ranking", headers=bearer(op)).json()
    scores = {r["shop_id"]: r["score"] for r in ranking}
    assert scores[other] == 70 and scores[h.shop_id] == after["score"]  # growth stage (no orders) vs formal
    assert [r["score"] for r in ranking] == sorted((r["score"] for r in ranking), reverse=True)
    assert {h.shop_id, other} <= {r["shop_id"] for r in ranking}


def test_the_buyer_finds_the_review_form_from_a_delivered_order(app, world, client):
    """The order page links a delivered order's buyer to the review form; a paid order has no link yet."""
    shop_id, owner, sku, buyer, order_id, _line_id = setup(app, world)
    paid_id = world.paid_order(buyer, sku)
    pages = TestClient(client.app)
    page_login(pages, email_of(app, buyer.user_id), f"/orders/{order_id}")
    delivered = pages.get(f"/orders/{order_id}").text
    assert f'href="/orders/{order_id}/review"' in delivered and "评价订单" in delivered
    assert f'href="/orders/{paid_id}/review"' not in pages.get(f"/orders/{paid_id}").text
    form = pages.get(f"/orders/{order_id}/review")
    assert form.status_code == 200


def test_103956_pickup_forced_order_is_named_on_the_indicator_page(app, world, client):
    """The pickup-score page says why an order fast to pick up still scores 50 (experience.pickup-forced)."""
    from tests.integration.test_experience import History

    h = History(world)
    fraud = h.order("2026-08-15T10:00", picked="2026-08-15T12:00")
    h.order("2026-08-15T10:00", picked="2026-08-15T12:00")
    h.compensate(fraud, "fraudulent_shipping")
    pages = TestClient(client.app)
    page_login(pages, email_of(app, h.owner.user_id), f"/products/{_product_of(app, h.sku)}")
    html = pages.get(f"/merchant/shops/{h.shop_id}/experience/pickup_score?version=2026-07-14").text
    assert (
        f'href="/orders/{fraud}"' in html
        and "存在欺诈发货或物流轨迹异常赔付：该订单揽收时长得分为50分" in html
    )
    assert html.count('data-testid="forced"') == 1
    pages.close()
