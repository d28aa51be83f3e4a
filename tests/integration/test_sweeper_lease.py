"""The sweeper lease (kernel.lease): on PostgreSQL one holder at a time, taken over when the
holder lets go (its process stopped); a process without it runs no sweep pass but still writes
its own buffered behaviour events; on SQLite (one serving process) it is always held."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from pledge.kernel.clock import FixedClock
from pledge.kernel.db import make_engine
from pledge.kernel.lease import Lease
from pledge.reach.recording import BehaviourEvent, EventKind, Subject
from pledge.reach.tables import reach_events
from pledge.worker import _pass
from tests.conftest import make_app


@pytest.mark.postgres
def test_only_one_process_holds_the_sweeper_lease_until_it_lets_go(postgres_url):
    engines = [make_engine(postgres_url) for _ in "ab"]
    first, second = (Lease(engine) for engine in engines)
    try:
        assert first.holds() and first.holds()  # held, and still held
        assert not second.holds()
        first.release()
        assert second.holds()
        assert not first.holds()
    finally:
        first.release()
        second.release()
        for engine in engines:
            engine.dispose()


@pytest.mark.postgres
def test_a_process_without_the_lease_runs_no_sweep_but_writes_its_events(postgres_url, monkeypatch):
    app = make_app(postgres_url, FixedClock(datetime(2026, 9, 1, 2, tzinfo=UTC)))
    holder = Lease(app.uow.engine)
    assert holder.holds()
    passes: list[int] = []
    monkeypatch.setattr("pledge.worker.run_once", lambda _app: passes.append(1) or {})
    app.events.add(
        BehaviourEvent(EventKind.VIEW, Subject.PRODUCT, 7, app.clock.now(), user_id=None, visitor_id="v1")
    )
    other = Lease(app.uow.engine)
    _pass(app, other, 1.0)
    with app.uow.read() as conn:
        assert conn.execute(select(func.count()).select_from(reach_events)).scalar_one() == 1
    assert passes == []
    holder.release()
    _pass(app, other, 1.0)
    assert passes == [1]
    other.release()
    app.uow.engine.dispose()


def test_on_sqlite_the_lease_is_always_held(tmp_path):
    lease = Lease(make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}"))
    assert lease.holds() and Lease(lease.engine).holds()
