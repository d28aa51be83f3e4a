"""flash_sale: a live-room flash deal of 1 000 units bought by 200 buyers at once over HTTP on
PostgreSQL (uvicorn in its own process, worker off). Each buyer keeps buying one unit until it
is refused (sold out, or its per-buyer limit of 10 reached), so demand (2 000) exceeds supply:
every unit must sell, none twice. Then the same purchase as raw SQL (the same statements, no
HTTP, no token check) on a second deal in the same run, as the baseline.

Figures: units_sold, oversold (must be 0), undersold, orders_per_s, ratio_to_raw_sql.

    python -m bench --only flash_sale [--flash-units 1000] [--flash-buyers 200]
"""

from __future__ import annotations

import random
import secrets
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from bench import (
    ROOT,
    PgServer,
    envelope,
    guarded,
    latency_summary,
    release_together,
    say,
    scratch_dir,
    seed_buyers,
    write_result,
)
from bench.http_load import Server, client_kind, http_client, postgres_cpu_seconds
from bench.http_load import tokens as fetch_tokens
from pledge.accounts import services as accounts
from pledge.bootstrap import build
from pledge.catalog import services as catalog
from pledge.catalog.tables import skus
from pledge.config import Settings
from pledge.flash import services as flash
from pledge.flash.tables import flash_buckets, flash_purchases
from pledge.kernel import jsonutil
from pledge.kernel.db import make_engine
from pledge.migrate import upgrade
from pledge.orders.services import encode_promises
from pledge.orders.tables import order_lines
from pledge.promises.model import Promise

NAME = "flash_sale"
PASSWORD = "bench-password-1"
LIMIT = 10  # units per buyer: 200 buyers × 10 = 2 000 wanted for 1 000 units
UTC = UTC


DEALS = ("HTTP", "raw SQL", "HTTP, several processes")


def seed(url: str, buyers: int, units: int) -> dict:
    app = build(Settings(database_url=url))
    now = datetime.now(UTC)
    try:
        data = _seed_shop(app, units, now)
        emails = [f"buyer{n}@flash.bench" for n in range(buyers)]
        buyer_ids = seed_buyers(app, emails, PASSWORD, now)
    finally:
        app.uow.engine.dispose()
    return {"emails": emails, "buyer_ids": buyer_ids, **data}


def _seed_shop(app, units: int, now: datetime) -> dict:
    """The shop, its live room, one SKU with stock for every deal, and the deals (DEALS)."""
    with app.uow.begin() as c:
        top = catalog.create_category(c, name="鲜花园艺", name_en="Flowers")
        category = catalog.create_category(c, name="鲜切花", name_en="Cut flowers", parent_id=top)
        shop_id = catalog.create_shop(c, name="秒杀压测店", slug="flash-bench", at=now)
        owner_id = accounts.create_user(
            c, email="owner@flash.bench", password=PASSWORD, display_name="店主", at=now
        )
        accounts.add_shop_member(c, shop_id=shop_id, user_id=owner_id, role="owner")
        owner = accounts.load_actor(c, owner_id)
        live = catalog.create_content_promise(
            c,
            owner,
            shop_id=shop_id,
            kind="live_room",
            title="晚八点直播",
            promise=Promise.parse("same-day"),
        )
        product_id = catalog.create_product(
            c,
            owner,
            catalog.NewProduct(
                shop_id,
                category,
                "A级向日葵 12枝",
                Promise.parse("48h"),
                [catalog.NewSku("12枝", 1990, len(DEALS) * units)],
                perishable=True,
            ),
            at=now,
            guards=app.listing_guards,
        )
        sku_id = c.execute(select(skus.c.id).where(skus.c.product_id == product_id)).scalar_one()
        deals = [
            flash.create_deal(
                c,
                owner,
                flash.NewDeal(
                    shop_id,
                    sku_id,
                    990,
                    units,
                    LIMIT,
                    now - timedelta(minutes=1),
                    now + timedelta(hours=2),
                    f"秒杀 {label}",
                    live,
                ),
                at=now,
            )
            for label in DEALS
        ]
    return {"sku_id": sku_id, "product_id": product_id, "shop_id": shop_id, "live_id": live, "deals": deals}


def _crowd(buyers: int, buy) -> dict:
    """One thread per buyer, all released at once; each buys one unit at a time until refused."""
    latencies: list[list[float]] = [[] for _ in range(buyers)]
    outcomes: list[Counter] = [Counter() for _ in range(buyers)]

    def body(k: int, state) -> None:
        while True:
            t0 = time.perf_counter()
            try:
                result = buy(state, k)
            except Exception as exc:
                result = f"error {type(exc).__name__}: {str(exc)[:200]}"
            latencies[k].append(time.perf_counter() - t0)
            outcomes[k][result.split(":")[0]] += 1
            if result != "ok":
                break

    cpu_before = time.process_time()
    elapsed = release_together(buyers, buy.state, body, "flash-buyer")
    cpu = time.process_time() - cpu_before
    requests, latency = latency_summary(latencies)
    total = sum(outcomes, Counter())
    return {
        "elapsed_s": elapsed,
        "requests": requests,
        "outcomes": dict(total),
        "orders": total.get("ok", 0),
        "latency_ms": latency,
        "bench_process_cpu_ms_per_request": round(1000 * cpu / max(requests, 1), 3),
    }


class HttpBuy:
    def __init__(self, base: str, tokens: list[str], deal_id: int) -> None:
        self.base, self.tokens, self.deal_id = base, tokens, deal_id

    def state(self, k: int):
        return http_client(self.base, timeout=120, headers={"Authorization": f"Bearer {self.tokens[k]}"})

    def __call__(self, client, k: int) -> str:
        r = client.post("/api/v1/flash-orders", json={"deal_id": self.deal_id, "quantity": 1})
        if r.status_code == 201:
            return "ok"
        body = r.json() if r.content_type.startswith("application/") else {}
        return f"refused {body.get('code', r.status_code)}"


class RawBuy:
    """The statements one flash purchase makes (allowance, checkout, order, line, event, payment,
    purchase, bucket), as text() SQL on an engine like the app's."""

    def __init__(self, url: str, data: dict, deal_id: int, buyers: int) -> None:
        self.engine = make_engine(url)
        self.data, self.deal_id = data, deal_id
        self.candidates = encode_promises(
            [("product", Promise.parse("48h")), (f"live_room:{data['live_id']}", Promise.parse("same-day"))]
        )
        q = {
            name: text(sql)
            for name, sql in {
                "allow": "INSERT INTO flash_allowances (deal_id, shop_id, buyer_id, units) VALUES (:deal, "
                ":shop, :buyer, 0) ON CONFLICT DO NOTHING",
                "claim": "UPDATE flash_allowances SET units = units + 1 WHERE deal_id = :deal AND buyer_id "
                "= :buyer AND units + 1 <= :limit",
                "checkout": "INSERT INTO checkouts (buyer_id, total_fen, created_at) VALUES (:buyer, 990, "
                ":at) RETURNING id",
                "order": "INSERT INTO orders (checkout_id, buyer_id, shop_id, status, items_fen, "
                "discount_fen, paid_fen, promise_kind, "
                "promise_source, promise_candidates, created_at, pay_by, channel) VALUES (:checkout, "
                ":buyer, :shop, "
                "'pending_payment', 990, 0, 990, 'pending', '', :candidates, :at, :pay_by, 'live_room') "
                "RETURNING id",
                "line": "INSERT INTO order_lines (order_id, shop_id, sku_id, product_id, title, quantity, "
                "unit_price_fen, line_total_fen) "
                "VALUES (:order, :shop, :sku, :product, 'A级向日葵 12枝 · 12枝', 1, 990, 990)",
                "event": "INSERT INTO order_events (order_id, shop_id, at, kind, detail) VALUES (:order, "
                ":shop, :at, 'placed', :detail)",
                "payment": "INSERT INTO payments (checkout_id, buyer_id, amount_fen, provider, "
                "provider_ref, status, created_at) "
                "VALUES (:checkout, :buyer, 990, 'sandbox', :ref, 'pending', :at)",
                "purchase": "INSERT INTO flash_purchases (deal_id, shop_id, buyer_id, quantity, order_id, "
                "at) VALUES (:deal, :shop, :buyer, 1, :order, :at)",
                "take": "UPDATE flash_buckets SET remaining = remaining - 1 WHERE id = (SELECT id FROM "
                "flash_buckets WHERE "
                "deal_id = :deal AND remaining >= 1 ORDER BY (bucket + :start) % :n LIMIT 1 FOR UPDATE SKIP "
                "LOCKED) RETURNING id",
                "wait": "UPDATE flash_buckets SET remaining = remaining - 1 WHERE id = (SELECT id FROM "
                "flash_buckets WHERE "
                "deal_id = :deal AND remaining >= 1 ORDER BY bucket LIMIT 1 FOR UPDATE) RETURNING id",
            }.items()
        }
        self.q = q
        with self.engine.connect() as c:
            self.n = c.execute(
                select(func.count()).select_from(flash_buckets).where(flash_buckets.c.deal_id == deal_id)
            ).scalar()

    def state(self, k: int) -> int:
        return self.data["buyer_ids"][k]

    def __call__(self, buyer: int, k: int) -> str:
        q, deal, at = self.q, self.deal_id, datetime.now(UTC)
        held = {"deal": deal, "shop": self.data["shop_id"], "buyer": buyer}  # the deal's shop, as the service
        try:
            with self.engine.begin() as c:
                c.execute(q["allow"], held)
                if c.execute(q["claim"], {"deal": deal, "buyer": buyer, "limit": LIMIT}).rowcount != 1:
                    raise _Refused("refused conflict")
                checkout = c.execute(q["checkout"], {"buyer": buyer, "at": at}).scalar_one()
                order = c.execute(
                    q["order"],
                    {
                        "checkout": checkout,
                        "buyer": buyer,
                        "shop": self.data["shop_id"],
                        "candidates": self.candidates,
                        "at": at,
                        "pay_by": at + timedelta(minutes=30),
                    },
                ).scalar_one()
                c.execute(
                    q["line"],
                    {
                        "order": order,
                        "shop": self.data["shop_id"],
                        "sku": self.data["sku_id"],
                        "product": self.data["product_id"],
                    },
                )
                c.execute(
                    q["event"],
                    {
                        "order": order,
                        "shop": self.data["shop_id"],
                        "at": at,
                        "detail": jsonutil.dumps({"items_fen": 990, "discount_fen": 0, "flash_deal": deal}),
                    },
                )
                c.execute(
                    q["payment"],
                    {"checkout": checkout, "buyer": buyer, "ref": "sbx_" + secrets.token_hex(12), "at": at},
                )
                c.execute(q["purchase"], {**held, "order": order, "at": at})
                try:
                    with c.begin_nested():  # as the service: a stray lock of step 1 is released
                        if (
                            c.execute(
                                q["take"], {"deal": deal, "start": random.randrange(self.n), "n": self.n}
                            ).first()
                            is None
                        ):
                            raise _Refused("no free bucket")
                    taken = True
                except _Refused:
                    taken = None
                if taken is None and c.execute(q["wait"], {"deal": deal}).first() is None:
                    raise _Refused("refused out_of_stock")
        except _Refused as refused:
            return str(refused)
        return "ok"

    def close(self) -> None:
        self.engine.dispose()


class _Refused(Exception):
    pass


def _sold(url: str, deal_id: int) -> dict:
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            sold = c.execute(
                select(func.coalesce(func.sum(flash_purchases.c.quantity), 0)).where(
                    flash_purchases.c.deal_id == deal_id
                )
            ).scalar()
            left = c.execute(
                select(func.sum(flash_buckets.c.remaining)).where(flash_buckets.c.deal_id == deal_id)
            ).scalar()
            negative = c.execute(
                select(func.count())
                .select_from(flash_buckets)
                .where(flash_buckets.c.deal_id == deal_id, flash_buckets.c.remaining < 0)
            ).scalar()
            lines = c.execute(
                select(func.coalesce(func.sum(order_lines.c.quantity), 0))
                .join(flash_purchases, flash_purchases.c.order_id == order_lines.c.order_id)
                .where(flash_purchases.c.deal_id == deal_id)
            ).scalar()
    finally:
        engine.dispose()
    return {
        "units_sold": int(sold),
        "units_left": int(left),
        "negative_buckets": negative,
        "order_line_units": int(lines),
    }


def _figures(label: str, run: dict, sold: dict, units: int) -> dict:
    oversold = max(0, sold["units_sold"] - units)
    undersold = max(0, units - sold["units_sold"])
    per_s = run["orders"] / run["elapsed_s"] if run["elapsed_s"] else 0.0
    ok = (
        oversold == 0
        and undersold == 0
        and sold["negative_buckets"] == 0
        and sold["order_line_units"] == sold["units_sold"]
    )
    say(
        f"  [{label}] {sold['units_sold']} of {units} units sold in {run['elapsed_s']:.2f} s → {per_s:.0f} "
        "orders/s; "
        f"oversold {oversold}, undersold {undersold}, left {sold['units_left']} → {'OK' if ok else 'WRONG'}; "
        f"p50 {run['latency_ms']['p50']:.1f} ms, p95 {run['latency_ms']['p95']:.1f} ms; outcomes "
        f"{run['outcomes']}"
    )
    return {
        "units_sold": sold["units_sold"],
        "oversold": oversold,
        "undersold": undersold,
        "units_left": sold["units_left"],
        "orders_per_s": round(per_s, 1),
        "requests": run["requests"],
        "outcomes": run["outcomes"],
        "elapsed_s": round(run["elapsed_s"], 2),
        "latency_ms": run["latency_ms"],
        # the client threads' CPU (over HTTP), or the raw SQL's own work (the baseline)
        "bench_process_cpu_ms_per_request": run["bench_process_cpu_ms_per_request"],
        "correct": ok,
    }


def _http_crowd(url: str, workdir, data: dict, deal: int, *, units: int, buyers: int, workers: int) -> dict:
    """The crowd against `workers` server processes, buying `deal` over HTTP."""
    server = Server(url, workdir / f"server-flash-{workers}.log", workers)
    try:
        server.wait_ready()
        tokens = fetch_tokens(server.base, data["emails"], PASSWORD)
        say(
            f"  [postgresql] HTTP, {workers} server process(es): {buyers} buyers at once, one unit per "
            "request until refused"
        )
        opened_before = server.statements()["connections_opened"]
        cpu_before, db_before = server.cpu_seconds(), postgres_cpu_seconds()
        crowd = _crowd(buyers, HttpBuy(server.base, tokens, deal))
        cpu_after, db_after = server.cpu_seconds(), postgres_cpu_seconds()
        figures = _figures(f"postgresql HTTP ×{workers}", crowd, _sold(url, deal), units)
        # per process: with several, the one that answered the statements request
        opened = server.statements()["connections_opened"] - opened_before
        figures["connections_opened_in_one_process"] = opened
        if None not in (cpu_before, cpu_after, db_before, db_after):
            figures |= _cpu_figures(crowd, cpu_after - cpu_before, db_after - db_before)
        return figures
    finally:
        server.stop()


def _cpu_figures(crowd: dict, server_cpu: float, database_cpu: float) -> dict:
    """CPU per request of the server processes, the PostgreSQL processes and the client threads
    over one crowd; utilisation in cores."""
    requests, elapsed = crowd["requests"], crowd["elapsed_s"]
    figures = {
        "server_cpu_ms_per_request": round(1000 * server_cpu / requests, 3),
        "server_cpu_utilisation": round(server_cpu / elapsed, 2),
        "database_cpu_ms_per_request": round(1000 * database_cpu / requests, 3),
        "database_cpu_utilisation": round(database_cpu / elapsed, 2),
    }
    say(
        f"  [postgresql] CPU per request: server {figures['server_cpu_ms_per_request']:.2f} ms "
        f"({figures['server_cpu_utilisation']:.2f} cores), PostgreSQL "
        f"{figures['database_cpu_ms_per_request']:.2f} ms ({figures['database_cpu_utilisation']:.2f} cores), "
        f"client threads {crowd['bench_process_cpu_ms_per_request']:.2f} ms"
    )
    return figures


def bench_postgres(pg: PgServer, workdir, *, units: int, buyers: int, workers: int = 1) -> dict:
    url = pg.fresh_database("flash")
    try:
        say(
            f"  [postgresql] migrating and seeding: 1 SKU, {len(DEALS)} deals of {units} units, {buyers} "
            f"buyers (limit {LIMIT} each)"
        )
        upgrade(url)
        data = seed(url, buyers, units)
        http = _http_crowd(url, workdir, data, data["deals"][0], units=units, buyers=buyers, workers=1)
        several = (
            _http_crowd(url, workdir, data, data["deals"][2], units=units, buyers=buyers, workers=workers)
            if workers > 1
            else None
        )
        say(f"  [postgresql] raw SQL baseline: the same purchase as text() SQL, {buyers} threads")
        raw_buy = RawBuy(url, data, data["deals"][1], buyers)
        try:
            db_before = postgres_cpu_seconds()
            crowd = _crowd(buyers, raw_buy)
            db_after = postgres_cpu_seconds()
            raw = _figures("postgresql raw SQL", crowd, _sold(url, data["deals"][1]), units)
        finally:
            raw_buy.close()
        if db_before is not None and db_after is not None:
            raw["database_cpu_ms_per_request"] = round(1000 * (db_after - db_before) / crowd["requests"], 3)
    finally:
        pg.drop_database(url)
    ratio = round(http["orders_per_s"] / raw["orders_per_s"], 3) if raw["orders_per_s"] else None
    say(f"  [postgresql] HTTP API = {ratio} × raw SQL")
    if several is not None and raw["orders_per_s"]:
        several["processes"] = workers
        several["ratio_to_raw_sql"] = round(several["orders_per_s"] / raw["orders_per_s"], 3)
        say(f"  [postgresql] HTTP API with {workers} processes = {several['ratio_to_raw_sql']} × raw SQL")
    return {
        **http,
        "ratio_to_raw_sql": ratio,
        "several_processes": several,
        "raw_sql": raw,
        "buyers": buyers,
        "units": units,
        "per_buyer_limit": LIMIT,
    }


def run(pg: PgServer, *, units: int = 1000, buyers: int = 200, workers: int = 1) -> dict:
    say(f"== flash_sale: {units} units, {buyers} concurrent buyers over HTTP on PostgreSQL ==")
    if not pg.url:
        say(f"  [postgresql] {pg.skipped}")
        results = {"postgresql": {"skipped": pg.skipped}}
    else:
        with scratch_dir("pledge-bench-flash-") as workdir:
            results = {
                "postgresql": guarded(
                    "postgresql",
                    lambda: bench_postgres(pg, workdir, units=units, buyers=buyers, workers=workers),
                )
            }
    data = envelope(
        NAME,
        pg.url,
        postgres_server=pg.origin,
        config={
            "units": units,
            "buyers": buyers,
            "per_buyer_limit": LIMIT,
            "buckets": flash.BUCKETS,
            "server": "uvicorn, 1 process, own port"
            + (f"; then {workers} processes on a deal of their own" if workers > 1 else ""),
            "hot_path": "bucketed stock, FOR UPDATE SKIP LOCKED",
            "http_client": client_kind(),
        },
        results=results,
    )
    path = write_result(NAME, data)
    say(f"  → {path.relative_to(ROOT)}")
    return data
