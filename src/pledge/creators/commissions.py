"""Creators' commissions (推广费) through the ledger, exactly once (douyin:aJoPPkXtaG25).

Each step claims its rows first (an insert on a UNIQUE key, or a conditional update) so retries
and concurrent workers act once; every movement is a ledger transaction keyed by its cause:

    affiliate:{order_line_id}         shop:{s}:proceeds -> creator:{c}:pending   (booked when paid)
    affiliate-settle:{order_line_id}  creator:{c}:pending -> creator:{c}:available (net)
                                      creator:{c}:pending -> platform:affiliate-fees (service fee)
    affiliate-return:{refund_id}:{order_line_id}
        cancelled (before settlement): creator:{c}:pending -> shop:{s}:proceeds
        clawed back (after):           creator:{c}:available -> shop:{s}:proceeds (net part)
                                       platform:affiliate-fees -> shop:{s}:proceeds (fee part)

The shop's side of each movement is also a settlement entry of the order (kinds `affiliate` and
`affiliate_return`), so the shop's proceeds settle net of the commission and the merchant's
statement shows it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.engine import Connection

from pledge.aftersales.model import RefundStatus
from pledge.aftersales.tables import cases, refunds
from pledge.creators import policy
from pledge.creators.services import grade_of, rate_for
from pledge.creators.tables import commission_returns, creator_commissions, creator_freezes
from pledge.kernel.db import AnyRow, dialect_insert
from pledge.ledger import services as ledger
from pledge.orders.model import PAID_STATUSES, OrderStatus
from pledge.orders.tables import order_lines, orders
from pledge.rulebooks.loader import Rulebook
from pledge.settlement.fees import aftersales_period_end
from pledge.settlement.policy import allocate
from pledge.settlement.tables import entries, fee_orders

AFFILIATE_FEES = "platform:affiliate-fees"  # the technical service fees creators pay the platform
BOOKABLE = tuple(s.value for s in PAID_STATUSES) + (OrderStatus.CANCELLED.value,)


class CommissionStatus(StrEnum):
    PENDING = "pending"  # booked, not payable yet
    SETTLED = "settled"  # the net is in the creator's available balance


def creator_pending(creator_id: int) -> str:
    return f"creator:{creator_id}:pending"


def creator_available(creator_id: int) -> str:
    return f"creator:{creator_id}:available"


# --- booking, when an attributed order is paid ---


def book_commissions(conn: Connection, book: Rulebook, *, now: datetime, batch: int = 500) -> int:
    """Attributed paid orders without commissions: one commission per line at the rate in force
    at payment and the creator's grade of that period; claimed per line (UNIQUE order_line_id).
    Returns the commissions booked."""
    due = _unbooked_orders(conn, now=now, batch=batch)
    if not due:
        return 0
    rows = [row for order in due for row in _order_commissions(conn, book, order, now)]
    stmt = (
        dialect_insert(conn)(creator_commissions)
        .on_conflict_do_nothing(index_elements=["order_line_id"])
        .returning(creator_commissions.c.id, creator_commissions.c.order_line_id)
    )
    won = {r.order_line_id: r.id for r in conn.execute(stmt, rows)} if rows else {}
    booked = [dict(row, id=won[row["order_line_id"]]) for row in rows if row["order_line_id"] in won]
    _book_money(conn, booked, now)
    return len(booked)


def _unbooked_orders(conn: Connection, *, now: datetime, batch: int) -> Sequence[AnyRow]:
    o = orders.c
    booked = exists().where(creator_commissions.c.order_id == o.id)
    return conn.execute(
        select(o.id, o.shop_id, o.creator_id, o.paid_at, o.created_at, o.paid_fen, o.discount_fen)
        .add_columns(o.coupon_id, o.shipping_fen, o.source_ref)
        .where(
            o.creator_id.is_not(None),
            o.status.in_(BOOKABLE),
            o.paid_at.is_not(None),
            o.paid_at <= now,
            ~booked,
        )
        .order_by(o.id)
        .limit(batch)
    ).all()


def order_base_parts(conn: Connection, order: AnyRow) -> policy.BaseParts:
    """The order's amounts the settlement base is made of: what was paid (shipping included),
    a platform-funded coupon (a merchant's own coupon is not added back) and shipping."""
    funders = ledger.coupon_funders(conn, {order.coupon_id}) if order.coupon_id is not None else {}
    platform_coupon = (
        order.discount_fen
        if order.coupon_id is not None and funders.get(order.coupon_id) != "merchant"
        else 0
    )
    return policy.BaseParts(
        order.paid_fen, platform_coupon_fen=platform_coupon, shipping_fen=order.shipping_fen
    )


def _grade(conn: Connection, book: Rulebook, creator_id: int, paid_at: datetime) -> str:
    published = grade_of(conn, book, creator_id, paid_at)
    if published is not None:
        return published
    return str(policy.clause_of(book, "affiliate_grade_unpublished", paid_at).get("grade"))


def _order_commissions(
    conn: Connection, book: Rulebook, order: AnyRow, now: datetime
) -> list[dict[str, Any]]:
    """One row per line: the order's base split over the lines by their totals, each line at
    its product's rate at payment (else the rate checkout attributed it under)."""
    lines = conn.execute(
        select(order_lines.c.id, order_lines.c.product_id, order_lines.c.line_total_fen)
        .where(order_lines.c.order_id == order.id)
        .order_by(order_lines.c.id)
    ).all()
    base = policy.base_fen(book, order_base_parts(conn, order), order.paid_at)
    grade = _grade(conn, book, order.creator_id, order.paid_at)
    fee_rate = int(policy.grade_clause(book, grade, order.paid_at).get("rate_bp"))
    rows = []
    for line, line_base in zip(lines, allocate(base, [x.line_total_fen for x in lines]), strict=True):
        rate = rate_for(conn, product_id=line.product_id, creator_id=order.creator_id, at=order.paid_at)
        rate = rate or rate_for(
            conn, product_id=line.product_id, creator_id=order.creator_id, at=order.created_at
        )
        if rate is None:
            continue
        commission = policy.commission_fen(line_base, rate.rate_bp)
        rows.append(
            {
                "order_id": order.id,
                "order_line_id": line.id,
                "creator_id": order.creator_id,
                "shop_id": order.shop_id,
                "product_id": line.product_id,
                "source_ref": order.source_ref,
                "paid_at": order.paid_at,
                "rate_id": rate.id,
                "rate_bp": rate.rate_bp,
                "grade": grade,
                "fee_rate_bp": fee_rate,
                "base_fen": line_base,
                "commission_fen": commission,
                "service_fee_fen": policy.half_up(commission, fee_rate),
                "returned_fen": 0,
                "status": CommissionStatus.PENDING.value,
                "booked_at": now,
            }
        )
    return rows


def _book_money(conn: Connection, booked: list[dict[str, Any]], now: datetime) -> None:
    paying = [row for row in booked if row["commission_fen"]]
    if not paying:
        return
    conn.execute(
        entries.insert(),
        [
            {
                "shop_id": row["shop_id"],
                "order_id": row["order_id"],
                "kind": "affiliate",
                "ref_id": row["id"],
                "amount_fen": -row["commission_fen"],
                "created_at": now,
            }
            for row in paying
        ],
    )
    ledger.record_many(
        conn,
        [
            ledger.Transaction(
                f"affiliate:{row['order_line_id']}",
                "affiliate_commission",
                f"creator {row['creator_id']}'s commission on order {row['order_id']}",
                (
                    ledger.Posting(
                        ledger.shop_proceeds(row["shop_id"]),
                        creator_pending(row["creator_id"]),
                        row["commission_fen"],
                    ),
                ),
            )
            for row in paying
        ],
        at=now,
    )


# --- settlement: 15 days after confirmed receipt, or after the proceeds if later ---


def settle_commissions(conn: Connection, book: Rulebook, *, now: datetime, batch: int = 500) -> int:
    """Pending commissions of delivered orders whose `affiliate.settle` date has passed (15 days
    after confirmed receipt, and the order's proceeds settled): claimed once (pending ->
    settled, rows locked in id order first); the net goes to the creator's available balance and
    the service fee to the platform. Returns commissions settled."""
    due = _settle_candidates(conn, book, now, batch)
    if not due:
        return 0
    c = creator_commissions.c
    ids = [d.id for d in due]
    conn.execute(select(c.id).where(c.id.in_(ids)).order_by(c.id).with_for_update()).all()
    claimed = conn.execute(
        creator_commissions.update()
        .where(c.id.in_(ids), c.status == CommissionStatus.PENDING.value)
        .values(status=CommissionStatus.SETTLED.value, settled_at=now)
        .returning(c.id, c.order_line_id, c.creator_id, c.commission_fen, c.returned_fen, c.fee_rate_bp)
    ).all()
    settle_at = {d.id: policy.settle_after(book, d.delivered_at, d.proceeds_settled_at) for d in due}
    transactions = []
    for row in sorted(claimed):
        remaining = row.commission_fen - row.returned_fen
        fee = policy.half_up(remaining, row.fee_rate_bp)
        conn.execute(
            creator_commissions.update()
            .where(c.id == row.id)
            .values(settled_fee_fen=fee, settle_at=settle_at[row.id])
        )
        postings = (
            ledger.Posting(
                creator_pending(row.creator_id), creator_available(row.creator_id), remaining - fee
            ),
            ledger.Posting(creator_pending(row.creator_id), AFFILIATE_FEES, fee),
        )
        if remaining:
            transactions.append(
                ledger.Transaction(
                    f"affiliate-settle:{row.order_line_id}",
                    "affiliate_settle",
                    f"commission {row.id} settled",
                    tuple(p for p in postings if p.amount_fen),
                )
            )
    ledger.record_many(conn, transactions, at=now)
    return len(claimed)


def _settle_candidates(conn: Connection, book: Rulebook, now: datetime, batch: int) -> Sequence[AnyRow]:
    """Pending commissions due now: delivered at least the settle days ago, proceeds settled,
    and no violation freeze in force over the creator's whole account (`affiliate.freeze`,
    creators.safety) or over the commission's product (a penalty's hold: 停止结算违规订单)."""
    days = int(policy.clause_of(book, "affiliate_settle", now).get("days"))
    c, o, f, z = creator_commissions.c, orders.c, fee_orders.c, creator_freezes.c
    frozen = exists().where(
        z.creator_id == c.creator_id,
        or_(z.product_id.is_(None), z.product_id == c.product_id),
        z.starts_at <= now,
        z.ends_at > now,
    )
    return conn.execute(
        select(c.id, o.delivered_at, f.settled_at.label("proceeds_settled_at"))
        .join(orders, o.id == c.order_id)
        .join(fee_orders, f.order_id == c.order_id)
        .where(
            c.status == CommissionStatus.PENDING.value,
            o.delivered_at <= now - timedelta(days=days),
            f.settled_at <= now,
            ~frozen,
        )
        .order_by(c.id)
        .limit(batch)
    ).all()


# --- refunds: inside the after-sales period cancel or claw back, after it the commission stands ---


@dataclass(frozen=True)
class _Return:
    refund: AnyRow
    commission: AnyRow
    outcome: policy.RefundOutcome
    commission_fen: int
    fee_fen: int


def return_commissions(conn: Connection, book: Rulebook, *, now: datetime, batch: int = 500) -> int:
    """For each succeeded refund of an order with commissions: what it does to each commission
    (`affiliate.refund`, pro rata `affiliate.refund.partial`), claimed once per refund and
    commission, the commission rows locked first so a settlement racing it is seen. Returns the
    returns recorded."""
    found = _unreturned(conn, batch)
    if not found:
        return 0
    c = creator_commissions.c
    locked = {
        row.id: row
        for row in conn.execute(
            select(creator_commissions)
            .where(c.id.in_({x.commission_id for x in found}))
            .order_by(c.id)
            .with_for_update()
        )
    }
    earlier = _earlier_refunds(conn, {x.order_id for x in found})
    bases = _order_bases(conn, {x.order_id for x in found})
    decided = _decide(book, found, locked, earlier, bases)
    stmt = (
        dialect_insert(conn)(commission_returns)
        .on_conflict_do_nothing(index_elements=["refund_id", "commission_id"])
        .returning(
            commission_returns.c.id, commission_returns.c.refund_id, commission_returns.c.commission_id
        )
    )
    rows = [
        {
            "refund_id": r.refund.id,
            "commission_id": r.commission.id,
            "shop_id": r.commission.shop_id,
            "outcome": r.outcome.value,
            "commission_fen": r.commission_fen,
            "fee_fen": r.fee_fen,
            "created_at": now,
        }
        for r in decided
    ]
    won = {(x.refund_id, x.commission_id): x.id for x in conn.execute(stmt, rows)}
    for r in decided:
        return_id = won.get((r.refund.id, r.commission.id))
        if return_id is not None and r.commission_fen:
            _move_return(conn, r, return_id, now)
    return len(won)


def _unreturned(conn: Connection, batch: int) -> Sequence[AnyRow]:
    r, c, x = refunds.c, creator_commissions.c, commission_returns.c
    done = exists().where(x.refund_id == r.id, x.commission_id == c.id)
    return conn.execute(
        select(
            r.id,
            r.order_id,
            r.amount_fen,
            c.id.label("commission_id"),
            cases.c.created_at.label("asked_at"),
            orders.c.delivered_at,
        )
        .join(creator_commissions, c.order_id == r.order_id)
        .join(orders, orders.c.id == r.order_id)
        .join(cases, cases.c.id == r.case_id)
        .where(r.status == RefundStatus.SUCCEEDED.value, ~done)
        .order_by(r.id, c.id)
        .limit(batch)
    ).all()


def _earlier_refunds(conn: Connection, order_ids: set[int]) -> dict[int, list[AnyRow]]:
    r = refunds.c
    found: dict[int, list[AnyRow]] = defaultdict(list)
    for row in conn.execute(
        select(r.id, r.order_id, r.amount_fen).where(
            r.order_id.in_(order_ids), r.status == RefundStatus.SUCCEEDED.value
        )
    ):
        found[row.order_id].append(row)
    return found


def _order_bases(conn: Connection, order_ids: set[int]) -> dict[int, int]:
    c = creator_commissions.c
    bases: dict[int, int] = defaultdict(int)
    for order_id, base in conn.execute(select(c.order_id, c.base_fen).where(c.order_id.in_(order_ids))):
        bases[order_id] += base
    return bases


def _decide(
    book: Rulebook,
    found: Sequence[AnyRow],
    locked: dict[int, AnyRow],
    earlier: dict[int, list[AnyRow]],
    bases: dict[int, int],
) -> list[_Return]:
    """Each (refund, commission): cancelled, clawed back or standing, and by how much. Amounts
    are cumulative over the order's refunds in id order, so they never add up to more than the
    commission whatever order the refunds are processed in."""
    decided = []
    returned = {cid: row.returned_fen for cid, row in locked.items()}
    settled_fee = {cid: row.settled_fee_fen or 0 for cid, row in locked.items()}
    for x in found:
        commission = locked[x.commission_id]
        ends = aftersales_period_end(book, x.delivered_at)[0] if x.delivered_at is not None else None
        outcome, _ = policy.refund_outcome(
            book,
            refunded_at=x.asked_at,
            aftersales_ends_at=ends or datetime.max.replace(tzinfo=x.asked_at.tzinfo),
            settled=commission.status == CommissionStatus.SETTLED,
        )
        amount, fee = 0, 0
        if outcome != policy.RefundOutcome.STANDS:
            before = sum(e.amount_fen for e in earlier[x.order_id] if e.id < x.id)
            wanted = policy.refunded_commission_fen(
                commission.commission_fen, bases[x.order_id], before, x.amount_fen
            )
            amount = min(wanted, commission.commission_fen - returned[x.commission_id])
            returned[x.commission_id] += amount
        if outcome == policy.RefundOutcome.CLAWED_BACK:
            remaining = commission.commission_fen - returned[x.commission_id]
            fee = settled_fee[x.commission_id] - policy.half_up(remaining, commission.fee_rate_bp)
            settled_fee[x.commission_id] -= fee
        decided.append(_Return(x, commission, outcome, amount, fee))
    return decided


def _move_return(conn: Connection, r: _Return, return_id: int, now: datetime) -> None:
    """The money of one return: back to the shop's proceeds, from the creator's pending balance
    (cancelled) or from their available balance and the platform's fees (clawed back)."""
    c, com = creator_commissions.c, r.commission
    values: dict[str, Any] = {"returned_fen": c.returned_fen + r.commission_fen}
    if r.outcome == policy.RefundOutcome.CLAWED_BACK:
        values["settled_fee_fen"] = c.settled_fee_fen - r.fee_fen
    conn.execute(creator_commissions.update().where(c.id == com.id).values(**values))
    proceeds = ledger.shop_proceeds(com.shop_id)
    if r.outcome == policy.RefundOutcome.CANCELLED:
        postings = [ledger.Posting(creator_pending(com.creator_id), proceeds, r.commission_fen)]
    else:
        postings = [
            ledger.Posting(creator_available(com.creator_id), proceeds, r.commission_fen - r.fee_fen),
            ledger.Posting(AFFILIATE_FEES, proceeds, r.fee_fen),
        ]
    conn.execute(
        entries.insert().values(
            shop_id=com.shop_id,
            order_id=com.order_id,
            kind="affiliate_return",
            ref_id=return_id,
            amount_fen=r.commission_fen,
            created_at=now,
        )
    )
    ledger.record(
        conn,
        key=f"affiliate-return:{r.refund.id}:{com.order_line_id}",
        kind="affiliate_return",
        memo=f"commission {com.id} {r.outcome.value} for refund {r.refund.id}",
        postings=[p for p in postings if p.amount_fen],
        at=now,
    )


def run_step(uow, book: Rulebook, clock, *, batch: int = 500) -> dict[str, int]:
    """The worker's commission step: book, return (refunds), settle; each in batches, each safe
    to run in several workers at once (creators.payouts sends the creators' payouts after it)."""
    report = {"commissions_booked": 0, "commissions_returned": 0, "commissions_settled": 0}
    steps = (
        ("commissions_booked", book_commissions),
        ("commissions_returned", return_commissions),
        ("commissions_settled", settle_commissions),
    )
    for name, step in steps:
        while True:
            with uow.begin() as conn:
                n = step(conn, book, now=clock.now(), batch=batch)
            report[name] += n
            if n < batch:
                break
    return report
