"""score: the daily experience-score snapshot of every shop — 10 000 shops, 3 000 000 orders
over 30 days by default — on SQLite and PostgreSQL, against DuckDB running the same aggregation
statement over the same rows in the same run.

The rows are order facts (pledge.experience.indicators: shop, paid / picked-up / delivered
times, rating, first after-sales reason, escalation, help request), generated once by DuckDB
and loaded set-based: COPY on PostgreSQL, executemany on SQLite. Timed per engine: the one
GROUP BY statement that yields every order-based measure of every shop (`aggregate_s`), and the
whole snapshot (`snapshot_s`: that statement plus scoring every shop under the rulebook,
pledge.experience.policy.evaluate). The ratio is aggregate_s / DuckDB's aggregate_s.

`facts` (issue 19): the same engine builds the window's per-shop, per-day facts with
pledge.experience.facts' statements (`build_s`: the nightly step done in full, every shop and
day; `write_s`: writing the rows), then times what snapshot_day now runs, one GROUP BY over
30 x shops fact rows (`aggregate_s`), and its ratio to DuckDB's full scan; its sums must equal
DuckDB's (checksum).

    python -m bench --only score [--score-shops 10000] [--score-orders 3000000]
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, date, datetime

import duckdb
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
)
from sqlalchemy.dialects import postgresql, sqlite

from bench import ROOT, PgServer, envelope, guarded, say, scratch_dir, sqlalchemy_url, write_result
from pledge.experience import facts, indicators, policy
from pledge.rulebooks.loader import load

NAME = "score"
DAY = date(2026, 9, 1)  # the snapshot shown on 2026-09-01: 2026-08-02 00:00 to 09-01 00:00 Shanghai
SINCE = datetime(2026, 8, 1, 16, 0, tzinfo=UTC)
UNTIL = datetime(2026, 8, 31, 16, 0, tzinfo=UTC)
OFFSET = 8 * 3600
_meta = MetaData()
FACTS = Table(
    "bench_order_facts",
    _meta,
    Column("shop_id", BigInteger),
    Column("order_id", BigInteger),
    Column("paid_at", DateTime),
    Column("picked_up_at", DateTime),
    Column("delivered_at", DateTime),
    Column("stars", Float),
    Column("first_reason", String(20)),
    Column("escalated", Integer),
    Column("helped", Integer),
    Column("pickup_forced", Integer),
    Column("waybill_failed", Integer),
    Column("logistics_judged", Integer),
)
# The per-day facts (pledge.experience.tables.shop_day_facts without its foreign key): what the
# daily snapshot reads since issue 19, 30 days x shops rows.
FACT_TABLE = Table(
    "bench_shop_day_facts",
    _meta,
    Column("shop_id", BigInteger, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("version", String(10), primary_key=True),
    *[Column(name, Float if name == "rating_sum" else BigInteger) for name in facts.FACT_MEASURES],
)
Index("ix_bench_shop_day_facts_version_day", FACT_TABLE.c.version, FACT_TABLE.c.day)
DDL = {
    "sqlite": """CREATE TABLE bench_order_facts (shop_id INTEGER, order_id INTEGER, paid_at TEXT,
        picked_up_at TEXT,
                    delivered_at TEXT, stars REAL, first_reason TEXT, escalated INTEGER, helped INTEGER,
                    pickup_forced INTEGER, waybill_failed INTEGER, logistics_judged INTEGER)""",
    "postgresql": """CREATE UNLOGGED TABLE bench_order_facts (shop_id BIGINT, order_id BIGINT, paid_at
        TIMESTAMPTZ,
                        picked_up_at TIMESTAMPTZ, delivered_at TIMESTAMPTZ, stars REAL, first_reason TEXT,
                        escalated INTEGER, helped INTEGER, pickup_forced INTEGER, waybill_failed INTEGER,
                        logistics_judged INTEGER)""",
}


def generate(duck: duckdb.DuckDBPyConnection, shops: int, orders: int) -> None:
    """Deterministic rows: payment spread over the 30 days, pickup 0-72 h later (3% never),
    delivery 20-100 h after pickup (5% not yet), 40% of delivered rated, 4% with an after-sales
    request, 0.5% escalated, 8% asking the shop for help, 0.2% with a finding that forces the
    pickup points (fraudulent shipping, abnormal tracking), half of those failing the waybill too,
    and half the wrong-item returns judged against the merchant."""
    duck.execute(f"""
        CREATE TABLE facts AS
        WITH base AS (
            SELECT i, (i % {shops}) + 1 AS shop_id,
                   TIMESTAMP '2026-08-01 16:00:00' + to_seconds(CAST(hash(i) % 2592000 AS BIGINT)) AS paid_at,
                   CAST(hash(i + 7) % 1000 AS INTEGER) AS r1, CAST(hash(i + 13) % 1000 AS INTEGER) AS r2
            FROM range({orders}) t(i))
        SELECT shop_id, i + 1 AS order_id, paid_at,
               CASE WHEN r1 < 30 THEN NULL ELSE paid_at + to_seconds(CAST(r1 * 259 AS BIGINT)) END AS
                   picked_up_at,
               CASE WHEN r1 < 30 OR r2 < 50 THEN NULL
                    ELSE paid_at + to_seconds(CAST(r1 * 259 + 72000 + r2 * 288 AS BIGINT)) END AS
                        delivered_at,
               CASE WHEN r1 >= 30 AND r2 >= 50 AND r2 < 450 THEN CAST(1 + (r1 + r2) % 5 AS REAL) ELSE NULL
                   END AS stars,
               CASE WHEN r2 % 25 = 0 THEN ['quality', 'wrong_item', 'damaged', 'other'][1 + (r1 % 4)] ELSE
                   NULL END
                   AS first_reason,
               CASE WHEN r2 % 200 = 0 THEN 1 ELSE 0 END AS escalated,
               CASE WHEN r2 % 25 = 0 OR r1 % 16 = 0 THEN 1 ELSE 0 END AS helped,
               CASE WHEN r2 % 500 = 7 THEN 1 ELSE 0 END AS pickup_forced,
               CASE WHEN r2 % 1000 = 7 THEN 1 ELSE 0 END AS waybill_failed,
               CASE WHEN r2 % 25 = 0 AND r1 % 8 = 1 THEN 1 ELSE 0 END AS logistics_judged
        FROM base""")


def statement(dialect) -> tuple[object, dict]:
    book = load("douyin")
    params = indicators.Params.of(book, policy.version_day(book, None, DAY))
    return indicators.aggregate(FACTS, params, offset_s=OFFSET, since=SINCE, until=UNTIL), {}


def literal_sql(dialect) -> str:
    query, _ = statement(dialect)
    return str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def score_all(rows) -> tuple[int, float, float]:
    book = load("douyin")
    vday = policy.version_day(book, None, DAY)
    measures = indicators.rows_to_measures(rows)
    started = time.perf_counter()
    total = sum(policy.evaluate(book, vday, m).score for m in measures.values())
    return len(measures), time.perf_counter() - started, total


def facts_path(engine) -> dict:
    """The facts path on one engine: build the window's fact rows from the order facts with
    pledge.experience.facts' statements (the nightly step, here in full: every shop, 30 days),
    write them, then time what the snapshot now runs: one GROUP BY over 30 x shops rows."""
    book = load("douyin")
    vday = policy.version_day(book, None, DAY)
    params = indicators.Params.of(book, vday)
    FACT_TABLE.create(engine)
    with engine.begin() as c:
        started = time.perf_counter()
        groups = facts.day_groups(FACTS, params, offset_s=OFFSET, since=SINCE, until=UNTIL)
        rows = facts.rows_of(c.execute(q).mappings().all() for q in groups)
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        values = [{"shop_id": s, "day": d, "version": vday.isoformat(), **m} for (s, d), m in rows.items()]
        for lo in range(0, len(values), 50_000):
            c.execute(FACT_TABLE.insert(), values[lo : lo + 50_000])
        write_s = time.perf_counter() - started
    if engine.dialect.name == "postgresql":
        with engine.begin() as c:
            c.exec_driver_sql("ANALYZE bench_shop_day_facts")
    days = facts.window_days(book, DAY)
    query = facts.window_query(FACT_TABLE, vday.isoformat(), days[0], days[-1])
    with engine.connect() as c:
        summed, elapsed = run_sql(lambda q: c.execute(q).all(), query)
    shops, eval_s, _total = score_all(summed)
    return {
        "fact_rows": len(values),
        "build_s": round(build_s, 2),
        "write_s": round(write_s, 2),
        "aggregate_s": round(elapsed, 3),
        "evaluate_s": round(eval_s, 3),
        "snapshot_s": round(elapsed + eval_s, 3),
        "shops": shops,
        "checksum": checksum(summed),
    }


def run_sql(execute, sql: str) -> tuple[list, float]:
    started = time.perf_counter()
    rows = execute(sql)
    return rows, time.perf_counter() - started


def checksum(rows) -> list[int]:
    m = indicators.rows_to_measures(rows)
    return [len(m)] + [int(round(sum(v[k] for v in m.values()))) for k in indicators.MEASURES]


def bench_duckdb(duck: duckdb.DuckDBPyConnection) -> dict:
    duck.execute("CREATE VIEW bench_order_facts AS SELECT * FROM facts")
    sql = literal_sql(postgresql.dialect(paramstyle="named"))  # no %% escaping: DuckDB reads it as is
    run_sql(lambda s: duck.execute(s).fetchall(), sql)  # warm-up
    rows, elapsed = run_sql(lambda s: _named(duck.execute(s)), sql)
    shops, eval_s, _total = score_all(rows)
    return {
        "aggregate_s": round(elapsed, 3),
        "evaluate_s": round(eval_s, 3),
        "snapshot_s": round(elapsed + eval_s, 3),
        "shops": shops,
        "checksum": checksum(rows),
    }


def _named(cursor):
    from collections import namedtuple

    names = [d[0] for d in cursor.description]
    row = namedtuple("Row", names)
    return [row(*r) for r in cursor.fetchall()]


def bench_sqlite(duck: duckdb.DuckDBPyConnection, workdir) -> dict:
    path = workdir / "score.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute(DDL["sqlite"])
    started = time.perf_counter()
    cur = duck.execute("""SELECT shop_id, order_id, strftime(paid_at, '%Y-%m-%d %H:%M:%S'),
                                 strftime(picked_up_at, '%Y-%m-%d %H:%M:%S'), strftime(delivered_at,
                                     '%Y-%m-%d %H:%M:%S'),
                                 stars, first_reason, escalated, helped, pickup_forced, waybill_failed,
                                 logistics_judged FROM facts""")
    while True:
        chunk = cur.fetchmany(200_000)
        if not chunk:
            break
        conn.executemany("INSERT INTO bench_order_facts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", chunk)
    conn.commit()
    load_s = time.perf_counter() - started
    conn.close()
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as c:
            query, _ = statement(sqlite.dialect())
            rows, elapsed = run_sql(lambda q: c.execute(q).all(), query)
        from_facts = facts_path(engine)
    finally:
        engine.dispose()
    shops, eval_s, _total = score_all(rows)
    return {
        "load_s": round(load_s, 2),
        "aggregate_s": round(elapsed, 3),
        "evaluate_s": round(eval_s, 3),
        "snapshot_s": round(elapsed + eval_s, 3),
        "shops": shops,
        "checksum": checksum(rows),
        "facts": from_facts,
    }


def bench_postgresql(duck: duckdb.DuckDBPyConnection, pg: PgServer, workdir) -> dict:
    url = pg.fresh_database("score")
    csv = workdir / "facts.csv"
    duck.execute(
        f"COPY (SELECT shop_id, order_id, strftime(paid_at, '%Y-%m-%d %H:%M:%S+00'), "
        f"strftime(picked_up_at, '%Y-%m-%d %H:%M:%S+00'), strftime(delivered_at, '%Y-%m-%d %H:%M:%S+00'), "
        f"stars, first_reason, escalated, helped, pickup_forced, waybill_failed, logistics_judged "
        f"FROM facts) TO '{csv}' (HEADER false)"
    )
    engine = create_engine(sqlalchemy_url(url))
    try:
        started = time.perf_counter()
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cur:
                cur.execute(DDL["postgresql"])
                with (
                    cur.copy("COPY bench_order_facts FROM STDIN (FORMAT csv)") as copy,
                    open(csv, "rb") as fh,
                ):
                    while block := fh.read(1 << 20):
                        copy.write(block)
                cur.execute("ANALYZE bench_order_facts")
            raw.commit()
        finally:
            raw.close()
        load_s = time.perf_counter() - started
        with engine.connect() as c:
            query, _ = statement(postgresql.dialect())
            rows, elapsed = run_sql(lambda q: c.execute(q).all(), query)
        from_facts = facts_path(engine)
    finally:
        engine.dispose()
        pg.drop_database(url)
    shops, eval_s, _total = score_all(rows)
    return {
        "load_s": round(load_s, 2),
        "aggregate_s": round(elapsed, 3),
        "evaluate_s": round(eval_s, 3),
        "snapshot_s": round(elapsed + eval_s, 3),
        "shops": shops,
        "checksum": checksum(rows),
        "facts": from_facts,
    }


def run(pg: PgServer, *, shops: int = 10_000, orders: int = 3_000_000) -> dict:
    say(f"== score: {shops:,} shops, {orders:,} orders over 30 days ==")
    results: dict[str, dict] = {}
    notes = []
    with scratch_dir("pledge-bench-score-") as workdir:
        duck = duckdb.connect()
        started = time.perf_counter()
        generate(duck, shops, orders)
        say(f"  generated in {time.perf_counter() - started:.1f} s")
        results["duckdb"] = guarded("duckdb", lambda: bench_duckdb(duck))
        results["sqlite"] = guarded("sqlite", lambda: bench_sqlite(duck, workdir))
        if pg.url:
            results["postgresql"] = guarded("postgresql", lambda: bench_postgresql(duck, pg, workdir))
        else:
            results["postgresql"] = {"skipped": pg.skipped}
        duck.close()
    base = results["duckdb"].get("aggregate_s")
    for name in ("sqlite", "postgresql"):
        r = results[name]
        if base and "aggregate_s" in r:
            r["ratio_to_duckdb"] = round(r["aggregate_s"] / base, 1)
            if r["checksum"] != results["duckdb"]["checksum"]:
                notes.append(
                    f"WRONG RESULT: {name} measures differ from DuckDB's: {r['checksum']} vs "
                    f"{results['duckdb']['checksum']}"
                )
                say(f"  {notes[-1]}")
            notes.extend(_compare_facts(name, r.get("facts", {}), results["duckdb"], base))
        say(f"  [{name}] {r}")
    say(f"  [duckdb] {results['duckdb']}")
    data = envelope(
        NAME,
        pg.url,
        postgres_server=pg.origin,
        config={
            "shops": shops,
            "orders": orders,
            "day": DAY.isoformat(),
            "window": [SINCE.isoformat(), UNTIL.isoformat()],
            "rulebook": "douyin",
        },
        notes=notes,
        results=results,
    )
    path = write_result(NAME, data)
    say(f"  → {path.relative_to(ROOT)}")
    return data


def _compare_facts(name: str, r: dict, duck: dict, base: float) -> list[str]:
    """The facts path's ratio to DuckDB's full scan, and a note if its sums differ."""
    if "aggregate_s" not in r:
        return []
    r["ratio_to_duckdb"] = round(r["aggregate_s"] / base, 2)
    if r["checksum"] != duck["checksum"]:
        note = f"WRONG RESULT: {name} facts differ from DuckDB's scan: {r['checksum']} vs {duck['checksum']}"
        say(f"  {note}")
        return [note]
    return []


if __name__ == "__main__":
    from bench import pg_server

    with pg_server() as server:
        run(server)
