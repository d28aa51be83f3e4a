"""Commission (技术服务费): charged per order line when an order is paid, at the rate of the
line's category and any waiver programme the shop is in, and returned pro rata for refunds within
the after-sales period. Claimed once per order (fee_orders) and per refund (fee_refunds); the
ledger transactions are fee:{order_id} and fee-refund:{refund_id}."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from pledge.aftersales.model import RefundStatus
from pledge.aftersales.tables import cases, refunds
from pledge.catalog.tables import categories, products, shops
from pledge.kernel.clock import zone
from pledge.kernel.db import dialect_insert
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
                select(orders.c.shop_id, orders.c.channel, func.count())
                .where(
                    orders.c.shop_id.in_(shop_ids),
                    orders.c.status.in_(PAID),
                    orders.c.paid_at >= start,
                    orders.c.paid_at < end,
                )
                .group_by(orders.c.shop_id, orders.c.channel)
            ):
                counts[r[0]][(month, r[1])] = int(r[2])
    return {s: policy.ShopFacts(joined[s], frozenset(approved[s]), counts[s]) for s in shop_ids}


def charge_fees(conn: Connection, book: Rulebook, *, now: datetime, batch: int = 1000) -> int:
    """Commission for paid orders not charged yet: one fee row per order line, one claim row
    per order (the claim wins once), one ledger transaction fee:{order_id}. Returns orders charged."""
    o = orders.c
    due = conn.execute(
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
    if not due:
        return 0
    ids = [d.id for d in due]
    parent = aliased(categories)
    lines: dict[int, list] = defaultdict(list)
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
        .where(order_lines.c.order_id.in_(ids))
        .order_by(order_lines.c.id)
    ):
        lines[r.order_id].append(r)
    coupon_ids = {d.coupon_id for d in due if d.coupon_id is not None}
    funders = ledger.coupon_funders(conn, coupon_ids)
    progs = load_programs(conn, policy.WAIVER_KINDS)
    months = {month_of(d.paid_at, book.timezone) for d in due}
    facts = shop_facts(
        conn,
        {d.shop_id for d in due},
        months,
        book,
        {p.channel or "" for p in progs if p.kind == "task_waiver"},
    )
    claims, line_rows, entry_rows = [], [], []
    for d in due:
        month = month_of(d.paid_at, book.timezone)
        counted_discount = (
            d.discount_fen if d.coupon_id is not None and funders.get(d.coupon_id) != "merchant" else 0
        )
        base = policy.commission_base(d.paid_fen, platform_coupon_fen=counted_discount)
        parts = policy.allocate(base, [l.line_total_fen for l in lines[d.id]])
        fee = standard = 0
        for line, line_base in zip(lines[d.id], parts):
            cats = [line.name] + ([line.parent_name] if line.parent_name else [])
            rate = policy.line_rate(
                book,
                progs,
                facts[d.shop_id],
                categories=cats,
                shop_id=d.shop_id,
                channel=d.channel,
                paid_at=d.paid_at,
                month=month,
            )
            line_fee, line_standard = (
                policy.fee_of(line_base, rate.rate_bp),
                policy.fee_of(line_base, int(rate.standard.get("rate_bp"))),
            )
            fee += line_fee
            standard += line_standard
            line_rows.append(
                {
                    "order_id": d.id,
                    "order_line_id": line.id,
                    "category": line.name,
                    "base_fen": line_base,
                    "standard_rate_bp": int(rate.standard.get("rate_bp")),
                    "rate_bp": rate.rate_bp,
                    "fee_fen": line_fee,
                    "standard_fee_fen": line_standard,
                    "clause_id": rate.standard.id,
                    "clause_source": rate.standard.source,
                    "program_id": rate.program.id if rate.program else None,
                    "program_version": rate.program.version if rate.program else None,
                }
            )
        claims.append(
            {
                "order_id": d.id,
                "shop_id": d.shop_id,
                "month": month,
                "channel": d.channel,
                "paid_fen": d.paid_fen,
                "base_fen": base,
                "fee_fen": fee,
                "standard_fee_fen": standard,
                "charged_at": now,
            }
        )
    stmt = (
        dialect_insert(conn)(fee_orders)
        .on_conflict_do_nothing(index_elements=["order_id"])
        .returning(fee_orders.c.order_id)
    )
    won = {r.order_id for r in conn.execute(stmt, claims)}
    if not won:
        return 0
    conn.execute(fee_lines.insert(), [r for r in line_rows if r["order_id"] in won])
    by_id = {d.id: d for d in due}
    won_claims = [c for c in claims if c["order_id"] in won]
    for c in won_claims:
        d = by_id[c["order_id"]]
        entry_rows.append(
            {
                "shop_id": d.shop_id,
                "order_id": d.id,
                "kind": "sale",
                "ref_id": d.id,
                "amount_fen": d.paid_fen + d.discount_fen,
                "created_at": now,
            }
        )
        if c["fee_fen"]:
            entry_rows.append(
                {
                    "shop_id": d.shop_id,
                    "order_id": d.id,
                    "kind": "fee",
                    "ref_id": d.id,
                    "amount_fen": -c["fee_fen"],
                    "created_at": now,
                }
            )
    conn.execute(entries.insert(), entry_rows)
    ledger.record_many(
        conn,
        [
            ledger.Transaction(
                f"fee:{c['order_id']}",
                "fee",
                f"commission on order {c['order_id']}",
                (ledger.Posting(ledger.shop_proceeds(c["shop_id"]), FEES, c["fee_fen"]),),
            )
            for c in won_claims
            if c["fee_fen"]
        ],
        at=now,
    )
    return len(won)


def refund_fees(conn: Connection, book: Rulebook, *, now: datetime, batch: int = 1000) -> int:
    """For each succeeded refund of a charged order: the fee it returns, pro rata, exactly once
    (claim row per refund). A refund the buyer asked for within the after-sales period (before
    delivery, or within commission.aftersales-period of it) returns the fee; a later one returns
    nothing (commission.refund-pro-rata). Settlement does not decide it: proceeds may be
    available before the after-sales period ends."""
    clause = book.clause("commission.refund-pro-rata")
    r, f = refunds.c, fee_orders.c
    due = conn.execute(
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
    if not due:
        return 0
    earlier: dict[int, list] = defaultdict(list)
    for row in conn.execute(
        select(r.id, r.order_id, r.amount_fen)
        .where(r.order_id.in_({d.order_id for d in due}), r.status == RefundStatus.SUCCEEDED.value)
        .order_by(r.id)
    ):
        earlier[row.order_id].append(row)
    claims = []
    for d in due:
        before = sum(x.amount_fen for x in earlier[d.order_id] if x.id < d.id)
        if d.delivered_at is None or d.asked_at < aftersales_period_end(book, d.delivered_at)[0]:
            amount, note = policy.fee_refund_of(d.fee_fen, d.paid_fen, before, d.amount_fen), "pro rata"
        else:
            amount, note = 0, "refunded after the after-sales period: the fee stays charged"
        claims.append(
            {
                "refund_id": d.id,
                "order_id": d.order_id,
                "shop_id": d.shop_id,
                "amount_fen": amount,
                "clause_id": clause.id,
                "note": note,
                "created_at": now,
            }
        )
    stmt = (
        dialect_insert(conn)(fee_refunds)
        .on_conflict_do_nothing(index_elements=["refund_id"])
        .returning(fee_refunds.c.refund_id)
    )
    won = {x.refund_id for x in conn.execute(stmt, claims)}
    by_id = {d.id: d for d in due}
    rows = []
    for c in claims:
        if c["refund_id"] not in won:
            continue
        d = by_id[c["refund_id"]]
        if d.payer == "merchant":
            rows.append(
                {
                    "shop_id": d.shop_id,
                    "order_id": d.order_id,
                    "kind": "refund",
                    "ref_id": d.id,
                    "amount_fen": -d.amount_fen,
                    "created_at": now,
                }
            )
        if c["amount_fen"]:
            rows.append(
                {
                    "shop_id": d.shop_id,
                    "order_id": d.order_id,
                    "kind": "fee_refund",
                    "ref_id": d.id,
                    "amount_fen": c["amount_fen"],
                    "created_at": now,
                }
            )
    if rows:
        conn.execute(entries.insert(), rows)
    ledger.record_many(
        conn,
        [
            ledger.Transaction(
                f"fee-refund:{c['refund_id']}",
                "fee_refund",
                f"fee returned for refund {c['refund_id']}",
                (ledger.Posting(FEES, ledger.shop_proceeds(c["shop_id"]), c["amount_fen"]),),
            )
            for c in claims
            if c["refund_id"] in won and c["amount_fen"]
        ],
        at=now,
    )
    return len(won)
