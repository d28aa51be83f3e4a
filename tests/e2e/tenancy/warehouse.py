"""Tenancy cases of inventory, the warehouse and flash deals: a shop's warehouses, stock, waves,
parcels, labels and deals are its members' only; a deal page is public; an order's live stream
is its buyer's and its shop's."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import select

from pledge.flash import services as flash
from pledge.inventory import services as inventory
from pledge.inventory.tables import parcels, warehouses
from pledge.warehouse import services as warehouse
from tests.e2e.tenancy import Case, Ids

BARCODE = "6901234567892"
_codes = itertools.count(1)
OPEN_WAVE = (("wave_id", "open_wave_id"),)
PACKED = (("parcel_id", "packed_parcel_id"),)
LABELLED = (("parcel_id", "labelled_parcel_id"),)
DEAL = {
    "sku_id": 0,
    "price_fen": 990,
    "quantity": 1,
    "per_buyer_limit": 1,
    "starts_at": "2026-09-01T08:00:00+08:00",
    "ends_at": "2030-01-01T00:00:00+08:00",
}


def _form(csrf: str, **fields) -> dict:
    return {"data": {"csrf_token": csrf, **{k: str(v) for k, v in fields.items()}}}


ROUTES: dict[tuple[str, str], Case] = {
    ("POST", "/api/v1/shops/{shop_id}/warehouses"): Case(
        "denied", lambda ids, csrf: {"json": {"code": f"X{next(_codes)}", "name": "越权仓"}}, ok=201
    ),
    ("GET", "/api/v1/shops/{shop_id}/stock"): Case("denied"),
    ("PUT", "/api/v1/shops/{shop_id}/allocation-strategy"): Case(
        "denied", lambda ids, csrf: {"json": {"strategy": "priority"}}
    ),
    ("PUT", "/api/v1/skus/{sku_id}/barcode"): Case(
        "denied", lambda ids, csrf: {"json": {"barcode": BARCODE}}
    ),
    ("POST", "/api/v1/warehouses/{warehouse_id}/receipts"): Case(
        "denied", lambda ids, csrf: {"json": {"lines": [{"sku_id": ids.sku_id, "quantity": 1}]}}, ok=201
    ),
    ("POST", "/api/v1/warehouses/{warehouse_id}/adjustments"): Case(
        "denied", lambda ids, csrf: {"json": {"sku_id": ids.sku_id, "delta": -1, "reason": "越权调整"}}
    ),
    ("POST", "/api/v1/warehouses/{warehouse_id}/counts"): Case(
        "denied", lambda ids, csrf: {"json": {"sku_id": ids.sku_id, "counted": 1}}
    ),
    ("PUT", "/api/v1/warehouses/{warehouse_id}/low-stock"): Case(
        "denied", lambda ids, csrf: {"json": {"sku_id": ids.sku_id, "low_at": 3}}
    ),
    ("GET", "/api/v1/warehouses/{warehouse_id}/movements"): Case("denied"),
    ("POST", "/api/v1/warehouses/{warehouse_id}/waves"): Case("denied", ok=201),
    ("GET", "/api/v1/waves/{wave_id}"): Case("denied"),
    ("POST", "/api/v1/waves/{wave_id}/picked"): Case("denied", params=OPEN_WAVE),
    ("GET", "/api/v1/waves/{wave_id}/labels.pdf"): Case("denied"),
    ("GET", "/api/v1/parcels/{parcel_id}"): Case("denied"),
    ("POST", "/api/v1/parcels/{parcel_id}/scans"): Case(
        "denied", lambda ids, csrf: {"json": {"barcode": BARCODE}}
    ),
    ("POST", "/api/v1/parcels/{parcel_id}/label"): Case(
        "denied", lambda ids, csrf: {"json": {"carrier": "sf"}}, params=PACKED
    ),
    ("GET", "/api/v1/parcels/{parcel_id}/label.pdf"): Case("denied", params=LABELLED),
    ("POST", "/api/v1/parcels/{parcel_id}/handover"): Case("denied", params=LABELLED),
    ("GET", "/api/v1/shops/{shop_id}/pack-report"): Case("denied"),
    ("POST", "/api/v1/shops/{shop_id}/flash-deals"): Case(
        "denied", lambda ids, csrf: {"json": dict(DEAL, sku_id=ids.sku_id)}, ok=201
    ),
    ("GET", "/api/v1/shops/{shop_id}/flash-deals"): Case("denied"),
    ("GET", "/api/v1/flash-deals/{deal_id}"): Case("public"),
    # pages
    ("GET", "/orders/{order_id}/stream"): Case("denied", lambda ids, csrf: {"params": {"wait": "0"}}),
    ("GET", "/merchant/shops/{shop_id}/warehouse"): Case("denied"),
    ("POST", "/merchant/shops/{shop_id}/warehouses"): Case(
        "denied", lambda ids, csrf: _form(csrf, code=f"Y{next(_codes)}", name="越权仓"), ok=303
    ),
    ("POST", "/merchant/warehouses/{warehouse_id}/receipts"): Case(
        "denied",
        lambda ids, csrf: _form(csrf, sku_id=ids.sku_id, quantity=1, lot_code="L9", expires_on="2026-12-01"),
        ok=303,
    ),
    ("POST", "/merchant/warehouses/{warehouse_id}/adjustments"): Case(
        "denied", lambda ids, csrf: _form(csrf, sku_id=ids.sku_id, delta=-1, reason="越权调整"), ok=303
    ),
    ("POST", "/merchant/warehouses/{warehouse_id}/waves"): Case(
        "denied", lambda ids, csrf: _form(csrf), ok=303
    ),
    ("GET", "/merchant/waves/{wave_id}"): Case("denied"),
    ("POST", "/merchant/waves/{wave_id}/picked"): Case(
        "denied", lambda ids, csrf: _form(csrf), ok=303, params=OPEN_WAVE
    ),
    ("GET", "/merchant/waves/{wave_id}/labels.pdf"): Case("denied"),
    ("GET", "/merchant/parcels/{parcel_id}"): Case("denied"),
    ("POST", "/merchant/parcels/{parcel_id}/scan"): Case(
        "denied", lambda ids, csrf: _form(csrf, barcode=BARCODE), ok=303
    ),
    ("POST", "/merchant/parcels/{parcel_id}/label"): Case(
        "denied", lambda ids, csrf: _form(csrf, carrier="sf"), ok=303, params=PACKED
    ),
    ("GET", "/merchant/parcels/{parcel_id}/label.pdf"): Case("denied", params=LABELLED),
    ("POST", "/merchant/parcels/{parcel_id}/handover"): Case(
        "denied", lambda ids, csrf: _form(csrf), ok=303, params=LABELLED
    ),
    ("GET", "/flash/{deal_id}"): Case("public"),
    ("GET", "/merchant/shops/{shop_id}/flash"): Case("denied"),
    ("POST", "/merchant/shops/{shop_id}/flash"): Case(
        "denied",
        lambda ids, csrf: _form(csrf, sku_id=ids.sku_id, price="9.90", quantity=1, minutes=60),
        ok=303,
    ),
}


def prepare(world, owner, buyer, ids: Ids) -> None:
    """The side's warehouse with stock of its SKU; a picked wave holding a parcel to scan, a
    packed one and a labelled one; a wave not yet picked; a paid order waiting for the next
    wave; a flash deal."""
    app, now = world.app, world.now
    with app.uow.begin() as c:
        house = c.execute(
            select(warehouses.c.id).where(warehouses.c.shop_id == ids.shop_id, warehouses.c.code == "TEN")
        ).scalar()
        if house is None:
            house = inventory.create_warehouse(
                c, owner, shop_id=ids.shop_id, code="TEN", name="昆明仓", at=now
            )
        inventory.set_barcode(c, owner, ids.sku_id, BARCODE)
        inventory.receive(c, owner, house, [inventory.ReceiptLine(ids.sku_id, 80, "TEN")], at=now)
    to_scan, to_pack, to_label = (world.paid_order(buyer, ids.sku_id, n) for n in (3, 1, 1))

    def act(fn, *args, **kwargs):
        with app.uow.begin() as c:
            return fn(c, owner, *args, **kwargs)

    wave_id = act(warehouse.create_wave, house, at=now)
    act(warehouse.confirm_picked, wave_id, at=now)
    with app.uow.read() as c:
        parcel_of = dict(
            c.execute(select(parcels.c.order_id, parcels.c.id).where(parcels.c.wave_id == wave_id)).all()
        )
    for order_id in (to_pack, to_label):
        act(warehouse.scan, parcel_of[order_id], BARCODE, at=now)
    act(warehouse.label, parcel_of[to_label], carrier="sf", at=now)
    world.paid_order(buyer, ids.sku_id)
    open_wave = act(warehouse.create_wave, house, at=now)
    world.paid_order(buyer, ids.sku_id)  # waits for the next wave
    deal_id = act(
        flash.create_deal,
        flash.NewDeal(ids.shop_id, ids.sku_id, 990, 2, 1, now, now + timedelta(hours=2)),
        at=now,
    )
    ids.extra.update(
        warehouse_id=house,
        wave_id=wave_id,
        open_wave_id=open_wave,
        parcel_id=parcel_of[to_scan],
        packed_parcel_id=parcel_of[to_pack],
        labelled_parcel_id=parcel_of[to_label],
        deal_id=deal_id,
    )
