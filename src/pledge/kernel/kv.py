"""A tiny key-value table for process-shared settings (the demo clock's offset, the demo's
random secrets)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Column, String, Table, Text, select
from sqlalchemy.engine import Connection

from pledge.kernel.db import dialect_insert, metadata

settings_kv = Table(
    "settings_kv",
    metadata,
    Column("key", String(60), primary_key=True),
    Column("value", Text, nullable=False),
)


def get_value(conn: Connection, key: str) -> str | None:
    return conn.execute(select(settings_kv.c.value).where(settings_kv.c.key == key)).scalar()


def set_value(conn: Connection, key: str, value: str) -> None:
    updated = conn.execute(settings_kv.update().where(settings_kv.c.key == key).values(value=value))
    if updated.rowcount == 0:
        conn.execute(settings_kv.insert().values(key=key, value=value))


def get_or_create_value(conn: Connection, key: str, make: Callable[[], str]) -> str:
    """The stored value, or `make()` stored now; two processes racing store one value and both
    read it back."""
    conn.execute(
        dialect_insert(conn)(settings_kv)
        .on_conflict_do_nothing(index_elements=["key"])
        .values(key=key, value=make())
    )
    value = get_value(conn, key)
    if value is None:
        raise RuntimeError(f"setting {key!r} was neither stored nor found")
    return value
