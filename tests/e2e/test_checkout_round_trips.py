"""The checkout request's database work (SQLite and PostgreSQL), counted with SQLAlchemy event
listeners around one `POST /api/v1/checkout` of one line, bearer token included: SQL
statements, connections taken from the pool, pings of those connections (PostgreSQL pinged
every one before handing it out) and transactions that really send BEGIN. The figures are the
ones docs/benchmarks.md reports ("Where the time goes"); this keeps them from creeping back up.
Before issue 19's cuts: 15 statements, 3 connections, 3 pings on PostgreSQL, 3 transactions; 14
statements until the shop and product guards were read as probes with the SKUs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import anyio.to_thread
import fastapi.routing
from sqlalchemy import event
from sqlalchemy.engine import Engine

from pledge.bootstrap import build, clock_refreshes
from pledge.catalog.guards import probing
from pledge.config import Settings
from pledge.kernel import db
from pledge.kernel.statements import count_statements
from pledge.migrate import upgrade
from pledge.orders.skus import _sku_read
from pledge.web.api.schemas.orders import CheckoutOut
from pledge.web.app import create_app
from tests.e2e.conftest import api_token, bearer, email_of

# The bearer token's owner; the default address; SKU ⋈ product ⋈ shop with the guards' probes
# (deposit terms, sanctions, penalties, first-access wish offers: catalog.guards.Probed), none of
# which concerns this shop, so no guard runs its own query; UPDATE skus; the buyer's birth date;
# INSERT checkouts, orders, order_lines, order_events, payments.
STATEMENTS = 10
CONNECTIONS = 2  # the token's read, then the checkout's transaction
TRANSACTIONS = {"postgresql": 1, "sqlite": 2}  # a PostgreSQL read runs in autocommit
# Trips to the thread pool and back: the bearer token's check, then the handler. The app's
# services (AppDep) and a clock with nothing to load are dependencies that run on the event loop,
# and the answer (ids and text) has no response model, whose validation would be one more trip.
THREAD_HOPS = 2


@contextmanager
def database_work(engine: Engine) -> Iterator[Counter]:
    seen: Counter = Counter()

    def began(conn) -> None:
        if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            seen["transactions"] += 1

    def checked_out(*_) -> None:
        seen["connections"] += 1

    event.listen(engine, "begin", began)
    event.listen(engine.pool, "checkout", checked_out)
    try:
        yield seen
    finally:
        event.remove(engine, "begin", began)
        event.remove(engine.pool, "checkout", checked_out)


def sku_and_buyer(app, client, world) -> tuple[int, dict[str, str]]:
    """A new shop's 19.90-yuan SKU (10 in stock) and a new buyer's bearer-token headers."""
    shop_id, owner = world.shop()
    sku = world.product(owner, shop_id, promise="72h", price_fen=1990, stock=10)
    buyer = world.user()
    return sku, bearer(api_token(client, email_of(app, buyer.user_id)))


def test_a_one_line_checkout_request_stays_within_its_database_work(app, client, world, monkeypatch):
    sku, headers = sku_and_buyer(app, client, world)
    body = {"lines": [{"sku_id": sku, "quantity": 1}]}
    pings: list[object] = []
    ping = app.uow.engine.dialect.do_ping
    monkeypatch.setattr(app.uow.engine.dialect, "do_ping", lambda c: pings.append(c) or ping(c))
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 60.0)  # a slow test box: still "a moment ago"
    assert client.post("/api/v1/checkout", json=body, headers=headers).status_code == 201  # warm up
    pings.clear()
    with count_statements(app.uow.engine) as counter, database_work(app.uow.engine) as work:
        placed = client.post("/api/v1/checkout", json=body, headers=headers)
    assert placed.status_code == 201, placed.text
    assert counter.count <= STATEMENTS, "\n".join(counter.statements)
    assert work["connections"] <= CONNECTIONS
    assert pings == []  # connections back from work a moment ago are not pinged
    assert work["transactions"] <= TRANSACTIONS[app.uow.dialect]
    assert not [s for s in counter.statements if "live_session" in s]  # bought in no room: no notice


def test_the_checkout_read_with_the_guards_probes_is_built_once(app):
    """The SKU read with the probes costs several times more to build than to run, so it is built
    once per set of probing guards: App.sale_guards gives new guard objects on every call, which
    must be equal values (catalog.guards.Probed) for the read to be reused."""
    first, second = probing(app.sale_guards), probing(app.sale_guards)
    assert len(first) == 4  # deposit, sanctions, penalties, first access
    assert first is not second and first == second
    assert _sku_read(first) is _sku_read(second)


def test_a_checkout_request_takes_two_trips_to_the_thread_pool(client, world, app, monkeypatch):
    """A `def` dependency costs a hop to a worker thread and back, on every request: five hops
    per checkout before issue 19's fourth round, about a tenth of the server's CPU per order on
    SQLite (docs/benchmarks.md)."""
    sku, headers = sku_and_buyer(app, client, world)
    hops: list[str] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(func, *args, **kwargs):
        hops.append(getattr(func, "__name__", repr(func)))
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    body = {"lines": [{"sku_id": sku, "quantity": 1}]}
    placed = client.post("/api/v1/checkout", json=body, headers=headers)
    assert placed.status_code == 201, placed.text
    assert len(hops) == THREAD_HOPS, hops


def test_a_checkout_answer_skips_fastapis_encoding_pass(client, world, app, monkeypatch):
    """The answer (ids, amounts and text) goes out as a JSONResponse: FastAPI's serialize_response,
    with its jsonable_encoder walk, held 4.2 % of a checkout's interpreter samples under py-spy
    (docs/benchmarks.md). The JSON is the same: CheckoutOut's fields, the order ids as a list."""
    sku, headers = sku_and_buyer(app, client, world)
    serialised: list[object] = []
    serialize = fastapi.routing.serialize_response

    async def counted(*args, **kwargs):
        serialised.append(kwargs.get("response_content"))
        return await serialize(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "serialize_response", counted)
    body = {"lines": [{"sku_id": sku, "quantity": 2}]}
    placed = client.post("/api/v1/checkout", json=body, headers=headers)
    assert placed.status_code == 201, placed.text
    assert serialised == []
    answer = placed.json()
    assert set(answer) == set(CheckoutOut.model_fields)
    assert answer["total_fen"] == 3980 and len(answer["order_ids"]) == 1
    assert set(answer["payment"]) == {"provider", "ref", "pay_url"}
    assert client.get("/api/v1/health").status_code == 200 and serialised  # the control: counted


def test_only_the_demo_clock_adds_an_app_wide_dependency(app, tmp_path):
    """Every request solves the app's own dependencies before the route's: outside demo mode the
    clock has nothing to load, so there are none (docs/benchmarks.md, the sixth round); the demo
    clock's shared offset is loaded before each request."""
    assert create_app(app, run_worker=False).router.dependencies == []
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    upgrade(url)
    demo = build(Settings(database_url=url, demo_mode=True))
    try:
        assert clock_refreshes(demo)
        assert len(create_app(demo, run_worker=False).router.dependencies) == 1
    finally:
        demo.uow.engine.dispose()
