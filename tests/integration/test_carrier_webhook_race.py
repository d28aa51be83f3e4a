"""The same carrier event delivered twice at the same moment (a carrier retrying on a timeout)
is stored once: the second delivery loses on UNIQUE (carrier, event_id) and leaves nothing."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from pledge.fulfilment.tables import tracking_events
from pledge.logistics.tables import carrier_deliveries
from pledge.logistics.webhook import carrier_secret, receive_event, sign
from tests.conftest import make_app
from tests.integration.test_logistics_sweeps import bare_shipment
from tests.support import World, run_concurrently


def test_two_simultaneous_copies_of_one_event_store_it_once(postgres_url, clock):
    app = make_app(postgres_url, clock)
    try:
        world = World(app)
        shop_id, owner = world.shop()
        order_id = world.paid_order(world.user(), world.product(owner, shop_id))
        shipment_id = bare_shipment(app, world, owner, order_id, tracking_no="SF5550001111")
        body = json.dumps(
            {
                "event_id": "sf-race-1",
                "tracking_no": "SF5550001111",
                "kind": "picked_up",
                "occurred_at": clock.now().isoformat(),
            }
        ).encode()
        ts = str(int(clock.now().timestamp()))
        secret = carrier_secret(app.settings, "sf")

        def deliver():
            with app.uow.begin() as conn:
                return receive_event(
                    conn,
                    carrier="sf",
                    secret=secret,
                    timestamp=ts,
                    signature=sign(secret, ts, body),
                    body=body,
                    now=clock.now(),
                )

        out = run_concurrently([deliver for _ in range(6)])
        assert sorted(o["status"] for o in out) == ["accepted"] + ["duplicate"] * 5, out
        with app.uow.read() as c:
            assert (
                c.execute(
                    select(func.count())
                    .select_from(tracking_events)
                    .where(tracking_events.c.shipment_id == shipment_id)
                ).scalar()
                == 1
            )
            assert c.execute(select(func.count()).select_from(carrier_deliveries)).scalar() == 1
    finally:
        app.uow.engine.dispose()
