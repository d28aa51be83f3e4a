"""Suspensions enforced where selling and listing happen: bootstrap hands these to orders and
catalog as a sale guard and a listing guard (catalog.guards), so neither needs to know governance.
A shop under a suspension (停业整顿, until its end) or removed (清退) by a penalty still in force
cannot sell or list; a penalty reversed on appeal stops counting at once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection

from pledge.governance.model import PenaltyStatus
from pledge.governance.policy import ActionKind
from pledge.governance.tables import governance_actions, governance_penalties
from pledge.kernel.errors import Conflict


class ShopSuspended(Conflict):
    code = "shop_suspended"
    title = "The shop is suspended by a penalty"


def suspension(conn: Connection, shop_ids: list[int], at: datetime):
    """The first suspension or removal in force for any of the shops, or None."""
    a, p = governance_actions.c, governance_penalties.c
    return conn.execute(
        select(a.shop_id, a.kind, a.until, p.clause)
        .join(governance_penalties, p.id == a.penalty_id)
        .where(
            a.shop_id.in_(shop_ids),
            p.status == PenaltyStatus.IN_FORCE.value,
            or_(
                a.kind == ActionKind.SHOP_REMOVED.value,
                (a.kind == ActionKind.SHOP_SUSPENDED.value) & (a.until > at),
            ),
        )
        .order_by(a.id)
        .limit(1)
    ).first()


def _refuse(row) -> None:
    if row is None:
        return
    what = (
        "removed from the platform" if row.kind == ActionKind.SHOP_REMOVED else f"suspended until {row.until}"
    )
    raise ShopSuspended(f"shop {row.shop_id} is {what} ({row.clause})", clause=row.clause)


def refuse_sale_while_suspended(
    conn: Connection, shop_products: Mapping[int, set[int]], *, at: datetime
) -> None:
    _refuse(suspension(conn, list(shop_products), at))


def refuse_listing_while_suspended(conn: Connection, shop_id: int, *, at: datetime) -> None:
    _refuse(suspension(conn, [shop_id], at))
