"""settlement: N delivered orders of one florist, paid over September, charged and settled by the
worker's settlement step (`pledge.settlement.services.run_step`: commission per order line,
settlement entries, proceeds moved to available), on SQLite and PostgreSQL; checks that every
order was charged once, the ledger balances and a second pass does nothing. Baseline: writing
the same orders (checkouts, orders, lines, payments and their ledger transactions) in bulk.

    python -m bench --only settlement [--settlement-orders 20000]
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from bench import ROOT, PgServer, envelope, guarded, say, scratch_dir, write_result
from pledge.bootstrap import build
from pledge.config import Settings
from pledge.kernel.clock import FixedClock
from pledge.ledger import services as ledger
from pledge.migrate import upgrade
from pledge.settlement import accounts
from pledge.settlement import services as settlement
from pledge.settlement.payouts import SandboxPayoutProvider

NAME = "settlement"
START = datetime(2026, 8, 31, 16, 0, tzinfo=UTC)  # 1 September 00:00 in Shanghai


def bench_one(url: str, n: int) -> dict:
    from tests.integration.test_settlement_story import PRICE, Florist  # the test world's bulk order builder

    upgrade(url)
    clock = FixedClock(START - timedelta(days=30))
    app = build(Settings(database_url=url), clock=clock)
    try:
        florist = Florist(app, clock)
        started = time.perf_counter()
        step = max(1, (28 * 86400) // n)
        florist.bulk_orders([START + timedelta(seconds=step * i) for i in range(n)])
        write_s = time.perf_counter() - started
        clock.set(START + timedelta(days=40))
        started = time.perf_counter()
        report = settlement.run_step(app.uow, app.rulebook, clock, SandboxPayoutProvider(app.uow))
        step_s = time.perf_counter() - started
        again = settlement.run_step(app.uow, app.rulebook, clock, SandboxPayoutProvider(app.uow))
        with app.uow.read() as c:
            balanced = sum(ledger.trial_balance(c).values()) == 0
            available = ledger.balance(c, accounts.available(florist.shop_id))
        ok = (
            report["fees_charged"] == n
            and report["settled"] == n
            and balanced
            and available == n * (PRICE - 100)
            and again["fees_charged"] == again["settled"] == 0
        )
        result = {
            "orders": n,
            "write_orders_s": round(write_s, 2),
            "settlement_step_s": round(step_s, 2),
            "orders_per_s": round(n / step_s),
            "ratio_to_baseline": round(step_s / write_s, 2),
            "correct": ok,
        }
        say(
            f"  {url.split(':')[0]}: {n} orders charged and settled in {step_s:.2f} s ({n / step_s:.0f}/s); "
            f"writing them took {write_s:.2f} s; correct={ok}"
        )
        return result
    finally:
        app.uow.engine.dispose()


def run(pg: PgServer, *, n: int = 20_000) -> dict:
    say(f"== settlement: {n} delivered orders charged and settled by the worker step ==")
    results = {}
    with scratch_dir("pledge-bench-settlement-") as workdir:
        results["sqlite"] = guarded("sqlite", lambda: bench_one(f"sqlite:///{workdir / 'bench.sqlite3'}", n))
    if pg.url:
        results["postgresql"] = guarded("postgresql", lambda: bench_one(pg.fresh_database("settlement"), n))
    else:
        results["postgresql"] = {"skipped": pg.skipped}
    data = envelope(
        NAME, pg.url, postgres_server=pg.origin, config={"orders": n, "batch": 1000}, results=results
    )
    path = write_result(NAME, data)
    say(f"  → {path.relative_to(ROOT)}")
    return data
