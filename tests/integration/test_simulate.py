"""`pledge simulate` (issue 19): a small run through the services on SQLite and PostgreSQL keeps
the ledger balanced, pays late shipments exactly what the rulebook's late-ship clauses say for
the lateness it simulated, and repeats itself for the same seed."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import MetaData, func, select

from pledge.compensation.tables import compensations
from pledge.config import Settings
from pledge.kernel.db import make_engine
from pledge.kernel.errors import Conflict, InvalidInput
from pledge.lateship.policy import quote_late_ship
from pledge.ledger.services import trial_balance
from pledge.orders.tables import orders
from pledge.rulebooks.loader import load
from pledge.settlement.model import PayoutStatus
from pledge.settlement.tables import payouts
from pledge.simulation.config import SimConfig
from pledge.simulation.service import simulate
from tests.conftest import migrated_sqlite

SMALL = SimConfig(shops=2, days=3, orders_per_day=5, seed=0)
# Random by design, so left out of the digest: the sandbox payment reference
# (orders.services: "sbx_" + secrets.token_hex), the argon2 salt and the webhook event ids.
RANDOM_COLUMNS = {("payments", "provider_ref"), ("users", "password_hash"), ("webhook_events", "event_id")}


def run(url: str, config: SimConfig = SMALL):
    return simulate(Settings(database_url=url), config)


def digest(url: str) -> str:
    """Every row of every table, in id order, but the random columns."""
    engine = make_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    sha = hashlib.sha256()
    with engine.connect() as conn:
        for table in sorted(meta.sorted_tables, key=lambda t: t.name):
            columns = [c for c in table.columns if (table.name, c.name) not in RANDOM_COLUMNS]
            rows = conn.execute(select(*columns).order_by(*table.primary_key.columns or columns)).all()
            sha.update(f"{table.name}:{[tuple(map(str, r)) for r in rows]}".encode())
    engine.dispose()
    return sha.hexdigest()


def test_simulation_runs_every_step_and_the_ledger_balances(db_url):
    summary = run(db_url)
    assert summary.orders == 2 * 3 * 5
    assert 0 < summary.paid <= summary.orders
    assert 0 < summary.shipped <= summary.paid
    assert summary.score_snapshots > 0
    engine = make_engine(db_url)
    with engine.connect() as conn:
        balances = trial_balance(conn)
        delivered = conn.execute(select(func.count()).where(orders.c.delivered_at.is_not(None))).scalar_one()
    engine.dispose()
    assert delivered > 0
    assert balances and sum(balances.values()) == 0


def test_late_ship_compensation_is_what_douyin_aJoPPkWZ7VQM_says_for_the_simulated_lateness(db_url):
    """Every paid order's compensations add up to the late-ship quote for when its parcel was
    picked up (douyin:101706: the carrier's pickup scan is the shipped time), or for the end of
    the run if it is still unshipped; late orders exist and some of them are paid."""
    config = SimConfig(shops=2, days=5, orders_per_day=5, seed=0, late_share=0.5)
    summary = run(db_url, config)
    end, book = config.starts_at + timedelta(days=config.days), load("douyin")
    engine = make_engine(db_url)
    with engine.connect() as conn:
        paid = conn.execute(select(orders).where(orders.c.paid_at.is_not(None))).all()
        paid_out = dict(
            conn.execute(
                select(compensations.c.order_id, func.sum(compensations.c.amount_fen)).group_by(
                    compensations.c.order_id
                )
            ).all()
        )
    engine.dispose()
    checked = late = 0
    for order in paid:
        if order.shipped_at is not None and order.picked_up_at is None:
            continue  # handed over, the pickup scan not in yet: the sweep waits for it
        quote = quote_late_ship(
            book,
            paid_fen=order.paid_fen,
            paid_at=order.paid_at,
            ship_by_at=order.ship_by,
            shipped_at=order.picked_up_at,
            now=end,
        )
        late += quote is not None
        assert paid_out.get(order.id, 0) == (quote.amount_fen if quote else 0), order.id
        checked += 1
    assert checked > 0 and late > 0
    assert summary.compensations > 0 and summary.compensation_fen == sum(paid_out.values())
    assert summary.shipped_late > 0


def _copy(template, directory):
    directory.mkdir()
    return migrated_sqlite(template, directory)


def test_the_same_seed_gives_the_same_database(sqlite_template, tmp_path):
    first, second, other = (_copy(sqlite_template, tmp_path / name) for name in ("first", "second", "other"))
    assert run(first).as_json() | {"wall_seconds": 0, "orders_per_second": 0} == run(second).as_json() | {
        "wall_seconds": 0,
        "orders_per_second": 0,
    }
    run(other, SimConfig(shops=2, days=3, orders_per_day=5, seed=1))
    assert digest(first) == digest(second)
    assert digest(first) != digest(other)


@pytest.mark.parametrize(
    "kwargs, says",
    [
        ({"shops": 0}, "--shops must be a whole number of at least 1"),
        ({"days": -1}, "--days must be a whole number of at least 1"),
        ({"days": 367}, "--days may be at most 366"),
        ({"orders_per_day": 0}, "--orders-per-day must be a whole number of at least 1"),
        ({"late_share": 1.5}, "--late-share is a share between 0 and 1"),
    ],
)
def test_bad_counts_are_refused_before_anything_is_written(kwargs, says):
    with pytest.raises(InvalidInput, match=says):
        SimConfig(**kwargs)


def test_an_unmigrated_database_is_refused(tmp_path):
    with pytest.raises(InvalidInput, match="run `pledge db upgrade` first"):
        run(f"sqlite:///{tmp_path / 'missing.sqlite3'}")
    empty = tmp_path / "empty.sqlite3"
    make_engine(f"sqlite:///{empty}").connect().close()
    with pytest.raises(InvalidInput, match="not at the latest schema"):
        run(f"sqlite:///{empty}")


def test_a_seed_already_simulated_in_the_database_is_refused(sqlite_template, tmp_path):
    url = migrated_sqlite(sqlite_template, tmp_path)
    run(url, SimConfig(shops=1, days=1, orders_per_day=1, seed=7))
    with pytest.raises(Conflict, match="already holds the simulation with seed 7"):
        run(url, SimConfig(shops=1, days=1, orders_per_day=1, seed=7))


def test_merchants_withdraw_what_is_payable_each_week_and_the_worker_sends_it(sqlite_template, tmp_path):
    url = migrated_sqlite(sqlite_template, tmp_path)
    summary = run(url, SimConfig(shops=1, days=14, orders_per_day=4, seed=0))
    engine = make_engine(url)
    with engine.connect() as conn:
        statuses = conn.execute(select(payouts.c.status, payouts.c.amount_fen)).all()
        balances = trial_balance(conn)
    engine.dispose()
    assert summary.payouts >= 1 and summary.payout_fen == sum(amount for _s, amount in statuses)
    assert {status for status, _a in statuses} == {PayoutStatus.SENT.value}
    assert sum(balances.values()) == 0
    assert all(v >= 0 for code, v in balances.items() if code.endswith(":available"))
