"""Webhooks are recorded exactly once per endpoint and event across concurrent workers and a
worker killed mid-delivery (PostgreSQL). Three workers claim at once (FOR UPDATE SKIP LOCKED);
a fourth, a separate process, is SIGKILLed while the receiver holds its request: its lease
expires and a restarted worker delivers that event. The network saw that one event twice (the
killed attempt and the redelivery: at-least-once, receivers dedupe by event id); every other
event arrived once, and every delivery row is delivered once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from pledge.integrations import delivery
from pledge.integrations.tables import webhook_deliveries
from tests.conftest import make_app
from tests.support import World, run_concurrently
from tests.webhook_support import Receiver, register

pytestmark = pytest.mark.postgres

WORKER = """
import sys
from datetime import datetime
from pledge.bootstrap import build
from pledge.config import Settings
from pledge.integrations import delivery
from pledge.kernel.clock import FixedClock
app = build(Settings(database_url=sys.argv[1]), clock=FixedClock(datetime.fromisoformat(sys.argv[2])))
delivery.deliver_due(app.uow, app.clock, delivery.HttpSender(), allow_private=True, limit=1)
"""
ORDERS = 12


def _kill_mid_delivery(app, receiver: Receiver, url: str) -> dict:
    """A worker process sends one delivery; the receiver holds it; the process is killed."""
    receiver.hold.clear()
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, url, app.clock.now().isoformat()],
        cwd=os.getcwd(),
        stdout=subprocess.DEVNULL,
    )
    try:
        assert receiver.arrived.wait(60), "the worker process sent nothing"
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)
    finally:
        if worker.poll() is None:
            worker.kill()
    receiver.hold.set()
    (held,) = receiver.received
    return held


def test_each_event_is_recorded_once_per_endpoint_across_concurrent_and_killed_workers(postgres_url, clock):
    app = make_app(postgres_url, clock)
    world = World(app)
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, stock=100)
    try:
        with Receiver() as receiver:
            register(app, owner, shop_id, receiver.url("/a"))
            register(app, owner, shop_id, receiver.url("/b"))
            for n in range(ORDERS):
                world.paid_order(world.user(f"buyer{n}"), sku)
            held = _kill_mid_delivery(app, receiver, postgres_url)

            def worker():
                return delivery.deliver_due(
                    app.uow, app.clock, delivery.HttpSender(), allow_private=True, limit=3
                )

            delivered = run_concurrently([worker, worker, worker])
            assert all(isinstance(n, int) for n in delivered), delivered
            assert sum(delivered) == 2 * ORDERS - 1  # all but the killed worker's, still leased
            app.clock.advance(delivery.LEASE + timedelta(seconds=1))
            assert worker() == 1  # the restarted worker: the lease expired
            counts = receiver.per_path_event_counts()
        with app.uow.read() as c:
            rows = c.execute(select(webhook_deliveries)).all()
    finally:
        app.uow.engine.dispose()
    assert len(rows) == 2 * ORDERS and {r.status for r in rows} == {"delivered"}
    per_endpoint = Counter(path for path, _ in counts)
    assert per_endpoint == {"/a": ORDERS, "/b": ORDERS}  # distinct events per endpoint
    duplicates = {key: n for key, n in counts.items() if n > 1}
    assert duplicates == {(held["path"], held["id"]): 2}  # only the killed attempt's event
