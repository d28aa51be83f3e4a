"""SQLite's writers take turns in the process (kernel.db.SqliteWriters) instead of sleeping in
SQLite's busy handler: with the busy timeout at zero, a writer that met another at BEGIN
IMMEDIATE would fail at once with "database is locked", so these tests see every overlap."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from pledge.kernel import db
from pledge.kernel.db import UnitOfWork, make_engine

THREADS, WRITES = 4, 15


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'writers.sqlite3'}")

    @event.listens_for(engine, "connect")
    def _no_busy_wait(dbapi_conn, _record) -> None:  # runs after make_engine's own pragmas
        dbapi_conn.execute("PRAGMA busy_timeout=0")

    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE written (writer INTEGER, n INTEGER)"))
    yield engine
    engine.dispose()


def write_in_threads(begin) -> list[BaseException]:
    """THREADS threads, each WRITES transactions that hold the write lock for a moment."""
    failures: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def writer(k: int) -> None:
        start.wait()
        for n in range(WRITES):
            try:
                with begin() as conn:
                    conn.execute(text("INSERT INTO written VALUES (:k, :n)"), {"k": k, "n": n})
                    time.sleep(0.002)  # hold the lock while the others try to begin
            except (OperationalError, TimeoutError) as failed:
                failures.append(failed)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return failures


def written(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM written")).scalar_one()


def test_writers_of_a_process_take_turns_and_never_meet_at_the_lock(engine):
    assert write_in_threads(UnitOfWork(engine).begin) == []
    assert written(engine) == THREADS * WRITES


def test_without_the_turns_the_same_writers_meet_at_the_lock(engine):
    """The check above can fail: the same writers through the bare engine collide."""
    failures = write_in_threads(engine.begin)
    assert failures and all("database is locked" in str(f) for f in failures)
    assert written(engine) == THREADS * WRITES - len(failures)  # each failure wrote nothing


def test_a_turn_not_given_in_time_fails_as_the_busy_timeout_would_and_writes_nothing(engine, monkeypatch):
    monkeypatch.setattr(db, "BUSY_TIMEOUT_S", 0.2)
    uow = UnitOfWork(engine)
    holding, done = threading.Event(), threading.Event()

    def hold() -> None:
        with uow.begin():
            holding.set()
            done.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(10)
        with pytest.raises(TimeoutError, match="no turn to write"), uow.begin() as conn:
            conn.execute(text("INSERT INTO written VALUES (0, 0)"))
    finally:
        done.set()
        holder.join(10)
    assert written(engine) == 0
