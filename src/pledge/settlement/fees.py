"""Commission (技术服务费): charged per order line when an order is paid, at the rate of the
line's category and any waiver programme the shop is in, and returned pro rata for refunds within
the after-sales period. Claimed once per order (fee_orders) and per refund (fee_refunds); the
ledger transactions are fee:{order_id} and fee-refund:{refund_id}."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from pledge.aftersales.model import RefundStatus
from pledge.aftersales.tables import cases, refunds
from pledge.catalog.tables import categories, products, shops
from pledge.kernel.clock import zone
from pledge.kernel.db import AnyRow, dialect_insert
from pledge.kernel.errors import NotFound
from pledge.ledger import services as ledger
from pledge.orders.model import PAID_STATUSES, OrderStatus
from pledge.orders.tables import order_lines, orders
from pledge.rulebooks.loader import Rulebook
from pledge.settlement import policy
from pledge.settlement.accounts import (
    FEES,
)
from pledge.settlement.model import ApplicationStatus
from pledge.settlement.policy import month_bounds
from pledge.settlement.programs import (
    load_programs,
)
from pledge.settlement.tables import (
    applications,
    entries,
    fee_lines,
    fee_orders,
    fee_refunds,
)

PAID = tuple(s.value for s in PAID_STATUSES)


def month_of(at: datetime, tz: str) -> str:
    return at.astimezone(zone(tz)).strftime("%Y-%m")


def aftersales_period_end(book: Rulebook, delivered_at: datetime) -> tuple[datetime, object]:
    """The end of the after-sales period of the fee-refund rule (commission.aftersales-period)."""
    clause = policy.clauses_at(book, "commission_aftersales_period", delivered_at)[0]
    z = zone(book.timezone)
    local = delivered_at.astimezone(z)
    midnight = datetime(local.year, local.month, local.day, tzinfo=z) + timedelta(days=1)
    return midnight + timedelta(hours=int(clause.get("hours"))), clause


# ------------------------------------------------------------------ fees


def shop_facts(
    conn: Connection, shop_ids: set[int], months: set[str], book: Rulebook, task_channels: set[str]
) -> dict[int, policy.ShopFacts]:
    joined = dict(conn.execute(select(shops.c.id, shops.c.created_at).where(shops.c.id.in_(shop_ids))).all())
    if shop_ids - joined.keys():
        raise NotFound(f"no shop {', '.join(str(i) for i in sorted(shop_ids - joined.keys()))}")
    approved: dict[int, set[int]] = defaultdict(set)
    for r in conn.execute(
        select(applications.c.shop_id, applications.c.program_id).where(
            applications.c.shop_id.in_(shop_ids), applications.c.status == ApplicationStatus.APPROVED.value
        )
    ):
        approved[r.shop_id].add(r.program_id)
    counts: dict[int, dict] = defaultdict(dict)
    if task_channels:
        for month in {policy.previous_month(m) for m in months}:
            start, end = month_bounds(month, book.timezone)
            for r in conn.execute(
                select(orders.c.shop_id, orders.c.channel, func.count().label("n"))
                .where(
                    orders.c.shop_id.in_(shop_ids),
                    orders.c.status.in_(PAID),
                    orders.c.paid_at >= start,
                    orders.c.paid_at < end,
                )
                .group_by(orders.c.shop_id, orders.c.channel)
            ):
                counts[r.shop_id][(month, r.channel)] = int(r.n)
    return {s: policy.ShopFacts(joined[s], frozenset(approved[s]), counts[s]) for s in shop_ids}


@dataclass(frozen=True)
class _FeeContext:
    """What every order of a fee batch is priced against."""

    book: Rulebook
    programs: list[policy.Program]
    facts: dict[int, policy.ShopFacts]
    funders: dict[int, str]
    now: datetime


@dataclass(frozen=True)
class _OrderFee:
    """One order's commission: its claim row (fee_orders) and one fee row per line (fee_lines)."""

    order: AnyRow
    claim: dict[str, Any]
    lines: list[dict[str, Any]]

    @property
    def fee_fen(self) -> int:
        return int(self.claim["fee_fen"])


def charge_fees(conn: Connection, book: Rulebook, *, now: datetime, batch: int = 1000) -> int:
    """Commission for paid orders not charged yet: one fee row per order line, one claim row
    per order (the claim wins once), one ledger transaction fee:{order_id}. Returns orders charged."""
    due = _uncharged_orders(conn, now=now, batch=batch)
    if not due:
        return 0
    lines = _lines_with_categories(conn, [d.id for d in due])
    progs = load_programs(conn, policy.WAIVER_KINDS)
    facts = shop_facts(
        conn,
        {d.shop_id for d in due},
        {month_of(d.paid_at, book.timezone) for d in due},
        book,
        {p.channel or "" for p in progs if p.kind == "task_waiver"},
    )
    funders = ledger.coupon_funders(conn, {d.coupon_id for d in due if d.coupon_id is not None})
    context = _FeeContext(book, progs, facts, funders, now)
    priced = [_order_fee(context, d, lines[d.id]) for d in due]
    stmt = (
        dialect_insert(conn)(fee_orders)
        .on_conflict_do_nothing(index_elements=["order_id"])
        .returning(fee_orders.c.order_id)
    )
    won = {r.order_id for r in conn.execute(stmt, [f.claim for f in priced])}
    if not won:
        return 0
    charged = [f for f in priced if f.order.id in won]
    conn.execute(fee_lines.insert(), [row for f in charged for row in f.lines])
    conn.execute(entries.insert(), [row for f in charged for row in _sale_entries(f, now)])
    ledger.record_many(
        conn,
        [
            ledger.Transaction(
                f"fee:{f.order.id}",
                "fee",
                f"commission on order {f.order.id}",
                (ledger.Posting(ledger.shop_proceeds(f.order.shop_id), FEES, f.fee_fen),),
            )
            for f in charged
            if f.fee_fen
        ],
        at=now,
    )
    return len(won)


def _uncharged_orders(conn: Connection, *, now: datetime, batch: int) -> Sequence[AnyRow]:
    o = orders.c
    return conn.execute(
        select(o.id, o.shop_id, o.paid_at, o.paid_fen, o.discount_fen, o.coupon_id, o.channel)
        .outerjoin(fee_orders, fee_orders.c.order_id == o.id)
        .where(
            o.status.in_(PAID + (OrderStatus.CANCELLED.value,)),
            o.paid_at.is_not(None),
            o.paid_at <= now,
            fee_orders.c.order_id.is_(None),
        )
        .order_by(o.id)
        .limit(batch)
    ).all()


def _lines_with_categories(conn: Connection, order_ids: list[int]) -> dict[int, list[AnyRow]]:
    """Each order's lines with the category and parent category their fee rate depends on."""
    parent = aliased(categories)
    lines: dict[int, list[AnyRow]] = defaultdict(list)
    for r in conn.execute(
        select(
            order_lines.c.id,
            order_lines.c.order_id,
            order_lines.c.line_total_fen,
            categories.c.name,
            parent.c.name.label("parent_name"),
        )
        .join(products, products.c.id == order_lines.c.product_id)
        .join(categories, categories.c.id == products.c.category_id)
        .outerjoin(parent, parent.c.id == categories.c.parent_id)
        .where(order_lines.c.order_id.in_(order_ids))
        .order_by(order_lines.c.id)
    ):
        lines[r.order_id].append(r)
    return lines


def _order_fee(context: _FeeContext, d: AnyRow, lines: list[AnyRow]) -> _OrderFee:
    """The commission base (paid + counted coupons) split over the lines, each at its rate."""
    book = context.book
    month = month_of(d.paid_at, book.timezone)
    counted_discount = (
        d.discount_fen if d.coupon_id is not None and context.funders.get(d.coupon_id) != "merchant" else 0
    )
    base = policy.commission_base(d.paid_fen, platform_coupon_fen=counted_discount)
    parts = policy.allocate(base, [line.line_total_fen for line in lines])
    line_rows = []
    for line, line_base in zip(lines, parts, strict=True):
        cats = [line.name] + ([line.parent_name] if line.parent_name else [])
        rate = policy.line_rate(
            book,
            context.programs,
            context.facts[d.shop_id],
            categories=cats,
            shop_id=d.shop_id,
            channel=d.channel,
            paid_at=d.paid_at,
            month=month,
        )
        standard_bp = int(rate.standard.get("rate_bp"))
        line_rows.append(
            {
                "order_id": d.id,
                "shop_id": d.shop_id,
                "order_line_id": line.id,
                "category": line.name,
                "base_fen": line_base,
                "standard_rate_bp": standard_bp,
                "rate_bp": rate.rate_bp,
                "fee_fen": policy.fee_of(line_base, rate.rate_bp),
                "standard_fee_fen": policy.fee_of(line_base, standard_bp),
                "clause_id": rate.standard.id,
                "clause_source": rate.standard.source,
                "program_id": rate.program.id if rate.program else None,
                "program_version": rate.program.version if rate.program else None,
            }
        )
    claim = {
        "order_id": d.id,
        "shop_id": d.shop_id,
        "month": month,
        "channel": d.channel,
        "paid_fen": d.paid_fen,
        "base_fen": base,
        "fee_fen": sum(r["fee_fen"] for r in line_rows),
        "standard_fee_fen": sum(r["standard_fee_fen"] for r in line_rows),
        "charged_at": context.now,
    }
    return _OrderFee(d, claim, line_rows)


def _sale_entries(f: _OrderFee, now: datetime) -> list[dict[str, Any]]:
    """The order's settlement entries: the sale (what the buyer paid plus the coupon) and the fee."""
    d = f.order
    sale = {"shop_id": d.shop_id, "order_id": d.id, "kind": "sale", "ref_id": d.id, "created_at": now}
    rows = [dict(sale, amount_fen=d.paid_fen + d.discount_fen)]
    if f.fee_fen:
        rows.append(dict(sale, kind="fee", amount_fen=-f.fee_fen))
    return rows


def refund_fees(conn: Connection, book: Rulebook, *, now: datetime, batch: int = 1000) -> int:
    """For each succeeded refund of a charged order: the fee it returns, pro rata, exactly once
    (claim row per refund). A refund the buyer asked for within the after-sales period (before
    delivery, or within commission.aftersales-period of it) returns the fee; a later one returns
    nothing (commission.refund-pro-rata). Settlement does not decide it: proceeds may be
    available before the after-sales period ends."""
    due = _unreturned_refunds(conn, batch)
    if not due:
        return 0
    returned = _fees_returned(conn, book, due)
    clause = book.clause("commission.refund-pro-rata")
    claims = [
        {
            "refund_id": d.id,
            "order_id": d.order_id,
            "shop_id": d.shop_id,
            "amount_fen": returned[d.id][0],
            "clause_id": clause.id,
            "note": returned[d.id][1],
            "created_at": now,
        }
        for d in due
    ]
    stmt = (
        dialect_insert(conn)(fee_refunds)
        .on_conflict_do_nothing(index_elements=["refund_id"])
        .returning(fee_refunds.c.refund_id)
    )
    won = {x.refund_id for x in conn.execute(stmt, claims)}
    claimed = [d for d in due if d.id in won]
    rows = []
    for d in claimed:
        entry = {"shop_id": d.shop_id, "order_id": d.order_id, "ref_id": d.id, "created_at": now}
        if d.payer == "merchant":
            rows.append(dict(entry, kind="refund", amount_fen=-d.amount_fen))
        if returned[d.id][0]:
            rows.append(dict(entry, kind="fee_refund", amount_fen=returned[d.id][0]))
    if rows:
        conn.execute(entries.insert(), rows)
    ledger.record_many(
        conn,
        [
            ledger.Transaction(
                f"fee-refund:{d.id}",
                "fee_refund",
                f"fee returned for refund {d.id}",
                (ledger.Posting(FEES, ledger.shop_proceeds(d.shop_id), returned[d.id][0]),),
            )
            for d in claimed
            if returned[d.id][0]
        ],
        at=now,
    )
    return len(won)


def _unreturned_refunds(conn: Connection, batch: int) -> Sequence[AnyRow]:
    """Succeeded refunds of charged orders whose fee refund is not decided yet, oldest first."""
    r, f = refunds.c, fee_orders.c
    return conn.execute(
        select(
            r.id,
            r.order_id,
            r.amount_fen,
            r.payer,
            f.shop_id,
            f.fee_fen,
            f.paid_fen,
            cases.c.created_at.label("asked_at"),
            orders.c.delivered_at,
        )
        .join(fee_orders, f.order_id == r.order_id)
        .join(orders, orders.c.id == r.order_id)
        .join(cases, cases.c.id == r.case_id)
        .outerjoin(fee_refunds, fee_refunds.c.refund_id == r.id)
        .where(r.status == RefundStatus.SUCCEEDED.value, fee_refunds.c.refund_id.is_(None))
        .order_by(r.id)
        .limit(batch)
    ).all()


PRO_RATA = "pro rata"
AFTER_PERIOD = "refunded after the after-sales period: the fee stays charged"
# The notes above as a Chinese statement says them (fee_refunds.note keeps the English).
FEE_REFUND_NOTES_ZH = {PRO_RATA: "按实付比例退还技术服务费", AFTER_PERIOD: "售后期满后的退款，技术服务费不退"}


def _fees_returned(conn: Connection, book: Rulebook, due: Sequence[AnyRow]) -> dict[int, tuple[int, str]]:
    """Per refund: the fee it returns, pro rata after the order's earlier refunds, and why."""
    r = refunds.c
    earlier: dict[int, list[AnyRow]] = defaultdict(list)
    for row in conn.execute(
        select(r.id, r.order_id, r.amount_fen)
        .where(r.order_id.in_({d.order_id for d in due}), r.status == RefundStatus.SUCCEEDED.value)
        .order_by(r.id)
    ):
        earlier[row.order_id].append(row)
    returned = {}
    for d in due:
        before = sum(x.amount_fen for x in earlier[d.order_id] if x.id < d.id)
        if d.delivered_at is None or d.asked_at < aftersales_period_end(book, d.delivered_at)[0]:
            returned[d.id] = (policy.fee_refund_of(d.fee_fen, d.paid_fen, before, d.amount_fen), PRO_RATA)
        else:
            returned[d.id] = (0, AFTER_PERIOD)
    return returned
