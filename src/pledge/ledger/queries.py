"""Read side of the ledger for pages, API and reports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.ledger.tables import coupons


def coupons_of(conn: Connection, buyer_id: int) -> list[dict[str, Any]]:
    """The buyer's coupons, newest first, as plain rows for the wallet."""
    k = coupons.c
    return [
        dict(r._mapping)
        for r in conn.execute(select(coupons).where(k.buyer_id == buyer_id).order_by(k.id.desc()))
    ]
