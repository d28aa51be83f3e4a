"""The warehouse over HTTP: a receipt, a wave, the pack station refusing a wrong item and a
missing unit as problem+json (and counting them), a label PDF, the handover, the order's
event stream; bad input changes nothing; a flash deal bought through the API; every string of
the warehouse and flash templates translated. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
from importlib import resources

from pypdf import PdfReader
from sqlalchemy import select

from pledge.catalog.tables import skus
from pledge.inventory.services import ean13_check_digit
from pledge.web.i18n import catalog
from tests.e2e.conftest import api_token, assert_problem, bearer, email_of, page_login, snapshot
from tests.integration.test_inventory import ean13
from tests.unit.test_pdf_fonts import drawable_characters

MY_TEMPLATES = (
    "warehouse_home.html",
    "warehouse_wave.html",
    "warehouse_parcel.html",
    "warehouse_estimate.html",
    "flash_deal.html",
    "flash_merchant.html",
)
CODES = {
    "parcel.": ("allocated", "picking", "picked", "packed", "labelled", "handed_over", "released"),
    "strategy.": ("priority", "most_stock"),
    "event.": ("picked", "packed", "labelled"),
    "pack.": ("wrong_item", "missing_unit", "unreadable"),
}


def setup(app, world, client):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, stock=0, title="A级向日葵 12枝")
    rose = world.product(owner, shop_id, stock=0, title="红玫瑰")
    auth = bearer(api_token(client, email_of(app, owner.user_id)))
    house = client.post(
        f"/api/v1/shops/{shop_id}/warehouses",
        json={"code": "KM", "name": "昆明仓", "city": "昆明"},
        headers=auth,
    ).json()["id"]
    for n, s in ((1, sku), (2, rose)):
        assert (
            client.put(f"/api/v1/skus/{s}/barcode", json={"barcode": ean13(n)}, headers=auth).status_code
            == 200
        )
        resp = client.post(
            f"/api/v1/warehouses/{house}/receipts",
            headers=auth,
            json={"lines": [{"sku_id": s, "quantity": 10, "lot_code": "L1", "expires_on": "2026-09-08"}]},
        )
        assert resp.status_code == 201, resp.text
    return shop_id, owner, sku, rose, auth, house


def test_pick_pack_label_hand_over_over_http(app, world, client):
    shop_id, owner, sku, rose, auth, house = setup(app, world, client)
    buyer = world.user()
    order_id = world.paid_order(buyer, sku, 2)
    wave = client.post(f"/api/v1/warehouses/{house}/waves", headers=auth)
    assert wave.status_code == 201, wave.text
    wave = wave.json()
    assert [(line["lot_code"], line["units"]) for line in wave["lines"]] == [("L1", 2)]
    parcel_id = wave["parcels"][0]["id"]
    assert client.post(f"/api/v1/waves/{wave['wave']['id']}/picked", headers=auth).json()["parcels"] == 1

    assert (
        client.post(
            f"/api/v1/parcels/{parcel_id}/scans", json={"barcode": ean13(1)}, headers=auth
        ).status_code
        == 200
    )
    wrong = assert_problem(
        client.post(f"/api/v1/parcels/{parcel_id}/scans", json={"barcode": ean13(2)}, headers=auth), 409
    )
    assert wrong["blocked"] == "wrong_item" and "wrong item" in wrong["detail"]
    missing = assert_problem(
        client.post(f"/api/v1/parcels/{parcel_id}/label", json={"carrier": "sf"}, headers=auth), 409
    )
    assert missing["blocked"] == "missing_unit"
    before = snapshot(app)
    for code in (ean13(7), "6901234567891", "abc"):  # unknown to the shop, wrong check digit, not a barcode
        assert_problem(
            client.post(f"/api/v1/parcels/{parcel_id}/scans", json={"barcode": code}, headers=auth), 422
        )
    assert snapshot(app) == before
    assert (
        client.post(f"/api/v1/parcels/{parcel_id}/scans", json={"barcode": ean13(1)}, headers=auth).json()[
            "status"
        ]
        == "packed"
    )
    assert client.get(f"/api/v1/shops/{shop_id}/pack-report", headers=auth).json() == {
        "ok": 2,
        "wrong_item": 1,
        "missing_unit": 1,
    }

    label = client.post(f"/api/v1/parcels/{parcel_id}/label", json={"carrier": "sf"}, headers=auth).json()
    pdf = client.get(label["label_url"], headers=auth)
    assert pdf.headers["content-type"] == "application/pdf"
    label_text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert label["tracking_no"] in label_text and "收件人" in label_text
    assert set("收件人订单号") <= drawable_characters(pdf.content)  # the statements' embedded font
    assert client.post(f"/api/v1/parcels/{parcel_id}/handover", headers=auth).status_code == 200
    order = client.get(f"/api/v1/orders/{order_id}", headers=auth).json()
    assert order["status"] == "shipped"
    assert [e["kind"] for e in order["events"]][-4:] == ["picked", "packed", "labelled", "picked_up"]

    page_login(client, email_of(app, buyer.user_id), f"/orders/{order_id}")
    stream = client.get(f"/orders/{order_id}/stream", params={"wait": "0"})
    assert stream.headers["content-type"].startswith("text/event-stream")
    assert stream.text.startswith("event: update\ndata: ") and all(
        s in stream.text for s in ("已拣货", "已打包", "已打印面单", "快递揽收", "预计送达")
    )


def test_bad_stock_input_is_refused_and_changes_nothing(app, world, client):
    shop_id, owner, sku, rose, auth, house = setup(app, world, client)
    before = snapshot(app)
    for body in (
        {"sku_id": sku, "delta": -11, "reason": "破损"},
        {"sku_id": sku, "delta": -1, "reason": ""},
        {"sku_id": 424242, "delta": 1, "reason": "x"},
    ):
        assert_problem(
            client.post(f"/api/v1/warehouses/{house}/adjustments", json=body, headers=auth), (404, 422)
        )
    assert_problem(
        client.put(f"/api/v1/skus/{sku}/barcode", json={"barcode": "6901234567891"}, headers=auth), 422
    )
    assert_problem(
        client.put(f"/api/v1/shops/{shop_id}/allocation-strategy", json={"strategy": "random"}, headers=auth),
        422,
    )
    unpaid = world.place(world.user(), (sku, 1)).order_ids[0]
    before = snapshot(app)
    assert_problem(
        client.post(f"/api/v1/warehouses/{house}/waves", headers=auth), 409
    )  # an unpaid order waits for nothing
    assert snapshot(app) == before
    assert client.get(f"/api/v1/orders/{unpaid}", headers=auth).json()["status"] == "pending_payment"
    stock = client.get(f"/api/v1/shops/{shop_id}/stock", headers=auth).json()
    assert {(r["sku_id"], r["on_hand"], r["sellable"]) for r in stock["stock"]} == {
        (sku, 10, 9),
        (rose, 10, 10),
    }


def test_a_flash_deal_over_http(app, world, client):
    shop_id, owner, sku, rose, auth, house = setup(app, world, client)
    deal = client.post(
        f"/api/v1/shops/{shop_id}/flash-deals",
        headers=auth,
        json={
            "sku_id": sku,
            "price_fen": 990,
            "quantity": 2,
            "per_buyer_limit": 1,
            "starts_at": "2026-09-01T10:00:00+08:00",
            "ends_at": "2026-09-01T11:00:00+08:00",
        },
    )
    assert deal.status_code == 201, deal.text
    deal_id = deal.json()["id"]
    for _ in range(2):
        buyer = bearer(api_token(client, email_of(app, world.user().user_id)))
        bought = client.post("/api/v1/flash-orders", json={"deal_id": deal_id}, headers=buyer)
        assert bought.status_code == 201 and bought.json()["total_fen"] == 990
        again = assert_problem(
            client.post("/api/v1/flash-orders", json={"deal_id": deal_id}, headers=buyer), 409
        )
        assert "limit is 1 per buyer" in again["detail"]
    late = bearer(api_token(client, email_of(app, world.user().user_id)))
    before = snapshot(app)
    assert (
        assert_problem(client.post("/api/v1/flash-orders", json={"deal_id": deal_id}, headers=late), 409)[
            "code"
        ]
        == "out_of_stock"
    )
    assert snapshot(app) == before
    assert client.get(f"/api/v1/flash-deals/{deal_id}").json()["remaining"] == 0
    assert "已抢光" in client.get(f"/flash/{deal_id}").text


def test_product_page_shows_the_promised_ship_time_and_an_estimated_delivery(app, world, client):
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, promise="48h")
    with app.uow.read() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
    page = client.get(f"/products/{product_id}")
    # paid now (2026-09-01 10:00 Shanghai): ships within 48 h, then 72 h in transit (transit.default)
    assert "最晚发货 9月3日 10:00" in page.text and "预计送达 9月6日 10:00" in page.text
    assert "Ships by 3 Sep 10:00" in client.get(f"/products/{product_id}?lang=en").text


def test_every_warehouse_and_flash_string_is_translated():
    folder = resources.files("pledge.web") / "templates"
    msgids = set()
    for name in MY_TEMPLATES:
        text = (folder / name).read_text(encoding="utf-8")
        msgids |= {a or b for a, b in re.findall(r"""_\(\s*"([^"]+)"|_\(\s*'([^']+)'""", text)}
    assert "Pack station" in msgids and "Grab it" in msgids
    msgids = {m for m in msgids if not m.endswith(".")} | {"Warehouse"}  # + the nav link in base.html
    codes = {prefix + c for prefix, names in CODES.items() for c in names}
    zh, en = catalog("zh_CN"), catalog("en")
    assert not sorted((msgids | codes) - zh.keys()), "missing in zh_CN"
    assert not sorted(codes - en.keys()), "missing in en"
    assert ean13_check_digit("400638133393") == 1
