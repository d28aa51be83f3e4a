"""The creator centre, the marketplace and the merchant's affiliate page over HTTP, in Chinese:
a user opens a creator account, filters the marketplace, adds a product to the showcase and asks
for a sample; the merchant offers a rate from the page (an overlapping period and a rate over
100 % are readable Chinese errors that save nothing), approves and ships the sample; the creator
confirms it arrived."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from pledge.catalog.tables import skus
from pledge.web.app import create_app
from tests.e2e.conftest import email_of, page_login, snapshot

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_creator_and_merchant_pages_walk_a_sample_through(app, world, client):
    shop_id, owner = world.shop("小阿阮鲜花")
    sku = world.product(owner, shop_id, title="A级向日葵 12枝", price_fen=1990)
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    merchant_csrf = page_login(client, email_of(app, owner.user_id), f"/merchant/shops/{shop_id}/affiliate")
    rate = {
        "csrf_token": merchant_csrf,
        "product_id": str(product_id),
        "rate": "20",
        "starts_at": "2026-09-01T08:00",
    }
    made = client.post(f"/merchant/shops/{shop_id}/affiliate-rates", data=rate, follow_redirects=False)
    assert made.status_code == 303, made.text
    before = snapshot(app)
    overlap = client.post(f"/merchant/shops/{shop_id}/affiliate-rates", data={**rate, "rate": "25"})
    assert overlap.status_code == 409 and "与已有的佣金设置重叠" in overlap.text
    too_high = client.post(f"/merchant/shops/{shop_id}/affiliate-rates", data={**rate, "rate": "101"})
    assert too_high.status_code == 422
    assert snapshot(app) == before

    creator = world.user("达人")
    with TestClient(create_app(app, run_worker=False)) as other:
        csrf = page_login(other, email_of(app, creator.user_id), "/creator")
        opened = other.post(
            "/creator",
            data={
                "csrf_token": csrf,
                "handle": "sunflower_girl",
                "display_name": "向日葵姐姐",
                "follower_count": "12000",
            },
            follow_redirects=False,
        )
        assert opened.status_code == 303, opened.text
        market = other.get("/creator/marketplace?min_rate=15&sort=rate")
        assert market.status_code == 200
        assert "佣金率20%" in market.text and "¥19.90" in market.text and "共1件商品" in market.text
        assert "共0件商品" in other.get("/creator/marketplace?min_rate=21").text
        form = {"csrf_token": csrf, "product_id": str(product_id), "back": "/creator/marketplace?min_rate=15"}
        added = other.post("/creator/showcase", data=form, follow_redirects=False)
        assert added.headers["location"] == "/creator/marketplace?min_rate=15"
        assert 'data-testid="in-showcase"' in other.get("/creator/marketplace").text
        asked = other.post("/creator/samples", data={"csrf_token": csrf, "product_id": str(product_id)})
        assert asked.status_code == 200 and "待审核" in asked.text
        again = other.post("/creator/samples", data={"csrf_token": csrf, "product_id": str(product_id)})
        assert again.status_code == 409 and "这个商品你已有进行中的样品申请" in again.text
        sample_id = int(re.search(r'data-testid="sample-(\d+)"', asked.text).group(1))

        board = client.get(f"/merchant/shops/{shop_id}/affiliate")
        assert "向日葵姐姐" in board.text and "72小时内审核" in board.text
        client.post(
            f"/merchant/samples/{sample_id}/decision",
            data={"csrf_token": merchant_csrf, "decision": "approve"},
        )
        shipped = client.post(
            f"/merchant/samples/{sample_id}/shipment",
            data={"csrf_token": merchant_csrf, "tracking_no": "SF1234567890"},
        )
        assert shipped.status_code == 200 and "已发货" in shipped.text
        home = other.get("/creator")
        assert "自动确认收货" in home.text and "A级向日葵 12枝" in home.text
        done = other.post(f"/creator/samples/{sample_id}/receipt", data={"csrf_token": csrf})
        assert "已收货" in done.text


def test_an_exclusive_rate_offered_by_handle_shows_to_that_creator_only(app, world, client):
    shop_id, owner = world.shop("小阿阮鲜花")
    sku = world.product(owner, shop_id, title="芍药 10枝", price_fen=5990)
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    creator, other = world.user("达人"), world.user("达人")
    with (
        TestClient(create_app(app, run_worker=False)) as chosen,
        TestClient(create_app(app, run_worker=False)) as rival,
    ):
        for who, session, handle in ((creator, chosen, "peony_fan"), (other, rival, "rival_fan")):
            csrf = page_login(session, email_of(app, who.user_id), "/creator")
            data = {"csrf_token": csrf, "handle": handle, "display_name": "达人", "follower_count": "5000"}
            assert session.post("/creator", data=data, follow_redirects=False).status_code == 303
        merchant_csrf = page_login(
            client, email_of(app, owner.user_id), f"/merchant/shops/{shop_id}/affiliate"
        )
        rate = {
            "csrf_token": merchant_csrf,
            "product_id": str(product_id),
            "rate": "25",
            "starts_at": "2026-09-01T08:00",
            "creator": "@peony_fan",
        }
        before = snapshot(app)
        unknown = client.post(
            f"/merchant/shops/{shop_id}/affiliate-rates", data={**rate, "creator": "nobody_here"}
        )
        assert unknown.status_code == 404 and "找不到这个达人号" in unknown.text
        assert snapshot(app) == before
        made = client.post(f"/merchant/shops/{shop_id}/affiliate-rates", data=rate, follow_redirects=False)
        assert made.status_code == 303, made.text
        mine = chosen.get("/creator/marketplace").text
        assert "佣金率25%" in mine and "专属佣金" in mine
        assert "共0件商品" in rival.get("/creator/marketplace").text
