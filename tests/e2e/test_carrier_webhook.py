"""The carrier webhook over HTTP: a signed event is stored once and applied by the worker; a
replayed event id is acknowledged and changes nothing; a bad signature, a stale timestamp or
missing headers are 401 problems and an unknown waybill a 404 problem, each with nothing
stored. Also the logistics API and pages: sanctions with reason and clause, the 409 at checkout,
the operator's fraudulent-shipping finding, and the translations of the logistics templates."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from importlib import resources

import pytest
from sqlalchemy import select

from pledge.catalog.tables import skus
from pledge.fulfilment.services import apply_tracking_events
from pledge.fulfilment.tables import tracking_events
from pledge.logistics.sanctions import evaluate_sanctions
from pledge.logistics.tables import carrier_deliveries, shipment_routes
from pledge.logistics.webhook import carrier_secret, sign
from pledge.orders.tables import orders
from pledge.web.i18n import catalog
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, page_login, snapshot
from tests.integration.test_logistics_sweeps import bare_shipment
from tests.integration.test_sanctions import D_START, day_of

H = timedelta(hours=1)
TRACKING = "SF7000000001"


def post_event(
    client,
    app,
    event: dict,
    *,
    carrier: str = "sf",
    skew: int = 0,
    secret: str | None = None,
    signature: str | None = None,
):
    body = json.dumps(event, ensure_ascii=False).encode()
    ts = str(int(app.clock.now().timestamp()) + skew)
    sig = (
        signature
        if signature is not None
        else sign(secret or carrier_secret(app.settings, carrier), ts, body)
    )
    return client.post(
        f"/api/v1/carriers/{carrier}/events",
        content=body,
        headers={"Content-Type": "application/json", "X-Pledge-Timestamp": ts, "X-Pledge-Signature": sig},
    )


def event(
    app, kind: str = "picked_up", event_id: str = "evt-1", tracking_no: str = TRACKING, **extra
) -> dict:
    return {
        "event_id": event_id,
        "tracking_no": tracking_no,
        "kind": kind,
        "occurred_at": app.clock.now().isoformat(),
        "location": "昆明市 呈贡区",
        **extra,
    }


@pytest.fixture
def shipped(app, world):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, price_fen=15000)
    buyer = world.user()
    order_id = world.paid_order(buyer, sku)
    shipment_id = bare_shipment(app, world, owner, order_id, tracking_no=TRACKING)
    return {
        "order_id": order_id,
        "shipment_id": shipment_id,
        "owner": owner,
        "buyer": buyer,
        "shop_id": shop_id,
        "sku": sku,
    }


def test_signed_event_is_stored_once_and_applied(app, client, shipped, clock):
    clock.advance(3 * H)
    resp = post_event(client, app, event(app, origin_province="云南", destination_province="上海"))
    assert resp.status_code == 202, resp.text
    body = resp.json()
    assert (body["status"], body["shipment_id"]) == ("accepted", shipped["shipment_id"])
    with app.uow.read() as c:
        [stored] = c.execute(
            select(tracking_events).where(tracking_events.c.shipment_id == shipped["shipment_id"])
        ).all()
        route = c.execute(select(shipment_routes)).one()
        delivery = c.execute(select(carrier_deliveries)).one()
    assert (stored.kind, stored.occurs_at, stored.location, stored.applied) == (
        "picked_up",
        clock.now(),
        "昆明市 呈贡区",
        False,
    )
    assert (route.origin_province, route.destination_province) == ("云南", "上海")
    assert (delivery.carrier, delivery.event_id, delivery.tracking_event_id) == ("sf", "evt-1", stored.id)

    before = snapshot(app)
    clock.advance(timedelta(seconds=40))
    replay = post_event(client, app, event(app))  # same event id, fresh timestamp and signature
    assert replay.status_code == 200 and replay.json()["status"] == "duplicate"
    assert snapshot(app) == before

    with app.uow.begin() as c:
        assert apply_tracking_events(c, now=clock.now()) == 1
        assert (
            c.execute(select(orders.c.picked_up_at).where(orders.c.id == shipped["order_id"])).scalar()
            == stored.occurs_at
        )


@pytest.mark.parametrize("case", ["bad_signature", "other_secret", "stale", "future", "no_headers"])
def test_unauthenticated_deliveries_are_refused_and_change_nothing(app, client, shipped, case):
    before = snapshot(app)
    if case == "no_headers":
        resp = client.post("/api/v1/carriers/sf/events", json=event(app))
    elif case == "bad_signature":
        resp = post_event(client, app, event(app), signature="0" * 64)
    elif case == "other_secret":
        resp = post_event(
            client, app, event(app), secret=carrier_secret(app.settings, "yto")
        )  # yto's key for sf
    else:
        resp = post_event(client, app, event(app), skew=-301 if case == "stale" else 301)
    problem = assert_problem(resp, 401)
    assert problem["code"] == "unauthorized"
    assert snapshot(app) == before


@pytest.mark.parametrize("skew", [-300, 300])
def test_timestamp_within_five_minutes_is_accepted(app, client, shipped, skew):
    assert post_event(client, app, event(app), skew=skew).status_code == 202


def test_a_replayed_delivery_with_its_old_timestamp_is_refused(app, client, shipped, clock):
    body = json.dumps(event(app)).encode()
    ts = str(int(clock.now().timestamp()))
    headers = {
        "X-Pledge-Timestamp": ts,
        "X-Pledge-Signature": sign(carrier_secret(app.settings, "sf"), ts, body),
    }
    assert client.post("/api/v1/carriers/sf/events", content=body, headers=headers).status_code == 202
    clock.advance(timedelta(minutes=6))
    before = snapshot(app)
    assert_problem(client.post("/api/v1/carriers/sf/events", content=body, headers=headers), 401)
    assert snapshot(app) == before


def test_unknown_waybill_is_a_clear_404_and_nothing_is_stored(app, client, shipped):
    before = snapshot(app)
    problem = assert_problem(post_event(client, app, event(app, tracking_no="SF0000000404")), 404)
    assert problem["code"] == "unknown_waybill" and "SF0000000404" in problem["detail"]
    # the same waybill number at another carrier is not ours either
    assert_problem(post_event(client, app, event(app), carrier="yto"), 404)
    assert snapshot(app) == before


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "teleported"},
        {"occurred_at": "yesterday"},
        {"occurred_at": "2026-09-01T10:00:00"},
        {"event_id": ""},
        {"tracking_no": None},
    ],
)
def test_malformed_events_are_422_and_change_nothing(app, client, shipped, bad):
    before = snapshot(app)
    assert_problem(post_event(client, app, {**event(app), **bad}), 422)
    assert snapshot(app) == before


def test_untracked_or_unknown_carriers_have_no_webhook(app, client, shipped):
    for carrier in ("other", "dhl"):
        assert post_event(client, app, event(app), carrier=carrier).status_code == 404


def test_returned_event_counts_as_abnormal_tracking(app, client, shipped, clock):
    from pledge.logistics.services import sweep_logistics

    clock.advance(2 * H)
    assert post_event(client, app, event(app, "picked_up", "e1")).status_code == 202
    clock.advance(4 * H)
    assert post_event(client, app, event(app, "in_transit", "e2")).status_code == 202
    clock.advance(20 * H)
    assert post_event(client, app, event(app, "returned", "e3")).status_code == 202
    result = sweep_logistics(app.uow, app.rulebook, clock)
    assert (result.compensated, result.amount_fen) == (1, 3800)  # 25% of 150 = 37.50 -> 38
    token = api_token(client, email_of(app, shipped["buyer"].user_id))
    data = client.get(f"/api/v1/orders/{shipped['order_id']}/logistics", headers=bearer(token)).json()
    [comp] = data["compensations"]
    assert (comp["kind"], comp["clause_id"]) == ("abnormal_tracking", "abnormal-tracking.pay")
    assert "abnormal-tracking.recalled" in comp["explanation"]


def test_sanctioned_shop_checkout_is_a_409_problem_and_shown_to_the_merchant(app, world, client, clock):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, stock=20)
    buyer = world.user()
    day_of(app, sku, buyer.user_id, due=600, late=200)
    clock.set(D_START + 26 * H)
    evaluate_sanctions(app.uow, app.rulebook, clock)

    token = api_token(client, email_of(app, buyer.user_id))
    before = snapshot(app)
    problem = assert_problem(
        client.post(
            "/api/v1/checkout", json={"lines": [{"sku_id": sku, "quantity": 1}]}, headers=bearer(token)
        ),
        409,
    )
    assert problem["code"] == "sales_restricted" and problem["clause_id"] == "late-sanction.shop-limit-0"
    assert "takes no orders" in problem["detail"]
    assert snapshot(app) == before

    owner_token = api_token(client, email_of(app, owner.user_id))
    data = client.get(f"/api/v1/shops/{shop_id}/sanctions", headers=bearer(owner_token)).json()
    [s] = data["active"]
    assert (s["kind"], s["daily_limit"], s["clause_id"], s["clause_source"]) == (
        "order_limit",
        0,
        "late-sanction.shop-limit-0",
        "douyin:aJoPPkWZ7VQM",
    )
    assert s["reason"].startswith("2026-09-01: 200/600 late")
    assert_problem(client.get(f"/api/v1/shops/{shop_id}/sanctions", headers=bearer(token)), 403)

    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar()
    page_login(client, email_of(app, owner.user_id), f"/products/{product_id}")
    page = client.get(f"/merchant/shops/{shop_id}/logistics")
    assert page.status_code == 200
    assert (
        "限制成交0单/日" in page.text and "生效中" in page.text and "late-sanction.shop-limit-0" in page.text
    )
    assert "2026-09-01：应发600单，超时200单" in page.text


def test_operator_records_fraudulent_shipping_and_the_buyer_sees_it(app, world, client, shipped):
    operator = world.user("运营", platform_role="operator")
    op = bearer(api_token(client, email_of(app, operator.user_id)))
    url = f"/api/v1/orders/{shipped['order_id']}/fraudulent-shipping"
    before = snapshot(app)
    assert_problem(
        client.post(url, json={"finding": "short", "units_received": 1}, headers=op), 422
    )  # 1 of 1: not short
    assert_problem(client.post(url, json={"finding": "lost"}, headers=op), 422)
    assert snapshot(app) == before
    resp = client.post(url, json={"finding": "empty_parcel", "note": "买家开箱视频"}, headers=op)
    assert resp.status_code == 201, resp.text
    assert (resp.json()["amount_fen"], resp.json()["clause_id"]) == (4500, "fraudulent-shipping.pay.ge10")
    assert_problem(client.post(url, json={"finding": "empty_parcel"}, headers=op), 409)

    page_login(client, email_of(app, shipped["buyer"].user_id), f"/orders/{shipped['order_id']}")
    page = client.get(f"/orders/{shipped['order_id']}")
    assert "欺诈发货赔付 ¥45.00" in page.text and "平台核实：发空包（买家开箱视频）。" in page.text
    assert (
        page.text.count('data-testid="compensation"') == 1 and 'data-kind="fraudulent_shipping"' in page.text
    )


def test_order_page_shows_each_part_of_a_late_order_once(app, world, client, clock):
    """An order on a 48 h promise never shipped: going late pays nothing in the late-ship table's
    first column; 48 h later the out-of-stock deduction pays 1% (min 2): the order page shows
    both parts, each in its own card, and not the out-of-stock cell twice."""
    from pledge.worker import run_once

    shop_id, owner = world.shop()
    buyer = world.user()
    order_id = world.paid_order(buyer, world.product(owner, shop_id, price_fen=1990))
    clock.advance((48 + 96) * H)
    report = run_once(app)
    assert (
        report["late_ship_compensated"],
        report["late_ship_amount_fen"],
        report["logistics_compensated"],
    ) == (1, 200, 0)
    page_login(client, email_of(app, buyer.user_id), f"/orders/{order_id}")
    page = client.get(f"/orders/{order_id}").text
    assert page.count('data-testid="compensation"') == 2
    assert 'data-kind="late_ship"' in page and 'data-kind="out_of_stock"' in page
    assert "发货超时赔付：本项不赔付" in page and "缺货赔付 ¥2.00" in page


LOGISTICS_TEMPLATES = (
    "logistics_merchant.html",
    "logistics_order_notice.html",
    "_compensations.html",
    "wallet.html",
)
CODES = (
    "compensation.slow_tracking",
    "compensation.abnormal_tracking",
    "compensation.out_of_stock",
    "compensation.fraudulent_shipping",
    "compensation.booked_delivery",
    "event.slow_tracking_compensated",
    "event.abnormal_tracking_compensated",
    "event.out_of_stock_compensated",
    "event.fraudulent_shipping_compensated",
    "event.booked_delivery_compensated",
    "event.delivery_booked",
    "event.returned",
    "event.refused",
    "event.exception",
)


def test_every_logistics_string_is_translated():
    from pledge.logistics.policy import EVENT_KINDS, RULE_NAMES

    assert {c.split(".", 1)[1] for c in CODES if c.startswith("compensation.")} == set(RULE_NAMES)
    folder = resources.files("pledge.web") / "templates"
    msgids = set()
    for name in LOGISTICS_TEMPLATES:
        text = (folder / name).read_text(encoding="utf-8")
        msgids |= {a or b for a, b in re.findall(r"""_\(\s*"([^"]+)"|_\(\s*'([^']+)'""", text)}
    assert "Logistics and sanctions" in msgids and "This shop is restricted by the platform" in msgids
    msgids = {m for m in msgids if not m.endswith(".")}  # prefixes of codes, checked below
    zh, en = catalog("zh_CN"), catalog("en")
    assert not sorted((msgids | set(CODES)) - zh.keys()), "missing in zh_CN"
    assert not sorted(set(CODES) - en.keys()), "missing in en"
    assert {f"event.{k}" for k in EVENT_KINDS} <= zh.keys()
