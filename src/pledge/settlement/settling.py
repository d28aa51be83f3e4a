"""Settlement proper: an order's entries (sale, fee, refund, deduction) are claimed once its
settlement date has passed (or it was cancelled after payment) and the net moves from pending
proceeds to the available balance, or is taken from available and then the deposit when it is
negative (settle:{order_id}:{first entry})."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from pledge.aftersales.tables import cases
from pledge.catalog.tables import categories, products
from pledge.compensation.tables import compensations
from pledge.kernel.db import AnyRow, dialect_insert
from pledge.ledger import services as ledger
from pledge.orders.model import OrderStatus
from pledge.orders.tables import order_lines, orders
from pledge.rulebooks.loader import Rulebook
from pledge.settlement import availability, deposits, freezes
from pledge.settlement.accounts import (
    available,
    deposit,
    lock_shop,
)
from pledge.settlement.tables import (
    entries,
    fee_orders,
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
    conn: Connection, book: Rulebook, candidates: Sequence[AnyRow], now: datetime
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
    candidates = _settlement_candidates(conn, book, now=now, batch=batch, after_id=after_id)
    if not candidates:
        return 0, None
    due = _due_orders(conn, book, candidates, now)
    if not due:
        return 0, candidates[-1].order_id
    net, first = _claim_entries(conn, list(due), now)
    ledger.record_many(
        conn,
        [
            ledger.Transaction(
                f"settle:{o}:{first[o]}",
                "settle",
                f"order {o} settled: {due[o][1]}",
                (ledger.Posting(ledger.shop_proceeds(due[o][0]), available(due[o][0]), amount),),
            )
            for o, amount in sorted(net.items())
            if amount > 0
        ],
        at=now,
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
    f = fee_orders.c
    conn.execute(
        fee_orders.update().where(f.order_id.in_(list(due)), f.settled_at.is_(None)).values(settled_at=now)
    )
    return len(net), candidates[-1].order_id


def _settlement_candidates(
    conn: Connection, book: Rulebook, *, now: datetime, batch: int, after_id: int
) -> Sequence[AnyRow]:
    """Charged orders with unsettled entries that may be due: delivered at least the shortest
    settlement period ago, cancelled, or settled before; no open case, no freeze holding them."""
    f, o, e = fee_orders.c, orders.c, entries.c
    open_case = select(cases.c.id).where(cases.c.order_id == o.id, cases.c.status.in_(OPEN_CASE)).exists()
    soonest = timedelta(days=availability.shortest_days(book, now))
    return conn.execute(
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


def _claim_entries(
    conn: Connection, order_ids: list[int], now: datetime
) -> tuple[dict[int, int], dict[int, int]]:
    """Mark the orders' unsettled entries settled; returns (net, first entry id) per order."""
    e = entries.c
    # Lock the entries in id order first, so concurrent workers queue instead of deadlocking (PostgreSQL).
    conn.execute(
        select(e.id).where(e.order_id.in_(order_ids), e.settled_at.is_(None)).order_by(e.id).with_for_update()
    ).all()
    claimed = conn.execute(
        entries.update()
        .where(e.order_id.in_(order_ids), e.settled_at.is_(None))
        .values(settled_at=now)
        .returning(e.id, e.order_id, e.amount_fen)
    ).all()
    net: dict[int, int] = defaultdict(int)
    first: dict[int, int] = {}
    for x in claimed:
        net[x.order_id] += x.amount_fen
        first[x.order_id] = min(first.get(x.order_id, x.id), x.id)
    return net, first


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
