"""The other logistics timers (RULES.md §1; douyin:aJoPPkWZ7VQM 2.3, douyin:aHwH9wK4Je2N 二(4)(6)).

* Unshipped 365 days: "在消费者下单起365天内未进行发货/未有物流轨迹更新，且未进行退款的订单 …
  订单将自动关闭，交易金额将按照原有付款途径退回". The order is closed (a conditional status
  update: one worker wins) and what the buyer paid, less anything already refunded, goes back
  through the after-sales refund path: a refund-only case the platform opens and approves,
  whose refund `refund:{case_id}` the worker sends through the payment adapter and books exactly
  once (aftersales.services.complete_refunds), so settlement and the fee refund see it like any
  other refund.
* Booked delivery (预约达): "若未在约定到货时效内送达签收，需按照订单实际支付金额的5%赔付给消费者，
  赔付最低5元，最高50元". A buyer books a delivery day on an order of goods that offer it; a parcel
  not delivered by the end of that day (platform time) pays through the one compensation path
  (key booked-delivery:{order_id})."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor
from pledge.aftersales.model import OPEN, CaseStatus, CaseType, RefundStatus
from pledge.aftersales.tables import case_events, case_lines, cases, refunds
from pledge.catalog.tables import products, skus
from pledge.compensation.wording import when_en, when_zh
from pledge.kernel import jsonutil
from pledge.kernel.clock import zone
from pledge.kernel.db import AnyRow, AnySelect, claim_batch, inserted_id
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.kernel.money import format_yuan
from pledge.logistics.policy import Finding
from pledge.logistics.services import LogisticsResult, RuleDue, quote_for_order, settle
from pledge.logistics.tables import logistics_outcomes
from pledge.orders.model import PAID_STATUSES, OrderStatus
from pledge.orders.services import record_events, transition
from pledge.orders.tables import order_lines, orders
from pledge.rulebooks.loader import Clause, Rulebook

END_OF_DAY = time(23, 59, 59)


# --- Unshipped 365 days: closed and refunded ---------------------------------------------------


@dataclass
class ClosureResult:
    closed: int = 0
    refund_fen: int = 0


def _unshipped_orders(conn: Connection, placed_before: datetime, after_id: int, batch: int):
    """Paid orders never shipped, or clicked but never picked up (no tracking update), with no
    after-sales case still open (a refund in progress is the buyer's own way out)."""
    o = orders.c
    open_case = exists().where(cases.c.order_id == o.id, cases.c.status.in_([s.value for s in OPEN]))
    never_shipped = (o.status == OrderStatus.PAID.value) | (
        (o.status == OrderStatus.SHIPPED.value) & o.picked_up_at.is_(None)
    )
    query = (
        select(o.id, o.status, o.shop_id, o.buyer_id, o.paid_fen, o.created_at)
        .where(o.id > after_id, never_shipped, o.created_at < placed_before, ~open_case)
        .order_by(o.id)
        .limit(batch)
    )
    return claim_batch(conn, query, of=orders)


def _close(conn: Connection, book: Rulebook, order: AnyRow, clause: Clause, now: datetime) -> int:
    """Cancel the order and open the platform's refund of what is left; returns the amount."""
    transition(conn, order.id, order.status, OrderStatus.CANCELLED, cancelled_at=now, late_check_at=None)
    if (
        order.status == OrderStatus.PAID.value
    ):  # the units never left: back on sale, as other cancellations do
        for line in conn.execute(
            select(order_lines.c.sku_id, order_lines.c.quantity).where(order_lines.c.order_id == order.id)
        ):
            conn.execute(
                skus.update().where(skus.c.id == line.sku_id).values(stock=skus.c.stock + line.quantity)
            )
    refunded = conn.execute(
        select(func.coalesce(func.sum(refunds.c.amount_fen), 0)).where(refunds.c.order_id == order.id)
    ).scalar_one()
    amount = order.paid_fen - int(refunded)
    record_events(
        conn,
        [
            {
                "order_id": order.id,
                "at": now,
                "kind": "cancelled",
                "detail": {"reason": "unshipped_365d", "clause": clause.id, "refund_fen": max(amount, 0)},
            }
        ],
    )
    if amount <= 0:
        return 0
    _open_platform_refund(conn, book, order, clause, amount, int(refunded), now)
    return amount


def _case_lines_and_events(
    conn: Connection, case_id: int, order: AnyRow, explanation: str, now: datetime
) -> None:
    """The closure's case covers every line of the order, requested and approved by the system."""
    conn.execute(
        case_lines.insert(),
        [
            {"case_id": case_id, "shop_id": order.shop_id, "order_line_id": line.id, "units": line.quantity}
            for line in conn.execute(
                select(order_lines.c.id, order_lines.c.quantity).where(order_lines.c.order_id == order.id)
            )
        ],
    )
    for kind in ("requested", "approved"):
        conn.execute(
            case_events.insert().values(
                case_id=case_id,
                shop_id=order.shop_id,
                at=now,
                kind=kind,
                actor="system",
                detail=jsonutil.dumps({"why": explanation}),
            )
        )


def _open_platform_refund(
    conn: Connection, book: Rulebook, order: AnyRow, clause: Clause, amount: int, refunded: int, now: datetime
) -> None:
    """An approved refund-only case with its lines and events, and the pending refund of `amount`."""
    days = clause.get("days")
    explanation = (
        f"not shipped within {days} days of the order ({when_en(order.created_at, book.timezone)}): "
        f"the platform closed the order and refunds {format_yuan(amount)} the way it was paid "
        f"({clause.id} [{clause.source}])"
    )
    note = (
        f"下单（{when_zh(order.created_at, book.timezone)}）起{days}天内未发货，平台关闭订单，"
        f"按原付款途径退回{format_yuan(amount)}元"
    )
    case_id = inserted_id(
        conn,
        cases.insert().values(
            order_id=order.id,
            buyer_id=order.buyer_id,
            shop_id=order.shop_id,
            case_type=CaseType.REFUND_ONLY.value,
            status=CaseStatus.APPROVED.value,
            reason="other",
            note=note,
            refund_fen=amount,
            payer="merchant",
            clause_id=clause.id,
            clause_source=clause.source,
            explanation=explanation,
            inputs=jsonutil.dumps(
                {
                    "placed_at": order.created_at,
                    "days": days,
                    "paid_fen": order.paid_fen,
                    "already_refunded_fen": refunded,
                }
            ),
            evidence_waived="platform closure",
            created_at=now,
            decided_at=now,
        ),
    )
    _case_lines_and_events(conn, case_id, order, explanation, now)
    conn.execute(
        refunds.insert().values(
            idempotency_key=f"refund:{case_id}",
            case_id=case_id,
            order_id=order.id,
            shop_id=order.shop_id,
            amount_fen=amount,
            payer="merchant",
            status=RefundStatus.PENDING.value,
            created_at=now,
        )
    )


def close_unshipped(uow, book: Rulebook, clock, *, batch: int = 200) -> ClosureResult:
    """The worker step: close every order unshipped N days after it was placed; the refunds it
    opens are sent by aftersales.services.complete_refunds (through the payment adapter)."""
    result, after = ClosureResult(), 0
    while True:
        now = clock.now()
        clauses = book.in_force("unshipped_close", now)
        if not clauses:
            return result
        with uow.begin() as conn:
            due = _unshipped_orders(
                conn, now - timedelta(days=min(c.get("days") for c in clauses)), after, batch
            )
            for order in due:
                clause = next(
                    iter(book.in_force("unshipped_close", order.created_at)), None
                )  # the rule when placed
                if clause is not None and order.created_at < now - timedelta(days=clause.get("days")):
                    result.refund_fen += _close(conn, book, order, clause, now)
                    result.closed += 1
        if len(due) < batch:
            return result
        after = due[-1].id


# --- Booked delivery (预约达) -------------------------------------------------------------------


def book_delivery(
    conn: Connection, actor: Actor, book: Rulebook, *, order_id: int, day: date, at: datetime
) -> datetime:
    """The buyer books the day the parcel is to arrive: once, before it ships, on an order whose
    goods all offer booked delivery, a day after today (platform time). Returns the end of that
    day, the deadline the rule judges."""
    order = conn.execute(select(orders).where(orders.c.id == order_id)).first()
    if order is None or order.buyer_id != actor.user_id:
        raise NotFound(f"no order {order_id}")
    if not book.in_force("booked_delivery", at):
        raise InvalidInput(f"rulebook {book.name} has no booked delivery")
    offered = conn.execute(
        select(func.count(), func.count().filter(products.c.booked_delivery.is_(True)))
        .select_from(order_lines)
        .join(products, products.c.id == order_lines.c.product_id)
        .where(order_lines.c.order_id == order_id)
    ).one()
    if offered[0] == 0 or offered[0] != offered[1]:
        raise InvalidInput("these goods do not offer booked delivery (预约达)")
    today = at.astimezone(zone(book.timezone)).date()
    if day <= today:
        raise InvalidInput(f"book a day after today ({today.isoformat()}, platform time)")
    deadline = datetime.combine(day, END_OF_DAY, tzinfo=zone(book.timezone))
    done = conn.execute(
        orders.update()
        .where(
            orders.c.id == order_id,
            orders.c.status == OrderStatus.PAID.value,
            orders.c.booked_delivery_by.is_(None),
        )
        .values(booked_delivery_by=deadline)
    ).rowcount
    if done != 1:
        raise Conflict(f"order {order_id} is shipped or already has a booked delivery day")
    record_events(
        conn,
        [{"order_id": order_id, "at": at, "kind": "delivery_booked", "detail": {"deliver_by": deadline}}],
    )
    return deadline


def _booked_delivery_due(now: datetime, after_id: int, batch: int) -> AnySelect:
    """Paid orders past their booked delivery time with no booked-delivery outcome yet."""
    o = orders.c
    decided = exists().where(
        logistics_outcomes.c.rule == "booked_delivery", logistics_outcomes.c.subject_id == o.id
    )
    return (
        select(
            o.id,
            o.shop_id,
            o.buyer_id,
            o.paid_fen,
            o.paid_at,
            o.ship_by,
            o.delivered_at,
            o.booked_delivery_by,
            o.late_exempt_reason,
        )
        .where(
            o.id > after_id,
            o.booked_delivery_by < now,
            o.status.in_([s.value for s in PAID_STATUSES]),
            ~decided,
        )
        .order_by(o.id)
        .limit(batch)
    )


def _subject(row: AnyRow) -> dict:
    """An order as the booked-delivery rule's subject (logistics_outcomes)."""
    return {"rule": "booked_delivery", "subject_id": row.id, "order_id": row.id, "shop_id": row.shop_id}


def sweep_booked_delivery_batch(
    conn: Connection, book: Rulebook, *, now: datetime, after_id: int = 0, batch: int = 200
) -> tuple[LogisticsResult, int | None]:
    """Orders whose booked delivery time has passed: delivered in time → clear, otherwise the
    buyer is paid once (booked-delivery.pay)."""
    result = LogisticsResult(batches=1)
    rows = claim_batch(conn, _booked_delivery_due(now, after_id, batch), of=orders)
    result.examined = len(rows)
    if not rows:
        return result, None
    due, outcomes = [], []
    for row in rows:
        on_time = row.delivered_at is not None and row.delivered_at <= row.booked_delivery_by
        trigger = book.in_force("booked_delivery", row.paid_at)
        if on_time or row.late_exempt_reason or not trigger:
            outcomes.append({**_subject(row), "outcome": "clear"})
            continue
        deadline = row.booked_delivery_by
        state_en = f"delivered {when_en(row.delivered_at)}" if row.delivered_at else "not delivered"
        state_zh = f"{when_zh(row.delivered_at)}才送达" if row.delivered_at else "仍未送达"
        finding = Finding(
            trigger[0],
            deadline,
            f"delivery booked by {when_en(deadline)}, {state_en}",
            f"预约{when_zh(deadline)}前送达，{state_zh}",
        )
        q = quote_for_order(book, "booked_delivery", finding, row, now)
        q.inputs.update(booked_delivery_by=deadline, delivered_at=row.delivered_at)
        due.append(RuleDue("booked_delivery", row, q))
        outcomes.append({**_subject(row), "outcome": "compensated"})
    settle(conn, book, due, outcomes, now, result)
    return result, rows[-1].id


def sweep_booked_delivery(uow, book: Rulebook, clock, *, batch: int = 200) -> LogisticsResult:
    total = LogisticsResult()
    after = 0
    while True:
        with uow.begin() as conn:
            result, last = sweep_booked_delivery_batch(
                conn, book, now=clock.now(), after_id=after, batch=batch
            )
        total.add(result)
        if last is None or result.examined < batch:
            return total
        after = last
