"""Many rows into one table in one statement whose text does not depend on how many rows there
are (issue 19, the sweeps' batches).

SQLAlchemy sends an executemany with RETURNING, or an executemany on PostgreSQL, as multi-row
`INSERT ... VALUES (...), (...), ...` statements whose text grows with the batch. psycopg parses
such a statement in Python every time (it caches only short statements with few parameters):
on the late-ship sweep that was about a third of the time on PostgreSQL. On PostgreSQL,
`insert_rows` sends one array per column instead:

    INSERT INTO t (a, b) SELECT * FROM unnest(CAST(:a AS BIGINT[]), CAST(:b AS TEXT[])) ...

whose text is the same for every batch. Each value still passes its column type's bind
processing (UtcDateTime refuses a naive datetime as before). SQLite keeps SQLAlchemy's
executemany, which it runs without re-parsing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, bindparam, text
from sqlalchemy.engine import Connection

from pledge.kernel.db import AnyRow, dialect_insert


def insert_rows(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    returning: Sequence[str] = (),
    skip_conflicts_on: Sequence[str] = (),
) -> Sequence[AnyRow]:
    """Insert `rows` (dicts with the same keys); with `skip_conflicts_on`, rows that conflict on
    that unique index are skipped (ON CONFLICT DO NOTHING, which on PostgreSQL waits for a
    concurrent transaction inserting the same key). Returns the `returning` columns of the rows
    inserted, in no particular order (empty when nothing is asked)."""
    if not rows:
        return []
    names = _same_keys(rows)
    if conn.dialect.name != "postgresql":
        stmt = dialect_insert(conn)(table)
        if skip_conflicts_on:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(skip_conflicts_on))
        if returning:
            return conn.execute(stmt.returning(*(table.c[name] for name in returning)), list(rows)).all()
        conn.execute(stmt, list(rows))
        return []
    result = conn.execute(
        text(_unnest_insert(conn, table, names, returning, skip_conflicts_on)),
        {f"a{i}": _column_values(conn, table, name, rows) for i, name in enumerate(names)},
    )
    return result.all() if returning else []


def _unnest_insert(
    conn: Connection, table: Table, names: list[str], returning: Sequence[str], conflict: Sequence[str]
) -> str:
    arrays = ", ".join(
        f"CAST(:a{i} AS {table.c[name].type.compile(dialect=conn.dialect)}[])" for i, name in enumerate(names)
    )
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) SELECT * FROM unnest({arrays})"
    if conflict:
        sql += f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(returning)}"
    return sql


def _same_keys(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The rows' keys, which must be the same in every row (one array per column)."""
    keys = rows[0].keys()
    if any(row.keys() != keys for row in rows):
        raise ValueError("bulk rows must all have the same keys")
    return list(keys)


def _column_values(conn: Connection, table: Table, name: str, rows: Sequence[dict[str, Any]]) -> list[Any]:
    process = table.c[name].type.bind_processor(conn.dialect)
    values = [row[name] for row in rows]
    return values if process is None else [None if v is None else process(v) for v in values]


def update_rows(conn: Connection, table: Table, key: str, rows: Sequence[dict[str, Any]]) -> None:
    """Set each row's other columns on the row of `table` whose `key` column equals its `key`
    (dicts with the same keys). On PostgreSQL one `UPDATE ... FROM unnest(...)` of constant text;
    SQLite keeps SQLAlchemy's executemany."""
    if not rows:
        return
    names = [name for name in _same_keys(rows) if name != key]
    if conn.dialect.name != "postgresql":
        stmt = (
            table.update()
            .where(table.c[key] == bindparam(f"_{key}"))
            .values({name: bindparam(f"_{name}") for name in names})
        )
        conn.execute(stmt, [{f"_{name}": value for name, value in row.items()} for row in rows])
        return
    columns = [key, *names]
    arrays = ", ".join(
        f"CAST(:a{i} AS {table.c[name].type.compile(dialect=conn.dialect)}[])"
        for i, name in enumerate(columns)
    )
    sets = ", ".join(f"{name} = v.{name}" for name in names)
    conn.execute(
        text(
            f"UPDATE {table.name} SET {sets} FROM unnest({arrays}) AS v({', '.join(columns)}) "
            f"WHERE {table.name}.{key} = v.{key}"
        ),
        {f"a{i}": _column_values(conn, table, name, rows) for i, name in enumerate(columns)},
    )
