"""Turnover-tiered rebates (返佣) at month end: once per (programme, shop, month), as
rebate:{program}:{shop}:{YYYY-MM} from platform:rebates to the shop's available balance."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from pledge.aftersales.model import RefundStatus
from pledge.aftersales.tables import refunds
from pledge.catalog.tables import categories, products
from pledge.kernel.db import AnyRow, AnySelect, dialect_insert
from pledge.kernel.errors import Conflict
from pledge.ledger import services as ledger
from pledge.orders.tables import order_lines
from pledge.rulebooks.loader import Rulebook
from pledge.settlement import policy
from pledge.settlement.accounts import (
    REBATES,
    available,
)
from pledge.settlement.model import ApplicationStatus
from pledge.settlement.policy import month_bounds
from pledge.settlement.programs import (
    load_programs,
)
from pledge.settlement.tables import (
    applications,
    fee_lines,
    fee_orders,
    fee_refunds,
    rebates,
)


def compute_rebates(conn: Connection, book: Rulebook, month: str, *, now: datetime) -> int:
    """Turnover-tiered rebates for a finished month: for each rebate program in force that month,
    each shop in scope gets share_bp of its month's net commission, by the highest turnover tier
    it reached; once per (program, shop, month). Returns rows written."""
    start, end = month_bounds(month, book.timezone)
    if now < end:
        raise Conflict(f"{month} has not ended yet; rebates are computed at month end")
    done = 0
    for p in load_programs(conn, ("turnover_rebate",)):
        if p.starts_at < end and (p.ends_at is None or start < p.ends_at):
            done += _rebate_program(conn, p, month, end, now)
    return done


def _rebate_program(conn: Connection, p: policy.Program, month: str, end: datetime, now: datetime) -> int:
    """One programme's rebates for the month: claimed per shop, then paid in one ledger batch."""
    already = set(
        conn.execute(
            select(rebates.c.shop_id).where(rebates.c.program_id == p.id, rebates.c.month == month)
        ).scalars()
    )
    rows = [r for r in conn.execute(_charged_in_scope(p, month)) if r.shop_id not in already]
    if not rows:
        return 0
    turnover, fees = _net_by_shop(conn, rows, end)
    tiers = {shop_id: policy.rebate_tier(p.tiers(), turnover[shop_id]) for shop_id in sorted(turnover)}
    amounts = {shop_id: max(fees[shop_id], 0) * share // 10_000 for shop_id, (_, share) in tiers.items()}
    claims = [
        {
            "program_id": p.id,
            "program_version": p.version,
            "shop_id": shop_id,
            "month": month,
            "turnover_fen": turnover[shop_id],
            "fees_fen": fees[shop_id],
            "tier_min_fen": tier_min,
            "share_bp": share,
            "amount_fen": amounts[shop_id],
            "created_at": now,
        }
        for shop_id, (tier_min, share) in tiers.items()
    ]
    stmt = (
        dialect_insert(conn)(rebates)
        .on_conflict_do_nothing(index_elements=["program_id", "shop_id", "month"])
        .returning(rebates.c.shop_id)
    )
    won = {x.shop_id for x in conn.execute(stmt, claims)}
    ledger.record_many(
        conn,
        [
            ledger.Transaction(
                f"rebate:{p.id}:{shop_id}:{month}",
                "rebate",
                f"{p.code} v{p.version}: {tiers[shop_id][1]} bp of {month} fees",
                (ledger.Posting(REBATES, available(shop_id), amounts[shop_id]),),
            )
            for shop_id in tiers
            if shop_id in won and amounts[shop_id]
        ],
        at=now,
    )
    return len(won)


def _charged_in_scope(p: policy.Program, month: str) -> AnySelect:
    """The month's charged orders the programme covers (shop, channel, application, categories)."""
    f = fee_orders.c
    q = select(f.order_id, f.shop_id, f.channel, f.paid_fen, f.fee_fen).where(f.month == month)
    if p.shop_id is not None:
        q = q.where(f.shop_id == p.shop_id)
    if p.channel is not None:
        q = q.where(f.channel == p.channel)
    if p.requires_application:
        q = q.where(
            f.shop_id.in_(
                select(applications.c.shop_id).where(
                    applications.c.program_id == p.id,
                    applications.c.status == ApplicationStatus.APPROVED.value,
                )
            )
        )
    if p.categories:
        parent = aliased(categories)
        q = q.where(
            select(fee_lines.c.id)
            .join(order_lines, order_lines.c.id == fee_lines.c.order_line_id)
            .join(products, products.c.id == order_lines.c.product_id)
            .join(categories, categories.c.id == products.c.category_id)
            .outerjoin(parent, parent.c.id == categories.c.parent_id)
            .where(
                fee_lines.c.order_id == f.order_id,
                categories.c.name.in_(p.categories) | parent.c.name.in_(p.categories),
            )
            .exists()
        )
    return q


def _net_by_shop(
    conn: Connection, rows: Sequence[AnyRow], end: datetime
) -> tuple[dict[int, int], dict[int, int]]:
    """(turnover, fees) per shop, net of refunds completed before the month ended and of the
    fees those refunds returned."""
    order_ids = [r.order_id for r in rows]
    refunded = dict(
        conn.execute(
            select(refunds.c.order_id, func.sum(refunds.c.amount_fen))
            .where(
                refunds.c.order_id.in_(order_ids),
                refunds.c.status == RefundStatus.SUCCEEDED.value,
                refunds.c.completed_at < end,
            )
            .group_by(refunds.c.order_id)
        ).all()
    )
    fee_back = dict(
        conn.execute(
            select(fee_refunds.c.order_id, func.sum(fee_refunds.c.amount_fen))
            .where(fee_refunds.c.order_id.in_(order_ids))
            .group_by(fee_refunds.c.order_id)
        ).all()
    )
    turnover: dict[int, int] = defaultdict(int)
    fees: dict[int, int] = defaultdict(int)
    for r in rows:
        turnover[r.shop_id] += r.paid_fen - int(refunded.get(r.order_id, 0))
        fees[r.shop_id] += r.fee_fen - int(fee_back.get(r.order_id, 0))
    return turnover, fees
