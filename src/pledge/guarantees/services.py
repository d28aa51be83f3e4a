"""The late-ship sweep (晚发即赔): paid orders past their ship-by time get a no-threshold coupon
paid for by the merchant, exactly once. The compensation row's UNIQUE idempotency key
`late-ship:{order_id}` is claimed with INSERT ... ON CONFLICT DO NOTHING before any money
moves, so concurrent workers and retries cannot pay an order twice; on PostgreSQL the batch is
also claimed with FOR UPDATE SKIP LOCKED so workers do not wait on each other."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform
from pledge.accounts.tables import users
from pledge.guarantees.policy import LateShipQuote, next_check_after, quote_late_ship
from pledge.guarantees.tables import compensations
from pledge.kernel.db import dialect_insert
from pledge.kernel import jsonutil
from pledge.kernel.clock import local_time
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.kernel.money import format_yuan
from pledge.ledger import services as ledger
from pledge.ledger.tables import coupons, ledger_postings, ledger_transactions
from pledge.orders.model import PAID_STATUSES
from pledge.orders.services import record_events
from pledge.orders.tables import order_events, orders
from pledge.rulebooks.loader import Rulebook

KIND = "late_ship"


def late_ship_key(order_id: int) -> str:
    return f"late-ship:{order_id}"


@dataclass
class SweepResult:
    examined: int = 0
    compensated: int = 0
    amount_fen: int = 0
    no_compensation: int = 0
    waiting: int = 0
    batches: int = 0
    skipped_as_duplicate: int = 0


@dataclass
class _Decision:
    order: object
    quote: LateShipQuote | None
    next_check: datetime | None = None
    amount_fen: int = 0
    cap_note: str = ""
    cap_note_zh: str = ""


def _due_orders(conn: Connection, now: datetime, batch: int):  # noqa: ANN202
    o = orders.c
    query = (select(o.id, o.shop_id, o.buyer_id, o.paid_fen, o.paid_at, o.ship_by, o.shipped_at, o.picked_up_at,
                    o.late_exempt_reason)
             .where(o.late_check_at <= now, o.status.in_([s.value for s in PAID_STATUSES]))
             .order_by(o.late_check_at, o.id).limit(batch))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=orders)
    return conn.execute(query).all()


def _decide(book: Rulebook, order, now: datetime) -> _Decision:  # noqa: ANN001
    if order.late_exempt_reason:
        return _Decision(order, None)
    quote = quote_late_ship(book, paid_fen=order.paid_fen, paid_at=order.paid_at, ship_by_at=order.ship_by,
                            shipped_at=order.picked_up_at, now=now)
    if quote is None:  # on time so far
        nxt = None if order.picked_up_at is not None else max(order.ship_by + timedelta(seconds=1), now + timedelta(seconds=1))
        return _Decision(order, None, nxt)
    if not quote.final:
        nxt = next_check_after(book, paid_at=order.paid_at, ship_by_at=order.ship_by)
        return _Decision(order, quote, nxt if nxt and nxt > now else now + timedelta(minutes=5))
    awaiting_scan = _awaiting_pickup_scan(book, order, now)
    if awaiting_scan is not None:
        return _Decision(order, quote, awaiting_scan)
    return _Decision(order, quote, None, quote.amount_fen)


def _awaiting_pickup_scan(book: Rulebook, order, now: datetime) -> datetime | None:  # noqa: ANN001
    """The merchant clicked ship but the carrier's pickup scan has not arrived: the scan may
    still report an earlier shipped time, so wait for it up to the rulebook's grace period
    before treating the order as unshipped."""
    if order.picked_up_at is not None or order.shipped_at is None:
        return None
    grace = book.in_force("pickup_scan_grace", order.paid_at)
    if not grace:
        return None
    until = order.shipped_at + timedelta(hours=grace[0].get("hours"))
    return until if until > now else None


def _apply_buyer_daily_cap(conn: Connection, book: Rulebook, decisions: list[_Decision], now: datetime) -> None:
    """Taobao: one buyer receives at most the cap per day (tmall:10000177)."""
    caps = book.in_force("late_ship_buyer_daily_cap", now)
    paying = [d for d in decisions if d.amount_fen > 0]
    if not caps or not paying:
        return
    cap = caps[0]
    # "One day" is the platform's calendar day (the rulebook's timezone), not the UTC day.
    day_start = local_time(now, book.timezone).replace(hour=0, minute=0, second=0, microsecond=0)
    buyer_ids = sorted({d.order.buyer_id for d in paying})
    # Workers sweeping other orders of the same buyer take turns (row locks in id order, held
    # to commit), so each one reads the day's total after the others' payouts are committed.
    conn.execute(select(users.c.id).where(users.c.id.in_(buyer_ids)).order_by(users.c.id)
                 .with_for_update(key_share=True))
    c = compensations.c
    already = dict(conn.execute(select(c.buyer_id, func.sum(c.amount_fen)).where(
        c.buyer_id.in_(buyer_ids), c.kind == KIND, c.created_at >= day_start)
        .group_by(c.buyer_id)).all())
    running: dict[int, int] = defaultdict(int, {k: int(v) for k, v in already.items()})
    for d in paying:
        room = max(0, cap.get("cap_fen") - running[d.order.buyer_id])
        if d.amount_fen > room:
            d.cap_note = f" → buyer daily cap {format_yuan(cap.get('cap_fen'))} yuan ({cap.id}) leaves {format_yuan(room)}"
            d.cap_note_zh = f" → 买家单日赔付上限{format_yuan(cap.get('cap_fen'))}元（{cap.id}），本单可赔{format_yuan(room)}元"
            d.amount_fen = room
        running[d.order.buyer_id] += d.amount_fen


def _claim(conn: Connection, book: Rulebook, final: list[_Decision], now: datetime) -> dict[int, int]:
    """Insert the compensation rows; returns {order_id: compensation_id} for the rows this
    transaction won. Rows another worker already holds are silently skipped."""
    if not final:
        return {}
    insert = dialect_insert(conn)
    rows = []
    for d in final:
        q = d.quote
        rows.append({"idempotency_key": late_ship_key(d.order.id), "order_id": d.order.id, "shop_id": d.order.shop_id,
                     "buyer_id": d.order.buyer_id, "kind": KIND, "amount_fen": d.amount_fen, "rulebook": book.name,
                     "rulebook_version": book.version, "clause_id": q.clause.id if q.clause else "none",
                     "clause_source": q.clause.source if q.clause else "",
                     "inputs": jsonutil.dumps(q.inputs), "explanation": q.explanation_en + d.cap_note,
                     "explanation_zh": q.explanation + d.cap_note_zh,
                     "created_at": now})
    stmt = insert(compensations).on_conflict_do_nothing(index_elements=["idempotency_key"]) \
        .returning(compensations.c.id, compensations.c.order_id)
    return {r.order_id: r.id for r in conn.execute(stmt, rows)}


def _pay(conn: Connection, won: list[_Decision], comp_ids: dict[int, int], now: datetime) -> None:
    """One ledger transaction and one coupon per paying compensation, written in bulk."""
    if not won:
        return
    codes = set()
    for d in won:
        codes |= {ledger.shop_proceeds(d.order.shop_id), ledger.buyer_coupons(d.order.buyer_id)}
    accounts = ledger.account_ids(conn, codes)
    tx_ids = {r.idempotency_key: r.id for r in conn.execute(
        ledger_transactions.insert().returning(ledger_transactions.c.id, ledger_transactions.c.idempotency_key),
        [{"idempotency_key": late_ship_key(d.order.id), "kind": KIND, "memo": d.quote.explanation_en,
          "created_at": now} for d in won])}
    conn.execute(ledger_postings.insert(), [{
        "transaction_id": tx_ids[late_ship_key(d.order.id)],
        "debit_account_id": accounts[ledger.shop_proceeds(d.order.shop_id)],
        "credit_account_id": accounts[ledger.buyer_coupons(d.order.buyer_id)],
        "amount_fen": d.amount_fen} for d in won])
    coupon_ids = {r.source: r.id for r in conn.execute(
        coupons.insert().returning(coupons.c.id, coupons.c.source),
        [{"buyer_id": d.order.buyer_id, "amount_fen": d.amount_fen, "min_spend_fen": 0, "status": "available",
          "issued_at": now, "source": late_ship_key(d.order.id), "explanation": d.quote.explanation_en + d.cap_note,
          "explanation_zh": d.quote.explanation + d.cap_note_zh}
         for d in won])}
    c = compensations.c
    conn.execute(compensations.update().where(c.id == bindparam("cid"))
                 .values(transaction_id=bindparam("tid"), coupon_id=bindparam("kid")),
                 [{"cid": comp_ids[d.order.id], "tid": tx_ids[late_ship_key(d.order.id)],
                   "kid": coupon_ids[late_ship_key(d.order.id)]} for d in won])


def sweep_batch(conn: Connection, book: Rulebook, *, now: datetime, batch: int = 500) -> SweepResult:
    """One transaction's worth of the sweep."""
    result = SweepResult(batches=1)
    due = _due_orders(conn, now, batch)
    result.examined = len(due)
    if not due:
        return result
    decisions = [_decide(book, o, now) for o in due]
    final = [d for d in decisions if d.quote is not None and d.next_check is None]
    _apply_buyer_daily_cap(conn, book, final, now)
    comp_ids = _claim(conn, book, final, now)
    result.skipped_as_duplicate = len(final) - len(comp_ids)
    won = [d for d in final if d.order.id in comp_ids and d.amount_fen > 0]
    _pay(conn, won, comp_ids, now)
    result.compensated = len(won)
    result.amount_fen = sum(d.amount_fen for d in won)
    result.no_compensation = len([d for d in final if d.order.id in comp_ids]) - len(won)
    result.waiting = len([d for d in decisions if d.next_check is not None])
    conn.execute(orders.update().where(orders.c.id == bindparam("oid")).values(late_check_at=bindparam("nxt")),
                 [{"oid": d.order.id, "nxt": d.next_check} for d in decisions])
    events = [{"order_id": d.order.id, "at": now, "kind": "late_ship_compensated",
               "detail": jsonutil.dumps({"amount_fen": d.amount_fen, "clause": d.quote.clause.id,
                                                 "explanation": d.quote.explanation_en})} for d in won]
    if events:
        conn.execute(order_events.insert(), events)
    return result


def sweep_late_ship(uow, book: Rulebook, clock, *, batch: int = 500, max_batches: int | None = None) -> SweepResult:  # noqa: ANN001
    """Run batches until nothing is due; each batch commits on its own."""
    total = SweepResult()
    while max_batches is None or total.batches < max_batches:
        with uow.begin() as conn:
            result = sweep_batch(conn, book, now=clock.now(), batch=batch)
        if result.examined == 0:
            break
        for name in ("examined", "compensated", "amount_fen", "no_compensation", "waiting", "batches", "skipped_as_duplicate"):
            setattr(total, name, getattr(total, name) + getattr(result, name))
        if result.examined < batch:
            break
    return total


def exempt_from_late_ship(conn: Connection, actor: Actor, *, order_id: int, reason: str, at: datetime) -> None:
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
    done = conn.execute(orders.update().where(orders.c.id == order_id, orders.c.late_check_at.is_not(None))
                        .values(late_exempt_reason=reason[:200])).rowcount
    if done != 1:
        raise Conflict(f"order {order_id}'s late-ship outcome is already final")
    record_events(conn, [{"order_id": order_id, "at": at, "kind": "late_ship_exempted", "detail": {"reason": reason}}])
