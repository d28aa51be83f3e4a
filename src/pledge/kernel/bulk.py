"""Many rows into one table in one statement whose text does not depend on how many rows there
are (issue 19, the sweeps' batches).

SQLAlchemy sends an executemany with RETURNING, or an executemany on PostgreSQL, as multi-row
`INSERT ... VALUES (...), (...), ...` statements whose text grows with the batch. psycopg parses
such a statement in Python every time (it caches only short statements with few parameters):
on the late-ship sweep that was about a third of the time on PostgreSQL. On PostgreSQL,
`insert_rows` sends one array per column instead:

    INSERT INTO t (a, b) SELECT * FROM unnest(CAST(:a AS BIGINT[]), CAST(:b AS TEXT[])) ...

whose text is the same for every batch. Each value still passes its column type's bind
processing (UtcDateTime refuses a naive datetime as before).

psycopg then spent most of the sweep's client time dumping those arrays: it escapes every text
element of a text-format array with a regular-expression substitution in Python (about 40 % of
the late-ship sweep's CPU on PostgreSQL). So the rows now travel as one JSON document, encoded
by the standard library's C encoder and taken apart by PostgreSQL:

    INSERT INTO t (a, b) SELECT a, b FROM json_to_recordset(CAST(:rows AS json)) AS x(a BIGINT, b TEXT)

still one statement of constant text. JSON would escape a NUL or a lone surrogate past the
driver-side guard (kernel.db.refuse_unstorable), so the guard looks at the values before they
are encoded. Rows holding bytes (which JSON cannot carry) keep the arrays. SQLite keeps
SQLAlchemy's executemany, which it runs without re-parsing and which measured no slower than
any single-statement form there."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, bindparam, cast, func, select, text
from sqlalchemy.dialects.postgresql import JSON as PG_JSON
from sqlalchemy.engine import Connection
from sqlalchemy.sql import sqltypes

from pledge.kernel.db import AnyRow, dialect_insert, unstorable_problem
from pledge.kernel.errors import InvalidInput


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
    columns = {name: _column_values(conn, table, name, rows) for name in names}
    if _json_carries(table, columns):
        sql = (
            f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {', '.join(names)} "
            f"FROM {_recordset(conn, table, names)}"
        )
        sql += f" ON CONFLICT ({', '.join(skip_conflicts_on)}) DO NOTHING" if skip_conflicts_on else ""
        sql += f" RETURNING {', '.join(returning)}" if returning else ""
        result = conn.execute(text(sql), {"rows": _json_records(names, columns)})
    else:
        result = conn.execute(
            text(_unnest_insert(conn, table, names, returning, skip_conflicts_on)),
            {f"a{i}": columns[name] for i, name in enumerate(names)},
        )
    return result.all() if returning else []


# What JSON carries as PostgreSQL reads it back through json_to_recordset (a datetime as its
# ISO text, which timestamptz parses with its offset); bytes (psycopg's Binary) do not qualify.
_JSON_KINDS = frozenset({str, int, float, bool, type(None), datetime})


def _json_carries(table: Table, columns: dict[str, list[Any]]) -> bool:
    """Whether JSON carries these bind-processed values as PostgreSQL would read them; refuses, as
    the driver-side guard would, what cannot be stored. A JSON-typed column is not carried: its
    bind processor has already encoded the value, which json_to_recordset would read as a JSON
    string rather than the document."""
    problem = unstorable_problem(list(columns.values()))
    if problem:
        raise InvalidInput(problem)
    if any(isinstance(table.c[name].type, sqltypes.JSON) for name in columns):
        return False
    return all(type(v) in _JSON_KINDS for values in columns.values() for v in values)


def _json_records(names: list[str], columns: dict[str, list[Any]]) -> str:
    return json.dumps(
        [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)],
        ensure_ascii=False,
        separators=(",", ":"),
        default=_json_value,
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):  # UtcDateTime hands PostgreSQL an aware datetime
        return value.isoformat()
    raise TypeError(f"bulk rows cannot carry {type(value).__name__} as JSON")


def _recordset(conn: Connection, table: Table, names: list[str]) -> str:
    spec = ", ".join(f"{name} {table.c[name].type.compile(dialect=conn.dialect)}" for name in names)
    return f"json_to_recordset(CAST(:rows AS json)) AS x({spec})"


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
    process = table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    values = [row[name] for row in rows]
    return values if process is None else [None if v is None else process(v) for v in values]


def update_rows(conn: Connection, table: Table, key: str, rows: Sequence[dict[str, Any]]) -> None:
    """Set each row's other columns on the row of `table` whose `key` column equals its `key`
    (dicts with the same keys). On PostgreSQL one `UPDATE ... FROM json_to_recordset(...)` of
    constant text; SQLite keeps SQLAlchemy's executemany."""
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
    columns = {name: _column_values(conn, table, name, rows) for name in (key, *names)}
    sets = ", ".join(f"{name} = x.{name}" for name in names)
    if _json_carries(table, columns):
        conn.execute(
            text(
                f"UPDATE {table.name} SET {sets} FROM {_recordset(conn, table, [key, *names])} "
                f"WHERE {table.name}.{key} = x.{key}"
            ),
            {"rows": _json_records([key, *names], columns)},
        )
        return
    arrays = ", ".join(
        f"CAST(:a{i} AS {table.c[name].type.compile(dialect=conn.dialect)}[])"
        for i, name in enumerate(columns)
    )
    conn.execute(
        text(
            f"UPDATE {table.name} SET {sets} FROM unnest({arrays}) AS x({', '.join(columns)}) "
            f"WHERE {table.name}.{key} = x.{key}"
        ),
        {f"a{i}": values for i, values in enumerate(columns.values())},
    )


def in_values(conn: Connection, column: ColumnElement, values: Iterable[int | str]) -> ColumnElement[bool]:
    """`column IN values` for a batch's hundreds of keys or ids, the values sent as one JSON
    array and taken apart by the database (json_array_elements_text on PostgreSQL, json_each on
    SQLite). An IN list sends one parameter per value, so psycopg parses the statement, whose
    text grows with the list, in Python on every batch: 1 000 compensation keys cost 4.5–5.7 ms
    of client CPU on PostgreSQL as a list against 0.6 ms as one array, and 1.1 against 0.6 ms on
    SQLite (docs/benchmarks.md)."""
    document = bindparam(None, json.dumps(list(values), ensure_ascii=False), type_=sqltypes.Text)
    if conn.dialect.name == "postgresql":
        text_value = func.json_array_elements_text(cast(document, PG_JSON)).table_valued("value").c.value
        value = text_value if isinstance(column.type, sqltypes.String) else cast(text_value, column.type)
    else:
        value = func.json_each(document).table_valued("value").c.value
    return column.in_(select(value))
