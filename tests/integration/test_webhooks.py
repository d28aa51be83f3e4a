"""Webhooks (issue 20): events written to the outbox in the change's transaction, fanned out once
per subscribed endpoint, delivered signed to a real receiver on 127.0.0.1, retried on schedule
(30 s doubling plus the delivery's fixed jitter) and parked 24 hours after the first attempt,
in order per endpoint and aggregate. Each runs on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pledge.integrations import delivery, outbox, webhooks
from pledge.integrations.tables import webhook_attempts, webhook_deliveries, webhook_events
from pledge.kernel.errors import NotFound
from tests.support import World
from tests.webhook_support import Receiver, register, secret_of


def deliver(app, sender=None) -> int:
    return delivery.deliver_due(app.uow, app.clock, sender or delivery.HttpSender(), allow_private=True)


def rows(app, table, **where):
    with app.uow.read() as c:
        q = select(table)
        for k, v in where.items():
            q = q.where(table.c[k] == v)
        return c.execute(q.order_by(table.c.id)).all()


class Failing:
    """A sender whose endpoint answers 503 until told otherwise; records when it was called."""

    def __init__(self, clock, status: int = 503) -> None:
        self.clock, self.status, self.calls = clock, status, []

    def post(self, url, body, headers) -> int:
        self.calls.append((self.clock.now(), json.loads(body)["type"], json.loads(body)["data"]))
        return self.status


def test_a_paid_order_is_delivered_signed_once_per_endpoint(world: World) -> None:
    app = world.app
    shop_id, owner = world.shop()
    other_shop, other_owner = world.shop("别家")
    sku = world.product(owner, shop_id)
    buyer = world.user("buyer")
    with Receiver() as receiver:
        first = register(app, owner, shop_id, receiver.url("/a"), events=["order.paid", "order.shipped"])
        register(app, owner, shop_id, receiver.url("/b"), events=["order.paid"])
        register(app, other_owner, other_shop, receiver.url("/other"), events=["order.paid"])
        order_id = world.paid_order(buyer, sku)
        assert deliver(app) == 2
        assert deliver(app) == 0  # nothing twice
    got = {r["path"]: r for r in receiver.received}
    assert sorted(got) == ["/a", "/b"]  # not the other shop's endpoint
    hit = got["/a"]
    assert hit["type"] == "order.paid" and hit["version"] == 1 and hit["data"]["order_id"] == order_id
    assert hit["headers"]["X-Pledge-Event-Id"] == hit["id"]
    stamp = hit["headers"]["X-Pledge-Timestamp"]
    assert stamp == str(int(app.clock.now().timestamp()))
    mac = hmac.new(first["secret"].encode(), f"{stamp}.".encode() + hit["body"], hashlib.sha256).hexdigest()
    assert hit["headers"]["X-Pledge-Signature"] == f"t={stamp},v1={mac}"
    assert [d.status for d in rows(app, webhook_deliveries)] == ["delivered", "delivered"]
    assert len(rows(app, webhook_events, type="order.paid")) == 1


def test_an_event_rolled_back_with_its_change_is_never_published(world: World) -> None:
    app = world.app
    shop_id, owner = world.shop()
    register(app, owner, shop_id, "http://127.0.0.1:9/x")
    with pytest.raises(RuntimeError), app.uow.begin() as c:
        outbox.publish(
            c, shop_id, "order.paid", 1, {"order_id": 1, "at": world.now, "detail": {}}, at=world.now
        )
        raise RuntimeError("the change failed")
    assert rows(app, webhook_events) == [] and rows(app, webhook_deliveries) == []


def test_a_payload_that_breaks_its_schema_is_refused(world: World) -> None:
    shop_id, _ = world.shop()
    with pytest.raises(ValueError, match="schema"), world.app.uow.begin() as c:
        outbox.publish(c, shop_id, "order.paid", 1, {"order_id": "one"}, at=world.now)


def test_a_failing_endpoint_is_retried_on_the_backoff_schedule_then_parked(world: World) -> None:
    app = world.app
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id)
    register(app, owner, shop_id, "http://127.0.0.1:9/down")
    world.paid_order(world.user("buyer"), sku)
    sender = Failing(app.clock)
    start = app.clock.now()
    (d,) = rows(app, webhook_deliveries)
    expected, at = [start], start
    for failed in range(1, 40):
        at = at + delivery.retry_delay(d.id, failed)
        if at > start + delivery.GIVE_UP_AFTER:
            break
        expected.append(at)
    for _ in range(60):  # tick through the day in steps, as a worker would
        deliver(app, sender)
        app.clock.advance(timedelta(seconds=29))
        (d,) = rows(app, webhook_deliveries)
        if d.status != "pending":
            break
        if d.next_attempt_at > app.clock.now():
            app.clock.set(d.next_attempt_at)
    assert [c[0] for c in sender.calls] == expected
    assert delivery.retry_delay(d.id, 1) >= timedelta(seconds=30)
    assert delivery.retry_delay(d.id, 2) == 2 * delivery.retry_delay(d.id, 1)
    assert d.status == "parked" and d.attempts == len(expected)
    log = rows(app, webhook_attempts, delivery_id=d.id)
    assert [a.status_code for a in log] == [503] * len(expected) and log[0].error == "HTTP 503"


def test_deliveries_of_one_order_go_out_in_order(world: World) -> None:
    """A later event about the same order waits while an earlier one to that endpoint is pending."""
    app = world.app
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id)
    register(app, owner, shop_id, "http://127.0.0.1:9/x", events=["order.paid", "order.shipped"])
    order_id = world.paid_order(world.user("buyer"), sku)
    world.ship(owner, order_id)
    sender = Failing(app.clock)
    deliver(app, sender)
    assert [c[1] for c in sender.calls] == ["order.paid"]  # order.shipped waits
    app.clock.advance(timedelta(hours=1))
    sender.status = 200
    deliver(app, sender)
    assert [c[1] for c in sender.calls] == ["order.paid", "order.paid", "order.shipped"]


def test_replay_sends_the_same_event_again_as_a_new_delivery(world: World) -> None:
    app = world.app
    shop_id, owner = world.shop()
    _, stranger = world.shop("别家")
    sku = world.product(owner, shop_id)
    with Receiver() as receiver:
        endpoint = register(app, owner, shop_id, receiver.url())
        world.paid_order(world.user("buyer"), sku)
        deliver(app)
        (original,) = rows(app, webhook_deliveries)
        with app.uow.begin() as c, pytest.raises(NotFound):
            webhooks.replay(c, stranger, original.id, at=app.clock.now())
        with app.uow.begin() as c:
            replayed = webhooks.replay(c, owner, original.id, at=app.clock.now())
        deliver(app)
    assert [r["id"] for r in receiver.received] == [original.event_id] * 2
    with app.uow.read() as c:
        log = webhooks.deliveries_of(c, owner, endpoint["id"])
    assert [(d["id"], d["replay_no"], d["status"]) for d in log] == [
        (replayed, 1, "delivered"),
        (original.id, 0, "delivered"),
    ]
    assert log[0]["attempt_log"][0]["status_code"] == 204


def test_a_disabled_endpoint_gets_nothing_and_a_rotated_secret_signs(world: World) -> None:
    app = world.app
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id)
    with Receiver() as receiver:
        endpoint = register(app, owner, shop_id, receiver.url())
        with app.uow.begin() as c:
            webhooks.set_enabled(c, owner, endpoint["id"], enabled=False, at=app.clock.now())
        world.paid_order(world.user("buyer"), sku)
        deliver(app)
        assert receiver.received == []
        with app.uow.begin() as c:
            webhooks.set_enabled(c, owner, endpoint["id"], enabled=True, at=app.clock.now())
            secret = webhooks.rotate_secret(c, owner, endpoint["id"])
        world.paid_order(world.user("buyer2"), sku)
        deliver(app)
    assert len(receiver.received) == 1 and secret != endpoint["secret"] == endpoint["secret"]
    assert secret_of(app, endpoint["id"]) == secret
    with app.uow.read() as c:
        assert c.execute(select(func.count()).select_from(webhook_events)).scalar_one() == 2


def test_the_worker_checks_the_address_again_at_delivery_time(world: World) -> None:
    """DNS rebinding: an endpoint saved while its host looked public, resolving to loopback when
    the worker (PLEDGE_WEBHOOKS_ALLOW_PRIVATE_HOSTS off) is about to send, gets nothing."""
    from pledge.worker import run_once

    app = world.app
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id)
    with Receiver() as receiver:
        register(app, owner, shop_id, receiver.url())  # saved as if it had been public
        world.paid_order(world.user("buyer"), sku)
        assert run_once(app)["webhooks_delivered"] == 0
    assert receiver.received == []
    ((attempt),) = rows(app, webhook_attempts)
    assert attempt.status_code is None and "loopback" in attempt.error
    (d,) = rows(app, webhook_deliveries)
    assert d.status == "pending" and d.next_attempt_at > app.clock.now()
