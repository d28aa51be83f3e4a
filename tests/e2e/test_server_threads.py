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


def probed_app(app):
    """The app with two probe routes: the limiter's size (on the event loop), and a `def` route
    that holds its thread for a moment and records how many of it ran at once."""
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
        time.sleep(0.3)
        with lock:
            running["now"] -= 1
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


def test_the_default_is_one_thread_on_sqlite_and_eight_on_postgresql(tmp_path):
    sqlite = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    postgres = "postgresql+psycopg://pledge@localhost/pledge"
    assert Settings(database_url=sqlite).threads_per_server() == 1
    assert Settings(var_dir=tmp_path).threads_per_server() == 1  # the embedded database
    assert Settings(database_url=postgres).threads_per_server() == 8
    assert Settings(database_url=sqlite, server_threads=4).threads_per_server() == 4
    assert Settings(database_url=postgres, server_threads=2).threads_per_server() == 2
    with pytest.raises(ValidationError, match="server_threads"):
        Settings(server_threads=0)


def test_a_sqlite_app_runs_its_requests_one_at_a_time(tmp_path, clock):
    """The default on SQLite: one request at a time in the pool, the others queued on the event
    loop (and all of them answered)."""
    app = make_app(f"sqlite:///{tmp_path / 'one.sqlite3'}", clock)
    web, running = probed_app(app)
    try:
        with TestClient(web) as client:
            assert client.get("/__probe/threads").json() == {"tokens": 1}
            answers: list[int] = []
            callers = [
                threading.Thread(target=lambda: answers.append(client.get("/__probe/hold").status_code))
                for _ in range(3)
            ]
            for caller in callers:
                caller.start()
            for caller in callers:
                caller.join()
    finally:
        app.uow.engine.dispose()
    assert answers == [200] * 3
    assert running["most"] == 1
