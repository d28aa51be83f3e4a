"""hot_queries: the hot read paths on PostgreSQL at 10 million orders, their plans and times,
and the same queries with `orders` partitioned by month (before / after).

A year of orders (10 000 000 by default) from 10 000 shops, skewed so that shop 1 is the biggest,
with one line each, is loaded set-based (INSERT … SELECT FROM generate_series, triggers and
foreign-key checks off for the load only). The statements timed are the ones the code sends: each
is captured from the real function (a merchant's order list, a buyer's order list, the late-ship
sweep's due-order claim, the experience score's measures for every shop) and then run under
EXPLAIN (ANALYZE, BUFFERS) three times; the median execution time and the plan's shape (node
types, indexes used, rows) are recorded.

Then `orders` is swapped for a copy partitioned by month on created_at (the same columns and
indexes, except that PostgreSQL wants the partition key in every unique index, so those become
plain indexes) and the same statements run again.

    python -m bench --only hot_queries [--big-orders 10000000] [--big-shops 10000]
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine

from bench import PgServer, envelope, fill_required, guarded, say, sql_literal, write_result
from pledge.accounts.services import Actor
from pledge.experience import facts
from pledge.experience.services import local_today, measure
from pledge.kernel.db import make_engine
from pledge.lateship.services import sweep_batch
from pledge.migrate import upgrade
from pledge.orders.queries import buyer_orders, shop_orders
from pledge.orders.tables import order_lines, orders
from pledge.rulebooks.loader import load as load_book
from pledge.settlement.reports import statement
from pledge.settlement.tables import fee_lines, fee_orders

NAME = "hot_queries"
START = datetime(2025, 12, 1, tzinfo=UTC)  # a year of orders, the newest just before NOW
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
CHUNK = 1_000_000
RUNS = 3


def _insert_select(table, values: dict[str, str], source: str) -> str:
    """INSERT … SELECT with `values` (SQL expressions over `source`); NOT NULL columns not given get
    their Python-side default, or what bench.fill_required writes."""
    defaults = {
        col.name: col.default.arg
        for col in table.columns
        if col.name not in values
        and col.server_default is None
        and col.default is not None
        and col.default.is_scalar
    }
    extra = {**fill_required(table, {**values, **defaults}, NOW), **defaults}
    values = {**values, **{k: sql_literal(v) for k, v in extra.items()}}
    return f"INSERT INTO {table.name} ({', '.join(values)}) SELECT {', '.join(values.values())} {source}"


def _order_values(n: int, shops: int, buyers: int) -> dict[str, str]:
    """Order i: created in order through the year; the shop drawn with a cubic skew (shop 1 the
    biggest); paid a minute later, a 48 h promise; older than 20 days completed, the last 20 days
    paid, shipped or delivered; a few hundred orders past their late-ship check time."""
    span = (NOW - START).total_seconds() - 3600
    created = f"(TIMESTAMPTZ '{START.isoformat()}' + (i * {span / n}) * INTERVAL '1 second')"
    age_h = f"(EXTRACT(EPOCH FROM (TIMESTAMPTZ '{NOW.isoformat()}' - {created})) / 3600)"
    status = (
        f"CASE WHEN {age_h} > 480 THEN 'completed' WHEN {age_h} > 240 THEN 'delivered' "
        f"WHEN {age_h} > 60 THEN 'shipped' ELSE 'paid' END"
    )
    shipped = (
        f"CASE WHEN {age_h} > 60 THEN {created} + INTERVAL '1 minute' + ((i % 47) * INTERVAL '1 hour') END"
    )
    late_check = (
        f"CASE WHEN {age_h} > 480 THEN NULL WHEN i % 20000 = 0 THEN TIMESTAMPTZ '{NOW.isoformat()}' - "
        f"INTERVAL '1 hour' ELSE {created} + INTERVAL '1 minute' + INTERVAL '{48 * 3600 + 60} seconds' END"
    )
    return {
        "id": "i",
        "checkout_id": "i",
        "buyer_id": f"1 + (i * 7919) % {buyers}",
        "shop_id": f"1 + floor({shops} * power(((i * 104729) % 1000003) / 1000003.0, 3))::bigint",
        "status": status,
        "items_fen": "990 + (i % 5000) * 10",
        "discount_fen": "0",
        "paid_fen": "990 + (i % 5000) * 10",
        "promise_kind": "'hours'",
        "promise_hours": "48",
        "promise_source": "'product'",
        "promise_candidates": """'[["product", "48h"]]'""",
        "created_at": created,
        "pay_by": f"{created} + INTERVAL '30 minutes'",
        "paid_at": f"{created} + INTERVAL '1 minute'",
        "ship_by": f"{created} + INTERVAL '1 minute' + INTERVAL '48 hours'",
        "shipped_at": shipped,
        "picked_up_at": shipped,
        "delivered_at": f"CASE WHEN {age_h} > 240 THEN {shipped} + INTERVAL '52 hours' END",
        "late_check_at": late_check,
    }


def load_rows(url: str, n: int, shops: int) -> dict:
    """Migrate, then load shops, buyers, products, checkouts, orders and lines; seconds per step."""
    buyers = max(1000, n // 20)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    upgrade(url)
    timings["migrate_s"] = round(time.perf_counter() - started, 1)
    engine = make_engine(url)
    try:
        with engine.begin() as c:
            _load_parties(c, shops, buyers)
            _load_accounts(c, shops)
        step = time.perf_counter()
        for lo in range(1, n + 1, CHUNK):
            source = f"FROM generate_series({lo}::bigint, {min(n, lo + CHUNK - 1)}::bigint) AS i"
            with engine.begin() as c:
                c.execute(text("SET LOCAL session_replication_role = replica"))
                c.execute(
                    text(
                        f"INSERT INTO checkouts (id, buyer_id, total_fen, created_at) SELECT i, "
                        f"1 + (i * 7919) % {buyers}, 990 + (i % 5000) * 10, TIMESTAMPTZ "
                        f"'{START.isoformat()}' {source}"
                    )
                )
                c.execute(text(_insert_select(orders, _order_values(n, shops, buyers), source)))
                c.execute(
                    text(
                        _insert_select(
                            order_lines,
                            _line_values(),
                            f"FROM orders o WHERE o.id BETWEEN {lo} AND {min(n, lo + CHUNK - 1)}",
                        )
                    )
                )
                for statement in _money_statements(n, lo, min(n, lo + CHUNK - 1)):
                    c.execute(text(statement))
            say(f"  loaded {min(n, lo + CHUNK - 1):,} orders ({time.perf_counter() - step:.0f} s)")
        timings["orders_s"] = round(time.perf_counter() - step, 1)
        step = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            for table in SERIAL_TABLES:
                c.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
            c.execute(text("VACUUM ANALYZE"))
        timings["vacuum_analyze_s"] = round(time.perf_counter() - step, 1)
        with engine.connect() as c:
            timings["database_bytes"] = c.execute(
                text("SELECT pg_database_size(current_database())")
            ).scalar()
    finally:
        engine.dispose()
    return timings


def _line_values() -> dict[str, str]:
    return {
        "order_id": "o.id",
        "shop_id": "o.shop_id",
        "sku_id": "o.shop_id",
        "product_id": "o.shop_id",
        "title": "'A级向日葵12枝'",
        "quantity": "1",
        "unit_price_fen": "o.items_fen",
        "line_total_fen": "o.items_fen",
    }


# A shop's money, as settlement writes it: each order's payment into the shop's proceeds; each
# completed order (paid 10 days before) charged a 5 % fee (a fee order and its line) and settled,
# proceeds to available, in the ledger. Account ids: 1 payments in, 2 platform fees, then two per
# shop (proceeds, available).
SERIAL_TABLES = (
    "shops", "users", "products", "skus", "checkouts", "orders", "order_lines",
    "ledger_accounts", "ledger_transactions", "ledger_postings", "settlement_fee_lines",
)  # fmt: skip
FEE_PERCENT = 5
SETTLED_AFTER = "INTERVAL '10 days'"


def _proceeds(shop: str) -> str:
    return f"(100 + 2 * {shop})"


def _load_accounts(c: Connection, shops: int) -> None:
    c.execute(
        text(
            "INSERT INTO ledger_accounts (id, code, kind) VALUES (1, 'external:payments', 'external'), "
            "(2, 'platform:fees', 'platform')"
        )
    )
    c.execute(
        text(
            "INSERT INTO ledger_accounts (id, code, kind) SELECT 100 + 2 * s + k, 'shop:' || s || "
            "CASE k WHEN 0 THEN '\\:proceeds' ELSE '\\:available' END, 'shop' "
            f"FROM generate_series(1, {shops}) s, generate_series(0, 1) k"
        )
    )


def _money_statements(n: int, lo: int, hi: int) -> list[str]:
    """The ledger transactions and postings (payment i, fee n + i, settle 2n + i) and the fee rows
    of orders lo..hi."""
    orders_in = f"FROM orders o WHERE o.id BETWEEN {lo} AND {hi}"
    done = f"{orders_in} AND o.status = 'completed'"
    fee = f"(o.paid_fen * {FEE_PERCENT} / 100)"
    moves = [  # (id offset, kind, when, debit, credit, amount, which orders)
        (0, "payment", "o.paid_at", "1", _proceeds("o.shop_id"), "o.paid_fen", orders_in),
        (n, "fee", f"o.paid_at + {SETTLED_AFTER}", _proceeds("o.shop_id"), "2", fee, done),
        (2 * n, "settle", f"o.paid_at + {SETTLED_AFTER}", _proceeds("o.shop_id"),
         f"{_proceeds('o.shop_id')} + 1", f"o.paid_fen - {fee}", done),
    ]  # fmt: skip
    statements = []
    for offset, kind, when, debit, credit, amount, source in moves:
        statements.append(
            "INSERT INTO ledger_transactions (id, idempotency_key, kind, memo, created_at) "
            f"SELECT {offset} + o.id, '{kind}:' || o.id, '{kind}', '', {when} {source}"
        )
        statements.append(
            "INSERT INTO ledger_postings (id, transaction_id, debit_account_id, credit_account_id, "
            f"amount_fen, created_at) SELECT {offset} + o.id, {offset} + o.id, {debit}, {credit}, {amount}, "
            f"{when} {source}"
        )
    charged = f"o.paid_at + {SETTLED_AFTER}"
    statements.append(_insert_select(fee_orders, _fee_order_values(fee, charged), done))
    statements.append(
        _insert_select(fee_lines, _fee_line_values(fee), f"FROM order_lines l JOIN orders o ON o.id = "
                       f"l.order_id WHERE o.id BETWEEN {lo} AND {hi} AND o.status = 'completed'")
    )  # fmt: skip
    return statements


def _fee_order_values(fee: str, charged: str) -> dict[str, str]:
    return {
        "order_id": "o.id",
        "shop_id": "o.shop_id",
        "month": "to_char(o.paid_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')",
        "channel": "'live'",
        "paid_fen": "o.paid_fen",
        "base_fen": "o.paid_fen",
        "fee_fen": fee,
        "standard_fee_fen": fee,
        "charged_at": charged,
        "settled_at": charged,
    }


def _fee_line_values(fee: str) -> dict[str, str]:
    return {
        "id": "l.id",
        "order_id": "o.id",
        "shop_id": "o.shop_id",
        "order_line_id": "l.id",
        "category": "'鲜花'",
        "base_fen": "o.paid_fen",
        "standard_rate_bp": str(FEE_PERCENT * 100),
        "rate_bp": str(FEE_PERCENT * 100),
        "fee_fen": fee,
        "standard_fee_fen": fee,
        "clause_id": "'commission.rate.flowers'",
        "clause_source": "'douyin:bench'",
    }


def _load_parties(c: Connection, shops: int, buyers: int) -> None:
    at = f"TIMESTAMPTZ '{START.isoformat()}'"
    c.execute(
        text(
            f"INSERT INTO shops (id, name, slug, city, timezone, description, created_at) SELECT s, "
            f"'压测店铺' || s, 'hot-' || s, '昆明', 'Asia/Shanghai', '', {at} "
            f"FROM generate_series(1, {shops}) s"
        )
    )
    c.execute(
        text(
            f"INSERT INTO users (id, email, display_name, password_hash, created_at) SELECT b, "
            f"'hot' || b || '@bench.example.cn', '买家' || b, '!no-login', {at} "
            f"FROM generate_series(1, {buyers}) b"
        )
    )
    category = c.execute(
        text("INSERT INTO categories (name, name_en) VALUES ('鲜花', 'Flowers') RETURNING id")
    ).scalar()
    from pledge.catalog.tables import products, skus

    c.execute(
        text(
            _insert_select(
                products,
                {
                    "id": "s",
                    "shop_id": "s",
                    "category_id": str(category),
                    "title": "'A级向日葵12枝'",
                    "promise_kind": "'hours'",
                    "promise_hours": "48",
                    "created_at": at,
                },
                f"FROM generate_series(1, {shops}) s",
            )
        )
    )
    c.execute(
        text(
            _insert_select(
                skus,
                {
                    "id": "s",
                    "product_id": "s",
                    "shop_id": "s",
                    "name": "'12枝'",
                    "price_fen": "1990",
                    "stock": "1000000",
                },
                f"FROM generate_series(1, {shops}) s",
            )
        )
    )


# --- the statements the code sends -------------------------------------------------------------


class Recorder:
    """Captures (statement, parameters) of SELECTs sent on an engine while active."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.seen = engine, []

    def __enter__(self) -> Recorder:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT") and not executemany:
            self.seen.append((statement, parameters))


def build_facts(url: str) -> float:
    """The experience score's daily facts for the window, built from scratch (the first nightly
    step after an upgrade); seconds taken."""
    book = load_rulebook()
    engine = make_engine(url)
    started = time.perf_counter()
    try:
        with engine.begin() as c:
            facts.measure(c, book, local_today(book, NOW), at=NOW)
    finally:
        engine.dispose()
    return round(time.perf_counter() - started, 1)


def hot_paths(url: str) -> dict[str, Callable[[Connection], object]]:
    """The hot read paths, each the real function on a connection (the biggest shop, the median
    shop and the newest order's buyer)."""
    book = load_rulebook()
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            median_shop = c.execute(
                text(
                    "SELECT shop_id FROM (SELECT shop_id, count(*) AS n FROM orders GROUP BY shop_id) s "
                    "ORDER BY n OFFSET (SELECT count(DISTINCT shop_id) / 2 FROM orders) LIMIT 1"
                )
            ).scalar()
            big_shop = c.execute(
                text("SELECT shop_id FROM orders GROUP BY shop_id ORDER BY count(*) DESC LIMIT 1")
            ).scalar()
            buyer = c.execute(
                text("SELECT buyer_id FROM orders WHERE id = (SELECT max(id) FROM orders)")
            ).scalar()
    finally:
        engine.dispose()
    owner = Actor(user_id=1, display_name="店主", shops={big_shop: "owner", median_shop: "owner"})
    month = f"{NOW - timedelta(days=31):%Y-%m}"  # the last whole month
    return {
        "merchant order list (biggest shop, all)": lambda c: shop_orders(c, owner, big_shop, now=NOW),
        "merchant order list (biggest shop, to ship)": lambda c: shop_orders(
            c, owner, big_shop, now=NOW, which="to_ship"
        ),
        "merchant order list (median shop, all)": lambda c: shop_orders(c, owner, median_shop, now=NOW),
        "buyer order list": lambda c: buyer_orders(c, buyer),
        "late-ship due-order claim (batch 500)": lambda c: sweep_batch(c, book, now=NOW, batch=500),
        f"monthly statement (biggest shop, {month})": lambda c: statement(c, owner, book, big_shop, month),
        f"monthly statement (median shop, {month})": lambda c: statement(c, owner, book, median_shop, month),
        "experience score, every shop": lambda c: measure(c, book, local_today(book, NOW)),
        "experience score from daily facts (incremental refresh, nothing new)": lambda c: facts.measure(
            c, book, local_today(book, NOW), at=NOW + timedelta(hours=1)
        ),
    }


def capture(url: str, paths: dict[str, Callable[[Connection], object]]) -> dict[str, dict]:
    """Each hot path's SELECTs, captured from the real function (writes rolled back), and the
    function's own time, in Python and the database together (median of RUNS calls, ms)."""
    engine = make_engine(url)
    try:
        captured = {}
        for label, call in paths.items():
            took = []
            for run in range(RUNS):
                with engine.connect() as c, Recorder(engine) as rec:
                    transaction = c.begin()
                    started = time.perf_counter()
                    call(c)
                    took.append((time.perf_counter() - started) * 1000)
                    transaction.rollback()
                if run == 0:
                    statements = rec.seen[:1] if "claim" in label else rec.seen
            captured[label] = {"statements": statements, "call_ms": round(statistics.median(took), 2)}
        return captured
    finally:
        engine.dispose()


def load_rulebook():
    return load_book("douyin")


def explain(url: str, captured: dict[str, dict]) -> dict[str, dict]:
    """Each path's statements under EXPLAIN ANALYZE, RUNS times; the median total (the database's
    planning and execution) and the plans, beside the call's own time."""
    engine = make_engine(url)
    out = {}
    try:
        for label, path in captured.items():
            statements, runs, plans = path["statements"], [], []
            for _ in range(RUNS):
                total, plans = 0.0, []
                with engine.connect() as c:
                    transaction = c.begin()
                    for statement, parameters in statements:
                        raw = c.connection.dbapi_connection.cursor()
                        raw.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, parameters)
                        plan = raw.fetchone()[0][0]
                        total += plan["Execution Time"] + plan["Planning Time"]
                        plans.append(_shape(plan["Plan"]) | {"ms": round(plan["Execution Time"], 2)})
                    transaction.rollback()
                runs.append(total)
            out[label] = {
                "statements": len(statements),
                "ms": round(statistics.median(runs), 2),
                "call_ms": path["call_ms"],
                "plans": plans,
            }
    finally:
        engine.dispose()
    return out


def _shape(node: dict) -> dict:
    """The plan's gist: its nodes (type, relation, index), rows produced and shared buffers read."""
    nodes = []

    def walk(n: dict) -> None:
        what = n["Node Type"]
        if n.get("Index Name"):
            what += f" {n['Index Name']}"
        elif n.get("Relation Name"):
            what += f" {n['Relation Name']}"
        nodes.append(what)
        for child in n.get("Plans", []):
            walk(child)

    walk(node)
    return {
        "nodes": nodes,
        "rows": node.get("Actual Rows"),
        "buffers_read": node.get("Shared Read Blocks", 0),
    }


# --- partitioned by month ------------------------------------------------------------------------


def partition_orders(url: str) -> float:
    """Swap `orders` for a copy partitioned by month on created_at; seconds taken."""
    started = time.perf_counter()
    engine = make_engine(url)
    try:
        with engine.begin() as c:
            indexes = c.execute(
                text(
                    "SELECT indexname, indexdef FROM pg_indexes "
                    "WHERE tablename = 'orders' AND indexname <> 'pk_orders'"
                )
            ).all()
            c.execute(text("ALTER TABLE orders RENAME TO orders_plain"))
            c.execute(
                text(
                    "CREATE TABLE orders (LIKE orders_plain INCLUDING DEFAULTS) "
                    "PARTITION BY RANGE (created_at)"
                )
            )
            month = START.replace(day=1)
            while month <= NOW:
                following = (month + timedelta(days=32)).replace(day=1)
                c.execute(
                    text(
                        f"CREATE TABLE orders_{month:%Y%m} PARTITION OF orders FOR VALUES FROM "
                        f"('{month.isoformat()}') TO ('{following.isoformat()}')"
                    )
                )
                month = following
            c.execute(text("INSERT INTO orders SELECT * FROM orders_plain"))
            c.execute(text("ALTER TABLE orders ADD PRIMARY KEY (id, created_at)"))
            for name, definition in indexes:
                definition = definition.replace("CREATE UNIQUE INDEX", "CREATE INDEX")
                definition = definition.replace(f"INDEX {name} ON", f"INDEX p_{name} ON")
                c.execute(text(definition))
            c.execute(text("DROP TABLE orders_plain CASCADE"))  # the plain figures are taken; free the disk
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE orders"))
    finally:
        engine.dispose()
    return round(time.perf_counter() - started, 1)


def bench(pg: PgServer, n: int, shops: int) -> dict:
    url = pg.fresh_database("hot")
    try:
        say(f"  loading {n:,} orders from {shops:,} shops …")
        timings = load_rows(url, n, shops)
        say(f"  loaded: {timings}")
        facts_s = build_facts(url)
        say(f"  the score's daily facts built from scratch in {facts_s} s")
        paths = hot_paths(url)
        before = explain(url, capture(url, paths))
        partition_s = partition_orders(url)
        after = explain(url, capture(url, paths))
        return {
            "orders": n,
            "shops": shops,
            "load": timings,
            "partition_s": partition_s,
            "plain": before,
            "by_month": after,
        }
    finally:
        pg.drop_database(url)


def run(pg: PgServer, *, n: int, shops: int) -> None:
    say(f"== {NAME}: hot queries at {n:,} orders (PostgreSQL), plain and partitioned by month ==")
    if pg.url is None:
        say(f"  {pg.skipped}")
        write_result(NAME, envelope(NAME, None, skipped=pg.skipped))
        return
    result = guarded("postgresql", lambda: bench(pg, n, shops))
    if "error" not in result:
        for label in result["plain"]:
            plain, by_month = result["plain"][label], result["by_month"][label]
            say(
                f"  {label:<46} plain {plain['ms']:>9.2f} ms (call {plain['call_ms']:.1f})   "
                f"by month {by_month['ms']:>9.2f} ms (call {by_month['call_ms']:.1f})   "
                f"({by_month['ms'] / plain['ms']:.2f}×)"
            )
            for plan in plain["plans"][:3]:
                say(f"      plain: {' → '.join(plan['nodes'][:6])}")
    path = write_result(NAME, envelope(NAME, pg.url, **result))
    say(f"  → {path}")
