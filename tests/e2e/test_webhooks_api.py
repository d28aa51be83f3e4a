"""Webhooks over the API (issue 20): endpoints refused for unsafe addresses (SSRF) with a clear
problem+json and nothing stored; an app key needs webhooks:read / webhooks:write; the secret is
shown once; the delivery log and replay."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, snapshot

UNSAFE = [
    ("ftp://93.184.216.34/hook", "only http"),
    ("file:///etc/passwd", "only http"),
    ("http://127.0.0.1:8000/hook", "loopback"),
    ("http://10.1.2.3/hook", "private"),
    ("http://169.254.169.254/latest/meta-data", "link-local"),
    ("http://[::1]/hook", "loopback"),
    ("http://localhost:8000/hook", "loopback"),  # a host name resolving to loopback
    ("http://100.64.0.1/hook", "carrier-grade NAT"),
    ("https://user:pw@93.184.216.34/hook", "user name or password"),
]


@pytest.fixture
def shop(app, world, client):
    shop_id, owner = world.shop("飞恋伞厂")
    return {"shop_id": shop_id, "owner": bearer(api_token(client, email_of(app, owner.user_id)))}


@pytest.mark.parametrize(("url", "why"), UNSAFE)
def test_webhook_urls_to_unsafe_addresses_are_refused_and_nothing_is_stored(app, client, shop, url, why):
    before = snapshot(app)
    resp = client.post(
        f"/api/v1/shops/{shop['shop_id']}/webhooks",
        json={"url": url, "events": ["order.paid"]},
        headers=shop["owner"],
    )
    problem = assert_problem(resp, 422)
    assert problem["code"] == "unsafe_webhook_url" and why in problem["detail"]
    assert snapshot(app) == before


def test_an_owner_registers_an_endpoint_and_sees_its_secret_once(client, shop):
    made = client.post(
        f"/api/v1/shops/{shop['shop_id']}/webhooks",
        json={"url": "https://93.184.216.34/hook", "events": ["order.paid", "case.filed"]},
        headers=shop["owner"],
    )
    assert made.status_code == 201, made.text
    secret = made.json()["secret"]
    assert secret.startswith("whsec_")
    (listed,) = client.get(f"/api/v1/shops/{shop['shop_id']}/webhooks", headers=shop["owner"]).json()
    assert listed["events"] == ["case.filed", "order.paid"] and listed["secret_last4"] == secret[-4:]
    assert secret not in str(listed)
    unknown = client.post(
        f"/api/v1/shops/{shop['shop_id']}/webhooks",
        json={"url": "https://93.184.216.34/hook", "events": ["order.teleported"]},
        headers=shop["owner"],
    )
    assert "unknown order.teleported" in assert_problem(unknown, 422)["detail"]


def test_an_app_key_needs_the_webhooks_scopes(app, client, shop):
    def app_key(scopes: list[str]) -> dict:
        made = client.post(
            f"/api/v1/shops/{shop['shop_id']}/apps",
            json={"name": "ERP", "scopes": scopes},
            headers=shop["owner"],
        )
        return bearer(made.json()["key"])

    new = {"url": "https://93.184.216.34/hook", "events": ["order.paid"]}
    path = f"/api/v1/shops/{shop['shop_id']}/webhooks"
    reader, writer = app_key(["orders:read"]), app_key(["webhooks:read", "webhooks:write"])
    before = snapshot(app)
    assert "webhooks:write" in assert_problem(client.post(path, json=new, headers=reader), 403)["detail"]
    assert "webhooks:read" in assert_problem(client.get(path, headers=reader), 403)["detail"]
    before.pop("rate_windows"), (after := snapshot(app)).pop("rate_windows")
    assert after == before
    made = client.post(path, json=new, headers=writer)
    assert made.status_code == 201, made.text
    assert [e["id"] for e in client.get(path, headers=writer).json()] == [made.json()["id"]]
