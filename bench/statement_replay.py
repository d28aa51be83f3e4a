"""The database's own time for a run's statements: what SQLAlchemy hands the driver (each
statement with its parameters, each commit and rollback) is recorded, then handed again to the
driver on an identical copy of the database, with no application code in between.

This is the floor under the late-ship sweep on SQLite (issue 19): however little Python the sweep
spent, it could not take less time than its own statements take the database. SQLite only: one
writer at a time, so the replay inserts the same rows in the same order and they get the same ids,
and every id a recorded statement names exists when it runs.

    with recording(engine) as log:
        ...  # the run
    seconds = replay(copy_url, log)
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Engine

from pledge.kernel.db import make_engine

COMMIT, ROLLBACK = "COMMIT", "ROLLBACK"
Step = tuple[str, Any, bool]  # statement (or COMMIT / ROLLBACK), parameters, executemany


@contextmanager
def recording(engine: Engine) -> Iterator[list[Step]]:
    """Every statement, executemany, commit and rollback that `engine`'s dialect performs while
    the block runs, in order. The engine must be used by one thread at a time."""
    if engine.dialect.name != "sqlite":
        raise ValueError("statement_replay records SQLite runs only")
    dialect, log = engine.dialect, []
    kind = type(dialect)

    def execute(cursor, statement, parameters, context=None):
        log.append((statement, parameters, False))
        return kind.do_execute(dialect, cursor, statement, parameters, context)

    def executemany(cursor, statement, parameters, context=None):
        log.append((statement, list(parameters), True))
        return kind.do_executemany(dialect, cursor, statement, parameters, context)

    def commit(dbapi_connection):
        log.append((COMMIT, None, False))
        return kind.do_commit(dialect, dbapi_connection)

    def rollback(dbapi_connection):
        log.append((ROLLBACK, None, False))
        return kind.do_rollback(dialect, dbapi_connection)

    names = ("do_execute", "do_executemany", "do_commit", "do_rollback")
    for name, hook in zip(names, (execute, executemany, commit, rollback), strict=True):
        setattr(dialect, name, hook)
    try:
        yield log
    finally:
        for name in names:
            delattr(dialect, name)


def replay(url: str, log: list[Step]) -> float:
    """Seconds the driver takes to run `log` again on the database at `url` (a copy of the one
    recorded), on one connection set up as the application's (kernel.db.make_engine: WAL,
    foreign keys, synchronous NORMAL). Rows a statement returns are fetched, as the run did."""
    engine = make_engine(url)
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        started = time.perf_counter()
        for statement, parameters, many in log:
            if statement == COMMIT:
                connection.commit()
            elif statement == ROLLBACK:
                connection.rollback()
            elif many:
                cursor.executemany(statement, parameters)
            else:
                cursor.execute(statement, parameters)
                cursor.fetchall()
        elapsed = time.perf_counter() - started
        connection.commit()
    finally:
        connection.close()
        engine.dispose()
    return elapsed


def differences(url: str, other_url: str, tables: list[str]) -> dict[str, tuple]:
    """The tables whose row count or greatest id differ between two SQLite databases (the run's
    and its replay's), each with both (count, greatest id); empty when the replay wrote what the
    run wrote."""
    found = {}
    for which in (url, other_url):
        engine = make_engine(which)
        try:
            with engine.connect() as conn:
                for table in tables:
                    row = conn.exec_driver_sql(f"SELECT count(*), max(id) FROM {table}").one()
                    found.setdefault(table, []).append(tuple(row))
        finally:
            engine.dispose()
    return {table: tuple(pair) for table, pair in found.items() if pair[0] != pair[1]}
