"""Shop audiences over HTTP on SQLite and PostgreSQL: the merchant defines an audience (its size
answered), drafts a coupon campaign, sends it once and reads its report; a buyer's opt-out keeps
the coupon away; bad input (days out of range, an unknown rule, no rules, an empty audience,
another shop's audience or campaign) is problem+json and writes or sends nothing."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, snapshot


@pytest.fixture
def shop(app, world, client):
    shop_id, owner = world.shop("小阿阮鲜花")
    sku = world.product(owner, shop_id, title="A级向日葵 12枝", price_fen=5000)
    fans = [world.user() for _ in range(2)]
    tokens = [api_token(client, email_of(app, f.user_id)) for f in fans]
    for token in tokens:
        assert client.post(f"/api/v1/shops/{shop_id}/follow", headers=bearer(token)).status_code == 200
    other_shop, other_owner = world.shop("隔壁花店")
    return {
        "shop_id": shop_id,
        "sku": sku,
        "tokens": tokens,
        "owner": bearer(api_token(client, email_of(app, owner.user_id))),
        "other_shop": other_shop,
        "other": bearer(api_token(client, email_of(app, other_owner.user_id))),
    }


def define(client, shop, rules, who=None, shop_id=None):
    return client.post(
        f"/api/v1/shops/{shop_id or shop['shop_id']}/audiences",
        json={"name": "粉丝", "rules": rules},
        headers=who or shop["owner"],
    )


def draft(client, shop, audience_id, who=None, **terms):
    body = {"kind": "coupon", "amount_fen": 500, "min_spend_fen": 3000, "valid_days": 7} | terms
    return client.post(f"/api/v1/audiences/{audience_id}/campaigns", json=body, headers=who or shop["owner"])


def test_define_target_send_once_and_report_through_the_api(app, client, shop):
    quiet = bearer(shop["tokens"][1])
    opted = client.put(f"/api/v1/shops/{shop['shop_id']}/audience-opt-out", headers=quiet)
    assert opted.status_code == 200 and opted.json() == {"shop_id": shop["shop_id"], "opted_out": True}
    made = define(client, shop, [{"kind": "followers"}, {"kind": "viewed", "days": 30}])
    assert made.status_code == 201, made.text
    assert made.json()["size"] == 2 and [r["kind"] for r in made.json()["rules"]] == ["followers", "viewed"]
    campaign = draft(client, shop, made.json()["id"])
    assert campaign.status_code == 201, campaign.text
    assert campaign.json()["status"] == "draft"
    sent = client.post(f"/api/v1/campaigns/{campaign.json()['id']}/send", headers=shop["owner"])
    assert sent.status_code == 200, sent.text
    assert (sent.json()["status"], sent.json()["reached"], sent.json()["opted_out"]) == ("sent", 1, 1)
    again = client.post(f"/api/v1/campaigns/{campaign.json()['id']}/send", headers=shop["owner"])
    assert "already been sent" in assert_problem(again, 409)["detail"]
    wallet = client.get("/api/v1/wallet", headers=bearer(shop["tokens"][0])).json()
    assert [c["amount_fen"] for c in wallet["available"]] == [500]
    assert client.get("/api/v1/wallet", headers=quiet).json()["available"] == []
    listed = client.get(f"/api/v1/shops/{shop['shop_id']}/campaigns", headers=shop["owner"])
    assert [c["reached"] for c in listed.json()] == [1] and listed.json()[0]["orders"] == 0
    back = client.delete(f"/api/v1/shops/{shop['shop_id']}/audience-opt-out", headers=quiet)
    assert back.json()["opted_out"] is False


@pytest.mark.parametrize(
    "rules, status, words",
    [
        ([{"kind": "viewed", "days": 0}], 422, "days is a whole number from 1 to 180"),
        ([{"kind": "viewed", "days": 181}], 422, "days is a whole number from 1 to 180"),
        ([{"kind": "liked", "days": 7}], 422, "unknown audience rule"),
        ([], 422, "at least one rule"),
    ],
)
def test_bad_rules_are_problems_and_write_nothing(app, client, shop, rules, status, words):
    before = snapshot(app)
    resp = define(client, shop, rules)
    assert words in assert_problem(resp, (400, status))["detail"]
    assert snapshot(app) == before


def test_an_empty_audience_and_another_shops_audience_send_nothing(app, client, shop):
    empty = define(client, shop, [{"kind": "ordered", "days": 7}]).json()
    campaign = draft(client, shop, empty["id"]).json()
    before = snapshot(app)
    resp = client.post(f"/api/v1/campaigns/{campaign['id']}/send", headers=shop["owner"])
    assert "audience is empty" in assert_problem(resp, (400, 422))["detail"]
    assert snapshot(app) == before
    fans = define(client, shop, [{"kind": "followers"}]).json()
    theirs = draft(client, shop, fans["id"]).json()
    before = snapshot(app)
    assert_problem(draft(client, shop, fans["id"], who=shop["other"]), (403, 404))
    assert_problem(client.post(f"/api/v1/campaigns/{theirs['id']}/send", headers=shop["other"]), (403, 404))
    assert_problem(define(client, shop, [{"kind": "followers"}], who=shop["other"]), (403, 404))
    assert snapshot(app) == before
