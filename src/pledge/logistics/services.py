"""The logistics-rule sweeps and the fraudulent-shipping finding. Each rule pays the buyer a
no-threshold coupon, charged to the shop, exactly once per order, through the one compensation
path (compensation.services: keys `slow-tracking:{order_id}`, `abnormal-tracking:…`,
`out-of-stock:…`, `fraudulent-shipping:…`). Out of stock "48 h after going late" is the late-ship
table's second column and is paid by the late-ship sweep under the same out-of-stock key, so
the two out-of-stock triggers can never both pay. Each subject's final outcome goes into
logistics_outcomes, so the sweeps never look at it again; on PostgreSQL a batch is claimed with
FOR UPDATE SKIP LOCKED so concurrent workers do not wait on each other."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform
from pledge.compensation import services as compensation
from pledge.compensation.services import Due, compensation_key
from pledge.compensation.tables import compensations
from pledge.fulfilment.carriers import CARRIERS
from pledge.fulfilment.tables import shipments, tracking_events
from pledge.kernel import jsonutil
from pledge.kernel.db import AnyRow, AnySelect, claim_batch, dialect_insert
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.logistics.policy import (
    RULE_NAMES,
    SHIPMENT_RULES,
    SHIPMENT_TRIGGERS,
    Finding,
    Quote,
    Scan,
    quote,
    route_class,
    tracking_verdict,
)
from pledge.logistics.tables import logistics_outcomes, shipment_routes
from pledge.orders.model import PAID_STATUSES, OrderStatus
from pledge.orders.tables import order_lines, orders
from pledge.rulebooks.loader import Clause, Rulebook

PAID = [s.value for s in PAID_STATUSES]
# Tracking rules judge carrier scans; a parcel sent without carrier data has none to judge.
TRACKED = [code for code, carrier in CARRIERS.items() if carrier.tracked]


@dataclass
class LogisticsResult:
    examined: int = 0
    compensated: int = 0
    amount_fen: int = 0
    cleared: int = 0
    batches: int = 0
    skipped_as_duplicate: int = 0

    def add(self, other: LogisticsResult) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class RuleDue:
    """A finding to pay: the order it concerns and the quote."""

    rule: str
    order: AnyRow  # the order row the finding concerns (id, shop_id, buyer_id, …)
    quote: Quote


def _promise_span(order) -> timedelta | None:
    return order.ship_by - order.paid_at if order.ship_by and order.paid_at else None


def settle(
    conn: Connection,
    book: Rulebook,
    due: list[RuleDue],
    outcomes: list[dict],
    now: datetime,
    result: LogisticsResult,
) -> list[int]:
    """Pay the batch's findings through the one compensation path and record the outcomes.
    Returns the ids of the compensations this transaction paid."""
    won = compensation.pay(conn, book, [_as_due(d) for d in due], now=now)
    result.skipped_as_duplicate += len({compensation_key(d.rule, d.order.id) for d in due}) - len(won)
    result.compensated += len(won)
    result.amount_fen += sum(d.amount_fen for d in won)
    if outcomes:
        conn.execute(
            dialect_insert(conn)(logistics_outcomes).on_conflict_do_nothing(
                index_elements=["rule", "subject_id"]
            ),
            [dict(o, decided_at=now) for o in outcomes],
        )
    result.cleared += len([o for o in outcomes if o["outcome"] == "clear"])
    return [d.compensation_id for d in won if d.compensation_id is not None]


def _as_due(d: RuleDue) -> Due:
    q = d.quote
    return Due(
        d.rule,
        d.order.id,
        d.order.shop_id,
        d.order.buyer_id,
        q.amount_fen,
        q.clause.id,
        q.clause.source,
        q.explanation_en,
        q.explanation_zh,
        q.inputs,
    )


# --- Tracking rules, per shipment ---------------------------------------------------------------


def _tracking_rules(book: Rulebook, at: datetime) -> list[str]:
    return [
        r for r in SHIPMENT_RULES if any(c.get("trigger") in SHIPMENT_TRIGGERS for c in book.in_force(r, at))
    ]


def _earliest_tracking_hours(book: Rulebook, at: datetime) -> int:
    hours = [c.get("hours") for r in SHIPMENT_RULES for c in book.in_force(r, at) if c.get("hours")]
    return min(hours, default=0)


def sweep_tracking_batch(
    conn: Connection, book: Rulebook, *, now: datetime, after_id: int = 0, batch: int = 200
) -> tuple[LogisticsResult, int | None]:
    """Shipments whose tracking rules are not all decided, in id order after `after_id`.
    Returns the result and the last shipment id examined (None when there were none)."""
    result = LogisticsResult(batches=1)
    rules = _tracking_rules(book, now)
    if not rules:
        return result, None
    rows = claim_batch(conn, _undecided_shipments(book, rules, now, after_id, batch), of=shipments)
    result.examined = len(rows)
    if not rows:
        return result, None
    ids = [r.shipment_id for r in rows]
    scans: dict[int, list[Scan]] = {i: [] for i in ids}
    for e in conn.execute(
        select(tracking_events.c.shipment_id, tracking_events.c.kind, tracking_events.c.occurs_at)
        .where(tracking_events.c.shipment_id.in_(ids), tracking_events.c.occurs_at <= now)
        .order_by(tracking_events.c.occurs_at, tracking_events.c.id)
    ):
        scans[e.shipment_id].append(Scan(e.kind, e.occurs_at))
    routes = {
        r.shipment_id: r
        for r in conn.execute(select(shipment_routes).where(shipment_routes.c.shipment_id.in_(ids)))
    }
    done = {
        (r.rule, r.subject_id)
        for r in conn.execute(
            select(logistics_outcomes.c.rule, logistics_outcomes.c.subject_id).where(
                logistics_outcomes.c.subject_id.in_(ids),
                logistics_outcomes.c.rule.in_([_subject_rule(r) for r in rules]),
            )
        )
    }
    due: list[RuleDue] = []
    outcomes: list[dict] = []
    for row in rows:
        undecided = [rule for rule in rules if (_subject_rule(rule), row.shipment_id) not in done]
        _judge_shipment(
            book, undecided, row, scans[row.shipment_id], routes.get(row.shipment_id), now, due, outcomes
        )
    settle(conn, book, due, outcomes, now, result)
    return result, ids[-1]


def _undecided_shipments(
    book: Rulebook, rules: list[str], now: datetime, after_id: int, batch: int
) -> AnySelect:
    """Tracked shipments of paid orders, old enough for the earliest rule, with a rule undecided."""
    s, o = shipments.c, orders.c
    decided = (
        select(func.count())
        .select_from(logistics_outcomes)
        .where(
            logistics_outcomes.c.subject_id == s.id,
            logistics_outcomes.c.rule.in_([_subject_rule(r) for r in rules]),
        )
        .scalar_subquery()
    )
    return (
        select(
            s.id.label("shipment_id"),
            s.shipped_at.label("uploaded_at"),
            o.id,
            o.shop_id,
            o.buyer_id,
            o.paid_fen,
            o.paid_at,
            o.ship_by,
            o.late_exempt_reason,
        )
        .join(orders, orders.c.id == s.order_id)
        .where(
            s.id > after_id,
            o.status.in_(PAID),
            o.paid_at.is_not(None),
            s.carrier.in_(TRACKED),
            s.shipped_at <= now - timedelta(hours=_earliest_tracking_hours(book, now)),
            decided < len(rules),
        )
        .order_by(s.id)
        .limit(batch)
    )


def _judge_shipment(
    book: Rulebook,
    rules: list[str],
    row: AnyRow,
    scans: list[Scan],
    route: AnyRow | None,
    now: datetime,
    due: list[RuleDue],
    outcomes: list[dict],
) -> None:
    """Each undecided rule's verdict on one shipment: a finding to pay, clear, or not yet."""
    route_name, route_text = route_class(
        book,
        row.paid_at,
        route.origin_province if route else None,
        route.destination_province if route else None,
    )
    for rule in rules:
        outcome = {
            "rule": _subject_rule(rule),
            "subject_id": row.shipment_id,
            "order_id": row.id,
            "shop_id": row.shop_id,
        }
        if row.late_exempt_reason:
            outcomes.append(dict(outcome, outcome="clear"))
            continue
        verdict = tracking_verdict(
            book,
            rule,
            uploaded_at=row.uploaded_at,
            paid_at=row.paid_at,
            scans=scans,
            route=route_name,
            now=now,
        )
        if verdict.finding is not None:
            q = quote_for_order(book, rule, verdict.finding, row, now)
            q.inputs.update(shipment_id=row.shipment_id, route=route_name, route_basis=route_text)
            due.append(RuleDue(rule, row, q))
            outcomes.append(dict(outcome, outcome="compensated"))
        elif verdict.final:
            outcomes.append(dict(outcome, outcome="clear"))


def _subject_rule(rule: str) -> str:
    """Outcome rule names: out-of-stock is decided per order and, for its tracking trigger, per
    shipment; the two must not share a row."""
    return "out_of_stock.tracking" if rule == "out_of_stock" else rule


def quote_for_order(book: Rulebook, rule: str, finding: Finding, order, now: datetime) -> Quote:
    return quote(
        book,
        rule,
        finding,
        paid_fen=order.paid_fen,
        promise_span=_promise_span(order),
        at=order.paid_at,
        now=now,
    )


def sweep_logistics(uow, book: Rulebook, clock, *, batch: int = 200) -> LogisticsResult:
    """Every logistics rule over everything not yet decided; each batch commits on its own."""
    total = LogisticsResult()
    for step in (sweep_tracking_batch,):
        after = 0
        while True:
            with uow.begin() as conn:
                result, last = step(conn, book, now=clock.now(), after_id=after, batch=batch)
            total.add(result)
            if last is None or result.examined < batch:
                break
            after = last
    return total


# --- Fraudulent shipping: an operator's finding ------------------------------------------------------

FINDINGS = {
    "empty_parcel": ("empty parcel", "发空包"),
    "wrong_item": ("wrong item", "买A发B"),
    "short": ("short", "短装"),
}


def report_fraudulent_shipping(
    conn: Connection,
    actor: Actor,
    book: Rulebook,
    *,
    order_id: int,
    finding: str,
    units_received: int | None = None,
    note: str = "",
    at: datetime,
) -> dict:
    """An operator (or the after-sales review) found an empty parcel, a wrong item or a parcel
    more than half short: the buyer is compensated once (douyin:aJo44CiDDaqb 3.1)."""
    require_platform(actor, "operator")
    order = conn.execute(select(orders).where(orders.c.id == order_id)).first()
    if order is None:
        raise NotFound(f"no order {order_id}")
    rules = book.in_force("fraudulent_shipping", order.paid_at or at)
    if not rules:
        raise NotFound(f"rulebook {book.name} has no fraudulent-shipping rule")
    rule = rules[0]
    if finding not in rule.get("findings", []):
        raise InvalidInput(f"unknown finding {finding!r}; one of {', '.join(rule.get('findings', []))}")
    if order.shipped_at is None or order.status not in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        raise Conflict(f"order {order_id} has not been shipped; fraudulent shipping needs a parcel")
    what_en, what_zh = _what_was_found(conn, rule, order_id, finding, units_received)
    note = note.strip()[:300]
    found = Finding(
        rule, at, what_en + (f" ({note})" if note else ""), what_zh + (f"（{note}）" if note else "")
    )
    q = quote_for_order(book, "fraudulent_shipping", found, order, at)
    q.inputs.update(finding=finding, units_received=units_received, reported_by=actor.user_id, note=note)
    result = LogisticsResult()
    paid = settle(
        conn,
        book,
        [RuleDue("fraudulent_shipping", order, q)],
        [
            {
                "rule": "fraudulent_shipping",
                "subject_id": order_id,
                "order_id": order_id,
                "shop_id": order.shop_id,
                "outcome": "compensated",
            }
        ],
        at,
        result,
    )
    if not paid:
        raise Conflict(f"order {order_id} has already been compensated for fraudulent shipping")
    return {
        "order_id": order_id,
        "compensation_id": paid[0],
        "amount_fen": q.amount_fen,
        "clause_id": q.clause.id,
        "explanation": q.explanation_en,
        "explanation_zh": q.explanation_zh,
    }


def _what_was_found(
    conn: Connection, rule: Clause, order_id: int, finding: str, units_received: int | None
) -> tuple[str, str]:
    """The finding in words (English, Chinese); a short parcel must be more than the rule's
    share short (short_over_bp) to count."""
    what_en, what_zh = FINDINGS[finding]
    if finding != "short":
        if units_received is not None:
            raise InvalidInput("units_received is only for a short parcel")
        return what_en, what_zh
    ordered = conn.execute(
        select(func.sum(order_lines.c.quantity)).where(order_lines.c.order_id == order_id)
    ).scalar_one()
    if (
        not isinstance(units_received, int)
        or isinstance(units_received, bool)
        or not 0 <= units_received < ordered
    ):
        raise InvalidInput(f"a short parcel needs units_received, a whole number from 0 to {ordered - 1}")
    if (ordered - units_received) * 10_000 <= rule.get("short_over_bp") * ordered:
        raise InvalidInput(
            f"{ordered - units_received} of {ordered} units missing is not more than "
            f"{rule.get('short_over_bp') // 100}% short ({rule.id})"
        )
    return (
        what_en + f": {units_received} of {ordered} units received",
        what_zh + f"：应收{ordered}件，实收{units_received}件",
    )


def order_logistics(conn: Connection, order_id: int) -> dict:
    """Logistics-rule compensations of one order, for its pages."""
    c = compensations.c
    rows = [
        dict(r._mapping, inputs=jsonutil.loads(r.inputs))
        for r in conn.execute(
            select(compensations).where(c.order_id == order_id, c.kind.in_(list(RULE_NAMES))).order_by(c.id)
        )
    ]
    return {"compensations": rows}
