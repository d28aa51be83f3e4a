"""A statement's ledger figures are summed by the database (issue 19: at 10 M orders the biggest
shop's history was pulled into Python twice per statement). The sums must be what the postings
say: money into the accounts counts +, out of them −, a move between two of them nets to zero, a
transaction at the start of the month belongs to that month, and the opening balance is everything
before it. Each posting carries its transaction's time (migration 0050), which the sums filter on.
On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import create_engine, inspect, select

from pledge.ledger import queries
from pledge.ledger import services as ledger
from pledge.ledger.services import Posting
from pledge.ledger.tables import ledger_postings, ledger_transactions
from pledge.migrate import alembic_config, upgrade

SHOP = ["shop:7:proceeds", "shop:7:available"]
START, END = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)


def _record(app, key: str, kind: str, at: datetime, *postings: Posting) -> None:
    with app.uow.begin() as c:
        ledger.record(c, key=key, kind=kind, memo="", at=at, postings=list(postings))


def _history(app) -> None:
    _record(
        app,
        "p1",
        "payment",
        datetime(2026, 9, 30, 23, 59, tzinfo=UTC),
        Posting(ledger.PAYMENTS_IN, "shop:7:proceeds", 10_000),
    )
    _record(app, "p2", "payment", START, Posting(ledger.PAYMENTS_IN, "shop:7:proceeds", 2_990))
    _record(
        app, "f2", "fee", datetime(2026, 10, 2, tzinfo=UTC), Posting("shop:7:proceeds", "platform:fees", 150)
    )
    _record(
        app,
        "s2",
        "settle",
        datetime(2026, 10, 9, tzinfo=UTC),  # among the shop's own: 0
        Posting("shop:7:proceeds", "shop:7:available", 2_840),
    )
    _record(
        app,
        "x",
        "payment",
        datetime(2026, 10, 3, tzinfo=UTC),  # another shop's money
        Posting(ledger.PAYMENTS_IN, "shop:8:proceeds", 777),
    )
    _record(app, "p3", "payment", END, Posting(ledger.PAYMENTS_IN, "shop:7:proceeds", 5_000))


def test_the_months_movement_by_kind_and_the_balances_around_it(app):
    _history(app)
    with app.uow.read() as c:
        october = queries.movements(c, SHOP, START, END)
        november = queries.movements(c, SHOP, END, datetime(2027, 1, 1, tzinfo=UTC))
    assert october.by_kind == {"payment": 2_990, "fee": -150, "settle": 0}
    assert october.opening_fen == 10_000  # everything before the month, summed on its own
    assert october.closing_fen == 12_840
    assert november.opening_fen == october.closing_fen  # summed again from the postings
    assert november.closing_fen == 17_840


def test_accounts_that_never_moved_sum_to_nothing(app):
    with app.uow.read() as c:
        assert queries.movements(c, ["shop:99:proceeds"], START, END) == queries.Movements(0, {}, 0)


def _posting_times(db_url: str) -> list[tuple]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as c:
            return c.execute(
                select(ledger_postings.c.id, ledger_postings.c.created_at, ledger_transactions.c.created_at)
                .join(ledger_transactions, ledger_transactions.c.id == ledger_postings.c.transaction_id)
                .order_by(ledger_postings.c.id)
            ).all()
    finally:
        engine.dispose()


def test_a_posting_carries_its_transactions_time_and_the_migration_fills_it(app, db_url):
    _history(app)
    written = _posting_times(db_url)
    assert len(written) == 6 and all(posting == tx for _, posting, tx in written)
    app.uow.engine.dispose()

    command.downgrade(alembic_config(db_url), "0049")
    engine = create_engine(db_url)
    try:
        assert "created_at" not in {col["name"] for col in inspect(engine).get_columns("ledger_postings")}
    finally:
        engine.dispose()
    upgrade(db_url)
    assert _posting_times(db_url) == written
