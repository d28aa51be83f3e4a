"""Issue 11 item 3: demo mode must not lock up under concurrent writes. Reading the demo clock
once took a second pooled connection while the request held SQLite's write lock; with twenty
requests queued on that lock the pool ran dry, the lock holder waited 30 s for a connection
and the others died with `QueuePool limit` / `database is locked` (500s).

Each case sends 20 identical requests at once to a real server (uvicorn on a port, its own
threads) over a demo-mode SQLite file database and wants one success or clean 409/422s, never a
server error, and all answered in seconds (timings are printed)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from pledge.bootstrap import build
from pledge.config import Settings
from pledge.flash import services as flash
from pledge.kernel.clock import FixedClock
from pledge.orders.tables import order_lines
from pledge.settlement import accounts, deposits, payouts
from pledge.settlement import services as settlement
from pledge.settlement.payouts import provider_for
from pledge.web.app import create_app
from tests.conftest import migrated_sqlite
from tests.e2e.conftest import free_port
from tests.integration.test_settlement_story import Florist
from tests.support import World

CONCURRENT = 20
GENEROUS_SECONDS = 10.0  # the issue asks for about a second; fail only on a stall
UTC = UTC


class Demo:
    """A demo-mode database with one of everything the cases race on, and a live server."""

    def __init__(self, tmp_path, template) -> None:
        url = migrated_sqlite(template, tmp_path, "demo.sqlite3")
        self.settings = Settings(
            database_url=url, demo_mode=True, var_dir=tmp_path, run_sweeper_in_server=False
        )
        self.now = datetime.now(UTC)
        self.setup_clock = FixedClock(self.now - timedelta(days=40))
        self.setup = build(self.settings, clock=self.setup_clock)
        self._seed()

    def _seed(self) -> None:
        clock, app = self.setup_clock, self.setup
        self.florist = f = Florist(app, clock)
        world = World(app)
        # settlement: two delivered orders, settled; one payout sent (for the bank return)
        f.bulk_orders([self.now - timedelta(days=35), self.now - timedelta(days=35, hours=-1)])
        clock.set(self.now - timedelta(minutes=5))
        settlement.run_step(app.uow, app.rulebook, clock, provider_for(app))
        f.do(
            lambda c: deposits.top_up_deposit(
                c, f.operator, f.shop_id, amount_fen=1_000_000, reference="B1", at=clock.now()
            )
        )
        half = self.available() // 2
        self.sent_payout = f.do(
            lambda c: payouts.request_payout(
                c, f.owner, app.rulebook, f.shop_id, amount_fen=half, at=clock.now()
            )
        )
        payouts.send_payouts(app.uow, provider_for(app), clock)
        # checkout: a SKU with one unit left; flash: a deal of one unit
        self.last_unit_sku = world.product(f.owner, f.shop_id, stock=1, title="最后一束芍药")
        deal_sku = world.product(f.owner, f.shop_id, stock=5, title="秒杀向日葵")
        self.deal_id = f.do(
            lambda c: flash.create_deal(
                c,
                f.owner,
                flash.NewDeal(f.shop_id, deal_sku, 990, 1, 1, clock.now(), clock.now() + timedelta(days=1)),
                at=clock.now(),
            )
        )
        # review: an order delivered yesterday
        clock.set(self.now - timedelta(days=3))
        sku = world.product(f.owner, f.shop_id, title="多头玫瑰")
        order_id = world.paid_order(f.buyer, sku)
        world.ship(f.owner, order_id)
        clock.set(self.now - timedelta(minutes=1))
        world.carrier_tick()
        self.order_line_id = f.read(
            lambda c: c.execute(order_lines.select().where(order_lines.c.order_id == order_id)).first().id
        )

    def available(self) -> int:
        from pledge.ledger import services as ledger

        return self.florist.read(lambda c: ledger.balance(c, accounts.available(self.florist.shop_id)))


@pytest.fixture(scope="module")
def demo(tmp_path_factory, sqlite_template):
    import uvicorn

    d = Demo(tmp_path_factory.mktemp("demo-concurrency"), sqlite_template)
    port = free_port()
    pledge_app = build(d.settings)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(pledge_app, run_worker=False), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, name="demo-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the demo server did not start"
        time.sleep(0.05)
    d.base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=d.base, timeout=60) as c:
        d.tokens = {who: _token(c, f"{who}@example.cn") for who in ("florist", "ops", "buyer")}
    yield d
    server.should_exit = True
    thread.join(timeout=10)
    pledge_app.uow.engine.dispose()
    d.setup.uow.engine.dispose()


def _token(client: httpx.Client, email: str) -> str:
    resp = client.post("/api/v1/auth/token", json={"email": email, "password": "password123"})
    assert resp.status_code == 200, resp.text
    return resp.json()["token"]


def fire(demo: Demo, method: str, path: str, *, who: str | None, json: dict) -> tuple[Counter, float]:
    """CONCURRENT identical requests released together; (status counts, seconds for all)."""
    headers = {"Authorization": f"Bearer {demo.tokens[who]}"} if who else {}
    barrier = threading.Barrier(CONCURRENT)
    statuses: list[int | str] = [0] * CONCURRENT

    def one(i: int) -> None:
        with httpx.Client(base_url=demo.base, timeout=60) as c:
            barrier.wait()
            try:
                statuses[i] = c.request(method, path, headers=headers, json=json).status_code
            except httpx.HTTPError as exc:
                statuses[i] = type(exc).__name__

    threads = [threading.Thread(target=one, args=(i,)) for i in range(CONCURRENT)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    elapsed = time.monotonic() - started
    counts = Counter(statuses)
    print(f"{method} {path}: {dict(counts)} in {elapsed:.2f} s")
    return counts, elapsed


def assert_one_winner(counts: Counter, elapsed: float, won: int, refused: tuple[int, ...]) -> None:
    assert not [s for s in counts if not isinstance(s, int) or s >= 500], (
        f"server errors or dropped requests: {counts}"
    )
    assert counts[won] == 1, counts
    assert sum(n for s, n in counts.items() if s in refused) == CONCURRENT - 1, counts
    assert elapsed < GENEROUS_SECONDS, f"{CONCURRENT} requests took {elapsed:.1f} s"


def test_twenty_reviews_of_one_line_at_once_one_wins_the_rest_409(demo):
    counts, elapsed = fire(
        demo,
        "POST",
        "/api/v1/reviews",
        who="buyer",
        json={"order_line_id": demo.order_line_id, "stars": 5, "body": "花很新鲜"},
    )
    assert_one_winner(counts, elapsed, 201, (409,))


def test_twenty_checkouts_of_the_last_unit_at_once_one_wins_the_rest_409(demo):
    counts, elapsed = fire(
        demo,
        "POST",
        "/api/v1/checkout",
        who="buyer",
        json={"lines": [{"sku_id": demo.last_unit_sku, "quantity": 1}]},
    )
    assert_one_winner(counts, elapsed, 201, (409,))


def test_twenty_flash_purchases_of_a_one_unit_deal_at_once_one_wins_the_rest_409(demo):
    counts, elapsed = fire(
        demo, "POST", "/api/v1/flash-orders", who="buyer", json={"deal_id": demo.deal_id, "quantity": 1}
    )
    assert_one_winner(counts, elapsed, 201, (409,))


def test_twenty_payouts_of_the_whole_balance_at_once_one_wins_the_rest_422(demo):
    amount = demo.available()
    assert amount > 0
    counts, elapsed = fire(
        demo,
        "POST",
        f"/api/v1/shops/{demo.florist.shop_id}/payouts",
        who="florist",
        json={"amount_fen": amount},
    )
    assert_one_winner(counts, elapsed, 201, (409, 422))
    assert demo.available() == 0


def test_twenty_bank_returns_of_one_payout_at_once_one_wins_the_rest_409(demo):
    counts, elapsed = fire(
        demo,
        "POST",
        f"/api/v1/settlement/payouts/{demo.sent_payout}/return",
        who="ops",
        json={"reason": "账户已注销"},
    )
    assert_one_winner(counts, elapsed, 200, (409,))


def test_twenty_token_requests_at_once_all_succeed(demo):
    """Every request succeeds. Each one verifies an argon2 password hash, which is CPU work the
    server cannot skip; the bound allows for it (measured on this machine, as loaded as it is)
    and for nothing else: the hash is checked outside the write lock, so the requests do not
    queue behind each other's hashing."""
    counts, elapsed = fire(
        demo,
        "POST",
        "/api/v1/auth/token",
        who=None,
        json={"email": "buyer@example.cn", "password": "password123"},
    )
    hashing = _concurrent_hashing_seconds()
    print(f"{CONCURRENT} argon2 verifications on {CONCURRENT} threads alone: {hashing:.2f} s")
    assert counts == Counter({200: CONCURRENT}), counts
    assert elapsed < GENEROUS_SECONDS + 1.5 * hashing, f"{CONCURRENT} requests took {elapsed:.1f} s"


def _concurrent_hashing_seconds() -> float:
    from argon2 import PasswordHasher

    hasher = PasswordHasher()
    digest = hasher.hash("password123")
    threads = [
        threading.Thread(target=hasher.verify, args=(digest, "password123")) for _ in range(CONCURRENT)
    ]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - started


# ---------------------------------------------------------------- the clock itself


def test_reading_the_demo_clock_never_touches_the_database():
    from pledge.kernel.clock import OffsetClock

    reads = []
    clock = OffsetClock(lambda: reads.append(1) or timedelta(days=2))
    before = datetime.now(UTC)
    for _ in range(100):
        clock.now()
    assert reads == []  # now() only adds the offset it holds
    clock.refresh()
    assert reads == [1] and clock.now() >= before + timedelta(days=2)
    clock.moved_to(timedelta(days=1))  # a stale refresh never moves the clock back
    assert clock.now() >= before + timedelta(days=2)


def test_the_first_offset_loaded_may_be_behind_and_later_ones_never_move_it_back():
    """A demo database copied after its seed keeps its clock where the seed left it (the browser
    tests' template): the first load takes a negative offset as it is."""
    from pledge.kernel.clock import OffsetClock

    stored = [timedelta(minutes=-10)]
    clock = OffsetClock(lambda: stored[-1])
    clock.refresh()
    assert clock.now() <= datetime.now(UTC) - timedelta(minutes=9)
    stored.append(timedelta(minutes=-20))  # stale: ignored
    clock.refresh()
    assert clock.now() >= datetime.now(UTC) - timedelta(minutes=10, seconds=1)
    stored.append(timedelta(days=1))
    clock.refresh()
    assert clock.now() >= datetime.now(UTC) + timedelta(hours=23)


def test_a_running_server_sees_the_clock_another_process_advanced(tmp_path, sqlite_template):
    """`pledge clock advance 2d` runs in its own process: the server's next request sees it."""
    from fastapi.testclient import TestClient

    from pledge.bootstrap import advance_demo_clock

    url = migrated_sqlite(sqlite_template, tmp_path, "demo.sqlite3")
    settings = Settings(database_url=url, demo_mode=True, var_dir=tmp_path, run_sweeper_in_server=False)
    server, cli = build(settings), build(settings)
    try:
        with TestClient(create_app(server, run_worker=False)) as client:
            first = datetime.fromisoformat(client.get("/api/v1/health").json()["now"])
            advance_demo_clock(cli, timedelta(days=2))
            later = datetime.fromisoformat(client.get("/api/v1/health").json()["now"])
        assert timedelta(days=2) <= later - first < timedelta(days=2, minutes=1)
    finally:
        server.uow.engine.dispose()
        cli.uow.engine.dispose()
