"""Issue 11 item 2: waybill takeover. A shop could ship its order under another shop's waybill;
the carrier's scans of the real parcel then fed the newest shipment with that number (a fake
delivery for one, no pickup scan for the other, late-ship and slow-tracking penalties follow).

A tracked carrier's (carrier, tracking number) belongs to one live shipment platform-wide: a
waybill another order already ships under is 重复运单号, abnormal tracking (douyin:aHzmeN9E9dBF:
"商家上传物流单号前，已有不同收货地址的订单使用过该物流单号发货"), and "一个物流单号重复使用多次" is
fake shipping (douyin:113470). Reuse is refused (409 waybill_in_use) and writes nothing; carrier
events dated before the order existed or older than the rulebook's carrier-events.max-age
(168 h, a Pledge default) are refused (422), logged and kept aside."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text

from pledge.fulfilment.services import WaybillInUse, ship_order
from pledge.fulfilment.tables import rejected_carrier_events, shipments, tracking_events, waybills
from pledge.logistics.tables import carrier_deliveries
from pledge.logistics.webhook import carrier_secret, max_event_age, sign
from pledge.migrate import upgrade
from pledge.orders.tables import orders
from pledge.web.app import create_app
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, page_login, snapshot
from tests.support import World, run_concurrently

H = timedelta(hours=1)
WAYBILL = "SF8800001234"


def shop_with_paid_order(world: World) -> tuple:
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id)
    return shop_id, owner, world.paid_order(world.user(), sku)


def shipment_of(app, order_id: int) -> int | None:
    with app.uow.read() as c:
        return c.execute(select(shipments.c.id).where(shipments.c.order_id == order_id)).scalar()


def post_event(client, app, event: dict, carrier: str = "sf"):
    body = json.dumps(event, ensure_ascii=False).encode()
    ts = str(int(app.clock.now().timestamp()))
    return client.post(
        f"/api/v1/carriers/{carrier}/events",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Pledge-Timestamp": ts,
            "X-Pledge-Signature": sign(carrier_secret(app.settings, carrier), ts, body),
        },
    )


@pytest.fixture
def client(app):
    with TestClient(create_app(app, run_worker=False)) as c:
        yield c


# ---------------------------------------------------------------- one live shipment per waybill


def test_waybill_in_use_by_another_shop_is_refused_and_nothing_is_written(app, world, clock):
    _, florist, florist_order = shop_with_paid_order(world)
    _, rival, rival_order = shop_with_paid_order(world)
    world.ship(florist, florist_order, tracking_no=WAYBILL)
    clock.advance(H)
    before = snapshot(app)

    with pytest.raises(WaybillInUse) as refused, app.uow.begin() as c:
        ship_order(c, rival, order_id=rival_order, carrier="sf", tracking_no=f"  {WAYBILL} ", at=clock.now())

    assert (refused.value.status, refused.value.code) == (409, "waybill_in_use")
    assert "douyin:aHzmeN9E9dBF" in refused.value.detail
    assert (
        "order" not in refused.value.detail and "shop" not in refused.value.detail
    )  # the holder stays unnamed
    assert snapshot(app) == before


def test_a_waybill_is_per_carrier_and_an_untracked_one_is_not_held(app, world):
    _, owner, first = shop_with_paid_order(world)
    _, other_owner, second = shop_with_paid_order(world)
    _, third_owner, third = shop_with_paid_order(world)
    _, fourth_owner, fourth = shop_with_paid_order(world)
    world.ship(owner, first, carrier="sf", tracking_no=WAYBILL)
    world.ship(other_owner, second, carrier="yto", tracking_no=WAYBILL)  # another carrier's number space
    # "other" reports no scans, so there is nothing to take over
    world.ship(third_owner, third, carrier="other", tracking_no="EMS123456789")
    world.ship(fourth_owner, fourth, carrier="other", tracking_no="EMS123456789")
    with app.uow.read() as c:
        held = c.execute(
            select(waybills.c.carrier, waybills.c.tracking_no).order_by(waybills.c.carrier)
        ).all()
    assert [tuple(r) for r in held] == [("sf", WAYBILL), ("yto", WAYBILL)]


def test_a_delivered_parcel_frees_its_waybill(app, world, clock):
    _, florist, florist_order = shop_with_paid_order(world)
    _, rival, rival_order = shop_with_paid_order(world)
    world.ship(florist, florist_order, tracking_no=WAYBILL)
    clock.advance(40 * H)  # the sandbox carrier delivers 36 h after the hand-over
    world.carrier_tick()
    with app.uow.read() as c:
        assert c.execute(select(orders.c.status).where(orders.c.id == florist_order)).scalar() == "delivered"
        assert c.execute(select(func.count()).select_from(waybills)).scalar() == 0
    world.ship(rival, rival_order, tracking_no=WAYBILL)
    with app.uow.read() as c:
        assert c.execute(select(waybills.c.shipment_id)).scalar() == shipment_of(app, rival_order)


def test_concurrent_shops_shipping_under_one_waybill_exactly_one_wins(app, world, clock):
    """Eight shops submit the same waybill at the same moment (each its own transaction; on
    PostgreSQL real concurrent connections): one ships, seven get waybill_in_use."""
    shops = [shop_with_paid_order(world) for _ in range(8)]

    def ship(owner, order_id):
        def go():
            with app.uow.begin() as c:
                return ship_order(
                    c, owner, order_id=order_id, carrier="sf", tracking_no=WAYBILL, at=clock.now()
                )

        return go

    results = run_concurrently([ship(owner, order_id) for _, owner, order_id in shops])

    won = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, WaybillInUse)]
    assert (len(won), len(refused)) == (1, 7), results
    with app.uow.read() as c:
        assert c.execute(select(waybills.c.shipment_id)).scalars().all() == won
        assert c.execute(select(func.count()).select_from(shipments)).scalar() == 1
        assert c.execute(select(func.count()).where(orders.c.status == "shipped")).scalar() == 1


# ---------------------------------------------------------------- API and pages


def test_api_refuses_a_waybill_in_use_with_a_409_problem(app, world, client, clock):
    _, florist, florist_order = shop_with_paid_order(world)
    _, rival, rival_order = shop_with_paid_order(world)
    world.ship(florist, florist_order, tracking_no=WAYBILL)
    token = api_token(client, email_of(app, rival.user_id))
    before = snapshot(app)
    body = assert_problem(
        client.post(
            f"/api/v1/orders/{rival_order}/ship",
            headers=bearer(token),
            json={"carrier": "sf", "tracking_no": WAYBILL},
        ),
        409,
    )
    assert (body["code"], body["tracking_no"], body["carrier"]) == ("waybill_in_use", WAYBILL, "sf")
    assert snapshot(app) == before
    resp = client.post(
        f"/api/v1/orders/{rival_order}/ship",
        headers=bearer(token),
        json={"carrier": "sf", "tracking_no": "SF8800009999"},
    )
    assert resp.status_code == 200, resp.text


@pytest.mark.parametrize(
    "lang, says, never",
    [
        ("zh_CN", ["运单号已被占用", "每个包裹须使用自己的运单号"], ["waybill", "Waybill", "douyin:"]),
        ("en", ["Waybill already in use", "Each parcel ships under its own waybill"], ["douyin:"]),
    ],
)
def test_the_ship_form_explains_a_waybill_in_use_in_the_pages_language(app, world, client, lang, says, never):
    shop_id, florist, florist_order = shop_with_paid_order(world)
    rival_shop, rival, rival_order = shop_with_paid_order(world)
    world.ship(florist, florist_order, tracking_no=WAYBILL)
    client.cookies.set("lang", lang)
    page = f"/merchant/shops/{rival_shop}/orders"
    csrf = page_login(client, email_of(app, rival.user_id), page)
    before = snapshot(app)
    resp = client.post(
        f"/merchant/orders/{rival_order}/ship",
        follow_redirects=False,
        data={"csrf_token": csrf, "carrier": "sf", "tracking_no": WAYBILL, "back": page},
    )
    assert resp.status_code == 409
    visible = re.sub(r"<[^>]+>", " ", resp.text.split("<main", 1)[-1])
    for phrase in says:
        assert phrase in visible
    for word in never:
        assert word not in visible
    assert snapshot(app) == before


# ---------------------------------------------------------------- carrier events: whose, and when


def test_scans_of_a_waybill_go_to_the_parcel_holding_it(app, world, client, clock):
    _, florist, florist_order = shop_with_paid_order(world)
    _, rival, rival_order = shop_with_paid_order(world)
    world.ship(florist, florist_order, tracking_no=WAYBILL)
    with pytest.raises(WaybillInUse), app.uow.begin() as c:
        ship_order(c, rival, order_id=rival_order, carrier="sf", tracking_no=WAYBILL, at=clock.now())
    clock.advance(H)
    resp = post_event(
        client,
        app,
        {
            "event_id": "e-1",
            "tracking_no": WAYBILL,
            "kind": "delivered",
            "occurred_at": clock.now().isoformat(),
        },
    )
    assert resp.status_code == 202, resp.text
    assert resp.json()["shipment_id"] == shipment_of(app, florist_order)
    assert shipment_of(app, rival_order) is None


def _refused(app, client, event: dict, caplog) -> dict:
    before = snapshot(app)
    with caplog.at_level(logging.WARNING, logger="pledge.logistics.webhook"):
        body = assert_problem(post_event(client, app, event), 422)
    assert body["code"] == "implausible_event_time" and body["field"] == "occurred_at"
    assert any(event["event_id"] in r.getMessage() and WAYBILL in r.getMessage() for r in caplog.records)
    after = snapshot(app)
    for table in (tracking_events.name, carrier_deliveries.name, shipments.name, orders.name):
        assert after[table] == before[table], table
    with app.uow.read() as c:
        return dict(
            c.execute(
                select(rejected_carrier_events).where(rejected_carrier_events.c.event_id == event["event_id"])
            )
            .one()
            ._mapping
        )


def test_an_event_dated_before_the_order_existed_is_refused_and_logged(app, world, client, clock, caplog):
    _, florist, order_id = shop_with_paid_order(world)
    world.ship(florist, order_id, tracking_no=WAYBILL)
    with app.uow.read() as c:
        placed_at = c.execute(select(orders.c.created_at).where(orders.c.id == order_id)).scalar()
    event = {
        "event_id": "old-1",
        "tracking_no": WAYBILL,
        "kind": "picked_up",
        "occurred_at": (placed_at - timedelta(minutes=1)).isoformat(),
    }
    row = _refused(app, client, event, caplog)
    assert (row["reason"], row["shipment_id"], row["kind"]) == (
        "before_order",
        shipment_of(app, order_id),
        "picked_up",
    )
    assert_problem(
        post_event(client, app, event), 422
    )  # the carrier retries: still refused, still one record
    with app.uow.read() as c:
        assert c.execute(select(func.count()).select_from(rejected_carrier_events)).scalar() == 1


def test_an_event_older_than_the_rulebooks_max_age_is_refused_and_one_just_inside_is_taken(
    app, world, client, clock, caplog
):
    limit = max_event_age(app.rulebook, clock.now())
    assert limit == timedelta(hours=168)  # clause carrier-events.max-age, pledge:default
    _, florist, order_id = shop_with_paid_order(world)
    world.ship(florist, order_id, tracking_no=WAYBILL)
    clock.advance(limit + 24 * H)
    stale = {
        "event_id": "stale-1",
        "tracking_no": WAYBILL,
        "kind": "delivered",
        "occurred_at": (clock.now() - limit - timedelta(seconds=1)).isoformat(),
    }
    assert _refused(app, client, stale, caplog)["reason"] == "too_old"
    fresh = dict(stale, event_id="late-but-real", occurred_at=(clock.now() - limit).isoformat())
    assert post_event(client, app, fresh).status_code == 202


# ---------------------------------------------------------------- existing databases


def test_the_migration_gives_each_live_waybill_to_its_latest_shipment(tmp_path):
    """Before 0012 the webhook fed the newest shipment with a number; after it that shipment
    holds the waybill, and delivered or untracked ones hold none."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    upgrade(url, "0008")
    engine = create_engine(url)  # plain connection: foreign keys unchecked, like a hand-made fixture
    rows = [
        (1, "sf", "SF1", None),
        (2, "sf", "SF1", None),
        (3, "sf", "SF2", "2026-09-02 00:00:00"),
        (4, "yto", "SF1", None),
        (5, "other", "X1", None),
        (6, "zto", "ZT1", None),
    ]
    with engine.begin() as c:
        for sid, carrier, number, delivered in rows:
            c.execute(
                text(
                    "INSERT INTO shipments (id, order_id, parcels, carrier, tracking_no, shipped_at, "
                    "delivered_at) "
                    "VALUES (:id, 1, 1, :carrier, :no, '2026-09-01 00:00:00', :delivered)"
                ),
                {"id": sid, "carrier": carrier, "no": number, "delivered": delivered},
            )
        c.execute(
            text(
                "INSERT INTO tracking_events (shipment_id, kind, occurs_at, location, applied) "
                "VALUES (6, 'delivered', '2026-09-02 00:00:00', '', 1)"
            )
        )  # delivered, order since moved on
    engine.dispose()
    # To 0012 only: these hand-made shipments have no order, which 0046 (their shop) rightly refuses.
    upgrade(url, "0012")
    engine = create_engine(url)
    with engine.connect() as c:
        held = c.execute(
            text("SELECT carrier, tracking_no, shipment_id FROM waybills ORDER BY carrier")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in held] == [("sf", "SF1", 2), ("yto", "SF1", 4)]
