"""The late-ship sweep (晚发即赔): paid orders past their ship-by time pay the buyer, exactly once
per part, through the one compensation path (compensation.services):

* as soon as an order is late, the late-ship cell of its promise bracket (key late-ship:{id});
* once it is more than 48 h late (still unshipped, or shipped that late), the out-of-stock
  deduction in addition (key out-of-stock:{id}): douyin:aJoPPkWZ7VQM's column "发货超时48小时
  以上" is douyin:aHwHGWzbmk88's deduction, "可与发货超时扣罚同时发起", not a second late-ship rate.

"Shipped" is douyin:101706 2.2: the carrier's pickup record where the carrier reports data;
otherwise the merchant's ship click, or the carrier slip's time if the merchant shows a later
one. A clicked parcel whose scan has not come yet is waited for (shipped.pickup-scan-grace).
On PostgreSQL the batch is claimed with FOR UPDATE SKIP LOCKED so workers do not wait on each
other; the compensation keys make retries and concurrent workers unable to pay twice."""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform
from pledge.accounts.tables import users
from pledge.compensation import services as compensation
from pledge.compensation.services import Due, compensation_key
from pledge.compensation.tables import compensations
from pledge.fulfilment.carriers import CARRIERS
from pledge.fulfilment.tables import shipments
from pledge.kernel.bulk import in_values, update_rows
from pledge.kernel.clock import ensure_utc, local_time
from pledge.kernel.db import AnyRow, claim_batch
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.kernel.money import format_yuan
from pledge.lateship.policy import LateShipQuote, next_check_after, quote_late_ship
from pledge.orders.model import PAID_STATUSES, OrderStatus
from pledge.orders.services import record_events
from pledge.orders.tables import orders
from pledge.rulebooks.loader import Rulebook

KIND = "late_ship"
PARTS = ("late_ship", "out_of_stock")


def late_ship_key(order_id: int) -> str:
    return compensation_key(KIND, order_id)


@dataclass
class SweepResult:
    examined: int = 0
    compensated: int = 0
    amount_fen: int = 0
    no_compensation: int = 0
    waiting: int = 0
    batches: int = 0
    skipped_as_duplicate: int = 0

    def add(self, other: SweepResult) -> None:
        for name, value in vars(other).items():
            setattr(self, name, getattr(self, name) + value)


@dataclass
class _Decision:
    order: AnyRow
    quote: LateShipQuote | None
    next_check: datetime | None = None
    due: list[Due] = field(default_factory=list)


def _due_orders(conn: Connection, now: datetime, batch: int):
    o = orders.c
    query = (
        select(
            o.id,
            o.shop_id,
            o.buyer_id,
            o.paid_fen,
            o.paid_at,
            o.ship_by,
            o.shipped_at,
            o.picked_up_at,
            o.late_exempt_reason,
        )
        .where(o.late_check_at <= now, o.status.in_([s.value for s in PAID_STATUSES]))
        .order_by(o.late_check_at, o.id)
        .limit(batch)
    )
    return claim_batch(conn, query, of=orders)


def shipped_time(book: Rulebook, order, now: datetime) -> tuple[datetime | None, datetime | None]:
    """(when the order counts as shipped, or None; when to look again if the carrier's scan is
    still awaited). The pickup record decides where the carrier reports one; a clicked parcel
    with no scan is waited for during the grace period, after which it has no carrier data and
    the click counts (douyin:101706 2.2 (2))."""
    if order.picked_up_at is not None:
        return order.picked_up_at, None
    if order.shipped_at is None:
        return None, None
    grace = book.in_force("pickup_scan_grace", order.paid_at)
    if grace:
        until = order.shipped_at + timedelta(hours=grace[0].get("hours"))
        if until > now:
            return None, until
    return order.shipped_at, None


def _decide(book: Rulebook, order, now: datetime, claimed: set[str]) -> _Decision:
    if order.late_exempt_reason:
        return _Decision(order, None)
    shipped, wait_until = shipped_time(book, order, now)
    if wait_until is not None:
        return _Decision(order, None, wait_until)
    quote = quote_late_ship(
        book,
        paid_fen=order.paid_fen,
        paid_at=order.paid_at,
        ship_by_at=order.ship_by,
        shipped_at=shipped,
        now=now,
    )
    if quote is None:  # on time so far
        nxt = (
            None
            if shipped is not None
            else max(order.ship_by + timedelta(seconds=1), now + timedelta(seconds=1))
        )
        return _Decision(order, None, nxt)
    nxt = None
    if not quote.final:
        nxt = next_check_after(book, paid_at=order.paid_at, ship_by_at=order.ship_by)
        nxt = nxt if nxt and nxt > now else now + timedelta(minutes=5)
    due = [
        _due(order, quote, part)
        for part in quote.parts
        if compensation_key(part.rule, order.id) not in claimed
    ]
    return _Decision(order, quote, nxt, due)


def _due(order, quote: LateShipQuote, part) -> Due:
    inputs = dict(quote.inputs, trigger_clause=part.trigger.id if part.trigger else None)
    return Due(
        part.rule,
        order.id,
        order.shop_id,
        order.buyer_id,
        part.amount_fen,
        part.clause.id if part.clause else "none",
        part.clause.source if part.clause else "",
        part.explanation_en,
        part.explanation,
        inputs,
    )


def _apply_buyer_daily_cap(conn: Connection, book: Rulebook, dues: list[Due], now: datetime) -> None:
    """Taobao: one buyer receives at most the cap per day (tmall:10000177)."""
    caps = book.in_force("late_ship_buyer_daily_cap", now)
    paying = [d for d in dues if d.rule == KIND and d.amount_fen > 0]
    if not caps or not paying:
        return
    cap = caps[0]
    # "One day" is the platform's calendar day (the rulebook's timezone), not the UTC day.
    day_start = local_time(now, book.timezone).replace(hour=0, minute=0, second=0, microsecond=0)
    buyer_ids = sorted({d.buyer_id for d in paying})
    # Workers sweeping other orders of the same buyer take turns (row locks in id order, held
    # to commit), so each one reads the day's total after the others' payouts are committed.
    conn.execute(
        select(users.c.id)
        .where(in_values(conn, users.c.id, buyer_ids))
        .order_by(users.c.id)
        .with_for_update(key_share=True)
    )
    c = compensations.c
    already = dict(
        conn.execute(
            select(c.buyer_id, func.sum(c.amount_fen))
            .where(in_values(conn, c.buyer_id, buyer_ids), c.kind == KIND, c.created_at >= day_start)
            .group_by(c.buyer_id)
        ).all()
    )
    running: dict[int, int] = defaultdict(int, {k: int(v) for k, v in already.items()})
    for d in paying:
        room = max(0, cap.get("cap_fen") - running[d.buyer_id])
        if d.amount_fen > room:
            cap_yuan, room_yuan = format_yuan(cap.get("cap_fen")), format_yuan(room)
            d.explanation_en += f" → buyer daily cap {cap_yuan} yuan ({cap.id}) leaves {room_yuan}"
            d.explanation_zh += f" → 买家单日赔付上限{cap_yuan}元（{cap.id}），本单可赔{room_yuan}元"
            d.amount_fen = room
        running[d.buyer_id] += d.amount_fen


def _claimed(conn: Connection, order_ids: list[int]) -> set[str]:
    keys = [compensation_key(rule, oid) for oid in order_ids for rule in PARTS]
    return set(
        conn.execute(
            select(compensations.c.idempotency_key).where(
                in_values(conn, compensations.c.idempotency_key, keys)
            )
        ).scalars()
    )


def sweep_batch(conn: Connection, book: Rulebook, *, now: datetime, batch: int = 500) -> SweepResult:
    """One transaction's worth of the sweep."""
    result = SweepResult(batches=1)
    if conn.dialect.name == "postgresql":
        # The foreign-key checks' plans are cached per connection. Planned while ledger_accounts
        # or coupons held a few rows, they scan those tables whole, and keep doing so as a long
        # sweep adds thousands of rows (the credit-account check went from 6 to 50 ms per batch
        # of 500), until an ANALYZE invalidates them. Replanning once per batch costs about
        # 0.4 ms (docs/benchmarks.md).
        conn.exec_driver_sql("DISCARD PLANS")
    due_orders = _due_orders(conn, now, batch)
    result.examined = len(due_orders)
    if not due_orders:
        return result
    claimed = _claimed(conn, [o.id for o in due_orders])
    decisions = [_decide(book, o, now, claimed) for o in due_orders]
    dues = [d for decision in decisions for d in decision.due]
    _apply_buyer_daily_cap(conn, book, dues, now)
    won = compensation.pay(conn, book, dues, now=now)
    result.skipped_as_duplicate = len(dues) - len(won)
    result.compensated = len([d for d in won if d.amount_fen > 0])
    result.amount_fen = sum(d.amount_fen for d in won)
    result.no_compensation = len(won) - result.compensated
    result.waiting = len([d for d in decisions if d.next_check is not None])
    update_rows(conn, orders, "id", [{"id": d.order.id, "late_check_at": d.next_check} for d in decisions])
    return result


def sweep_threads(uow) -> int:
    """How many threads the worker sweeps with: 2 on PostgreSQL (one thread's Python runs while
    the other waits for the database; docs/benchmarks.md), 1 on SQLite, which takes one writer
    at a time, so a second thread would only queue for the lock."""
    return 2 if uow.engine.dialect.name == "postgresql" else 1


def sweep_late_ship(
    uow, book: Rulebook, clock, *, batch: int = 500, max_batches: int | None = None, workers: int = 1
) -> SweepResult:
    """Run batches until nothing is due; each batch commits on its own. With `workers` > 1 that
    many threads sweep at once, each on its own connection (PostgreSQL: each claims its batch
    with SKIP LOCKED, so they never take the same orders; every payment is still claimed by its
    unique key, so a retry or a race pays once). One thread's Python then overlaps the other's
    wait for the database. `max_batches` bounds each thread. The first error is raised once
    every thread has stopped (the worker's next pass retries)."""
    if workers <= 1:
        return _sweep_until_done(uow, book, clock, batch=batch, max_batches=max_batches)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="late-ship-sweep") as pool:
        futures = [
            pool.submit(_sweep_until_done, uow, book, clock, batch=batch, max_batches=max_batches)
            for _ in range(workers)
        ]
        wait(futures)
    total = SweepResult()
    for future in futures:
        total.add(future.result())  # raises the thread's error, if it had one
    return total


def _sweep_until_done(uow, book: Rulebook, clock, *, batch: int, max_batches: int | None) -> SweepResult:
    total = SweepResult()
    while max_batches is None or total.batches < max_batches:
        with uow.begin() as conn:
            result = sweep_batch(conn, book, now=clock.now(), batch=batch)
        if result.examined == 0:
            break
        total.add(result)
        if result.examined < batch:
            break
    return total


def report_carrier_slip(
    conn: Connection, actor: Actor, *, order_id: int, slip_at: datetime, at: datetime
) -> None:
    """The merchant shows the carrier's slip (发货底单) of an order shipped with a carrier that
    reports no tracking data: if the slip's time is later than the ship click, the later time
    counts as shipped (douyin:101706 2.2 (2) "若其提供物流公司发货底单显示发货时间更晚，取晚者"),
    and the order is looked at again (a part it now earns is paid, once)."""
    row = conn.execute(
        select(
            orders.c.id,
            orders.c.shop_id,
            orders.c.status,
            orders.c.paid_at,
            orders.c.shipped_at,
            orders.c.picked_up_at,
        ).where(orders.c.id == order_id)
    ).first()
    if row is None or row.shop_id not in actor.shops:
        raise NotFound(f"no order {order_id}")  # another shop's order is not revealed to exist
    carrier = conn.execute(
        select(shipments.c.carrier).where(shipments.c.order_id == order_id).order_by(shipments.c.id).limit(1)
    ).scalar()
    if row.shipped_at is None or row.status == OrderStatus.CANCELLED.value or carrier is None:
        raise Conflict(f"order {order_id} has not been shipped")
    slip_at = ensure_utc(slip_at)
    if CARRIERS[carrier].tracked:
        raise InvalidInput(
            f"{carrier} reports its pickup scan, which decides when the order shipped; a slip counts "
            f"only for a carrier without tracking data"
        )
    if slip_at > at or slip_at < row.paid_at:
        raise InvalidInput("the slip's time must lie between the payment and now")
    later = max(slip_at, row.picked_up_at or row.shipped_at)
    conn.execute(orders.update().where(orders.c.id == order_id).values(picked_up_at=later, late_check_at=at))
    record_events(
        conn,
        [
            {
                "order_id": order_id,
                "at": at,
                "kind": "carrier_slip",
                "detail": {"slip_at": slip_at, "shipped_at": later},
            }
        ],
    )


def exempt_from_late_ship(
    conn: Connection, actor: Actor, *, order_id: int, reason: str, at: datetime
) -> None:
    """An operator excludes an order from the pledge for a reason the rules name (buyer caused
    the failure, abusive buying, platform-ordered stop, force majeure; douyin:aHwH9wK4JUHQ).
    Only orders whose outcome is not yet final can be exempted."""
    require_platform(actor, "operator")
    reason = reason.strip()
    if not reason:
        raise InvalidInput("an exemption needs a reason")
    row = conn.execute(select(orders.c.late_check_at).where(orders.c.id == order_id)).first()
    if row is None:
        raise NotFound(f"no order {order_id}")
    done = conn.execute(
        orders.update()
        .where(orders.c.id == order_id, orders.c.late_check_at.is_not(None))
        .values(late_exempt_reason=reason[:200])
    ).rowcount
    if done != 1:
        raise Conflict(f"order {order_id}'s late-ship outcome is already final")
    record_events(
        conn, [{"order_id": order_id, "at": at, "kind": "late_ship_exempted", "detail": {"reason": reason}}]
    )
