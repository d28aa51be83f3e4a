"""place_order: orders per second through the real HTTP API (uvicorn in its own process, worker
thread off, several client threads, one bearer token per buyer), the SQL statements each
checkout costs (saleor#14857: Saleor's checkoutComplete runs ≈230; Pledge's budget is ≤ 15),
and the same writes done with raw SQL in the same run as the baseline.

    python -m bench --only place_order [--orders 2000] [--clients 8]
"""

from __future__ import annotations

import secrets
import time
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
    seed_buyers,
    sql_literal,
    write_result,
)
from bench.http_load import Server, client_kind, drive, http_run, postgres_cpu_seconds
from bench.http_load import tokens as fetch_tokens
from pledge.accounts import services as accounts
from pledge.bootstrap import build
from pledge.catalog import services as catalog
from pledge.catalog.tables import products, skus
from pledge.config import Settings
from pledge.kernel import jsonutil
from pledge.kernel.db import UtcDateTime, make_engine
from pledge.kernel.statements import count_statements
from pledge.migrate import upgrade
from pledge.orders import services as orders
from pledge.orders.tables import checkouts, order_events, order_lines, payments
from pledge.orders.tables import orders as orders_table
from pledge.promises.model import Promise

NAME = "place_order"
PASSWORD = "bench-password-1"
SHOPS, SKUS_PER_SHOP, STOCK = 4, 5, 1_000_000
BUDGET = 15  # statements per order placement (docs/benchmarks.md)
UTC = UTC


# --- set-up ---------------------------------------------------------------------------------


def seed(url: str, buyers: int) -> dict:
    """Shops with one product of five SKUs each (48 h promise), and buyers with passwords."""
    app = build(Settings(database_url=url))
    now = datetime.now(UTC)
    try:
        _seed_shops(app, now)
        emails = [f"buyer{n}@bench.example.cn" for n in range(buyers)]
        buyer_ids = seed_buyers(app, emails, PASSWORD, now)
        with app.uow.read() as c:
            rows = c.execute(
                select(
                    skus.c.id,
                    skus.c.shop_id,
                    skus.c.price_fen,
                    skus.c.name,
                    skus.c.product_id,
                    products.c.title,
                )
                .join(products, products.c.id == skus.c.product_id)
                .order_by(skus.c.id)
            ).all()
        catalogue = [r._asdict() for r in rows]
        statements = _statements_per_service_call(app, buyer_ids[0], catalogue)
        service_ms = _service_ms(app, buyer_ids[1], catalogue)
    finally:
        app.uow.engine.dispose()
    return {
        "emails": emails,
        "buyer_ids": buyer_ids,
        "skus": catalogue,
        "service_statements": statements,
        "service_ms": service_ms,
    }


def _seed_shops(app, now: datetime) -> None:
    with app.uow.begin() as c:
        top = catalog.create_category(c, name="鲜花园艺", name_en="Flowers")
        category = catalog.create_category(c, name="鲜切花", name_en="Cut flowers", parent_id=top)
    for n in range(SHOPS):
        with app.uow.begin() as c:
            shop_id = catalog.create_shop(c, name=f"压测店铺{n}", slug=f"bench-{n}", at=now)
            owner = accounts.create_user(
                c, email=f"owner{n}@bench.example.cn", password=PASSWORD, display_name=f"店主{n}", at=now
            )
            accounts.add_shop_member(c, shop_id=shop_id, user_id=owner, role="owner")
            actor = accounts.load_actor(c, owner)
            catalog.create_product(
                c,
                actor,
                catalog.NewProduct(
                    shop_id,
                    category,
                    f"A级向日葵 {n}",
                    Promise.parse("48h"),
                    [catalog.NewSku(f"{12 + k}枝", 1990 + 100 * k, STOCK) for k in range(SKUS_PER_SHOP)],
                ),
                at=now,
                guards=app.listing_guards,
            )


def _statements_per_service_call(app, buyer_id: int, catalogue: list[dict]) -> dict:
    """count_statements around orders.place_order alone (no HTTP, no token check)."""
    with app.uow.read() as c:
        actor = accounts.load_actor(c, buyer_id)
    found = {}
    other_shop = next(s for s in catalogue if s["shop_id"] != catalogue[0]["shop_id"])
    for label, lines in (
        ("one_line", [(catalogue[0]["id"], 1)]),
        ("two_shops_three_lines", [(catalogue[0]["id"], 1), (catalogue[1]["id"], 2), (other_shop["id"], 1)]),
    ):
        with count_statements(app.uow.engine) as counter, app.uow.begin() as c:
            orders.place_order(
                c,
                actor,
                [orders.LineRequest(s, q) for s, q in lines],
                at=app.clock.now(),
                pay_window=app.pay_window,
                guards=app.sale_guards,
            )
        found[label] = counter.count
    return found


def _service_ms(app, buyer_id: int, catalogue: list[dict], n: int = 200) -> float:
    """Milliseconds per orders.place_order in its own transaction, one thread, no HTTP: what the
    use case costs before the web stack (auth, FastAPI, JSON) is added."""
    with app.uow.read() as c:
        actor = accounts.load_actor(c, buyer_id)
    started = time.perf_counter()
    for i in range(n):
        with app.uow.begin() as c:
            orders.place_order(
                c,
                actor,
                [orders.LineRequest(catalogue[i % len(catalogue)]["id"], 1)],
                at=app.clock.now(),
                pay_window=app.pay_window,
                guards=app.sale_guards,
            )
    return round(1000 * (time.perf_counter() - started) / n, 3)


# --- the raw-SQL baseline -------------------------------------------------------------------


def _insert(table, values: dict[str, str], *, returning: bool = False):
    """INSERT INTO table (...) VALUES (...) from {column: SQL expression}, plus any NOT NULL
    column the schema gained since this benchmark was written (see bench.fill_required)."""
    extra = fill_required(table, values, datetime.now(UTC))
    values = {**values, **{k: sql_literal(v) for k, v in extra.items()}}
    sql = f"INSERT INTO {table.name} ({', '.join(values)}) VALUES ({', '.join(values.values())})" + (
        " RETURNING id" if returning else ""
    )
    times = [bindparam(name, type_=UtcDateTime()) for name in ("at", "pay_by") if f":{name}" in sql]
    return text(sql).bindparams(*times)


def raw_statements() -> dict:
    """The six statements of one single-line checkout, as orders.place_order writes them."""
    return {
        "stock": text("UPDATE skus SET stock = stock - :q WHERE id = :sku AND stock >= :q"),
        "checkout": _insert(
            checkouts, {"buyer_id": ":buyer", "total_fen": ":total", "created_at": ":at"}, returning=True
        ),
        "order": _insert(
            orders_table,
            {
                "checkout_id": ":checkout",
                "buyer_id": ":buyer",
                "shop_id": ":shop",
                "status": "'pending_payment'",
                "items_fen": ":items",
                "discount_fen": "0",
                "paid_fen": ":items",
                "coupon_id": "NULL",
                "promise_kind": "'pending'",
                "promise_source": "''",
                "promise_candidates": ":candidates",
                "created_at": ":at",
                "pay_by": ":pay_by",
            },
            returning=True,
        ),
        "line": _insert(
            order_lines,
            {
                "order_id": ":order",
                "shop_id": ":shop",
                "sku_id": ":sku",
                "product_id": ":product",
                "title": ":title",
                "quantity": ":q",
                "unit_price_fen": ":price",
                "line_total_fen": ":total",
            },
        ),
        "event": _insert(
            order_events,
            {"order_id": ":order", "shop_id": ":shop", "at": ":at", "kind": "'placed'", "detail": ":detail"},
        ),
        "payment": _insert(
            payments,
            {
                "checkout_id": ":checkout",
                "buyer_id": ":buyer",
                "amount_fen": ":amount",
                "provider": "'sandbox'",
                "provider_ref": ":ref",
                "status": "'pending'",
                "created_at": ":at",
            },
        ),
    }


def raw_run(url: str, buyer_ids: list[int], catalogue: list[dict], *, n: int, clients: int) -> dict:
    """The same rows as one HTTP checkout writes, with SQLAlchemy Core text() on the same engine
    settings (SQLite WAL + BEGIN IMMEDIATE; psycopg pool), no HTTP, no token check, no reads."""
    engine = make_engine(url)
    candidates = orders.encode_promises([("product", Promise.parse("48h"))])
    pay_window = timedelta(minutes=30)
    sql = raw_statements()

    def place(_state, i: int) -> str | None:
        sku, buyer = catalogue[i % len(catalogue)], buyer_ids[i % len(buyer_ids)]
        with engine.begin() as c:
            _raw_writes(c, sql, sku, buyer, candidates, datetime.now(UTC), pay_window)
        return None

    try:
        with count_statements(engine) as counter:
            run = drive(clients, n, lambda k: None, place)
        run["statements_per_order"] = round(len(counter.statements) / max(1, n), 2)
    finally:
        engine.dispose()
    return run


def _raw_writes(
    c, sql: dict, sku: dict, buyer: int, candidates: str, at: datetime, pay_window: timedelta
) -> None:
    """One checkout's rows: the stock take, checkout, order, line, event and payment."""
    price = sku["price_fen"]
    if c.execute(sql["stock"], {"q": 1, "sku": sku["id"]}).rowcount != 1:
        raise RuntimeError("out of stock")
    checkout_id = c.execute(sql["checkout"], {"buyer": buyer, "total": price, "at": at}).scalar_one()
    order_id = c.execute(
        sql["order"],
        {
            "checkout": checkout_id,
            "buyer": buyer,
            "shop": sku["shop_id"],
            "items": price,
            "candidates": candidates,
            "at": at,
            "pay_by": at + pay_window,
        },
    ).scalar_one()
    c.execute(
        sql["line"],
        {
            "order": order_id,
            "shop": sku["shop_id"],
            "sku": sku["id"],
            "product": sku["product_id"],
            "title": f"{sku['title']} · {sku['name']}",
            "q": 1,
            "price": price,
            "total": price,
        },
    )
    c.execute(
        sql["event"],
        {
            "order": order_id,
            "shop": sku["shop_id"],
            "at": at,
            "detail": jsonutil.dumps({"items_fen": price, "discount_fen": 0}),
        },
    )
    c.execute(
        sql["payment"],
        {
            "checkout": checkout_id,
            "buyer": buyer,
            "amount": price,
            "ref": "sbx_" + secrets.token_hex(12),
            "at": at,
        },
    )


# --- one database ---------------------------------------------------------------------------


def _counts(url: str) -> tuple[int, int]:
    """(orders in the database, units of stock left)."""
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            return (
                c.execute(select(func.count()).select_from(orders_table)).scalar(),
                int(c.execute(select(func.sum(skus.c.stock))).scalar()),
            )
    finally:
        engine.dispose()


def _check_rows(what: str, url: str, before: tuple[int, int], n: int) -> dict:
    """n orders of one unit each: n more orders, n fewer units in stock."""
    after = _counts(url)
    placed, taken = after[0] - before[0], before[1] - after[1]
    ok = placed == n and taken == n
    say(
        f"    check ({what}): {placed} orders written, {taken} units of stock taken, expected {n} and {n} "
        f"→ {'OK' if ok else 'MISMATCH'}"
    )
    return {"what": what, "ok": ok, "orders_written": placed, "units_taken": taken, "expected": n}


def bench_database(
    label: str, url: str, workdir: Path, *, n: int, clients: int, buyers: int, warmup: int, workers: int = 1
) -> dict:
    say(f"  [{label}] migrating and seeding ({SHOPS} shops × {SKUS_PER_SHOP} SKUs, {buyers} buyers)")
    upgrade(url)
    data = seed(url, buyers)
    http = _http_phase(label, url, workdir, data, n=n, clients=clients, warmup=warmup)
    several = None
    if workers > 1:
        several = _http_phase(label, url, workdir, data, n=n, clients=clients, warmup=warmup, workers=workers)
    say(f"  [{label}] raw SQL baseline: {n} × the same writes (6 statements per order), {clients} threads")
    rows_before = _counts(url)
    raw = raw_run(url, data["buyer_ids"], data["skus"], n=n, clients=clients)
    http["checks"].append(_check_rows("raw SQL", url, rows_before, n))
    result = {"orders": n, "clients": clients, "buyers": buyers, "warmup_orders": warmup}
    result |= _figures(data, http, raw, n)
    if several is not None:
        result["workers"] = _workers_figures(several, raw, n, workers)
    _print(label, result)
    return result


def _workers_figures(http: dict, raw: dict, n: int, workers: int) -> dict:
    """The same run against `workers` server processes (statements are counted per process,
    so only the one-process run reports them)."""
    run, cpu = http["run"], http["server_cpu"]
    orders_per_s = (run["requests"] - run["errors"]) / run["elapsed_s"]
    raw_per_s = (raw["requests"] - raw["errors"]) / raw["elapsed_s"]
    return {
        "processes": workers,
        "orders_per_s": round(orders_per_s, 1),
        "ratio_to_raw_sql": round(orders_per_s / raw_per_s, 3) if raw_per_s else None,
        "latency_ms": run["latency_ms"],
        "errors": run["errors"],
        "server_cpu_ms_per_order": round(1000 * cpu / n, 2) if cpu is not None else None,
        "client_cpu_ms_per_order": run["client_cpu_ms_per_request"],
        "database_cpu_ms_per_order": _per_order_ms(http["database_cpu"], n),
        "rows_check_ok": all(c["ok"] for c in http["checks"]),
    }


def _per_order_ms(seconds: float | None, n: int) -> float | None:
    return round(1000 * seconds / n, 2) if seconds is not None else None


def _http_phase(
    label: str, url: str, workdir: Path, data: dict, *, n: int, clients: int, warmup: int, workers: int = 1
) -> dict:
    """n checkouts through the HTTP API after a warm-up: the run, the server's statement counts
    and CPU seconds over it, and the check that each wrote its rows."""
    server = Server(url, workdir / f"server-{label}-{workers}.log", workers)
    try:
        server.wait_ready()
        tokens = fetch_tokens(server.base, data["emails"], PASSWORD)
        http_run(server, tokens, data["skus"], n=warmup, clients=clients)
        rows_before = _counts(url)
        before = server.statements()
        say(f"  [{label}] HTTP: {n} checkouts, {clients} client threads, uvicorn with {workers} process(es)")
        cpu_before, db_before = server.cpu_seconds(), postgres_cpu_seconds()
        run = http_run(server, tokens, data["skus"], n=n, clients=clients)
        cpu_after, db_after = server.cpu_seconds(), postgres_cpu_seconds()
        after = server.statements(since=before)
    finally:
        server.stop()
    server_cpu = (cpu_after - cpu_before) if cpu_before is not None and cpu_after is not None else None
    database_cpu = (
        db_after - db_before
        if label == "postgresql" and db_before is not None and db_after is not None
        else None
    )
    checks = [_check_rows("HTTP", url, rows_before, n)]
    return {
        "run": run,
        "before": before,
        "after": after,
        "server_cpu": server_cpu,
        "database_cpu": database_cpu,
        "checks": checks,
    }


def _figures(data: dict, http: dict, raw: dict, n: int) -> dict:
    run, before, after, server_cpu = http["run"], http["before"], http["after"], http["server_cpu"]
    statements_per_order = (after["count"] - before["count"]) / max(1, n)
    lock_wait_ms = 1000 * after["begin_wait_s"] / n
    shapes = {k: round(v / n, 2) for k, v in sorted(after["shapes"].items(), key=lambda kv: -kv[1])}
    orders_per_s = (run["requests"] - run["errors"]) / run["elapsed_s"]
    raw_per_s = (raw["requests"] - raw["errors"]) / raw["elapsed_s"]
    return {
        "orders_per_s": round(orders_per_s, 1),
        "statements_per_order": round(statements_per_order, 2),
        "statements_budget": BUDGET,
        "statements_per_order_by_shape": shapes,
        "statements_place_order_service_only": data["service_statements"],
        "latency_ms": run["latency_ms"],
        "errors": run["errors"],
        "error_kinds": run["error_kinds"],
        "first_error": run["first_error"],
        "elapsed_s": round(run["elapsed_s"], 2),
        "server_cpu_ms_per_order": round(1000 * server_cpu / n, 2) if server_cpu is not None else None,
        "client_cpu_ms_per_order": run["client_cpu_ms_per_request"],
        "database_cpu_ms_per_order": _per_order_ms(http["database_cpu"], n),
        "server_cpu_utilisation": round(server_cpu / run["elapsed_s"], 2) if server_cpu is not None else None,
        "service_ms_per_order_in_process": data["service_ms"],
        "begin_wait_ms_per_order": round(lock_wait_ms, 2),
        "begin_wait_max_ms": round(1000 * after["begin_wait_max_s"], 1),
        "raw_sql_orders_per_s": round(raw_per_s, 1),
        "raw_sql_statements_per_order": raw["statements_per_order"],
        "raw_sql_latency_ms": raw["latency_ms"],
        "raw_sql_errors": raw["errors"],
        "raw_sql_first_error": raw["first_error"],
        "ratio_to_raw_sql": round(orders_per_s / raw_per_s, 3) if raw_per_s else None,
        "rows_check_ok": all(c["ok"] for c in http["checks"]),
        "rows_checks": http["checks"],
    }


def _print(label: str, r: dict) -> None:
    over = "" if r["statements_per_order"] <= BUDGET else f"  ← OVER THE BUDGET OF {BUDGET}"
    say(
        f"  [{label}] {r['orders_per_s']:.0f} orders/s over HTTP  (p50 {r['latency_ms']['p50']:.1f} ms, "
        f"p95 {r['latency_ms']['p95']:.1f} ms, errors {r['errors']})"
    )
    say(
        f"  [{label}] {r['statements_per_order']:.2f} SQL statements per checkout request (budget ≤ "
        f"{BUDGET}; "
        f"Saleor ≈230){over}"
    )
    say(
        f"  [{label}]     of which place_order itself: "
        f"{r['statements_place_order_service_only']['one_line']} "
        f"(3 lines over 2 shops: {r['statements_place_order_service_only']['two_shops_three_lines']}); per "
        "request: " + ", ".join(f"{k} {v:g}" for k, v in r["statements_per_order_by_shape"].items())
    )
    if r["server_cpu_ms_per_order"] is not None:
        say(
            f"  [{label}] server process: {r['server_cpu_ms_per_order']:.2f} ms CPU per order "
            f"({r['server_cpu_utilisation']:.0%} of one core busy); place_order alone, in-process, one "
            "thread: "
            f"{r['service_ms_per_order_in_process']:.2f} ms per order"
        )
    if label == "sqlite":
        say(
            f"  [{label}] waiting for the write lock (BEGIN IMMEDIATE): {r['begin_wait_ms_per_order']:.2f} "
            "ms per order "
            f"on average, {r['begin_wait_max_ms']:.0f} ms at worst"
        )
    if several := r.get("workers"):
        say(
            f"  [{label}] {several['processes']} server processes: {several['orders_per_s']:.0f} orders/s "
            f"(p50 {several['latency_ms']['p50']:.1f} ms) = {several['ratio_to_raw_sql']} × raw SQL"
        )
    if r["ratio_to_raw_sql"]:
        say(
            f"  [{label}] raw SQL baseline {r['raw_sql_orders_per_s']:.0f} orders/s (p50 "
            f"{r['raw_sql_latency_ms']['p50']:.1f} ms)"
            f" → HTTP API = {r['ratio_to_raw_sql']:.3f} × raw SQL ({1 / r['ratio_to_raw_sql']:.1f}× slower)"
        )
    if r["errors"] or r["raw_sql_errors"]:
        say(
            f"  [{label}] ERRORS: {r['error_kinds']} first: {r['first_error']} / raw: "
            f"{r['raw_sql_first_error']}"
        )


def run(
    pg: PgServer, *, n: int = 2000, clients: int = 8, buyers: int = 32, warmup: int = 100, workers: int = 1
) -> dict:
    say(f"== place_order: {n} orders per database, {clients} clients ==")
    results: dict[str, dict] = {}
    with scratch_dir("pledge-bench-place-") as workdir:
        results["sqlite"] = guarded(
            "sqlite",
            lambda: bench_database(
                "sqlite",
                f"sqlite:///{workdir / 'place.sqlite3'}",
                workdir,
                n=n,
                clients=clients,
                buyers=buyers,
                warmup=warmup,
            ),
        )
        if pg.url:

            def on_postgres() -> dict:
                url = pg.fresh_database("place")
                try:
                    return bench_database(
                        "postgresql",
                        url,
                        workdir,
                        n=n,
                        clients=clients,
                        buyers=buyers,
                        warmup=warmup,
                        workers=workers,
                    )
                finally:
                    pg.drop_database(url)

            results["postgresql"] = guarded("postgresql", on_postgres)
        else:
            say(f"  [postgresql] {pg.skipped}")
            results["postgresql"] = {"skipped": pg.skipped}
    data = envelope(
        NAME,
        pg.url,
        postgres_server=pg.origin,
        config={
            "orders_per_database": n,
            "clients": clients,
            "buyers": buyers,
            "warmup_orders": warmup,
            "skus": SHOPS * SKUS_PER_SHOP,
            "shops": SHOPS,
            "server": "uvicorn, 1 process, own port; on PostgreSQL also `workers` processes",
            "workers": workers,
            "http_client": client_kind(),
        },
        results=results,
    )
    path = write_result(NAME, data)
    say(f"  → {path.relative_to(ROOT)}")
    return data


if __name__ == "__main__":
    with pg_server() as server:
        run(server)
