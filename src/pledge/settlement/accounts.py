"""Ledger account codes of settlement, and the shop row lock its money moves take. Kept apart from
the use-case modules so that every one of them (fees, settling, payouts, deposits, freezes) and
the read side share one definition."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.catalog.tables import shops

FEES = "platform:fees"
REBATES = "platform:rebates"
IN_TRANSIT = "platform:payouts-in-transit"
BANK = "external:bank"
FINANCE_ROLES = ("finance", "operator")


def available(shop_id: int) -> str:
    return f"shop:{shop_id}:available"


def deposit(shop_id: int) -> str:
    return f"shop:{shop_id}:deposit"


def frozen(shop_id: int) -> str:
    """Proceeds a rule has frozen (冻结货款): neither pending settlement nor payable."""
    return f"shop:{shop_id}:frozen"


def lock_shop(conn: Connection, shop_id: int) -> None:
    """Serialise the money moves of one shop (payouts, shortfalls, freezes) on PostgreSQL."""
    conn.execute(select(shops.c.id).where(shops.c.id == shop_id).with_for_update()).first()
