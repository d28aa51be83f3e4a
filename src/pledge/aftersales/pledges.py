"""A shop's own after-sales pledge (beyond the platform's guarantee) and the buyers it vouches for."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, Permission, require_shop
from pledge.accounts.tables import users
from pledge.aftersales import policy
from pledge.aftersales.tables import shop_pledges, shop_trusted_buyers
from pledge.kernel import jsonutil
from pledge.kernel.errors import NotFound


def shop_pledge(conn: Connection, shop_id: int) -> policy.ShopPledge:
    row = conn.execute(select(shop_pledges).where(shop_pledges.c.shop_id == shop_id)).first()
    if row is None:
        return policy.ShopPledge()
    return policy.ShopPledge(
        row.per_unit_damage,
        row.no_evidence_for_declared,
        row.damage_window_extra_hours,
        row.return_window_extra_hours,
        row.damage_share_table,
        frozenset(jsonutil.loads(row.damage_reasons) or []),
    )


def set_shop_pledge(
    conn: Connection, actor: Actor, shop_id: int, pledge: policy.ShopPledge, statement: str, *, at: datetime
) -> None:
    require_shop(actor, shop_id, permission=Permission.PLEDGES)
    values = {
        "per_unit_damage": pledge.per_unit_damage,
        "no_evidence_for_declared": pledge.no_evidence_for_declared,
        "damage_window_extra_hours": pledge.damage_window_extra_hours,
        "return_window_extra_hours": pledge.return_window_extra_hours,
        "damage_share_table": pledge.damage_share_table,
        "damage_reasons": jsonutil.dumps(sorted(pledge.damage_reasons)),
        "statement": statement,
        "updated_at": at,
    }
    if (
        conn.execute(shop_pledges.update().where(shop_pledges.c.shop_id == shop_id).values(**values)).rowcount
        == 0
    ):
        conn.execute(shop_pledges.insert().values(shop_id=shop_id, **values))


def mark_trusted_buyer(conn: Connection, actor: Actor, shop_id: int, buyer_id: int, note: str) -> None:
    """The shop vouches for a buyer (an elderly parent whose child ordered for them): with the
    no-evidence pledge, their damage claims need no photo."""
    require_shop(actor, shop_id, permission=Permission.PLEDGES)
    if conn.execute(select(users.c.id).where(users.c.id == buyer_id)).first() is None:
        raise NotFound(f"no buyer {buyer_id}")
    exists = conn.execute(
        select(shop_trusted_buyers.c.buyer_id).where(
            shop_trusted_buyers.c.shop_id == shop_id, shop_trusted_buyers.c.buyer_id == buyer_id
        )
    ).first()
    if exists is None:
        conn.execute(shop_trusted_buyers.insert().values(shop_id=shop_id, buyer_id=buyer_id, note=note[:200]))
