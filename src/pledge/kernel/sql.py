"""Small typed helpers over SQLAlchemy results, so use cases return ints, not Optional rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import CursorResult


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key of the one row an INSERT made (tables with a single integer key)."""
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the statement inserted no row")
    return int(key[0])
