"""Pick, pack, label, hand over: waves and pick lists, the pack station refusing a wrong item and
blocking the label while a unit is missing (both counted), labels as PDF with the waybill's
barcode, split shipments delivered when every parcel is, and the order's timeline."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from pledge.fulfilment.tables import shipments
from pledge.inventory.tables import parcels
from pledge.kernel.errors import Conflict, IllegalTransition, InvalidInput, NotFound
from pledge.orders.model import OrderStatus
from pledge.orders.services import transition
from pledge.orders.tables import order_events, orders
from pledge.warehouse import labels
from pledge.warehouse import services as warehouse
from pledge.warehouse.services import Blocked
from tests.e2e.conftest import snapshot
from tests.integration.test_inventory import Stock, ean13

H = timedelta(hours=1)


def run(app, fn, *args, **kwargs):
    with app.uow.begin() as c:
        return fn(c, *args, **kwargs)


def order_state(app, order_id: int):
    with app.uow.read() as c:
        return c.execute(select(orders).where(orders.c.id == order_id)).one()


def timeline(app, order_id: int) -> list[str]:
    with app.uow.read() as c:
        return list(
            c.execute(
                select(order_events.c.kind)
                .where(order_events.c.order_id == order_id)
                .order_by(order_events.c.id)
            ).scalars()
        )


@pytest.fixture
def packing(app, world):
    """A paid order of 2 sunflowers + 1 rose from one warehouse, in a picked wave."""
    s = Stock(world)
    sunflower, rose, lily = s.sku(101), s.sku(102, title="红玫瑰 11枝"), s.sku(103, title="百合")
    for sku in (sunflower, rose, lily):
        s.receive(0, sku, 20, "L1", date(2026, 9, 6))
    buyer = world.user()
    placed = world.place(buyer, (sunflower, 2), (rose, 1))
    world.pay(placed)
    order_id = placed.order_ids[0]
    wave_id = run(app, warehouse.create_wave, s.owner, s.houses[0], at=world.now)
    run(app, warehouse.confirm_picked, s.owner, wave_id, at=world.now)
    with app.uow.read() as c:
        parcel_id = c.execute(select(parcels.c.id).where(parcels.c.order_id == order_id)).scalar_one()
    return s, order_id, wave_id, parcel_id


def test_a_wave_gathers_paid_orders_into_one_pick_list(app, world, packing):
    s, order_id, wave_id, parcel_id = packing
    with app.uow.read() as c:
        picks = warehouse.pick_list(c, s.owner, wave_id)
    assert [(line["title"], line["lot_code"], line["units"]) for line in picks["lines"]] == [
        ("A级向日葵 12枝", "L1", 2),
        ("红玫瑰 11枝", "L1", 1),
    ]
    assert [p["id"] for p in picks["parcels"]] == [parcel_id]
    with pytest.raises(Conflict, match="nothing to pick"):
        run(app, warehouse.create_wave, s.owner, s.houses[0], at=world.now)


def test_pack_station_refuses_a_wrong_item_and_a_missing_unit_blocks_the_label(app, world, packing):
    s, order_id, wave_id, parcel_id = packing

    def scan(code):
        return run(app, warehouse.scan, s.owner, parcel_id, code, at=world.now)

    assert scan(ean13(101)) is None
    wrong = scan(ean13(103))  # a lily: not in this parcel
    assert isinstance(wrong, Blocked) and wrong.kind == "wrong_item" and "not in parcel" in wrong.message
    assert scan(ean13(102)) is None
    extra = scan(ean13(102))  # a second rose: the order has one
    assert isinstance(extra, Blocked) and "extra" in extra.message

    missing = run(app, warehouse.label, s.owner, parcel_id, carrier="sf", at=world.now)
    assert isinstance(missing, Blocked) and missing.kind == "missing_unit" and "1 × " in missing.message
    with app.uow.read() as c:
        assert c.execute(
            select(parcels.c.status, parcels.c.tracking_no).where(parcels.c.id == parcel_id)
        ).one() == ("picked", None)
        assert warehouse.pack_report(c, s.owner, s.shop_id) == {"ok": 2, "wrong_item": 2, "missing_unit": 1}

    assert scan(ean13(101)) is None  # the last unit packs the parcel
    tracking_no = run(app, warehouse.label, s.owner, parcel_id, carrier="sf", at=world.now)
    assert isinstance(tracking_no, str) and tracking_no.startswith("SF")
    assert timeline(app, order_id)[-3:] == ["picked", "packed", "labelled"]


def test_unknown_or_malformed_barcodes_are_refused_and_change_nothing(app, world, packing):
    s, order_id, wave_id, parcel_id = packing
    before = snapshot(app)
    for code in (ean13(999), "6901234567891", "12345", "", "not-a-code"):
        with pytest.raises(InvalidInput):
            run(app, warehouse.scan, s.owner, parcel_id, code, at=world.now)
    assert snapshot(app) == before
    _, stranger = world.shop("别家")
    before = snapshot(app)
    with pytest.raises(NotFound):
        run(app, warehouse.scan, stranger, parcel_id, ean13(101), at=world.now)
    assert snapshot(app) == before


def pack_all(app, world, s, parcel_id: int) -> None:
    with app.uow.read() as c:
        contents = warehouse.parcel_contents(c, parcel_id)
    for line in contents:
        for _ in range(line["units"] - line["scanned"]):
            assert run(app, warehouse.scan, s.owner, parcel_id, line["barcode"], at=world.now) is None


def test_label_for_an_order_no_longer_paid_is_refused_and_changes_nothing(app, world, packing):
    s, order_id, wave_id, parcel_id = packing
    pack_all(app, world, s, parcel_id)
    with app.uow.begin() as c:  # e.g. refunded in full before it shipped
        transition(c, order_id, OrderStatus.PAID.value, OrderStatus.CANCELLED, cancelled_at=world.now)
    before = snapshot(app)
    with pytest.raises(IllegalTransition, match="only for a paid order"):
        run(app, warehouse.label, s.owner, parcel_id, carrier="sf", at=world.now)
    with pytest.raises(InvalidInput):
        run(app, warehouse.label, s.owner, parcel_id, carrier="other", at=world.now)
    assert snapshot(app) == before


def test_labels_print_as_pdf_with_the_waybill_and_a_wave_prints_in_one_batch(app, world, packing):
    s, order_id, wave_id, parcel_id = packing
    pack_all(app, world, s, parcel_id)
    with pytest.raises(Conflict):
        with app.uow.read() as c:
            labels.wave_labels_pdf(c, s.owner, wave_id)
    tracking_no = run(app, warehouse.label, s.owner, parcel_id, carrier="yto", at=world.now)
    with app.uow.read() as c:
        one = labels.parcel_label_pdf(c, s.owner, parcel_id)
        batch = labels.wave_labels_pdf(c, s.owner, wave_id)
    reader = PdfReader(io.BytesIO(one))
    text = reader.pages[0].extract_text()
    assert (
        one.startswith(b"%PDF")
        and tracking_no in text
        and "圆通速递" in text
        and f"订单号: {order_id}" in text
    )
    assert len(PdfReader(io.BytesIO(batch)).pages) == 1


def test_hand_over_is_the_pickup_scan_and_ships_the_order(app, world, clock, packing):
    s, order_id, wave_id, parcel_id = packing
    with pytest.raises(IllegalTransition):
        run(app, warehouse.hand_over, s.owner, parcel_id, at=world.now)
    pack_all(app, world, s, parcel_id)
    run(app, warehouse.label, s.owner, parcel_id, carrier="sf", at=world.now)
    at = clock.advance(H)
    run(app, warehouse.hand_over, s.owner, parcel_id, at=at)
    order = order_state(app, order_id)
    assert (order.status, order.shipped_at, order.picked_up_at) == ("shipped", at, at)
    clock.advance(40 * H)
    assert world.carrier_tick() == 2
    assert order_state(app, order_id).status == "delivered"
    assert timeline(app, order_id) == [
        "placed",
        "paid",
        "picked",
        "packed",
        "labelled",
        "picked_up",
        "in_transit",
        "delivered",
    ]


def test_split_shipment_is_delivered_when_every_parcel_is(app, world, clock):
    s = Stock(world, (("KM", 1), ("SH", 2)))
    sku = s.sku(201)
    s.receive(0, sku, 3, "KM1")
    s.receive(1, sku, 10, "SH1")
    order_id = world.paid_order(world.user(), sku, 5)
    tracking = []
    for house in (0, 1):
        wave_id = run(app, warehouse.create_wave, s.owner, s.houses[house], at=world.now)
        run(app, warehouse.confirm_picked, s.owner, wave_id, at=world.now)
        with app.uow.read() as c:
            parcel_id = c.execute(select(parcels.c.id).where(parcels.c.wave_id == wave_id)).scalar_one()
        pack_all(app, world, s, parcel_id)
        tracking.append(run(app, warehouse.label, s.owner, parcel_id, carrier="sf", at=world.now))
        run(app, warehouse.hand_over, s.owner, parcel_id, at=clock.advance(H * (10 if house else 1)))
    first = order_state(app, order_id)
    assert (
        first.status == "shipped" and first.picked_up_at == first.shipped_at
    )  # the first pickup ships the order
    with app.uow.read() as c:
        rows = c.execute(
            select(shipments.c.tracking_no, shipments.c.parcels)
            .where(shipments.c.order_id == order_id)
            .order_by(shipments.c.id)
        ).all()
    assert [tuple(r) for r in rows] == [(tracking[0], 2), (tracking[1], 2)]
    clock.set(first.shipped_at + 36 * H)  # the first parcel arrives, the second is still on its way
    world.carrier_tick()
    assert order_state(app, order_id).status == "shipped"
    clock.advance(10 * H)
    world.carrier_tick()
    assert order_state(app, order_id).status == "delivered"
    with app.uow.read() as c:
        assert (
            c.execute(
                select(func.count())
                .select_from(order_events)
                .where(order_events.c.order_id == order_id, order_events.c.kind == "picked_up")
            ).scalar()
            == 2
        )


def test_an_order_shipped_by_hand_is_not_picked_again(app, world):
    s = Stock(world)
    sku = s.sku(301)
    s.receive(0, sku, 5)
    order_id = world.paid_order(world.user(), sku, 1)
    s.allocate(order_id)
    world.ship(s.owner, order_id)  # the old ship form: carrier and tracking number typed in
    with pytest.raises(Conflict, match="nothing to pick"):
        run(app, warehouse.create_wave, s.owner, s.houses[0], at=world.now)
