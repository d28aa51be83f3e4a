"""After-sales use cases: file a case, review, escalate, decide, return, and the sweep that acts
on deadlines (a silent merchant's case is approved automatically, exactly once).

Beside it: refunds.py (a refund recorded pending, sent through the payment adapter outside any
transaction, booked once), funds.py (who pays: the shop or a subsidy fund), pledges.py (a
shop's own pledge and trusted buyers) and records.py (case events, case moves, the order lock).
The names callers use are re-exported here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform
from pledge.aftersales import insurance, policy, quotes
from pledge.aftersales.funds import open_subsidy_fund as open_subsidy_fund
from pledge.aftersales.funds import payer_account as payer_account
from pledge.aftersales.funds import release_fund, take_fund
from pledge.aftersales.model import (
    CANCEL_UNSHIPPED,
    CANCELLATION_TYPES,
    DAMAGE_REASONS,
    NEEDS_RETURN,
    RETURN_REASONS,
    CaseStatus,
    CaseType,
)
from pledge.aftersales.pledges import mark_trusted_buyer as mark_trusted_buyer
from pledge.aftersales.pledges import set_shop_pledge as set_shop_pledge
from pledge.aftersales.pledges import shop_pledge as shop_pledge
from pledge.aftersales.records import case_event, lock_order, move_case, reload_case
from pledge.aftersales.refunds import complete_refunds as complete_refunds
from pledge.aftersales.refunds import start_refund
from pledge.aftersales.tables import (
    case_evidence,
    case_lines,
    cases,
    shop_trusted_buyers,
    subsidy_funds,
)
from pledge.catalog.tables import products, shops
from pledge.kernel import jsonutil
from pledge.kernel.db import claim_batch, inserted_id
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.kernel.money import format_yuan
from pledge.orders.model import OrderStatus
from pledge.orders.tables import order_lines, orders
from pledge.rulebooks.loader import Rulebook
from pledge.uploads.services import owned_uploads

S = CaseStatus
NOT_COUNTING = (S.REJECTED.value, S.CLOSED.value, S.CANCELLED.value)  # cases that refund nothing


@dataclass(frozen=True)
class NewCase:
    order_id: int
    case_type: str
    reason: str
    lines: list[tuple[int, int]] = field(default_factory=list)  # (order_line_id, units)
    note: str = ""
    upload_ids: list[int] = field(default_factory=list)
    cannot_upload: bool = False  # the buyer declares they cannot take photos


def _order_for_buyer(conn: Connection, actor: Actor, order_id: int):
    row = conn.execute(
        select(orders, shops.c.timezone)
        .join(shops, shops.c.id == orders.c.shop_id)
        .where(orders.c.id == order_id)
    ).first()
    if row is None or row.buyer_id != actor.user_id:
        raise NotFound(f"no order {order_id}")
    return row


def _lines(conn: Connection, order, requested: list[tuple[int, int]], whole: bool) -> list[dict]:
    rows = conn.execute(
        select(order_lines, products.c.perishable, products.c.custom_made, products.c.blind_box)
        .join(products, products.c.id == order_lines.c.product_id)
        .where(order_lines.c.order_id == order.id)
        .order_by(order_lines.c.id)
    ).all()
    by_id = {r.id: r for r in rows}
    wanted = [(r.id, r.quantity) for r in rows] if whole else requested
    if not wanted:
        raise InvalidInput("choose at least one line of the order")
    claimed = dict(
        conn.execute(
            select(case_lines.c.order_line_id, func.sum(case_lines.c.units))
            .join(cases, cases.c.id == case_lines.c.case_id)
            .where(cases.c.order_id == order.id, cases.c.status.not_in(NOT_COUNTING))
            .group_by(case_lines.c.order_line_id)
        ).all()
    )
    chosen = []
    for line_id, units in wanted:
        line = by_id.get(line_id)
        if line is None:
            raise InvalidInput(f"line {line_id} is not part of order {order.id}")
        free = line.quantity - int(claimed.get(line_id, 0))
        if not isinstance(units, int) or units <= 0 or units > free:
            raise InvalidInput(f"line {line_id}: choose between 1 and {free} units (bought {line.quantity})")
        chosen.append({"row": line, "units": units})
    return chosen


def _remaining_refundable(conn: Connection, order) -> int:
    committed = conn.execute(
        select(func.coalesce(func.sum(cases.c.refund_fen), 0)).where(
            cases.c.order_id == order.id, cases.c.status.not_in(NOT_COUNTING)
        )
    ).scalar_one()
    return order.paid_fen - int(committed)


def _evidence_waiver(conn: Connection, actor: Actor, order, cmd: NewCase, pledge: policy.ShopPledge) -> str:
    if cmd.upload_ids:
        return ""
    if pledge.no_evidence_for_declared:
        trusted = conn.execute(
            select(shop_trusted_buyers.c.buyer_id).where(
                shop_trusted_buyers.c.shop_id == order.shop_id,
                shop_trusted_buyers.c.buyer_id == actor.user_id,
            )
        ).first()
        if trusted:
            return "shop pledge: buyer marked by the shop"
        if cmd.cannot_upload:
            return "shop pledge: buyer cannot upload photos"
    raise InvalidInput(
        "a damage claim needs at least one photo of the goods (this shop has no no-photo pledge for you)"
    )


def _quote(
    conn: Connection,
    book: Rulebook,
    order,
    cmd: NewCase,
    chosen: list[dict],
    pledge: policy.ShopPledge,
    at: datetime,
):
    """(amount, clause, explanation, inputs) for the case, before the order-level cap."""
    flags = {f for c in chosen for f in ("perishable", "custom_made", "blind_box") if getattr(c["row"], f)}
    signed = order.delivered_at
    if cmd.case_type == CaseType.INSTANT_REFUND:
        ok = policy.instant_refund(
            book,
            flags=flags,
            paid_fen=order.paid_fen,
            shipped=order.status != OrderStatus.PAID.value,
            paid_at=order.paid_at,
        )
        if not ok.eligible:
            raise InvalidInput(ok.reason)
        return order.paid_fen, ok.clause, f"instant refund of {format_yuan(order.paid_fen)}: {ok.reason}", {}
    if cmd.case_type == CaseType.DAMAGE_CLAIM:
        return quotes.damage_quote(conn, book, order, cmd.reason, chosen, pledge, at)
    if cmd.case_type in (CaseType.RETURN_REFUND, CaseType.EXCHANGE) and cmd.reason == "no_reason":
        ok = policy.no_reason_return(book, flags=flags, signed_at=signed, now=at, pledge=pledge)
        if not ok.eligible:
            raise InvalidInput(ok.reason)
        clause, why = ok.clause, ok.reason
    else:
        clause, why = None, f"{cmd.reason}: decided by the shop's review"
    amount = (
        0
        if cmd.case_type == CaseType.EXCHANGE
        else sum(quotes.paid_for(order, c["row"], c["units"]) for c in chosen)
    )
    return (
        amount,
        clause,
        f"{cmd.case_type} of {format_yuan(amount)} for {sum(c['units'] for c in chosen)} unit(s); {why}",
        {},
    )


def _check_request(cmd: NewCase, order) -> None:
    if cmd.case_type not in CaseType.__members__.values():
        raise InvalidInput(f"unknown case type {cmd.case_type!r}; one of {', '.join(CaseType)}")
    reasons: tuple[str, ...] = DAMAGE_REASONS if cmd.case_type == CaseType.DAMAGE_CLAIM else RETURN_REASONS
    if cmd.case_type in CANCELLATION_TYPES and order.status == OrderStatus.PAID.value:
        reasons = (*reasons, CANCEL_UNSHIPPED)
    if cmd.reason not in reasons:
        raise InvalidInput(f"reason for a {cmd.case_type} is one of {', '.join(reasons)}")
    after_delivery = (CaseType.DAMAGE_CLAIM, CaseType.RETURN_REFUND, CaseType.EXCHANGE)
    if order.status in (OrderStatus.PENDING_PAYMENT.value, OrderStatus.CANCELLED.value):
        raise InvalidInput(f"an order that is {order.status} has no after-sales")
    if cmd.case_type in after_delivery and order.delivered_at is None:
        raise InvalidInput(f"a {cmd.case_type} is possible once the parcel has been delivered")


def file_case(conn: Connection, actor: Actor, cmd: NewCase, *, book: Rulebook, at: datetime) -> int:
    order = _order_for_buyer(conn, actor, cmd.order_id)
    _check_request(cmd, order)
    locked = lock_order(conn, order.id)
    pledge = shop_pledge(conn, order.shop_id)
    chosen = _lines(conn, order, cmd.lines, whole=cmd.case_type == CaseType.INSTANT_REFUND)
    waiver = (
        _evidence_waiver(conn, actor, order, cmd, pledge) if cmd.case_type == CaseType.DAMAGE_CLAIM else ""
    )
    evidence = owned_uploads(conn, actor, cmd.upload_ids)
    amount, clause, explanation, inputs = _quote(conn, book, order, cmd, chosen, pledge, at)
    remaining = _remaining_refundable(conn, order)
    if cmd.case_type != CaseType.EXCHANGE:
        if remaining <= 0:
            raise InvalidInput(f"order {order.id} has already been refunded in full")
        if amount > remaining:
            explanation += f"; limited to the {format_yuan(remaining)} not yet refunded on this order"
            amount = remaining
    case_id = inserted_id(
        conn,
        cases.insert().values(
            order_id=order.id,
            buyer_id=actor.user_id,
            shop_id=order.shop_id,
            case_type=cmd.case_type,
            status=S.REQUESTED.value,
            reason=cmd.reason,
            note=cmd.note[:2000],
            refund_fen=amount,
            clause_id=clause.id if clause else "",
            clause_source=clause.source if clause else "",
            explanation=explanation,
            inputs=jsonutil.dumps(inputs),
            evidence_waived=waiver,
            created_at=at,
            basis=inputs.get("basis"),
        ),
    )
    conn.execute(
        case_lines.insert(),
        [
            {"case_id": case_id, "shop_id": order.shop_id, "order_line_id": c["row"].id, "units": c["units"]}
            for c in chosen
        ],
    )
    if evidence:
        conn.execute(
            case_evidence.insert(),
            [{"case_id": case_id, "shop_id": order.shop_id, "upload_id": u} for u in evidence],
        )
    case_event(conn, case_id, at, "requested", "buyer", amount_fen=amount, reason=cmd.reason)
    _first_deadline(conn, reload_case(conn, case_id), locked, book, at)
    return case_id


def _no_pickup_why(clause) -> str:
    return f"no pickup scan {clause.get('hours')} h after the tracking number was uploaded ({clause.id})"


def _first_deadline(conn: Connection, case, order, book: Rulebook, at: datetime) -> None:
    """An instant refund is approved at once; so is a refund request on an order whose tracking
    number has had no pickup scan for 48 h (douyin:aHwH9wK4Je2N), or, while that is still to
    come, the sweep approves it then. Every other case waits for the shop's review."""
    if case.case_type == CaseType.INSTANT_REFUND:
        _approve(conn, case, book, at, actor="system", why="instant refund (极速退款)")
        return
    due, clause = policy.review_deadline(book, case.case_type, at, case.basis)
    kind = "auto_approve"
    no_pickup = policy.no_pickup_refund(
        book, case_type=case.case_type, shipped_at=order.shipped_at, picked_up_at=order.picked_up_at
    )
    if no_pickup is not None and no_pickup[0] <= at:
        _approve(conn, case, book, at, actor="system", why=_no_pickup_why(no_pickup[1]))
        return
    if no_pickup is not None and no_pickup[0] < due:
        (due, clause), kind = no_pickup, "auto_refund_no_pickup"
    conn.execute(
        cases.update().where(cases.c.id == case.id).values(due_at=due, due_kind=kind, due_clause=clause.id)
    )


def _approve(
    conn: Connection, case, book: Rulebook, at: datetime, *, actor: str, why: str, payer: str = "merchant"
) -> None:
    if case.case_type in NEEDS_RETURN:
        # A fund-paid return is reserved now: at receipt (often in the sweep) it must not fail.
        take_fund(conn, payer, case.refund_fen)
        due, clause = policy.timer(book, "return_ship_window", at)
        move_case(conn, case, S.APPROVED, at=at, decided_at=at, payer=payer)
        case = reload_case(conn, case.id)
        move_case(
            conn, case, S.AWAITING_RETURN, at=at, due_at=due, due_kind="close_no_return", due_clause=clause.id
        )
    else:
        move_case(
            conn,
            case,
            S.APPROVED,
            at=at,
            decided_at=at,
            payer=payer,
            due_at=None,
            due_kind=None,
            due_clause=None,
        )
        start_refund(conn, case.id, at)
    case_event(conn, case.id, at, "approved", actor, why=why)


def _case_for(conn: Connection, actor: Actor, case_id: int, role: str):
    """The case if the actor may act on it as `role` (buyer, merchant, operator); others get
    NotFound so another shop's cases are not revealed."""
    case = conn.execute(select(cases).where(cases.c.id == case_id)).first()
    allowed = case is not None and (
        (role == "buyer" and case.buyer_id == actor.user_id)
        or (role == "merchant" and case.shop_id in actor.shops)
        or (role == "operator" and actor.platform_role == "operator")
    )
    if not allowed:
        raise NotFound(f"no after-sales case {case_id}")
    return case


def review_case(
    conn: Connection, actor: Actor, case_id: int, *, approve: bool, note: str, book: Rulebook, at: datetime
) -> None:
    """The merchant approves or rejects; a rejection needs a reason the buyer can read."""
    case = _case_for(conn, actor, case_id, "merchant")
    if case.status != S.REQUESTED.value:
        raise Conflict(f"case {case_id} is {case.status}; only a requested case can be reviewed")
    if approve:
        _approve(conn, case, book, at, actor="merchant", why=note or "approved by the shop")
        return
    if not note.strip():
        raise InvalidInput("a rejection needs a reason the buyer can read")
    due, clause = policy.escalation_deadline(book, at, case.basis)
    move_case(
        conn,
        case,
        S.REJECTED,
        at=at,
        decided_at=at,
        due_at=due,
        due_kind="close_unescalated",
        due_clause=clause.id,
    )
    case_event(conn, case.id, at, "rejected", "merchant", why=note.strip())


def _check_still_free(conn: Connection, case) -> None:
    """A rejected case lets go of its units and amount (NOT_COUNTING) so that the buyer may file
    again; escalating it claims them back, which must not claim units or money twice."""
    order = lock_order(conn, case.order_id)
    wanted = [
        (r.order_line_id, r.units)
        for r in conn.execute(select(case_lines).where(case_lines.c.case_id == case.id))
    ]
    try:
        _lines(conn, order, wanted, whole=False)
    except InvalidInput:
        raise Conflict(
            f"case {case.id} cannot be escalated: a later case on order {order.id} claims its units"
        ) from None
    if case.refund_fen > _remaining_refundable(conn, order):
        raise Conflict(
            f"case {case.id} cannot be escalated: later cases on order {order.id} already claim "
            f"what is left to refund"
        )


def escalate(conn: Connection, actor: Actor, case_id: int, *, note: str, at: datetime) -> None:
    """平台介入: the buyer asks the platform to decide."""
    case = _case_for(conn, actor, case_id, "buyer")
    if case.status not in (S.REJECTED.value, S.RETURN_SHIPPED.value, S.REQUESTED.value):
        raise Conflict(f"case {case_id} is {case.status}; it cannot be escalated now")
    if case.status == S.REJECTED.value:
        _check_still_free(conn, case)
    move_case(conn, case, S.ESCALATED, at=at, due_at=None, due_kind=None, due_clause=None)
    case_event(conn, case.id, at, "escalated", "buyer", why=note.strip())


def decide_escalation(
    conn: Connection,
    actor: Actor,
    case_id: int,
    *,
    approve: bool,
    note: str,
    book: Rulebook,
    at: datetime,
    fund_code: str | None = None,
) -> None:
    """The operator's decision. A platform-funded outcome names the subsidy fund that pays."""
    require_platform(actor, "operator")
    case = _case_for(conn, actor, case_id, "operator")
    if case.status != S.ESCALATED.value:
        raise Conflict(f"case {case_id} is {case.status}; only escalated cases are decided by the platform")
    if not note.strip():
        raise InvalidInput("the platform's decision needs a written reason")
    if case.case_type in NEEDS_RETURN:  # decided again after the return was sent: undo an earlier reservation
        release_fund(conn, case.payer, case.refund_fen)
    if not approve:
        move_case(conn, case, S.CLOSED, at=at, closed_at=at, decided_at=at)
        case_event(conn, case.id, at, "closed", "operator", why=note.strip())
        return
    payer = "merchant"
    if fund_code:
        if conn.execute(select(subsidy_funds.c.id).where(subsidy_funds.c.code == fund_code)).first() is None:
            raise NotFound(f"no subsidy fund {fund_code!r}")
        payer = f"fund:{fund_code}"
    if case.return_tracking:  # escalated after the goods were sent back: the platform accepts the return
        take_fund(conn, payer, case.refund_fen)
        conn.execute(cases.update().where(cases.c.id == case.id).values(decided_at=at, payer=payer))
        case_event(conn, case.id, at, "approved", "operator", why=note.strip())
        _receive(conn, reload_case(conn, case.id), at, "operator")
        return
    _approve(conn, case, book, at, actor="operator", why=note.strip(), payer=payer)


def ship_return(
    conn: Connection,
    actor: Actor,
    case_id: int,
    *,
    carrier: str,
    tracking_no: str,
    book: Rulebook,
    at: datetime,
    postage_fen: int | None = None,
) -> None:
    """The buyer sends the goods back; `postage_fen` is what that cost, which the shop's shipping
    insurance pays where the order's products carried it (needed then)."""
    case = _case_for(conn, actor, case_id, "buyer")
    if case.status != S.AWAITING_RETURN.value:
        raise Conflict(f"case {case_id} is {case.status}; nothing to send back")
    tracking_no = tracking_no.strip()
    if not (6 <= len(tracking_no) <= 40) or not tracking_no.isalnum() or not carrier.strip():
        raise InvalidInput("give the carrier and a tracking number of 6 to 40 letters or digits")
    order = conn.execute(select(orders).where(orders.c.id == case.order_id)).one()
    insured = insurance.on_return_shipped(conn, book, case, order, postage_fen=postage_fen)
    due, clause = policy.timer(book, "return_receive_window", at)
    move_case(
        conn,
        case,
        S.RETURN_SHIPPED,
        at=at,
        return_carrier=carrier.strip()[:30],
        return_tracking=tracking_no,
        due_at=due,
        due_kind="auto_receive",
        due_clause=clause.id,
        **insured,
    )
    case_event(
        conn,
        case.id,
        at,
        "return_shipped",
        "buyer",
        carrier=carrier,
        tracking_no=tracking_no,
        postage_fen=postage_fen,
        insured_fen=insured.get("insured_fen", 0),
    )


def _receive(conn: Connection, case, at: datetime, actor: str) -> None:
    move_case(conn, case, S.RETURN_RECEIVED, at=at, due_at=None, due_kind=None, due_clause=None)
    case_event(conn, case.id, at, "return_received", actor)
    case = reload_case(conn, case.id)
    if case.case_type == CaseType.EXCHANGE:
        move_case(conn, case, S.EXCHANGED, at=at, closed_at=at)
        case_event(conn, case.id, at, "exchanged", actor)
        insurance.open_claim(conn, case, at)  # 换货成功
    else:
        start_refund(conn, case.id, at)


def receive_return(conn: Connection, actor: Actor, case_id: int, *, at: datetime) -> None:
    case = _case_for(conn, actor, case_id, "merchant")
    if case.status != S.RETURN_SHIPPED.value:
        raise Conflict(f"case {case_id} is {case.status}; no return is on its way")
    _receive(conn, case, at, "merchant")


def cancel_case(conn: Connection, actor: Actor, case_id: int, *, at: datetime) -> None:
    case = _case_for(conn, actor, case_id, "buyer")
    if case.status not in (S.REQUESTED.value, S.AWAITING_RETURN.value):
        raise Conflict(f"case {case_id} is {case.status}; it can no longer be withdrawn")
    move_case(conn, case, S.CANCELLED, at=at, closed_at=at, due_at=None, due_kind=None, due_clause=None)
    if case.case_type in NEEDS_RETURN:
        release_fund(conn, case.payer, case.refund_fen)  # a fund-paid return reserved at approval
    case_event(conn, case.id, at, "cancelled", "buyer")


def _act_on_deadline(conn: Connection, case, book: Rulebook, now: datetime) -> str:
    kind = case.due_kind
    if kind == "auto_approve" and case.status == S.REQUESTED.value:
        _approve(
            conn,
            case,
            book,
            now,
            actor="system",
            why=f"the shop did not review by {case.due_at.isoformat()} ({case.due_clause})",
        )
    elif kind == "close_unescalated" and case.status == S.REJECTED.value:
        move_case(conn, case, S.CLOSED, at=now, closed_at=now, due_at=None, due_kind=None)
        case_event(conn, case.id, now, "closed", "system", why=f"not escalated in time ({case.due_clause})")
    elif kind == "close_no_return" and case.status == S.AWAITING_RETURN.value:
        move_case(conn, case, S.CLOSED, at=now, closed_at=now, due_at=None, due_kind=None)
        release_fund(conn, case.payer, case.refund_fen)  # a fund-paid return reserved at approval
        case_event(
            conn, case.id, now, "closed", "system", why=f"the return was not sent in time ({case.due_clause})"
        )
    elif kind == "auto_receive" and case.status == S.RETURN_SHIPPED.value:
        _receive(conn, case, now, "system")
    elif kind == "auto_refund_no_pickup" and case.status == S.REQUESTED.value:
        return _no_pickup_due(conn, case, book, now)
    else:
        conn.execute(
            cases.update().where(cases.c.id == case.id, cases.c.status == case.status).values(due_at=None)
        )
        return "stale"
    return kind


def _no_pickup_due(conn: Connection, case, book: Rulebook, now: datetime) -> str:
    """Still no pickup scan: the refund request is approved (douyin:aHwH9wK4Je2N). Picked up
    meanwhile: the case waits for the shop's review like any other."""
    order = lock_order(conn, case.order_id)
    no_pickup = policy.no_pickup_refund(
        book, case_type=case.case_type, shipped_at=order.shipped_at, picked_up_at=order.picked_up_at
    )
    if no_pickup is not None:
        _approve(conn, case, book, now, actor="system", why=_no_pickup_why(no_pickup[1]))
        return "auto_refund_no_pickup"
    due, clause = policy.review_deadline(book, case.case_type, case.created_at, case.basis)
    conn.execute(
        cases.update()
        .where(cases.c.id == case.id, cases.c.status == case.status)
        .values(due_at=due, due_kind="auto_approve", due_clause=clause.id)
    )
    return "picked_up"


def sweep_case_deadlines(uow, book: Rulebook, clock, *, batch: int = 200) -> dict[str, int]:
    """Act on every passed deadline, once: each case moves with a conditional update, and on
    PostgreSQL concurrent sweeps skip the rows another sweep holds."""
    counts: dict[str, int] = {}
    while True:
        with uow.begin() as conn:
            now = clock.now()
            query = (
                select(cases).where(cases.c.due_at <= now).order_by(cases.c.due_at, cases.c.id).limit(batch)
            )
            due = claim_batch(conn, query)
            # Order rows are locked (approval, refund) in primary-key order, so concurrent sweeps
            # whose batches share orders cannot deadlock.
            for case in sorted(due, key=lambda row: (row.order_id, row.id)):
                kind = _act_on_deadline(conn, case, book, now)
                counts[kind] = counts.get(kind, 0) + 1
        if len(due) < batch:
            return counts
