"""kernel.bulk: many rows in one statement of constant text (a JSON recordset, or unnest arrays
for bytes, on PostgreSQL; executemany on SQLite), with the same results as row-by-row inserts and
updates (issue 19)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import JSON, BigInteger, Boolean, Column, Integer, MetaData, String, Table, select
from sqlalchemy.exc import DBAPIError, StatementError

from pledge.integrations.tables import idempotency_keys as keys
from pledge.kernel.bulk import in_values, insert_rows, update_rows
from pledge.kernel.db import UtcDateTime
from pledge.kernel.errors import InvalidInput
from pledge.ledger.tables import ledger_transactions

AT = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)


def tx(key: str, memo: str = "备注 memo", at: datetime = AT) -> dict:
    return {"idempotency_key": key, "kind": "late_ship", "memo": memo, "created_at": at}


def stored(app) -> list[tuple]:
    t = ledger_transactions.c
    with app.uow.read() as c:
        return [tuple(r) for r in c.execute(select(t.idempotency_key, t.memo, t.created_at).order_by(t.id))]


def test_insert_rows_returns_the_inserted_and_skips_the_claimed_keys(app):
    with app.uow.begin() as c:
        first = insert_rows(c, ledger_transactions, [tx("a"), tx("b")], returning=("id", "idempotency_key"))
        again = insert_rows(
            c,
            ledger_transactions,
            [tx("b", "second"), tx("c", at=AT + timedelta(seconds=1))],
            returning=("idempotency_key",),
            skip_conflicts_on=("idempotency_key",),
        )
    assert sorted(r.idempotency_key for r in first) == ["a", "b"]
    assert [r.idempotency_key for r in again] == ["c"]  # b was claimed already: skipped, not overwritten
    assert stored(app) == [
        ("a", "备注 memo", AT),
        ("b", "备注 memo", AT),
        ("c", "备注 memo", AT + timedelta(seconds=1)),
    ]


MANY = 40  # at least kernel.bulk.READ_BACK_FROM: SQLite reads the inserted rows back by id


def test_many_rows_inserted_are_read_back_without_the_skipped_or_earlier_ones(app):
    with app.uow.begin() as c:
        insert_rows(c, ledger_transactions, [tx(f"old{i}") for i in range(MANY)])
        again = insert_rows(
            c,
            ledger_transactions,
            [tx(f"old{i}") for i in range(0, MANY, 2)] + [tx(f"new{i}") for i in range(MANY)],
            returning=("id", "idempotency_key"),
            skip_conflicts_on=("idempotency_key",),
        )
    assert sorted(r.idempotency_key for r in again) == sorted(f"new{i}" for i in range(MANY))
    with app.uow.read() as c:
        ids = dict(c.execute(select(ledger_transactions.c.idempotency_key, ledger_transactions.c.id)).all())
    assert {r.idempotency_key: r.id for r in again} == {k: v for k, v in ids.items() if k.startswith("new")}


def test_many_rows_with_their_own_ids_below_the_greatest_are_returned(app):
    # ids given by the caller need not lie above the greatest id: such rows keep RETURNING
    with app.uow.begin() as c:
        c.execute(ledger_transactions.insert().values(id=10_000, **tx("high")))
        inserted = insert_rows(
            c, ledger_transactions, [{"id": 100 + i, **tx(f"k{i}")} for i in range(MANY)], returning=("id",)
        )
    assert sorted(r.id for r in inserted) == [100 + i for i in range(MANY)]


def test_insert_rows_returns_its_rows_when_the_table_holds_the_largest_id(app):
    # SQLite then gives new rows random ids below it: kernel.bulk reads the rows back by RETURNING,
    # not as the ids above the greatest one before the insert
    with app.uow.begin() as c:
        c.execute(ledger_transactions.insert().values(id=2**63 - 1, **tx("top")))
        inserted = insert_rows(
            c, ledger_transactions, [tx(f"k{i}") for i in range(MANY)], returning=("idempotency_key",)
        )
    assert sorted(r.idempotency_key for r in inserted) == sorted(f"k{i}" for i in range(MANY))


def test_insert_rows_passes_each_value_through_its_column_type(app):
    # UtcDateTime refuses a naive datetime (SQLAlchemy wraps the ValueError on SQLite)
    with pytest.raises((ValueError, StatementError), match="naive datetime"), app.uow.begin() as c:
        insert_rows(c, ledger_transactions, [tx("a"), tx("b", at=datetime(2026, 9, 1))])
    with pytest.raises(InvalidInput), app.uow.begin() as c:  # the input guard still sees every text
        insert_rows(c, ledger_transactions, [tx("a"), tx("b", "nul\x00")])
    assert stored(app) == []


def test_columns_left_out_get_their_python_side_defaults(app):
    # ledger_transactions.memo is Column(default=""): stored as "", not refused as a NULL
    with app.uow.begin() as c:
        insert_rows(
            c, ledger_transactions, [{k: v for k, v in tx(f"k{i}").items() if k != "memo"} for i in range(40)]
        )
    assert {memo for _, memo, _ in stored(app)} == {""}


def test_a_default_computed_per_row_must_be_given(app):
    table = Table(
        "computed", MetaData(), Column("id", Integer, primary_key=True), Column("x", String, default=str)
    )
    with pytest.raises(ValueError, match=r"computed\.x"), app.uow.begin() as c:
        insert_rows(c, table, [{"id": 1}])


def test_rows_with_different_keys_are_refused(app):
    with pytest.raises(ValueError, match="same keys"), app.uow.begin() as c:
        insert_rows(c, ledger_transactions, [tx("a"), {**tx("b"), "memo": "x", "kind": "k"} | {"extra": 1}])


def test_update_rows_sets_each_rows_values_by_key(app):
    with app.uow.begin() as c:
        ids = {
            r.idempotency_key: r.id
            for r in insert_rows(
                c, ledger_transactions, [tx("a"), tx("b"), tx("c")], returning=("id", "idempotency_key")
            )
        }
        update_rows(
            c,
            ledger_transactions,
            "id",
            [{"id": ids["a"], "memo": "甲"}, {"id": ids["c"], "memo": "丙"}],
        )
    assert [memo for _, memo, _ in stored(app)] == ["甲", "备注 memo", "丙"]


def test_rows_holding_bytes_round_trip(app):
    # JSON cannot carry bytes: on PostgreSQL such rows keep the typed arrays (unnest)
    def row(key: str, body: bytes | None) -> dict:
        return {
            "caller": "c" * 64,
            "key": key,
            "fingerprint": "f" * 64,
            "status": 200,
            "content_type": "application/json",
            "body": body,
            "locked_at": AT,
            "expires_at": AT + timedelta(days=1),
        }

    with app.uow.begin() as c:
        inserted = insert_rows(c, keys, [row("a", b"\x00\xff{}"), row("b", None)], returning=("key",))
        update_rows(c, keys, "key", [{"key": "b", "body": "向日葵".encode()}])
    with app.uow.read() as c:
        stored_bodies = dict(c.execute(select(keys.c.key, keys.c.body)).all())
    assert sorted(r.key for r in inserted) == ["a", "b"]
    assert {k: bytes(v) for k, v in stored_bodies.items()} == {"a": b"\x00\xff{}", "b": "向日葵".encode()}


def test_a_nul_in_any_row_is_refused_before_the_rows_are_encoded(app):
    with pytest.raises(InvalidInput, match="NUL"), app.uow.begin() as c:
        insert_rows(c, ledger_transactions, [tx(f"k{i}") for i in range(50)] + [tx("z", "晚发\x00")])
    assert stored(app) == []


def test_a_json_column_keeps_its_document(app):
    # Its bind processor encodes the document; a JSON recordset would read that text back as a
    # JSON string, so on PostgreSQL such a table keeps the typed arrays.
    probe = Table("bulk_json_probe", MetaData(), Column("id", Integer, primary_key=True), Column("doc", JSON))
    with app.uow.begin() as c:
        probe.create(c)
        insert_rows(c, probe, [{"id": 1, "doc": {"花": "向日葵", "n": 12}}, {"id": 2, "doc": [1, 2]}])
        update_rows(c, probe, "id", [{"id": 2, "doc": {"改": True}}])
        stored_docs = dict(c.execute(select(probe.c.id, probe.c.doc)).all())
        probe.drop(c)
    assert stored_docs == {1: {"花": "向日葵", "n": 12}, 2: {"改": True}}


def test_in_values_matches_what_an_in_list_matches(app):
    """One JSON array parameter instead of one parameter per value: the same rows, for text keys
    (quotes, backslashes, Chinese) and integer ids, and nothing for an empty list."""
    awkward = ['a"b', "c\\d", "晚发即赔:1", "e'f"]
    with app.uow.begin() as c:
        made = insert_rows(c, ledger_transactions, [tx(k) for k in [*awkward, "other"]], returning=("id",))
    ids = sorted(r.id for r in made)
    t = ledger_transactions.c
    with app.uow.read() as c:
        key = t.idempotency_key
        by_key = c.execute(select(key).where(in_values(c, key, awkward))).scalars()
        by_id = c.execute(select(t.id).where(in_values(c, t.id, ids[:2] + [10**9]))).scalars()
        none = c.execute(select(t.id).where(in_values(c, t.id, []))).scalars()
        assert sorted(by_key) == sorted(awkward)
        assert sorted(by_id) == ids[:2]
        assert list(none) == []


def test_each_column_type_round_trips_through_its_json_array(app):
    """On PostgreSQL every column travels as one JSON array (json_array_elements_text, cast to the
    column's type): booleans, integers past 32 bits, text with quotes and Chinese, datetimes that
    are all the same instant or differ, and NULLs, come back as they went."""
    probe = Table(
        "bulk_types_probe",
        MetaData(),
        Column("id", BigInteger, primary_key=True),
        Column("flag", Boolean),
        Column("label", String(12)),
        Column("at", UtcDateTime),
        Column("same_at", UtcDateTime),
    )
    rows = [
        {"id": 1, "flag": True, "label": '向日葵"12枝"', "at": AT, "same_at": AT},
        {"id": 2**40, "flag": False, "label": "a\\b", "at": None, "same_at": AT},
        {"id": 3, "flag": None, "label": None, "at": AT + timedelta(microseconds=7), "same_at": AT},
    ]
    with app.uow.begin() as c:
        probe.create(c)
        insert_rows(c, probe, rows)
        update_rows(c, probe, "id", [{"id": 3, "flag": True, "label": "改", "at": AT}])
        stored_rows = [dict(r._mapping) for r in c.execute(select(probe).order_by(probe.c.id))]
        probe.drop(c)
    assert stored_rows == [rows[0], {**rows[2], "flag": True, "label": "改", "at": AT}, rows[1]]


def test_a_text_too_long_for_its_column_is_refused_not_cut(app):
    """Text columns are not cast on the way in (a CAST to VARCHAR(n) would cut the value short):
    PostgreSQL's assignment refuses it. SQLite does not enforce VARCHAR lengths at all."""
    if app.uow.engine.dialect.name != "postgresql":
        pytest.skip("SQLite does not enforce a VARCHAR's length")
    with pytest.raises(DBAPIError, match="too long"), app.uow.begin() as c:
        insert_rows(c, ledger_transactions, [tx("a"), tx("k" * 121)])
    with app.uow.begin() as c:
        made = insert_rows(c, ledger_transactions, [tx("a")], returning=("id",))
    with pytest.raises(DBAPIError, match="too long"), app.uow.begin() as c:
        update_rows(c, ledger_transactions, "id", [{"id": made[0].id, "kind": "k" * 31}])
    assert [key for key, _, _ in stored(app)] == ["a"]
