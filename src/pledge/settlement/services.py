"""Settlement use cases. Money moves only through ledger transactions whose idempotency keys
come from their cause, and every step first claims its rows with an insert or a conditional
update that only one transaction can win, so retries and concurrent workers act once:

    fee:{order_id}              proceeds -> platform:fees            (commission, when paid)
    fee-refund:{refund_id}      platform:fees -> proceeds            (pro rata, after-sales period)
    settle:{order_id}:{entry}   proceeds -> available, or available/deposit -> proceeds (a shortfall)
    rebate:{program}:{shop}:{YYYY-MM}  platform:rebates -> available (month end)
    deposit:{id}                external:bank -> deposit             (settlement.deposits)
    freeze:{cause}:… / release:{cause}:…  proceeds|available <-> frozen   (settlement.freezes)
    payout:{id}                 available -> platform:payouts-in-transit
    payout-sent:{id}            platform:payouts-in-transit -> external:bank
    payout-return:{id}          external:bank -> available            (the bank sent it back)
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from pledge.accounts.services import Actor, require_platform, require_shop
from pledge.aftersales.model import RefundStatus
from pledge.aftersales.tables import cases, refunds
from pledge.catalog.tables import categories, products, shops
from pledge.compensation.tables import compensations
from pledge.kernel.clock import zone
from pledge.kernel.db import dialect_insert, inserted_id
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.kernel.limits import MAX_AMOUNT_FEN
from pledge.kernel.money import format_yuan
from pledge.ledger import services as ledger
from pledge.ledger.tables import coupons, ledger_postings, ledger_transactions
from pledge.orders.model import PAID_STATUSES, OrderStatus
from pledge.orders.tables import order_lines, orders
from pledge.rulebooks.loader import Rulebook
from pledge.settlement import availability, deposits, freezes, policy
from pledge.settlement.accounts import (
    BANK,
    FEES,
    FINANCE_ROLES,
    IN_TRANSIT,
    REBATES,
    available,
    deposit,
    lock_shop,
)

# Re-exported (the `x as x` form): callers name the accounts and the programme use cases
# through settlement.services, the one door to finance's use cases.
# Re-exported (the `x as x` form): finance's use cases are reached through settlement.services.
from pledge.settlement.accounts import frozen as frozen
from pledge.settlement.deposits import top_up_deposit as top_up_deposit
from pledge.settlement.model import PAYOUT_LIFECYCLE, ApplicationStatus, PayoutStatus
from pledge.settlement.policy import month_bounds
from pledge.settlement.programs import ProgramSpec as ProgramSpec
from pledge.settlement.programs import _program as _program
from pledge.settlement.programs import apply_to_program as apply_to_program
from pledge.settlement.programs import create_program as create_program
from pledge.settlement.programs import decide_application as decide_application
from pledge.settlement.programs import load_programs as load_programs
from pledge.settlement.programs import update_program as update_program
from pledge.settlement.tables import (
    applications,
    entries,
    fee_lines,
    fee_orders,
    fee_refunds,
    payouts,
    rebates,
)

OPEN_CASE = (
    "requested",
    "approved",
    "rejected",
    "escalated",
    "awaiting_return",
    "return_shipped",
    "return_received",
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
    funders = (
        dict(
            conn.execute(select(coupons.c.id, coupons.c.funded_by).where(coupons.c.id.in_(coupon_ids))).all()
        )
        if coupon_ids
        else {}
    )
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
    _record_many(
        conn,
        now,
        [
            (
                f"fee:{c['order_id']}",
                "fee",
                f"commission on order {c['order_id']}",
                ledger.shop_proceeds(c["shop_id"]),
                FEES,
                c["fee_fen"],
            )
            for c in won_claims
            if c["fee_fen"]
        ],
    )
    return len(won)


def _record_many(conn: Connection, at: datetime, txs: list[tuple]) -> None:
    """Many one-posting transactions (key, kind, memo, debit, credit, amount[, at]) in three statements."""
    if not txs:
        return
    for t in txs:
        ledger.validate([ledger.Posting(t[3], t[4], t[5])])
    accounts = ledger.account_ids(conn, {t[3] for t in txs} | {t[4] for t in txs})
    tx_ids = {
        r.idempotency_key: r.id
        for r in conn.execute(
            ledger_transactions.insert().returning(
                ledger_transactions.c.id, ledger_transactions.c.idempotency_key
            ),
            [
                {
                    "idempotency_key": t[0],
                    "kind": t[1],
                    "memo": t[2],
                    "created_at": t[6] if len(t) > 6 else at,
                }
                for t in txs
            ],
        )
    }
    conn.execute(
        ledger_postings.insert(),
        [
            {
                "transaction_id": tx_ids[t[0]],
                "debit_account_id": accounts[t[3]],
                "credit_account_id": accounts[t[4]],
                "amount_fen": t[5],
            }
            for t in txs
        ],
    )


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
    _record_many(
        conn,
        now,
        [
            (
                f"fee-refund:{c['refund_id']}",
                "fee_refund",
                f"fee returned for refund {c['refund_id']}",
                FEES,
                ledger.shop_proceeds(c["shop_id"]),
                c["amount_fen"],
            )
            for c in claims
            if c["refund_id"] in won and c["amount_fen"]
        ],
    )
    return len(won)


def collect_deductions(conn: Connection, *, now: datetime) -> int:
    """Compensations debited from a charged order's proceeds (late shipment, logistics rules)
    become settlement entries."""
    k = compensations.c
    found = conn.execute(
        select(k.id, k.order_id, k.shop_id, k.amount_fen)
        .join(fee_orders, fee_orders.c.order_id == k.order_id)
        .outerjoin(entries, and_(entries.c.kind == "deduction", entries.c.ref_id == k.id))
        .where(entries.c.id.is_(None), k.transaction_id.is_not(None), k.amount_fen > 0)
    ).all()
    if not found:
        return 0
    stmt = (
        dialect_insert(conn)(entries)
        .on_conflict_do_nothing(index_elements=["kind", "ref_id"])
        .returning(entries.c.id)
    )
    return len(
        conn.execute(
            stmt,
            [
                {
                    "shop_id": c.shop_id,
                    "order_id": c.order_id,
                    "kind": "deduction",
                    "ref_id": c.id,
                    "amount_fen": -c.amount_fen,
                    "created_at": now,
                }
                for c in found
            ],
        ).all()
    )


def _due_orders(
    conn: Connection, book: Rulebook, candidates: list, now: datetime
) -> dict[int, tuple[int, str]]:
    """Which candidates are due, with the clause that made them so: a cancelled (paid, never
    delivered) order at once; an order settled before, for its late entries, at once; a delivered
    one when its settlement period after confirmed receipt (settlement.availability) has passed."""
    waiting = [c for c in candidates if c.settled_at is None and c.delivered_at is not None]
    names: dict[int, list[list[str]]] = defaultdict(list)
    if waiting:
        parent = aliased(categories)
        for r in conn.execute(
            select(order_lines.c.order_id, categories.c.name, parent.c.name.label("parent_name"))
            .join(products, products.c.id == order_lines.c.product_id)
            .join(categories, categories.c.id == products.c.category_id)
            .outerjoin(parent, parent.c.id == categories.c.parent_id)
            .where(order_lines.c.order_id.in_([c.order_id for c in waiting]))
        ):
            names[r.order_id].append([r.name, r.parent_name])
    zero_entry = deposits.zero_entry_shops(conn, {c.shop_id for c in waiting}) if waiting else set()
    due = {}
    for c in candidates:
        if c.settled_at is not None or c.delivered_at is None:
            due[c.order_id] = (
                c.shop_id,
                "settled before" if c.settled_at is not None else "cancelled before delivery",
            )
            continue
        found = availability.available_at(
            book, names[c.order_id], confirmed_at=c.delivered_at, zero_entry=c.shop_id in zero_entry
        )
        if found.available_at <= now:
            due[c.order_id] = (c.shop_id, found.clause.id)
    return due


def settle(
    conn: Connection, book: Rulebook, *, now: datetime, batch: int = 1000, after_id: int = 0
) -> tuple[int, int | None]:
    """Orders past their settlement date (or cancelled after payment, e.g. by an instant refund)
    with no open case and no freeze holding them: their unsettled entries are claimed
    (conditional update) and the net moves from pending proceeds to available; a negative net
    is taken from available, then from the deposit (settlement.deductions). Entries that arrive
    after an order settled are settled the same way on the next pass. Candidates are read in
    order-id pages after `after_id`; returns (orders settled, last candidate id or None)."""
    f, o, e = fee_orders.c, orders.c, entries.c
    open_case = select(cases.c.id).where(cases.c.order_id == o.id, cases.c.status.in_(OPEN_CASE)).exists()
    soonest = timedelta(days=availability.shortest_days(book, now))
    candidates = conn.execute(
        select(f.order_id, f.shop_id, o.delivered_at, o.status, f.settled_at)
        .join(orders, o.id == f.order_id)
        .where(
            f.order_id > after_id,
            ~open_case,
            ~freezes.held_order(),
            (o.delivered_at <= now - soonest)
            | (o.status == OrderStatus.CANCELLED.value)
            | f.settled_at.is_not(None),
            select(e.id).where(e.order_id == f.order_id, e.settled_at.is_(None)).exists(),
        )
        .order_by(f.order_id)
        .limit(batch)
    ).all()
    if not candidates:
        return 0, None
    due = _due_orders(conn, book, candidates, now)
    if not due:
        return 0, candidates[-1].order_id
    # Lock the entries in id order first, so concurrent workers queue instead of deadlocking (PostgreSQL).
    conn.execute(
        select(e.id).where(e.order_id.in_(list(due)), e.settled_at.is_(None)).order_by(e.id).with_for_update()
    ).all()
    claimed = conn.execute(
        entries.update()
        .where(e.order_id.in_(list(due)), e.settled_at.is_(None))
        .values(settled_at=now)
        .returning(e.id, e.order_id, e.amount_fen)
    ).all()
    net: dict[int, int] = defaultdict(int)
    first: dict[int, int] = {}
    for x in claimed:
        net[x.order_id] += x.amount_fen
        first[x.order_id] = min(first.get(x.order_id, x.id), x.id)
    _record_many(
        conn,
        now,
        [
            (
                f"settle:{o}:{first[o]}",
                "settle",
                f"order {o} settled: {due[o][1]}",
                ledger.shop_proceeds(due[o][0]),
                available(due[o][0]),
                amount,
            )
            for o, amount in sorted(net.items())
            if amount > 0
        ],
    )
    for order_id, amount in sorted(net.items()):
        if amount < 0:
            _cover_shortfall(
                conn,
                book,
                due[order_id][0],
                -amount,
                key=f"settle:{order_id}:{first[order_id]}",
                memo=f"order {order_id} settled: {due[order_id][1]}",
                at=now,
            )
    conn.execute(
        fee_orders.update().where(f.order_id.in_(list(due)), f.settled_at.is_(None)).values(settled_at=now)
    )
    return len(net), candidates[-1].order_id


def _cover_shortfall(
    conn: Connection, book: Rulebook, shop_id: int, short: int, *, key: str, memo: str, at: datetime
) -> None:
    """A negative net (deductions and refunds beyond the order's proceeds) is taken from the
    available balance first, then from the deposit (settlement.deductions); what neither covers
    the platform advances, and the deposit goes below zero (douyin:aJngrvusHLew 2.2.2), which
    starts the 48 h clock of deposit.short.negative-48h."""
    lock_shop(conn, shop_id)
    proceeds, avail = ledger.shop_proceeds(shop_id), available(shop_id)
    from_available = min(max(ledger.balance(conn, avail), 0), short)
    from_deposit = short - from_available
    postings = ([ledger.Posting(avail, proceeds, from_available)] if from_available else []) + (
        [ledger.Posting(deposit(shop_id), proceeds, from_deposit)] if from_deposit else []
    )
    ledger.record(conn, key=key, kind="settle", memo=memo, postings=postings, at=at)
    if from_deposit:
        deposits.note_balance(conn, book, shop_id, at)


# ------------------------------------------------------------------ rebates


def compute_rebates(conn: Connection, book: Rulebook, month: str, *, now: datetime) -> int:
    """Turnover-tiered rebates for a finished month: for each rebate program in force that month,
    each shop in scope gets share_bp of its month's net commission, by the highest turnover tier
    it reached; once per (program, shop, month). Returns rows written."""
    start, end = month_bounds(month, book.timezone)
    if now < end:
        raise Conflict(f"{month} has not ended yet; rebates are computed at month end")
    f = fee_orders.c
    done = 0
    for p in load_programs(conn, ("turnover_rebate",)):
        if not (p.starts_at < end and (p.ends_at is None or start < p.ends_at)):
            continue
        already = set(
            conn.execute(
                select(rebates.c.shop_id).where(rebates.c.program_id == p.id, rebates.c.month == month)
            ).scalars()
        )
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
        rows = [r for r in conn.execute(q) if r.shop_id not in already]
        if not rows:
            continue
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
        claims = []
        for shop_id in sorted(turnover):
            tier_min, share = policy.rebate_tier(p.tiers(), turnover[shop_id])
            claims.append(
                {
                    "program_id": p.id,
                    "program_version": p.version,
                    "shop_id": shop_id,
                    "month": month,
                    "turnover_fen": turnover[shop_id],
                    "fees_fen": fees[shop_id],
                    "tier_min_fen": tier_min,
                    "share_bp": share,
                    "amount_fen": max(fees[shop_id], 0) * share // 10_000,
                    "created_at": now,
                }
            )
        stmt = (
            dialect_insert(conn)(rebates)
            .on_conflict_do_nothing(index_elements=["program_id", "shop_id", "month"])
            .returning(rebates.c.shop_id)
        )
        won = {x.shop_id for x in conn.execute(stmt, claims)}
        _record_many(
            conn,
            now,
            [
                (
                    f"rebate:{p.id}:{c['shop_id']}:{month}",
                    "rebate",
                    f"{p.code} v{p.version}: {c['share_bp']} bp of {month} fees",
                    REBATES,
                    available(c["shop_id"]),
                    c["amount_fen"],
                )
                for c in claims
                if c["shop_id"] in won and c["amount_fen"]
            ],
        )
        done += len(won)
    return done


# ------------------------------------------------------------------ payouts


def request_payout(
    conn: Connection, actor: Actor, book: Rulebook, shop_id: int, *, amount_fen: int, at: datetime
) -> int:
    """Reserve an amount of the available balance for the bank (the worker sends it). Refused
    while the deposit is short (deposit.short.payouts), and never out of money a freeze is still
    waiting for (settlement.freezes)."""
    require_shop(actor, shop_id)
    if type(amount_fen) is not int or not 0 < amount_fen <= MAX_AMOUNT_FEN:
        raise InvalidInput(
            f"a payout must be a positive amount of at most {MAX_AMOUNT_FEN} fen, got {amount_fen!r}"
        )
    lock_shop(conn, shop_id)
    deposits.check_payouts_allowed(conn, book, shop_id, at)
    balance = ledger.balance(conn, available(shop_id))
    waiting = freezes.waiting_fen(conn, shop_id)
    if amount_fen > balance - waiting:
        held_back = f", of which {format_yuan(waiting)} yuan is held for a freeze" if waiting else ""
        raise InvalidInput(
            f"the payout of {format_yuan(amount_fen)} yuan is more than the available balance of "
            f"{format_yuan(balance)} yuan{held_back}",
            available_fen=balance,
            held_for_freezes_fen=waiting,
        )
    payout_id = inserted_id(
        conn,
        payouts.insert().values(
            shop_id=shop_id,
            amount_fen=amount_fen,
            status=PayoutStatus.PENDING.value,
            requested_by=actor.user_id,
            requested_at=at,
        ),
    )
    ledger.record(
        conn,
        key=f"payout:{payout_id}",
        kind="payout",
        memo=f"payout {payout_id} to the shop's bank account",
        postings=[ledger.Posting(available(shop_id), IN_TRANSIT, amount_fen)],
        at=at,
    )
    return payout_id


def send_payouts(uow, provider, clock, *, limit: int = 100) -> int:
    """Send pending payouts through the adapter (outside any transaction, idempotent by key) and
    book them once: the pending -> sent update is the claim."""
    with uow.read() as conn:
        due = conn.execute(
            select(payouts)
            .where(payouts.c.status == PayoutStatus.PENDING.value)
            .order_by(payouts.c.id)
            .limit(limit)
        ).all()
    sent = 0
    for p in due:
        ref = provider.send(shop_id=p.shop_id, amount_fen=p.amount_fen, idempotency_key=f"payout:{p.id}")
        with uow.begin() as conn:
            now = clock.now()
            if PAYOUT_LIFECYCLE.try_move(
                conn, payouts, p.id, PayoutStatus.PENDING, PayoutStatus.SENT, provider_ref=ref, sent_at=now
            ):
                ledger.record(
                    conn,
                    key=f"payout-sent:{p.id}",
                    kind="payout_sent",
                    memo=f"payout {p.id} sent ({ref})",
                    postings=[ledger.Posting(IN_TRANSIT, BANK, p.amount_fen)],
                    at=now,
                )
                sent += 1
    return sent


def return_payout(conn: Connection, actor: Actor, payout_id: int, *, reason: str, at: datetime) -> None:
    """The bank sent a payout back (closed account, wrong name): the money is available again, once."""
    require_platform(actor, *FINANCE_ROLES)
    row = conn.execute(select(payouts).where(payouts.c.id == payout_id)).first()
    if row is None:
        raise NotFound(f"no payout {payout_id}")
    if not reason.strip():
        raise InvalidInput("say why the bank returned the payout")
    if not PAYOUT_LIFECYCLE.try_move(
        conn,
        payouts,
        payout_id,
        PayoutStatus.SENT,
        PayoutStatus.RETURNED,
        returned_at=at,
        return_reason=reason.strip(),
    ):
        raise Conflict(f"payout {payout_id} is {row.status}; only a sent payout can come back")
    ledger.record(
        conn,
        key=f"payout-return:{payout_id}",
        kind="payout_return",
        memo=f"payout {payout_id} returned: {reason}",
        postings=[ledger.Posting(BANK, available(row.shop_id), row.amount_fen)],
        at=at,
    )


# ------------------------------------------------------------------ the worker's step


def run_step(uow, book: Rulebook, clock, provider, *, batch: int = 1000) -> dict:
    """Charge fees, return fees of refunds, collect deductions, freeze and release (settlement.
    freezes), settle, top up freezes, review short deposits, last month's rebates, send payouts.
    Every part is safe to run in several workers at once."""
    report = {"fees_charged": 0, "fees_refunded": 0, "settled": 0, "rebates": 0, "payouts_sent": 0}
    for name, step in (("fees_charged", charge_fees), ("fees_refunded", refund_fees)):
        while True:
            with uow.begin() as conn:
                n = step(conn, book, now=clock.now(), batch=batch)
            report[name] += n
            if n < batch:
                break
    with uow.begin() as conn:
        collect_deductions(conn, now=clock.now())
    report.update(freezes.run_step(uow, book, clock))
    after: int | None = 0
    while after is not None:
        with uow.begin() as conn:
            n, after = settle(conn, book, now=clock.now(), batch=batch, after_id=after)
        report["settled"] += n
    with uow.begin() as conn:
        freezes.top_up(conn, now=clock.now())
        deposits.review_shortfalls(conn, book, clock.now())
    now = clock.now()
    with uow.begin() as conn:
        report["rebates"] = compute_rebates(
            conn, book, policy.previous_month(month_of(now, book.timezone)), now=now
        )
    report["payouts_sent"] = send_payouts(uow, provider, clock)
    return report
