"""search: p50/p99 latency of one search (pledge.search.services.search: segmentation, synonym
groups, the engine's match, filters, sort, one page of 20) over 100 000 product documents, on
SQLite (FTS5) and PostgreSQL (tsvector 'simple' + GIN), against the bare engine query of the same
words in the same run (the baseline: SQLite `MATCH ... ORDER BY rank LIMIT 20`, PostgreSQL
`@@ plainto_tsquery ... ORDER BY ts_rank LIMIT 20`, no filters, no service layer).

The documents are written straight into search_documents (the FTS5 triggers keep the index)
from synthetic titles (adjective + product word + spec) segmented by search.text.index_words,
cached by title: `pledge search reindex` writes the same rows from real products. The queries
mix one and two words, synonyms, price and promise filters and the four sorts, deterministically.

    python -m bench --only search [--search-products 100000] [--search-queries 1000]
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache

from sqlalchemy import create_engine, func, select, text

from bench import (
    ROOT,
    PgServer,
    envelope,
    guarded,
    percentile,
    say,
    scratch_dir,
    sqlalchemy_url,
    write_result,
)
from pledge.kernel.indexing import Indexed
from pledge.migrate import upgrade
from pledge.search.engines import fts5_match
from pledge.search.model import Query, Sort
from pledge.search.services import search
from pledge.search.tables import search_documents
from pledge.search.text import index_words, query_groups

NAME = "search"
AT = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)
ADJECTIVES = (
    "新鲜 精品 特级 进口 家用 便携 加厚 迷你 复古 经典 大号 小号 手工 有机 时尚 简约 高端 儿童 冬季 夏季"
).split()
NOUNS = (
    "向日葵 玫瑰 芍药 康乃馨 满天星 百合 郁金香 花束 绿植 多肉 "
    "雨伞 阳伞 手机壳 耳机 水杯 保温杯 T恤 外套 卫衣 拖鞋 "
    "运动鞋 双肩包 围巾 帽子 土豆 番茄 玉米 红薯 橙子 苹果 "
    "香蕉 猕猴桃 草莓 葡萄 茶叶 咖啡 蜂蜜 大米 面条 牛奶 "
    "酸奶 巧克力 饼干 台灯 抱枕 毛巾 牙刷 洗发水 面霜 口红 "
    "香水 玩具 积木 绘本 钢笔 笔记本 书包 数据线 充电宝"
).split()
SPECS = (
    "12枝 一束 礼盒 5斤 10斤 500克 一箱 两件装 三件套 白色 "
    "黑色 红色 粉色 大码 中码 小码 旗舰款 限量款 家庭装 试用装"
).split()
WORDS = ["太阳花", "伞", "马铃薯", "西红柿", "奇异果", "捧花", *NOUNS[:30], *ADJECTIVES[:8]]
PROMISES = [("48h", 48, False), ("same-day", 32, False), ("next-day", 48, False), ("72h", 72, True)]


@cache
def _words(title: str) -> str:
    return index_words(title)


def documents(n: int) -> list[dict]:
    rng = random.Random(16)
    rows = []
    for i in range(1, n + 1):
        title = f"{rng.choice(ADJECTIVES)}{rng.choice(NOUNS)} {rng.choice(SPECS)}"
        promise, hours, pays = rng.choice(PROMISES)
        rows.append(
            {
                "kind": "product", "subject_id": i, "shop_id": 1 + i % 500, "title": title,
                "words": _words(title), "category_id": 1 + i % 40, "top_category_id": 1 + i % 8,
                "price_fen": rng.randint(100, 100_000), "promise": promise, "ship_hours": hours,
                "late_ship_pays": pays, "popularity": rng.randint(0, 5000), "indexed_at": AT,
            }
        )  # fmt: skip
    return rows


def queries(n: int) -> list[Query]:
    rng = random.Random(61)
    made = []
    for _ in range(n):
        words = " ".join(rng.sample(WORDS, rng.choice((1, 1, 2))))
        filters: dict = {}
        if rng.random() < 0.3:
            low = rng.randint(0, 500) * 100
            filters |= {"min_price_fen": low, "max_price_fen": low + rng.randint(1, 300) * 100}
        if rng.random() < 0.2:
            filters["late_ship_pays"] = True
        if rng.random() < 0.2:
            filters["ship_within_hours"] = 48
        made.append(Query(words, Indexed.PRODUCT, sort=rng.choice(list(Sort)), **filters))
    return made


def load(url: str, rows: list[dict]) -> float:
    upgrade(url)
    engine = create_engine(sqlalchemy_url(url))
    started = time.perf_counter()
    with engine.begin() as conn:
        for i in range(0, len(rows), 5000):
            conn.execute(search_documents.insert(), rows[i : i + 5000])
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE search_documents"))
    engine.dispose()
    return time.perf_counter() - started


def _bare(conn) -> Callable[[Query], int]:
    """The engine's own match of the same words: no filters, no join, no service layer."""
    if conn.dialect.name == "postgresql":
        statement = text(
            "SELECT id FROM search_documents WHERE to_tsvector('simple'::regconfig, words) @@ "
            "plainto_tsquery('simple'::regconfig, :w) ORDER BY ts_rank(to_tsvector('simple'::regconfig, "
            "words), plainto_tsquery('simple'::regconfig, :w)) DESC LIMIT 20"
        )
        return lambda q: len(conn.execute(statement, {"w": query_groups(q.text)[0][0]}).all())
    statement = text("SELECT rowid FROM search_fts WHERE search_fts MATCH :m ORDER BY rank LIMIT 20")
    return lambda q: len(conn.execute(statement, {"m": fts5_match(query_groups(q.text))}).all())


def timed(label: str, run_one: Callable[[Query], int], asked: list[Query]) -> dict:
    for q in asked[:20]:  # warm the caches and jieba outside the timing
        run_one(q)
    latencies, found = [], 0
    for q in asked:
        started = time.perf_counter()
        found += run_one(q)
        latencies.append((time.perf_counter() - started) * 1000)
    figures = {
        "queries": len(asked),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "max_ms": round(max(latencies), 2),
        "mean_results": round(found / len(asked), 1),
    }
    p50, p99, mean = figures["p50_ms"], figures["p99_ms"], figures["mean_results"]
    say(f"  [{label}] p50 {p50} ms, p99 {p99} ms, {mean} results")
    return figures


def bench_one(label: str, url: str, rows: list[dict], asked: list[Query]) -> dict:
    load_s = load(url, rows)
    say(f"  [{label}] {len(rows):,} documents written in {load_s:.1f} s")
    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(search_documents)).scalar_one()
            service = timed(f"{label} service", lambda q: len(search(conn, q).hits), asked)
            bare = timed(f"{label} bare engine", _bare(conn), asked)
    finally:
        engine.dispose()
    return {
        "documents": total,
        "load_s": round(load_s, 2),
        "service": service,
        "bare_engine": bare,
        "p99_service_over_bare": round(service["p99_ms"] / bare["p99_ms"], 2) if bare["p99_ms"] else None,
    }


def run(pg: PgServer, *, products: int = 100_000, n_queries: int = 1000) -> dict:
    say(f"== search: {n_queries} searches over {products:,} products, service vs bare engine ==")
    started = time.perf_counter()
    rows = documents(products)
    asked = queries(n_queries)
    words_s = time.perf_counter() - started
    say(f"  documents segmented in {words_s:.1f} s ({len({r['title'] for r in rows}):,} distinct titles)")
    results = {}
    with scratch_dir("pledge-bench-search-") as workdir:
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        results["sqlite"] = guarded("sqlite", lambda: bench_one("sqlite", url, rows, asked))
    if pg.url:
        pg_url = pg.fresh_database("search")
        results["postgresql"] = guarded("postgresql", lambda: bench_one("postgresql", pg_url, rows, asked))
        pg.drop_database(pg_url)
    else:
        results["postgresql"] = {"skipped": pg.skipped}
    config = {"products": products, "queries": n_queries, "page_size": 20, "segment_s": round(words_s, 2)}
    data = envelope(NAME, pg.url, postgres_server=pg.origin, config=config, results=results)
    path = write_result(NAME, data)
    say(f"  → {path.relative_to(ROOT)}")
    return data
