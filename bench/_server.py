"""The HTTP server of the place_order benchmark, in its own process so that the client threads
do not share its interpreter lock: `python -m bench._server DATABASE_URL PORT [WORKERS]`.

It is the real app (create_app with the worker thread off) plus one route, /__bench/statements,
that reports what `count_statements` saw on the app's engine since the server started: the
benchmark reads it before and after a run and divides by the number of orders. With WORKERS > 1
it runs that many processes under uvicorn's process manager, as `pledge serve --workers N` does;
each counts only its own statements, so the benchmark takes statement counts from the
one-process run."""

from __future__ import annotations

import functools
import os
import sys
import time
from collections import Counter

import uvicorn
from fastapi import FastAPI
from sqlalchemy import event

from bench import shape
from pledge.bootstrap import build
from pledge.config import Settings
from pledge.kernel.heap import freeze_startup_objects
from pledge.kernel.statements import StatementCounter, count_statements
from pledge.web.app import create_app

URL_VARIABLE = "PLEDGE_BENCH_SERVER_URL"


def bench_app(url: str) -> FastAPI:
    """The app, with the /__bench/statements route counting on its engine for its whole life."""
    app = build(Settings(database_url=url, run_sweeper_in_server=False))
    web = create_app(app, run_worker=False)
    waits: list[float] = []

    # Time spent in the engine's "begin" listeners: on SQLite that is BEGIN IMMEDIATE, i.e. the
    # wait for the database write lock; on PostgreSQL nothing is sent at begin.
    @event.listens_for(app.uow.engine, "begin", insert=True)
    def _begin_started(conn):
        conn.info["bench_begin"] = time.perf_counter()

    @event.listens_for(app.uow.engine, "begin")
    def _begin_done(conn):
        waits.append(time.perf_counter() - conn.info.pop("bench_begin", time.perf_counter()))

    connects: list[int] = []  # connections the pool opened to the database

    @event.listens_for(app.uow.engine, "connect")
    def _connected(*_):
        connects.append(1)

    counting = count_statements(app.uow.engine)  # entered for the app's whole life, never left
    counter: StatementCounter = counting.__enter__()
    web.state.bench_counting = counting  # referenced: a collected context manager would stop counting

    @web.get("/__bench/statements", include_in_schema=False)
    def statements(since: int = 0, since_begin: int = 0) -> dict:
        # len(list) rather than counter.count: appends are atomic across the server's threads.
        seen = counter.statements[since:]
        began = waits[since_begin:]
        return {
            "count": since + len(seen),
            "shapes": dict(Counter(shape(s) for s in seen)),
            "begins": since_begin + len(began),
            "begin_wait_s": sum(began),
            "begin_wait_max_s": max(began, default=0.0),
            "pid": os.getpid(),
            "connections_opened": len(connects),
        }

    freeze_startup_objects()  # as `pledge serve` does once the app is built (pledge.kernel.heap)
    return web


def factory() -> FastAPI:
    """One of several server processes (uvicorn's factory)."""
    return bench_app(os.environ[URL_VARIABLE])


def main() -> None:
    url, port = sys.argv[1], int(sys.argv[2])
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    run = functools.partial(uvicorn.run, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    if workers == 1:
        run(bench_app(url))
        return
    os.environ[URL_VARIABLE] = url
    run("bench._server:factory", factory=True, workers=workers, timeout_worker_healthcheck=60)


if __name__ == "__main__":
    main()
