"""What a simulation run left in the database, read back for its summary: the simulated shops'
orders, late shipments, compensations, cases, refunds, payouts and score snapshots."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.aftersales.model import RefundStatus
from pledge.aftersales.tables import cases, refunds
from pledge.compensation.tables import compensations
from pledge.experience.tables import snapshots
from pledge.orders.tables import orders
from pledge.settlement.model import PayoutStatus
from pledge.settlement.tables import payouts


@dataclass
class Summary:
    shops: int
    days: int
    orders_per_day: int
    seed: int
    orders: int
    paid: int
    shipped: int
    shipped_late: int
    compensations: int
    compensation_fen: int
    cases: int
    refunds: int
    refund_fen: int
    payouts: int
    payout_fen: int
    score_snapshots: int
    steps_refused: int
    wall_seconds: float
    orders_per_second: float

    def as_json(self) -> dict:
        return asdict(self)


def _count_and_sum(conn: Connection, table, shop_ids: list[int], *where) -> tuple[int, int]:
    row = conn.execute(
        select(func.count(), func.coalesce(func.sum(table.c.amount_fen), 0)).where(
            table.c.shop_id.in_(shop_ids), *where
        )
    ).one()
    return int(row[0]), int(row[1])


def tally(conn: Connection, shop_ids: list[int]) -> dict[str, int]:
    o = orders.c
    mine = o.shop_id.in_(shop_ids)
    count = conn.execute(select(func.count()).where(mine)).scalar_one()
    paid = conn.execute(select(func.count()).where(mine, o.paid_at.is_not(None))).scalar_one()
    shipped = conn.execute(select(func.count()).where(mine, o.picked_up_at.is_not(None))).scalar_one()
    late = conn.execute(select(func.count()).where(mine, o.picked_up_at > o.ship_by)).scalar_one()
    comp_count, comp_fen = _count_and_sum(conn, compensations, shop_ids, compensations.c.amount_fen > 0)
    case_count = conn.execute(select(func.count()).where(cases.c.shop_id.in_(shop_ids))).scalar_one()
    refund_row = conn.execute(
        select(func.count(), func.coalesce(func.sum(refunds.c.amount_fen), 0))
        .join(orders, orders.c.id == refunds.c.order_id)
        .where(mine, refunds.c.status == RefundStatus.SUCCEEDED.value)
    ).one()
    payout_count, payout_fen = _count_and_sum(
        conn, payouts, shop_ids, payouts.c.status == PayoutStatus.SENT.value
    )
    scored = conn.execute(select(func.count()).where(snapshots.c.shop_id.in_(shop_ids))).scalar_one()
    return {
        "orders": count,
        "paid": paid,
        "shipped": shipped,
        "shipped_late": late,
        "compensations": comp_count,
        "compensation_fen": comp_fen,
        "cases": case_count,
        "refunds": int(refund_row[0]),
        "refund_fen": int(refund_row[1]),
        "payouts": payout_count,
        "payout_fen": payout_fen,
        "score_snapshots": scored,
    }
