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


def test_the_default_is_eight_and_a_pool_needs_a_thread():
    assert Settings().server_threads == 8
    with pytest.raises(ValidationError, match="server_threads"):
        Settings(server_threads=0)
