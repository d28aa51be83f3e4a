"""Demo logistics: a parcel whose carrier reports through the signed webhook only scans it 30
hours after the tracking number was uploaded (slow tracking, paid by the sweep), and a parcel
the operator found to hold the wrong item (fraudulent shipping)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import select

from pledge.accounts import services as accounts
from pledge.accounts.tables import users
from pledge.bootstrap import App
from pledge.fulfilment.services import ship_order
from pledge.fulfilment.tables import tracking_events
from pledge.kernel.clock import FixedClock
from pledge.logistics.sanctions import evaluate_sanctions
from pledge.logistics.services import report_fraudulent_shipping, sweep_logistics
from pledge.logistics.webhook import carrier_secret, receive_event, sign
from pledge.orders import services as orders
from pledge.payments.adapters import CallbackPayload
from pledge.payments.services import handle_callback


def _paid(app: App, buyer: accounts.Actor, sku_id: int, at: datetime) -> int:
    with app.uow.begin() as conn:
        placed = orders.place_order(
            conn,
            buyer,
            [orders.LineRequest(sku_id, 1)],
            at=at,
            pay_window=app.pay_window,
            guards=app.sale_guards,
        )
        handle_callback(
            conn, CallbackPayload(placed.payment_ref, placed.total_fen, "captured"), book=app.rulebook, at=at
        )
    return placed.order_ids[0]


def _push(app: App, carrier: str, event: dict, at: datetime) -> None:
    """What the carrier's system does: sign and POST; here the service is called directly."""
    body = json.dumps(event, ensure_ascii=False).encode()
    ts = str(int(at.timestamp()))
    with app.uow.begin() as conn:
        receive_event(
            conn,
            carrier=carrier,
            secret=carrier_secret(app.settings, carrier),
            timestamp=ts,
            signature=sign(carrier_secret(app.settings, carrier), ts, body),
            body=body,
            now=at,
        )


def seed_logistics(
    app: App, clock: FixedClock, shops: list[dict], buyers: list[accounts.Actor], now: datetime
) -> int:
    umbrella, fruit = shops[2], shops[1]
    start = now - timedelta(days=3)
    clock.set(start)
    slow = _paid(app, buyers[3], umbrella["skus"][0], start)
    uploaded = start + timedelta(hours=5)
    with app.uow.begin() as conn:
        shipment = ship_order(
            conn, umbrella["owner"], order_id=slow, carrier="zto", tracking_no="ZT7300028841", at=uploaded
        )
        # this waybill's scans come through the webhook only
        conn.execute(tracking_events.delete().where(tracking_events.c.shipment_id == shipment))
    for hours, kind, location in (
        (30, "picked_up", "杭州市 余杭区"),
        (40, "in_transit", "杭州转运中心"),
        (60, "delivered", "北京市 朝阳区 已签收"),
    ):
        at = uploaded + timedelta(hours=hours)
        _push(
            app,
            "zto",
            {
                "event_id": f"zto-{slow}-{kind}",
                "tracking_no": "ZT7300028841",
                "kind": kind,
                "occurred_at": at.isoformat(),
                "location": location,
                "origin_province": "浙江",
                "destination_province": "北京",
            },
            at,
        )

    wrong = _paid(app, buyers[4], fruit["skus"][0], start + timedelta(hours=1))
    with app.uow.begin() as conn:
        ship_order(
            conn,
            fruit["owner"],
            order_id=wrong,
            carrier="sf",
            tracking_no="SF1400052378",
            at=start + timedelta(hours=6),
        )
        operator = select(users.c.id).where(users.c.email == "operator@pledge.demo")
        operator_id = conn.execute(operator).scalar_one()
        report_fraudulent_shipping(
            conn,
            accounts.load_actor(conn, operator_id),
            app.rulebook,
            order_id=wrong,
            finding="wrong_item",
            note="买的脐橙，收到的是柠檬",
            at=start + timedelta(days=2),
        )
    clock.set(now)
    swept = sweep_logistics(app.uow, app.rulebook, clock)
    evaluate_sanctions(app.uow, app.rulebook, clock)
    return swept.compensated + 1
