"""A server process runs at most PLEDGE_SERVER_THREADS requests at once in its thread pool (the
`def` handlers and dependencies): the app's lifespan sets anyio's default limiter. With its own
default of 40, 200 flash-sale buyers made each process's pool close and reopen 71 connections
in 1 200 requests, and PostgreSQL's CPU per request rose by more than half (docs/serving.md,
"Threads")."""

from __future__ import annotations

import threading
import time

import pytest
from anyio import to_thread
from fastapi.testclient import TestClient
from pydantic import ValidationError

from pledge.config import Settings
from pledge.web.app import create_app
from tests.conftest import make_app

REQUESTS = 6


def probed_app(app, hold_s: float = 0.3):
    """The app with three probe routes: the limiter's size (on the event loop), a `def` route
    that holds its thread for `hold_s` and records how many of it ran at once, and a quick one."""
    web = create_app(app, run_worker=False)
    running = {"now": 0, "most": 0}
    lock = threading.Lock()

    @web.get("/__probe/threads")
    async def threads() -> dict:
        return {"tokens": to_thread.current_default_thread_limiter().total_tokens}

    @web.get("/__probe/hold")
    def hold() -> dict:
        with lock:
            running["now"] += 1
            running["most"] = max(running["most"], running["now"])
        time.sleep(hold_s)
        with lock:
            running["now"] -= 1
        return {}

    @web.get("/__probe/quick")
    def quick() -> dict:
        return {}

    return web, running


@pytest.mark.parametrize("threads", [2, 3])
def test_requests_run_in_the_thread_pool_no_more_than_the_setting_at_once(db_url, clock, threads):
    app = make_app(db_url, clock, server_threads=threads)
    web, running = probed_app(app)
    try:
        with TestClient(web) as client:
            assert client.get("/__probe/threads").json() == {"tokens": threads}
            answers: list[int] = []
            callers = [
                threading.Thread(target=lambda: answers.append(client.get("/__probe/hold").status_code))
                for _ in range(REQUESTS)
            ]
            for caller in callers:
                caller.start()
            for caller in callers:
                caller.join()
    finally:
        app.uow.engine.dispose()
    assert answers == [200] * REQUESTS
    assert running["most"] == threads


def test_the_default_is_one_thread_on_sqlite_and_two_on_postgresql_each_opening_up_to_eight(tmp_path):
    sqlite = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    postgres = "postgresql+psycopg://pledge@localhost/pledge"
    assert Settings(database_url=sqlite).server_thread_range() == (1, 8)
    assert Settings(var_dir=tmp_path).server_thread_range() == (1, 8)  # the embedded database
    assert Settings(database_url=postgres).server_thread_range() == (2, 8)
    assert Settings(database_url=sqlite, server_threads=4).server_thread_range() == (4, 4)
    assert Settings(database_url=postgres, server_threads=2).server_thread_range() == (2, 2)
    with pytest.raises(ValidationError, match="server_threads"):
        Settings(server_threads=0)


def test_a_server_starts_with_the_least_of_its_database_s_range_and_opens_beside_a_slow_request(
    db_url, clock
):
    """Both databases, unset: the lifespan starts the pool at the range's least (1 on SQLite, 2
    on PostgreSQL) and the valve gives a request that holds its thread a lane of its own."""
    app = make_app(db_url, clock)
    least, most = app.settings.server_thread_range()
    web, _running = probed_app(app, hold_s=3.0)
    try:
        with TestClient(web) as client:
            assert client.get("/__probe/threads").json() == {"tokens": least}
            holders = [threading.Thread(target=lambda: client.get("/__probe/hold")) for _ in range(least)]
            for holder in holders:
                holder.start()
            # Every thread of the least is held for 3 s, far past SLOW_AFTER_S; a loaded box may
            # take a while to start the holders, so look until the lanes open or the holds end.
            deadline, opened = time.monotonic() + 2.5, least
            while opened < 2 * least and time.monotonic() < deadline:
                time.sleep(0.05)
                opened = client.get("/__probe/threads").json()["tokens"]
            for holder in holders:
                holder.join()
    finally:
        app.uow.engine.dispose()
    assert (least, most) == ((1, 8) if db_url.startswith("sqlite") else (2, 8))
    assert opened == 2 * least, f"{least} slow requests opened the pool to {opened}"


def test_on_sqlite_one_thread_runs_requests_and_another_opens_beside_a_slow_one(tmp_path, clock):
    """SQLite's default: one thread, so requests do not hand the interpreter lock back and forth;
    a request that holds it for long (here 3 s) does not hold up the next, which is answered on a
    second thread (web.threads.ThreadValve)."""
    app = make_app(f"sqlite:///{tmp_path / 'one.sqlite3'}", clock)
    web, running = probed_app(app, hold_s=3.0)
    try:
        with TestClient(web) as client:
            assert client.get("/__probe/threads").json() == {"tokens": 1}
            slow = threading.Thread(target=lambda: client.get("/__probe/hold"))
            started = time.monotonic()
            slow.start()
            time.sleep(0.2)  # the slow request holds the one thread
            assert client.get("/__probe/quick").status_code == 200
            answered = time.monotonic() - started
            slow.join()
    finally:
        app.uow.engine.dispose()
    assert running["most"] == 1
    assert answered < 2.0, f"a quick request waited {answered:.1f} s behind a slow one"
