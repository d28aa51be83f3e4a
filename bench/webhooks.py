"""webhooks: events a second through the outbox to a receiver on 127.0.0.1 (real HTTP), and the
lag from the publishing transaction's commit to the receiver's hand, p50/p99. One thread
publishes N `order.paid` events (one transaction each, as a domain change would); one worker
thread runs the delivery pass (`pledge.integrations.delivery.deliver_due`) in a loop, polling
every 10 ms when idle (the real worker's pass runs every PLEDGE_SWEEP_INTERVAL_SECONDS, 5 s by
default, which adds up to that much lag). Baseline, same run, same receiver: N plain signed POSTs
through the same HTTP client, without the outbox. Checks every event arrived exactly once.

    python -m bench --only webhooks [--webhook-events 2000]
"""

from __future__ import annotations

import threading
import time

from bench import ROOT, PgServer, envelope, guarded, percentile, say, scratch_dir, write_result
from pledge.bootstrap import build
from pledge.config import Settings
from pledge.integrations import delivery, outbox
from pledge.kernel.clock import SystemClock
from pledge.migrate import upgrade

NAME = "webhooks"


def _baseline(receiver, n: int) -> dict:
    sender = delivery.HttpSender()
    body = b'{"id":"baseline","type":"order.paid"}'
    headers = {"Content-Type": "application/json", "X-Pledge-Signature": delivery.signature("s", 0, body)}
    started = time.perf_counter()
    for _ in range(n):
        sender.post(receiver.url("/baseline"), body, headers)
    elapsed = time.perf_counter() - started
    return {"posts": n, "seconds": round(elapsed, 2), "per_second": round(n / elapsed)}


def _publish(app, shop_id: int, n: int, committed: dict[int, float]) -> None:
    for i in range(1, n + 1):
        now = app.clock.now()
        with app.uow.begin() as c:
            outbox.publish(c, shop_id, "order.paid", i, {"order_id": i, "at": now, "detail": {}}, at=now)
        committed[i] = time.time()


def _work(app, stop: threading.Event) -> None:
    sender = delivery.HttpSender()
    while not stop.is_set():
        if delivery.deliver_due(app.uow, app.clock, sender, allow_private=True, limit=50) == 0:
            time.sleep(0.01)


def bench_one(url: str, n: int) -> dict:
    from tests.support import World
    from tests.webhook_support import Receiver, register

    upgrade(url)
    app = build(Settings(database_url=url, webhooks_allow_private_hosts=True), clock=SystemClock())
    try:
        world = World(app)
        shop_id, owner = world.shop()
        with Receiver() as receiver:
            baseline = _baseline(receiver, n)
            register(app, owner, shop_id, receiver.url("/hook"))
            committed: dict[int, float] = {}
            stop = threading.Event()
            worker = threading.Thread(target=_work, args=(app, stop))
            started = time.time()
            worker.start()
            _publish(app, shop_id, n, committed)
            deadline = time.time() + 300
            while time.time() < deadline and len(receiver.per_path_event_counts()) < n + 1:
                time.sleep(0.05)
            stop.set()
            worker.join(60)
            hooks = [r for r in receiver.received if r["path"] == "/hook"]
        finished = max(r["arrived"] for r in hooks)
        lags = [r["arrived"] - committed[r["data"]["order_id"]] for r in hooks]
        once = len({r["id"] for r in hooks}) == len(hooks) == n
        result = {
            "events": n,
            "seconds": round(finished - started, 2),
            "events_per_second": round(n / (finished - started)),
            "lag_p50_ms": round(percentile(lags, 50) * 1000, 1),
            "lag_p99_ms": round(percentile(lags, 99) * 1000, 1),
            "baseline_raw_posts": baseline,
            "ratio_to_baseline": round(baseline["per_second"] / (n / (finished - started)), 2),
            "each_event_once": once,
        }
        say(
            f"  {url.split(':')[0]}: {result['events_per_second']} events/s through the outbox "
            f"(raw POSTs: {baseline['per_second']}/s), commit→receiver lag p50 {result['lag_p50_ms']} ms, "
            f"p99 {result['lag_p99_ms']} ms; each event once={once}"
        )
        return result
    finally:
        app.uow.engine.dispose()


def run(pg: PgServer, *, n: int = 2000) -> dict:
    say(f"== webhooks: {n} events through the outbox to a receiver on 127.0.0.1 ==")
    results = {}
    with scratch_dir("pledge-bench-webhooks-") as workdir:
        results["sqlite"] = guarded("sqlite", lambda: bench_one(f"sqlite:///{workdir / 'bench.sqlite3'}", n))
    if pg.url:
        results["postgresql"] = guarded("postgresql", lambda: bench_one(pg.fresh_database("webhooks"), n))
    else:
        results["postgresql"] = {"skipped": pg.skipped}
    data = envelope(NAME, pg.url, postgres_server=pg.origin, config={"events": n}, results=results)
    path = write_result(NAME, data)
    say(f"  → {path.relative_to(ROOT)}")
    return data
