"""docs/examples/webhook_receiver.py, run as its own process, accepts a real signed delivery
from the worker and refuses a forged one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from pledge.integrations import delivery
from tests.support import World
from tests.webhook_support import register

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "webhook_receiver.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_example_receiver_verifies_a_real_delivery(world: World) -> None:
    app = world.app
    app.clock.set(app.clock.now().fromtimestamp(time.time(), tz=app.clock.now().tzinfo))  # its clock is real
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id)
    port = _free_port()
    endpoint = register(app, owner, shop_id, f"http://127.0.0.1:{port}/hook")
    env = {**os.environ, "PLEDGE_WEBHOOK_SECRET": endpoint["secret"]}
    receiver = subprocess.Popen(
        [sys.executable, str(EXAMPLE), str(port)], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert receiver.stdout is not None
        assert receiver.stdout.readline().strip() == f"listening on {port}"
        world.paid_order(world.user("buyer"), sku)
        assert delivery.deliver_due(app.uow, app.clock, delivery.HttpSender(), allow_private=True) == 1
        line = receiver.stdout.readline().split()
        forged = urllib.request.Request(
            f"http://127.0.0.1:{port}/hook",
            data=b'{"id":"x","type":"order.paid"}',
            headers={"X-Pledge-Signature": f"t={int(time.time())},v1=00"},
        )
        try:
            urllib.request.urlopen(forged, timeout=5)
            status = 200
        except urllib.error.HTTPError as e:
            status = e.code
    finally:
        receiver.kill()
        receiver.wait(10)
    assert line[0] == "verified" and line[2] == "order.paid"
    assert status == 400
