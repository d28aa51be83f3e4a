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
the late-ship sweep's CPU on PostgreSQL). So each column now travels as one JSON array, encoded
by the standard library's C encoder and taken apart by PostgreSQL, the columns zipped back into
rows by ROWS FROM:

    INSERT INTO t (a, b) SELECT CAST(x.a AS BIGINT), x.b
    FROM ROWS FROM (json_array_elements_text(CAST(:a0 AS json)),
                    json_array_elements_text(CAST(:a1 AS json))) AS x(a, b)

still one statement of constant text. (The rows went as one JSON array of objects before, read by
json_to_recordset: building a dict per row and encoding every key again per row cost the client
three times what the columns cost.) Text columns are not cast, so a value too long for a
VARCHAR(n) is refused by the INSERT's assignment as before, never cut short by an explicit cast.
JSON would escape a NUL or a lone surrogate past the driver-side guard
(kernel.db.refuse_unstorable), so the guard looks at the values before they are encoded. Rows
holding bytes (which JSON cannot carry) keep the arrays.

SQLite runs an executemany without parsing it again, and that measured no slower than any
single-statement form there (a JSON document of rows through json_each, columns through `->>`).
There `insert_rows` and `update_rows` hand the driver tuples of bind-processed values, skipping
SQLAlchemy's per-row parameter processing, and read an insert's `returning` columns back by id
instead of by RETURNING (see _sqlite_insert)."""

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
    rows = _with_defaults(table, names, rows)
    names = list(rows[0])
    if conn.dialect.name != "postgresql":
        return _sqlite_insert(conn, table, names, rows, returning, skip_conflicts_on)
    columns = {name: _column_values(conn, table, name, rows) for name in names}
    documents = _json_columns(table, columns)
    if documents is not None:
        sql = f"INSERT INTO {table.name} ({', '.join(names)}) SELECT * FROM {_json_rows(conn, table, names)}"
        sql += f" ON CONFLICT ({', '.join(skip_conflicts_on)}) DO NOTHING" if skip_conflicts_on else ""
        sql += f" RETURNING {', '.join(returning)}" if returning else ""
        result = conn.execute(text(sql), documents)
    else:
        result = conn.execute(
            text(_unnest_insert(conn, table, names, returning, skip_conflicts_on)),
            {f"a{i}": columns[name] for i, name in enumerate(names)},
        )
    return result.all() if returning else []


def _sqlite_insert(
    conn: Connection,
    table: Table,
    names: list[str],
    rows: Sequence[dict[str, Any]],
    returning: Sequence[str],
    conflict: Sequence[str],
) -> Sequence[AnyRow]:
    """SQLite: one executemany of bind-processed tuples, whose values the driver-side guard
    still sees. Asked for `returning`, SQLAlchemy would send multi-row `VALUES ... RETURNING`
    statements; from READ_BACK_FROM rows on, a table keyed by an integer `id` (which the rows do
    not give themselves) instead has the rows inserted here read back as those above the
    greatest id before. That holds because a write transaction on SQLite holds the database's
    only write lock (kernel.db begins it IMMEDIATE) and SQLite gives a new row one more than the
    greatest id, except past the largest 64-bit integer, where it picks at random: that case
    keeps RETURNING. With the guard's look at columns (kernel.db._columns), this took 10–24 %
    off the late-ship sweep on SQLite in three alternating runs (docs/benchmarks.md, the eighth
    round)."""
    read_back = returning and len(rows) >= READ_BACK_FROM and "id" not in names  # ids given: RETURNING
    before = _greatest_id(conn, table) if read_back else None
    if returning and (before is None or before >= BIGINT_MAX):
        stmt = dialect_insert(conn)(table)
        if conflict:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(conflict))
        return conn.execute(stmt.returning(*(table.c[name] for name in returning)), list(rows)).all()
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    sql += f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING" if conflict else ""
    conn.exec_driver_sql(sql, _tuples(conn, table, names, rows))
    if before is None:
        return []
    return conn.execute(select(*(table.c[name] for name in returning)).where(table.c.id > before)).all()


def _greatest_id(conn: Connection, table: Table) -> int | None:
    """The greatest `id` in `table` (0 when empty), or None when its key is not an `id`."""
    if "id" not in table.c or not table.c.id.primary_key:
        return None
    return conn.execute(select(func.max(table.c.id))).scalar() or 0


def _tuples(conn: Connection, table: Table, names: list[str], rows: Sequence[dict[str, Any]]) -> list[tuple]:
    """The rows as tuples of their bind-processed values, in the order of `names`."""
    return list(zip(*(_column_values(conn, table, name, rows) for name in names), strict=True))


BIGINT_MAX = 2**63 - 1
# Fewer rows than this keep RETURNING on SQLite: reading them back costs two statements more
# (the greatest id before, the rows after), about 0.1 ms, and saves a few µs per row.
READ_BACK_FROM = 32


# What JSON carries as PostgreSQL reads it back through json_array_elements_text (a datetime as
# its ISO text, which timestamptz parses with its offset); bytes (psycopg's Binary) do not qualify.
_JSON_KINDS = frozenset({str, int, float, bool, type(None), datetime})


def _json_columns(table: Table, columns: dict[str, list[Any]]) -> dict[str, str] | None:
    """Each column's bind-processed values as one JSON array (parameters a0, a1, …), or None when
    JSON cannot carry them as PostgreSQL would read them; refuses, as the driver-side guard would,
    what cannot be stored. A JSON-typed column is not carried: its bind processor has already
    encoded the value, which would arrive as a JSON string rather than the document."""
    problem = unstorable_problem(list(columns.values()))
    if problem:
        raise InvalidInput(problem)
    if any(isinstance(table.c[name].type, sqltypes.JSON) for name in columns):
        return None
    documents = {}
    for i, values in enumerate(columns.values()):
        kinds = set(map(type, values))
        if not kinds <= _JSON_KINDS:
            return None
        if datetime in kinds:
            values = _iso_texts(values)
        documents[f"a{i}"] = _ENCODE(values)
    return documents


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _iso_texts(values: list[datetime | None]) -> list[str | None]:
    """ISO texts of a datetime column; a batch's `created_at` is one instant, encoded once."""
    first = values[0]
    if first is not None and values.count(first) == len(values):
        return [first.isoformat()] * len(values)
    return [None if v is None else v.isoformat() for v in values]


def _json_rows(conn: Connection, table: Table, names: list[str]) -> str:
    """The rows of _json_columns' arrays as a FROM item with the columns `names`, each cast to
    its column's type (text columns left to the INSERT's or UPDATE's assignment)."""
    arrays = ", ".join(f"json_array_elements_text(CAST(:a{i} AS json))" for i in range(len(names)))
    values = ", ".join(_typed(conn, table, name) for name in names)
    return f"(SELECT {values} FROM ROWS FROM ({arrays}) AS r({', '.join(names)})) AS x"


def _typed(conn: Connection, table: Table, name: str) -> str:
    column_type = table.c[name].type
    if isinstance(column_type, sqltypes.String):
        return f"r.{name}"
    return f"CAST(r.{name} AS {column_type.compile(dialect=conn.dialect)}) AS {name}"


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


def _with_defaults(
    table: Table, names: list[str], rows: Sequence[dict[str, Any]]
) -> Sequence[dict[str, Any]]:
    """The rows with the table's Python-side defaults (`Column(default=...)`) for the columns
    they leave out, as an INSERT through SQLAlchemy would fill them: the SQL written here would
    store NULL instead. A default computed per row cannot be filled for all: it must be given."""
    missing = {}
    for column in table.columns:
        if column.name in names or column.default is None:
            continue
        if not column.default.is_scalar:
            raise ValueError(f"bulk rows must give {table.name}.{column.name}: its default is computed")
        missing[column.name] = column.default.arg  # type: ignore[attr-defined]
    return [{**row, **missing} for row in rows] if missing else rows


def _column_values(conn: Connection, table: Table, name: str, rows: Sequence[dict[str, Any]]) -> list[Any]:
    process = table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    values = [row[name] for row in rows]
    if process is None:
        return values
    first = values[0]
    if type(first) is datetime and values.count(first) == len(values):  # a batch's one `created_at`
        return [process(first)] * len(values)
    return [None if v is None else process(v) for v in values]


def update_rows(conn: Connection, table: Table, key: str, rows: Sequence[dict[str, Any]]) -> None:
    """Set each row's other columns on the row of `table` whose `key` column equals its `key`
    (dicts with the same keys). On PostgreSQL one `UPDATE ... FROM ROWS FROM (...)` of
    constant text; on SQLite one executemany of bind-processed tuples."""
    if not rows:
        return
    names = [name for name in _same_keys(rows) if name != key]
    if conn.dialect.name != "postgresql":
        sets = ", ".join(f"{name} = ?" for name in names)
        sql = f"UPDATE {table.name} SET {sets} WHERE {key} = ?"
        conn.exec_driver_sql(sql, _tuples(conn, table, [*names, key], rows))
        return
    columns = {name: _column_values(conn, table, name, rows) for name in (key, *names)}
    sets = ", ".join(f"{name} = x.{name}" for name in names)
    documents = _json_columns(table, columns)
    if documents is not None:
        conn.execute(
            text(
                f"UPDATE {table.name} SET {sets} FROM {_json_rows(conn, table, [key, *names])} "
                f"WHERE {table.name}.{key} = x.{key}"
            ),
            documents,
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
