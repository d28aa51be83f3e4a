"""Shipping insurance (运费险, douyin:aJpAMtJPdWH7) and shop-pledged damage over HTTP: the shop opts
a product in (API and merchant page), the product page shows 退货包运费, a return sent back with
its postage is refunded and the insurance pays the postage (up to 24.00) on the worker's next
pass, shown on the case page in Beijing time; the pledge form sets the damage terms and the case
form offers only the damage reasons the goods fit and the pledge pays. Runs on SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from pledge.catalog.tables import skus
from pledge.ledger.services import balance
from pledge.worker import run_once
from tests.e2e.conftest import email_of, page_login, snapshot
from tests.e2e.test_aftersales_api import UMBRELLA, delivered_order, file_case, post, refused

# Fixtures, re-exported so that pytest finds them here.
from tests.e2e.test_aftersales_api import private_files as private_files
from tests.e2e.test_aftersales_api import t as t


def product_of(app, sku: int) -> int:
    with app.uow.read() as c:
        return c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()


def test_douyin_aJpAMtJPdWH7_a_return_on_an_insured_umbrella_has_its_postage_paid_once(app, t):
    product = product_of(app, t["umbrellas"])
    url = f"/api/v1/products/{product}/shipping-insurance"
    assert t["c"].get(url).json() == {
        "product_id": product,
        "insured": False,
        "tier": None,
        "cap_fen": None,
        "clause": None,
        "source": None,
    }
    before = snapshot(app)
    refused(t, t["c"].put(url, json={"tier": "small"}, headers=t["h"]["rival"]), 403, "not a member of shop")
    refused(
        t,
        t["c"].put(url, json={"tier": "gold"}, headers=t["h"]["owner"]),
        422,
        "unknown shipping insurance 'gold'",
    )
    refused(t, t["c"].put(url, json={"tier": "small"}), 401)
    refused(t, t["c"].get("/api/v1/products/999999/shipping-insurance"), 404, "no product 999999")
    assert snapshot(app) == before
    bought = t["c"].put(url, json={"tier": "small"}, headers=t["h"]["owner"])
    assert bought.status_code == 200 and bought.json() == {
        "product_id": product,
        "insured": True,
        "tier": "small",
        "cap_fen": 2400,
        "clause": "shipping-insurance.small",
        "source": "douyin:aJpAMtJPdWH7",
    }
    assert "退货包运费" in t["c"].get(f"/products/{product}").text

    app.clock.advance(timedelta(hours=50))  # the order below is paid 44 h before now: after the insurance
    order_id, line = delivered_order(app, t["buyer"], t["owner"], t["umbrellas"], 1)
    case = file_case(
        t,
        order_id,
        {"case_type": "return_refund", "reason": "no_reason", "lines": [{"order_line_id": line, "units": 1}]},
    ).json()
    post(t, case["id"], "review", "owner", {"approve": True})
    before = snapshot(app)
    refused(
        t,
        post(t, case["id"], "return-shipment", "buyer", {"carrier": "sf", "tracking_no": "SF7700000001"}),
        422,
        "give what you paid to send it back",
    )
    refused(
        t,
        post(
            t,
            case["id"],
            "return-shipment",
            "buyer",
            {"carrier": "sf", "tracking_no": "SF7700000001", "postage_fen": -1},
        ),
        422,
    )
    assert snapshot(app) == before
    shipped = post(
        t,
        case["id"],
        "return-shipment",
        "buyer",
        {"carrier": "sf", "tracking_no": "SF7700000001", "postage_fen": 3000},
    ).json()
    assert (shipped["return_postage_fen"], shipped["insured_fen"], shipped["shipping_insurance"]) == (
        3000,
        2400,
        None,
    )
    post(t, case["id"], "return-received", "owner")
    report = run_once(app)
    assert report["refunds_completed"] == 1 and report["insurance_claims_paid"] == 1
    assert run_once(app)["insurance_claims_paid"] == 0
    done = t["c"].get(f"/api/v1/cases/{case['id']}", headers=t["h"]["buyer"]).json()
    assert done["status"] == "refunded" and done["refund"]["amount_fen"] == UMBRELLA
    claim = done["shipping_insurance"]
    assert (claim["status"], claim["amount_fen"], claim["postage_fen"], claim["clause_id"]) == (
        "paid",
        2400,
        3000,
        "shipping-insurance.small",
    )
    with app.uow.read() as c:
        assert balance(c, f"buyer:{t['buyer'].user_id}:return-postage") == 2400
        assert balance(c, "insurer:sandbox") == -2400

    buyer = TestClient(t["c"].app)
    page_login(buyer, email_of(app, t["buyer"].user_id), f"/orders/{order_id}/cases/new")
    page = buyer.get(f"/cases/{case['id']}").text
    section = re.search(r'data-testid="shipping-insurance">(.*?)</section>', page, re.S).group(1)
    assert "运费险" in section and "¥30.00" in section and "¥24.00" in section and "保险公司已于" in section
    assert "shipping-insurance.small" in section and "UTC" not in page and "+00:00" not in page
    assert "运费险已赔付" in page
    english = buyer.get(f"/cases/{case['id']}?lang=en").text
    assert "Paid to you by the insurer on" in english and "Shipping insurance paid" in english


def test_the_merchant_page_buys_shipping_insurance_per_product(app, t):
    owner = TestClient(t["c"].app)
    csrf = page_login(owner, email_of(app, t["owner"].user_id), f"/merchant/shops/{t['shop_id']}/cases")
    product = product_of(app, t["umbrellas"])
    page = owner.get(f"/merchant/shops/{t['shop_id']}/cases").text
    assert (
        f'data-testid="insurance-tier-{product}"' in page and "小件退换货运费险" in page and "¥24.00" in page
    )
    saved = owner.post(
        f"/merchant/products/{product}/shipping-insurance",
        follow_redirects=False,
        data={"csrf_token": csrf, "tier": "upgraded"},
    )
    assert saved.status_code == 303
    assert t["c"].get(f"/api/v1/products/{product}/shipping-insurance").json()["tier"] == "upgraded"
    assert (
        owner.post(
            f"/merchant/products/{product}/shipping-insurance",
            data={"csrf_token": "forged", "tier": ""},
            follow_redirects=False,
        ).status_code
        == 403
    )
    owner.post(
        f"/merchant/products/{product}/shipping-insurance",
        data={"csrf_token": csrf, "tier": ""},
        follow_redirects=False,
    )
    assert t["c"].get(f"/api/v1/products/{product}/shipping-insurance").json()["insured"] is False


def test_the_pledge_form_sets_the_damage_terms_and_the_case_form_follows_them(app, t):
    owner = TestClient(t["c"].app)
    csrf = page_login(owner, email_of(app, t["owner"].user_id), f"/merchant/shops/{t['shop_id']}/cases")
    order_id, _line = delivered_order(app, t["buyer"], t["owner"], t["umbrellas"], 1)
    buyer = TestClient(t["c"].app)
    page_login(buyer, email_of(app, t["buyer"].user_id), f"/orders/{order_id}/cases/new")
    form = buyer.get(f"/orders/{order_id}/cases/new").text
    assert 'data-testid="no-damage-cover"' in form and 'value="damage_claim"' not in form  # no pledge yet
    assert "2026年7月6日" in form

    saved = owner.post(
        f"/merchant/shops/{t['shop_id']}/pledge",
        follow_redirects=False,
        data={
            "csrf_token": csrf,
            "statement": "伞骨断了包赔",
            "damage_share_table": "on",
            "damage_reasons": ["damaged"],
            "damage_window_extra_hours": "0",
            "return_window_extra_hours": "0",
        },
    )
    assert saved.status_code == 303
    terms = t["c"].get(f"/api/v1/shops/{t['shop_id']}/pledge").json()
    assert (terms["damage_share_table"], terms["damage_reasons"], terms["per_unit_damage"]) == (
        True,
        ["damaged"],
        False,
    )
    form = buyer.get(f"/orders/{order_id}/cases/new").text
    assert 'data-testid="no-damage-cover"' not in form and 'value="damage_claim"' in form
    reasons = re.search(r'data-testid="damage-reasons">(.*?)</optgroup>', form, re.S).group(1)
    assert re.findall(r'value="([a-z_]+)"', reasons) == ["damaged"]  # an umbrella is never thawed or rotten
    bad = owner.post(
        f"/merchant/shops/{t['shop_id']}/pledge", data={"csrf_token": csrf, "damage_reasons": ["melted"]}
    )
    assert bad.status_code == 422 and "损坏原因不在可选范围内：melted" in bad.text  # in the reader's language
