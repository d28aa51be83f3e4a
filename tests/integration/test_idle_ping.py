"""PostgreSQL connections are pinged only after sitting idle (kernel.db.ping_when_idle): a
connection whose server process went away while it sat in the pool is replaced before anyone
uses it, and a connection back from work a moment ago is used without a ping."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from pledge.kernel import db
from pledge.kernel.db import make_engine

pytestmark = pytest.mark.postgres


def backend(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_an_idle_connection_whose_server_went_away_is_replaced_unseen(postgres_url, monkeypatch):
    engine, admin = make_engine(postgres_url), make_engine(postgres_url)
    try:
        first = backend(engine)
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
            conn.commit()
        monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)  # every connection in the pool is idle
        assert backend(engine) != first  # no error: the dead connection never reached the caller
    finally:
        engine.dispose()
        admin.dispose()


def test_a_connection_back_from_work_a_moment_ago_is_not_pinged(postgres_url, monkeypatch):
    engine = make_engine(postgres_url)
    pings: list[object] = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append(c) or ping(c))
    try:
        assert backend(engine) == backend(engine)
        assert pings == []
        monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
        backend(engine)
        assert len(pings) == 1
    finally:
        engine.dispose()
