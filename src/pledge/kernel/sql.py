"""Small typed helpers over SQLAlchemy results, so use cases return ints, not Optional rows."""

from __future__ import annotations

from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Insert


def inserted_id(conn: Connection, statement: Insert) -> int:
    """Run a one-row INSERT and return the id the database gave the row."""
    key = conn.execute(statement).inserted_primary_key
    if key is None:
        raise RuntimeError("the INSERT returned no primary key")
    return int(key[0])
