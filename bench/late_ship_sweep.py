"""late_ship_sweep: 100 000 overdue paid orders compensated by the real sweep
(`pledge.lateship.services.sweep_late_ship`, batches of 500), with its statements per batch,
a check that every order got exactly its two parts (the late-ship cell, zero for a 48 h promise,
and the out-of-stock deduction with one coupon and one ledger transaction) and that the ledger
balances, and as the baseline the same rows written by a handful of
set-based INSERT ... SELECT statements on an identical copy of the database.

    python -m bench --only late_ship_sweep [--sweep-orders 100000] [--pg-sweep-orders N] [--batch 500]
"""

from __future__ import annotations

import gc
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, func, select, text

from bench import (
    ROOT,
    PgServer,
    envelope,
    fill_required,
    guarded,
    pg_server,
    say,
    scratch_dir,
    shape,
    sql_literal,
    write_result,
)
from bench.http_load import postgres_cpu_seconds
from bench.late_ship_checks import verify
from bench.statement_replay import differences, recording, replay
from pledge.accounts.tables import users
from pledge.bootstrap import build
from pledge.catalog.tables import shops
from pledge.compensation.tables import compensations
from pledge.config import Settings
from pledge.kernel.clock import FixedClock
from pledge.kernel.db import UtcDateTime, make_engine
from pledge.kernel.heap import freeze_startup_objects
from pledge.kernel.statements import count_statements
from pledge.lateship.services import sweep_late_ship, sweep_threads
from pledge.ledger.tables import coupons
from pledge.migrate import upgrade
from pledge.orders.tables import checkouts, orders
from pledge.rulebooks.loader import load

NAME = "late_ship_sweep"
UTC = UTC
# The sweep runs at 2026-09-01 10:00 Shanghai; orders were paid 5.5 to 9 days before with a
# 48 h promise, so every one is more than 48 h late and unshipped: the late-ship cell
# late-ship.le48h.within48 pays nothing (recorded as zero) and the table's second column, the
# out-of-stock deduction out-of-stock.pay.le48h (1% of what was paid, at least 2 and at most 50
# yuan, douyin:aHwHGWzbmk88), is paid; final.
NOW = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)
FIRST_PAID = NOW - timedelta(days=9)
SHOPS, BUYERS, CHUNK = 50, 5_000, 20_000
DUE = "late_check_at <= :now AND status IN ('paid', 'shipped', 'delivered', 'completed')"


# --- set-up: bulk inserts -------------------------------------------------------------------


def paid_fen(i: int) -> int:
    """9.90 to 9 999.90 yuan, spread so that the 2-yuan floor, the 1% middle and the 50-yuan cap
    all occur."""
    return 990 + (i * 7919 % 1000) * 1000


def load_orders(url: str, n: int) -> float:
    """Shops, buyers and n paid, unshipped 48 h orders with ship_by in the past, by executemany
    through SQLAlchemy Core in chunks (the HTTP API would take hours for 100 000)."""
    started = time.perf_counter()
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.begin() as c:
            _load_shops_and_buyers(c)
        for lo in range(1, n + 1, CHUNK):
            ids = range(lo, min(n, lo + CHUNK - 1) + 1)
            checkout_rows = [_checkout_row(i) for i in ids]
            order_rows = [_order_row(i) for i in ids]
            extra_checkout = fill_required(checkouts, checkout_rows[0], FIRST_PAID)
            extra_order = fill_required(orders, order_rows[0], FIRST_PAID)
            with engine.begin() as c:
                c.execute(checkouts.insert(), [{**r, **extra_checkout} for r in checkout_rows])
                c.execute(orders.insert(), [{**r, **extra_order} for r in order_rows])
        with engine.begin() as c:
            if engine.dialect.name == "postgresql":
                for table in ("shops", "users", "checkouts", "orders"):
                    c.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM "
                            f"{table}))"
                        )
                    )
            c.execute(text("ANALYZE"))
    finally:
        engine.dispose()
    return time.perf_counter() - started


def _load_shops_and_buyers(c) -> None:
    c.execute(
        shops.insert(),
        [
            {
                "id": s,
                "name": f"压测店铺{s}",
                "slug": f"sweep-{s}",
                "city": "昆明",
                "timezone": "Asia/Shanghai",
                "description": "",
                "created_at": FIRST_PAID,
            }
            for s in range(1, SHOPS + 1)
        ],
    )
    c.execute(
        users.insert(),
        [
            {
                "id": b,
                "email": f"sweep{b}@bench.example.cn",
                "display_name": f"买家{b}",
                "password_hash": "!no-login",
                "created_at": FIRST_PAID,
            }
            for b in range(1, BUYERS + 1)
        ],
    )


def _checkout_row(i: int) -> dict:
    paid_at = FIRST_PAID + timedelta(seconds=3 * i)
    return {
        "id": i,
        "buyer_id": 1 + i % BUYERS,
        "total_fen": paid_fen(i),
        "created_at": paid_at - timedelta(minutes=1),
    }


def _order_row(i: int) -> dict:
    """Order i: paid 3 s after order i-1, a 48 h promise, not shipped."""
    paid_at = FIRST_PAID + timedelta(seconds=3 * i)
    fen = paid_fen(i)
    return {
        "id": i,
        "checkout_id": i,
        "buyer_id": 1 + i % BUYERS,
        "shop_id": 1 + i % SHOPS,
        "status": "paid",
        "items_fen": fen,
        "discount_fen": 0,
        "paid_fen": fen,
        "coupon_id": None,
        "promise_kind": "hours",
        "promise_hours": 48,
        "promise_date": None,
        "promise_source": "product",
        "promise_candidates": '[["product", "48h"]]',
        "created_at": paid_at - timedelta(minutes=1),
        "pay_by": paid_at + timedelta(minutes=29),
        "paid_at": paid_at,
        "ship_by": paid_at + timedelta(hours=48),
        "late_check_at": paid_at + timedelta(hours=48),
    }


# --- the baseline: the same rows, set-based -------------------------------------------------


def _insert_select(table, values: dict[str, str], source: str) -> str:
    extra = fill_required(table, values, NOW)
    values = {**values, **{k: sql_literal(v) for k, v in extra.items()}}
    return f"INSERT INTO {table.name} ({', '.join(values)}) SELECT {', '.join(values.values())} {source}"


def _compensations(
    key_prefix: str, kind: str, amount: str, clause: tuple[str, str], explanation: tuple[str, str]
) -> str:
    """One compensation row of `kind` per due order; SQL expressions for the amount, the clause
    (id, source) and the explanation (English, Chinese)."""
    return _insert_select(
        compensations,
        {
            "idempotency_key": f"'{key_prefix}\\:' || id",
            "order_id": "id",
            "shop_id": "shop_id",
            "buyer_id": "buyer_id",
            "kind": f"'{kind}'",
            "amount_fen": amount,
            "rulebook": ":rulebook",
            "rulebook_version": ":version",
            "clause_id": clause[0],
            "clause_source": clause[1],
            "inputs": "'{\"paid_fen\": ' || paid_fen || '}'",
            "explanation": explanation[0],
            "explanation_zh": explanation[1],
            "created_at": ":now",
        },
        f"FROM orders WHERE {DUE}",
    )


def _baseline_statements(dialect: str, clause, zero) -> list[str]:
    clamp = "MAX({lo}, MIN({hi}, {x}))" if dialect == "sqlite" else "GREATEST({lo}, LEAST({hi}, {x}))"
    rounded = f"(paid_fen * {clause.get('rate_bp')} + 500000) / 1000000 * 100"  # half-up to whole yuan
    amount = clamp.format(lo=clause.get("min_fen"), hi=clause.get("max_fen"), x=rounded)
    return [
        f"""INSERT INTO ledger_accounts (code, kind)
            SELECT DISTINCT 'shop:' || shop_id || '\\:proceeds', 'shop' FROM orders WHERE {DUE}
            UNION SELECT DISTINCT 'buyer:' || buyer_id || '\\:coupons', 'buyer' FROM orders WHERE {DUE}""",
        _compensations(
            "late-ship",
            "late_ship",
            "0",
            (f"'{zero.id}'", f"'{zero.source}'"),
            ("'late ship: no compensation'", "'晚发：不赔付'"),
        ),
        _compensations(
            "out-of-stock",
            "out_of_stock",
            amount,
            (":clause", ":source"),
            (f"'out of stock: ' || {amount} || ' fen'", f"'缺货赔付 ' || {amount} || ' 分'"),
        ),
        """INSERT INTO ledger_transactions (idempotency_key, kind, memo, created_at)
            SELECT idempotency_key, kind, explanation, created_at FROM compensations WHERE amount_fen > 0""",
        """INSERT INTO ledger_postings (transaction_id, debit_account_id, credit_account_id, amount_fen,
            created_at)
            SELECT t.id, s.id, b.id, c.amount_fen, t.created_at FROM compensations c
            JOIN ledger_transactions t ON t.idempotency_key = c.idempotency_key
            JOIN ledger_accounts s ON s.code = 'shop:' || c.shop_id || '\\:proceeds'
            JOIN ledger_accounts b ON b.code = 'buyer:' || c.buyer_id || '\\:coupons'""",
        _insert_select(
            coupons,
            {
                "buyer_id": "buyer_id",
                "amount_fen": "amount_fen",
                "min_spend_fen": "0",
                "status": "'available'",
                "issued_at": "created_at",
                "source": "idempotency_key",
                "explanation": "explanation",
                "explanation_zh": "explanation_zh",
            },
            "FROM compensations WHERE amount_fen > 0",
        ),
        """UPDATE compensations SET transaction_id = t.id, coupon_id = k.id
            FROM ledger_transactions t, coupons k
            WHERE t.idempotency_key = compensations.idempotency_key AND k.source =
                compensations.idempotency_key""",
        """INSERT INTO order_events (order_id, shop_id, at, kind, detail)
            SELECT order_id, shop_id, created_at, kind || '_compensated',
                '{"amount_fen": ' || amount_fen || '}'
            FROM compensations WHERE amount_fen > 0""",
        f"UPDATE orders SET late_check_at = NULL WHERE {DUE}",
    ]


def _db_cpu(url: str, since: float | None = None) -> float | None:
    """PostgreSQL's CPU seconds so far (every postgres process, bench.http_load), or since
    `since`; None on SQLite, whose work is this process's own CPU."""
    if not url.startswith("postgresql"):
        return None
    now = postgres_cpu_seconds()
    if since is None or now is None:
        return now
    return round(now - since, 2)


def baseline(url: str) -> dict:
    """Nine set-based statements in one transaction: the rows the sweep writes (accounts,
    compensations, ledger transactions and postings, coupons, order events, late_check_at), with
    the clause's arithmetic in SQL and none of the per-order explanation text."""
    book = load("douyin")
    clause = next(
        c for c in book.in_force("logistics_compensation", FIRST_PAID) if c.id == "out-of-stock.pay.le48h"
    )
    zero = next(c for c in book.in_force("late_ship", FIRST_PAID) if c.id == "late-ship.le48h.within48")
    engine = make_engine(url)
    params = {
        "now": NOW,
        "rulebook": book.name,
        "version": book.version,
        "clause": clause.id,
        "source": clause.source,
    }
    try:
        statements = [
            text(s).bindparams(bindparam("now", type_=UtcDateTime())) if ":now" in s else text(s)
            for s in _baseline_statements(engine.dialect.name, clause, zero)
        ]
        each = []
        db_started = _db_cpu(url)
        started, cpu_started = time.perf_counter(), time.process_time()
        with engine.begin() as c:
            for stmt in statements:
                t0 = time.perf_counter()
                c.execute(stmt, {k: v for k, v in params.items() if f":{k}" in stmt.text})
                each.append([shape(stmt.text), round(time.perf_counter() - t0, 3)])
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        db_cpu = _db_cpu(url, db_started)
        with engine.connect() as c:
            count, total = c.execute(
                select(func.count(), func.coalesce(func.sum(compensations.c.amount_fen), 0)).where(
                    compensations.c.amount_fen > 0
                )
            ).one()
    finally:
        engine.dispose()
    return {
        "elapsed_s": elapsed,
        "cpu_s": cpu,
        "database_cpu_s": db_cpu,
        "compensated": count,
        "amount_fen": int(total),
        "statements": len(statements),
        "statement_s": each,
    }


# --- the sweep and its checks ---------------------------------------------------------------


def sweep(url: str, batch: int, threads: int | None) -> dict:
    clock = FixedClock(NOW)
    app = build(Settings(database_url=url), clock=clock)
    threads = threads or sweep_threads(app.uow)  # the worker's choice unless told
    freeze_startup_objects()  # as `pledge worker` does before its passes (pledge.kernel.heap)
    try:
        with count_statements(app.uow.engine) as counter, _recorded(app.uow.engine) as log:
            db_started = _db_cpu(url)
            started, cpu_started = time.perf_counter(), time.process_time()
            result = sweep_late_ship(app.uow, app.rulebook, clock, batch=batch, workers=threads)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            db_cpu = _db_cpu(url, db_started)
        statements = list(counter.statements)
        again = sweep_late_ship(app.uow, app.rulebook, clock, batch=batch)  # must find nothing to do
    finally:
        app.uow.engine.dispose()
        gc.unfreeze()  # the benchmarks after this one start from an ordinary heap
    shapes = Counter(shape(s) for s in statements)
    return {
        "elapsed_s": elapsed,
        "cpu_s": cpu,
        "database_cpu_s": db_cpu,
        "result": result,
        "statements": len(statements),
        "shapes": {k: v for k, v in sorted(shapes.items(), key=lambda kv: -kv[1])},
        "second_run_examined": again.examined,
        "second_run_compensated": again.compensated,
        "threads": threads,
        "log": log,
    }


@contextmanager
def _recorded(engine) -> Iterator[list | None]:
    """The sweep's statements for bench.statement_replay on SQLite; None on PostgreSQL."""
    if engine.dialect.name != "sqlite":
        yield None
        return
    with recording(engine) as log:
        yield log


REPLAYED_TABLES = [
    "compensations",
    "coupons",
    "ledger_transactions",
    "ledger_postings",
    "ledger_accounts",
    "notifications",
    "webhook_events",
    "order_events",
]


def _replay_floor(log: list | None, workdir: Path, baseline_s: float) -> dict:
    """SQLite: the seconds SQLite takes for the sweep's own statements, replayed by the driver
    alone on a copy of the loaded database (`sweep-replay.sqlite3`, made with the baseline's
    copy); baseline ÷ replay, the best ratio any Python saved could give with those statements;
    and the tables where the replay did not write what the sweep wrote (none, or the figure
    means nothing). None of these on PostgreSQL."""
    if log is None:
        return {"replay_s": None, "replay_ratio_to_baseline": None, "replay_differs": None}
    copy_url = f"sqlite:///{workdir / 'sweep-replay.sqlite3'}"
    seconds = replay(copy_url, log)
    return {
        "replay_s": round(seconds, 2),
        "replay_ratio_to_baseline": round(baseline_s / seconds, 3),
        "replay_differs": differences(f"sqlite:///{workdir / 'sweep.sqlite3'}", copy_url, REPLAYED_TABLES),
    }


def _copy(pg: PgServer | None, url: str, workdir: Path) -> str:
    """A copy of the loaded database for the baseline; its URL."""
    if pg is not None:
        return pg.copy_database(url, "sweepbase")
    copy_path = workdir / "sweep-baseline.sqlite3"
    # Every connection is closed (load_orders disposed its engine), so the WAL has been
    # checkpointed into the main file; copy a leftover -wal too, in case it was not.
    for copy in ("sweep-baseline", "sweep-replay"):  # the replay's copy: bench.statement_replay
        shutil.copyfile(workdir / "sweep.sqlite3", workdir / f"{copy}.sqlite3")
        if (workdir / "sweep.sqlite3-wal").exists():
            shutil.copyfile(workdir / "sweep.sqlite3-wal", workdir / f"{copy}.sqlite3-wal")
    return f"sqlite:///{copy_path}"


def bench_database(
    label: str, pg: PgServer | None, workdir: Path, *, n: int, batch: int, threads: int | None
) -> dict:
    url = f"sqlite:///{workdir / 'sweep.sqlite3'}" if pg is None else pg.fresh_database("sweep")
    copy_url = None
    try:
        say(f"  [{label}] loading {n:,} overdue paid orders (bulk executemany)")
        load_s = load_orders(url, n)
        copy_url = _copy(pg, url, workdir)
        say(f"  [{label}] loaded in {load_s:.1f} s; sweeping with batch={batch}")
        run = sweep(url, batch, threads)
        r = run["result"]
        say(f"  [{label}] baseline: the same rows by set-based INSERT ... SELECT on a copy")
        base = baseline(copy_url)
        floor = _replay_floor(run["log"], workdir, base["elapsed_s"])
        checks = verify(url, n, r.amount_fen, base["amount_fen"])
    finally:
        if pg is not None:
            pg.drop_database(url)
            if copy_url:
                pg.drop_database(copy_url)
    per_s = r.compensated / run["elapsed_s"]
    base_per_s = base["compensated"] / base["elapsed_s"]
    result = {
        "orders": n,
        "batch": batch,
        "sweep_threads": run["threads"],
        "load_s": round(load_s, 1),
        "orders_per_s": round(per_s, 1),
        "elapsed_s": round(run["elapsed_s"], 2),
        "compensated": r.compensated,
        "examined": r.examined,
        "batches": r.batches,
        "total_compensation_fen": r.amount_fen,
        "no_compensation": r.no_compensation,
        "waiting": r.waiting,
        "skipped_as_duplicate": r.skipped_as_duplicate,
        "statements": run["statements"],
        "statements_per_batch": round(run["statements"] / max(1, r.batches), 2),
        "statements_by_shape": run["shapes"],
        "second_run_examined": run["second_run_examined"],
        "second_run_compensated": run["second_run_compensated"],
        "baseline_orders_per_s": round(base_per_s, 1),
        "baseline_elapsed_s": round(base["elapsed_s"], 2),
        "baseline_statements": base["statements"],
        "baseline_statement_s": base["statement_s"],
        "baseline_total_compensation_fen": base["amount_fen"],
        "ratio_to_baseline": round(per_s / base_per_s, 3),
        # this process's CPU (SQLite: all the work; PostgreSQL: the client): steadier than wall time
        "cpu_s": round(run["cpu_s"], 2),
        "baseline_cpu_s": round(base["cpu_s"], 2),
        "cpu_ratio_to_baseline": round(base["cpu_s"] / run["cpu_s"], 3),
        "database_cpu_s": run["database_cpu_s"],
        "baseline_database_cpu_s": base["database_cpu_s"],
        **floor,  # SQLite: the sweep's own statements replayed by the driver alone
        "check_ok": checks["ok"] and run["second_run_compensated"] == 0 and not floor["replay_differs"],
        "check": checks,
    }
    _print(label, result)
    return result


def _print(label: str, r: dict) -> None:
    say(
        f"  [{label}] {r['compensated']:,} orders compensated in {r['elapsed_s']:.1f} s = "
        f"{r['orders_per_s']:,.0f} orders/s; "
        f"{r['batches']} batches of {r['batch']}, {r['statements_per_batch']:.2f} statements per batch "
        f"(an executemany counts once); total {r['total_compensation_fen'] / 100:,.2f} yuan"
    )
    say(
        f"  [{label}] baseline (set-based SQL, {r['baseline_statements']} statements) "
        f"{r['baseline_orders_per_s']:,.0f} orders/s "
        f"in {r['baseline_elapsed_s']:.2f} s → sweep = {r['ratio_to_baseline']:.3f} × baseline "
        f"({1 / r['ratio_to_baseline']:.1f}× slower); CPU of this process {r['cpu_s']:.1f} s against "
        f"{r['baseline_cpu_s']:.2f} s = {r['cpu_ratio_to_baseline']:.3f}"
    )
    if r["replay_s"] is not None:
        say(
            f"  [{label}] the sweep's own statements replayed by the driver alone: {r['replay_s']:.2f} s "
            f"(a sweep with no Python time at all would be {r['replay_ratio_to_baseline']:.3f} × baseline); "
            f"the replay wrote what the sweep wrote: {r['replay_differs'] or 'yes'}"
        )
    if r["database_cpu_s"] is not None:
        say(
            f"  [{label}] PostgreSQL's CPU: {r['database_cpu_s']:.2f} s for the sweep, "
            f"{r['baseline_database_cpu_s']:.2f} s for the baseline"
        )
    c = r["check"]["found"]
    verdict = "OK" if r["check_ok"] else f"WRONG: {r['check']['wrong']}"
    say(
        f"  [{label}] check: {c['compensations']:,} compensations for {r['orders']:,} orders "
        f"({c['orders_without_exactly_two_compensations']} without exactly two), {c['late_ship_coupons']:,} "
        "coupons "
        f"({c['compensations_with_matching_coupon']:,} matching), {c['late_ship_transactions']:,} ledger "
        "transactions "
        f"({c['transactions_without_exactly_one_posting']} without exactly one posting), ledger sum "
        f"{c['ledger_sum_fen']} fen, "
        f"same total as the baseline: {r['baseline_total_compensation_fen'] == r['total_compensation_fen']}, "
        f"second sweep compensated {r['second_run_compensated']} → {verdict}"
    )


def run(
    pg: PgServer,
    *,
    n: int = 100_000,
    pg_n: int | None = None,
    batch: int = 500,
    threads: int | None = None,
    deadline: float | None = None,
) -> dict:
    say(f"== late_ship_sweep: {n:,} overdue orders, batch {batch}, threads {threads or 'as the worker'} ==")
    results: dict[str, dict] = {}
    notes = []
    with scratch_dir("pledge-bench-sweep-") as workdir:
        started = time.monotonic()
        results["sqlite"] = guarded(
            "sqlite", lambda: bench_database("sqlite", None, workdir, n=n, batch=batch, threads=threads)
        )
        sqlite_s = time.monotonic() - started
        if pg.url:
            wanted = pg_n or n
            if pg_n is None and deadline is not None:
                # The PostgreSQL sweep has run 4-5× slower than SQLite here (docs/benchmarks.md); allow 5×.
                per_order = 5 * sqlite_s / n
                fits = int((deadline - time.monotonic()) / per_order) // batch * batch
                if fits < wanted:
                    wanted = max(10 * batch, fits)
                    notes.append(
                        f"PostgreSQL used {wanted:,} orders instead of {n:,}: the run was short of time "
                        f"(SQLite took {sqlite_s:.0f} s)"
                    )
                    say(f"  [postgresql] NOTE: {notes[-1]}")
            results["postgresql"] = guarded(
                "postgresql",
                lambda: bench_database("postgresql", pg, workdir, n=wanted, batch=batch, threads=threads),
            )
        else:
            say(f"  [postgresql] {pg.skipped}")
            results["postgresql"] = {"skipped": pg.skipped}
    data = envelope(
        NAME,
        pg.url,
        postgres_server=pg.origin,
        config={
            "orders": n,
            "batch": batch,
            "shops": SHOPS,
            "buyers": BUYERS,
            "now": NOW.isoformat(),
            "rulebook": "douyin",
            "promise": "48h",
            "paid_fen": "990 to 999 990, spread",
        },
        notes=notes,
        results=results,
    )
    path = write_result(NAME, data)
    say(f"  → {path.relative_to(ROOT)}")
    return data


if __name__ == "__main__":
    with pg_server() as server:
        run(server)
