"""A creator's monthly statement: every movement of their commission money (booked, cancelled,
service fee at settlement, clawed back) with the clause behind it, and the totals recomputed from
the ledger on the creator's accounts (pending and available): `reconciled` is true when they agree
to the fen. The CSV and PDF are the merchant statement's (settlement.statements) with the
creator's words."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection

from pledge.creators.commissions import creator_available, creator_pending
from pledge.creators.policy import RefundOutcome, clause_of, grade_clause
from pledge.creators.tables import commission_returns, creator_commissions, creator_payouts, creators
from pledge.kernel.errors import NotFound
from pledge.kernel.money import format_rate, format_yuan
from pledge.ledger import queries as ledger_queries
from pledge.rulebooks.loader import Rulebook
from pledge.settlement.policy import month_bounds
from pledge.settlement.statements import StatementWords

# Totals in the order shown, with the ledger transaction kind behind each.
TOTALS = (
    ("commissions", "affiliate_commission"),
    ("service_fees", "affiliate_settle"),
    ("returns", "affiliate_return"),
    ("payouts", "creator_payout"),
    ("payout_returns", "creator_payout_return"),
)
TOTAL_LABELS = {
    "commissions": ("推广费", "Commissions"),
    "service_fees": ("技术服务费", "Service fees"),
    "returns": ("退款扣回", "Returned for refunds"),
    "payouts": ("提现", "Payouts"),
    "payout_returns": ("银行退回的提现", "Payouts returned by the bank"),
}
LINE_KIND_TOTAL = {
    "payout": "payouts",
    "payout_return": "payout_returns",
    "commission": "commissions",
    "service_fee": "service_fees",
    "cancelled": "returns",
    "clawed_back": "returns",
}
LINE_KIND_LABELS = {
    "payout": "提现",
    "payout_return": "银行退回",
    "commission": "推广费",
    "service_fee": "技术服务费",
    "cancelled": "退款取消",
    "clawed_back": "退款扣回",
}
CREATOR_WORDS = StatementWords(("creator", "达人"), "creator_name", TOTAL_LABELS, LINE_KIND_LABELS)


def _line(
    at: datetime, kind: str, amount: int, order_id: int | None, en: str, zh: str, clause
) -> dict[str, Any]:
    return {
        "at": at,
        "kind": kind,
        "order_id": order_id,
        "amount_fen": amount,
        "description": en,
        "description_zh": zh,
        "clause_id": clause.id,
        "clause_source": clause.source,
        "program": "",
        "program_zh": "",
    }


def _booked_and_settled(
    conn: Connection, book: Rulebook, creator_id: int, start: datetime, end: datetime
) -> list:
    c = creator_commissions.c
    commission = clause_of(book, "affiliate_commission", start)
    clawed = _clawed_fees(conn, creator_id)
    lines = []
    for r in conn.execute(select(creator_commissions).where(c.creator_id == creator_id).order_by(c.id)):
        if start <= r.booked_at < end:
            words = f"{format_yuan(r.base_fen)} × {format_rate(r.rate_bp)}"
            lines.append(
                _line(
                    r.booked_at,
                    "commission",
                    r.commission_fen,
                    r.order_id,
                    f"commission {words}",
                    f"推广费 {words}",
                    commission,
                )
            )
        if r.settled_at is not None and start <= r.settled_at < end:
            fee = (r.settled_fee_fen or 0) + clawed[r.id]  # the fee as settled, before any clawback
            grade = f"grade {r.grade}, {format_rate(r.fee_rate_bp)}"
            lines.append(
                _line(
                    r.settled_at,
                    "service_fee",
                    -fee,
                    r.order_id,
                    f"service fee ({grade}) at settlement",
                    f"结算时的技术服务费（{r.grade}级，{format_rate(r.fee_rate_bp)}）",
                    grade_clause(book, r.grade, r.paid_at),
                )
            )
    return lines


def _clawed_fees(conn: Connection, creator_id: int) -> dict[int, int]:
    x, c = commission_returns.c, creator_commissions.c
    fees: dict[int, int] = defaultdict(int)
    for commission_id, fee in conn.execute(
        select(x.commission_id, func.sum(x.fee_fen))
        .join(creator_commissions, c.id == x.commission_id)
        .where(c.creator_id == creator_id)
        .group_by(x.commission_id)
    ):
        fees[commission_id] = int(fee or 0)
    return fees


def _returns(conn: Connection, book: Rulebook, creator_id: int, start: datetime, end: datetime) -> list:
    x, c = commission_returns.c, creator_commissions.c
    clause = clause_of(book, "affiliate_refund", start)
    lines = []
    for r in conn.execute(
        select(x.refund_id, x.outcome, x.commission_fen, x.fee_fen, x.created_at, c.order_id)
        .join(creator_commissions, c.id == x.commission_id)
        .where(c.creator_id == creator_id, x.created_at >= start, x.created_at < end, x.commission_fen > 0)
        .order_by(x.created_at, x.id)
    ):
        if r.outcome == RefundOutcome.CANCELLED:
            amount, en, zh = (
                -r.commission_fen,
                f"cancelled for refund {r.refund_id}",
                f"退款 {r.refund_id} 取消推广费",
            )
        else:
            amount = -(r.commission_fen - r.fee_fen)
            fee = format_yuan(r.fee_fen)
            en = f"clawed back for refund {r.refund_id} (the platform returns its fee {fee})"
            zh = f"退款 {r.refund_id} 扣回推广费（平台退还技术服务费{fee}元）"
        lines.append(_line(r.created_at, r.outcome, amount, r.order_id, en, zh, clause))
    return lines


def _payouts(conn: Connection, book: Rulebook, creator_id: int, start: datetime, end: datetime) -> list:
    p = creator_payouts.c
    clause = clause_of(book, "affiliate_reserve", start)  # what is payable is what the reserve leaves
    within = and_(p.requested_at >= start, p.requested_at < end)
    returned_within = and_(p.returned_at >= start, p.returned_at < end)
    lines = []
    for r in conn.execute(
        select(creator_payouts).where(p.creator_id == creator_id, or_(within, returned_within)).order_by(p.id)
    ):
        if start <= r.requested_at < end:
            en, zh = f"payout {r.id} to the bank account ({r.status})", f"提现 {r.id} 到银行账户"
            lines.append(_line(r.requested_at, "payout", -r.amount_fen, None, en, zh, clause))
        if r.returned_at is not None and start <= r.returned_at < end:
            en, zh = (
                f"payout {r.id} returned by the bank: {r.return_reason}",
                f"提现 {r.id} 被银行退回：{r.return_reason}",
            )
            lines.append(_line(r.returned_at, "payout_return", r.amount_fen, None, en, zh, clause))
    return lines


def creator_statement(conn: Connection, book: Rulebook, creator_id: int, month: str) -> dict[str, Any]:
    """Every movement of the creator's commission money in a month, each with its clause, and the
    totals recomputed from the ledger on creator:{id}:pending and :available."""
    name = conn.execute(select(creators.c.display_name).where(creators.c.id == creator_id)).scalar()
    if name is None:
        raise NotFound(f"no creator {creator_id}")
    start, end = month_bounds(month, book.timezone)
    lines = (
        _booked_and_settled(conn, book, creator_id, start, end)
        + _returns(conn, book, creator_id, start, end)
        + _payouts(conn, book, creator_id, start, end)
    )
    lines.sort(key=lambda line: (line["at"], line["order_id"] or 0))
    totals = {total: 0 for total, _ in TOTALS}
    for line in lines:
        totals[LINE_KIND_TOTAL[line["kind"]]] += line["amount_fen"]
    accounts = [creator_pending(creator_id), creator_available(creator_id)]
    money = ledger_queries.movements(conn, accounts, start, end)
    by_kind = money.by_kind
    ledger_totals = {total: int(by_kind.get(kind, 0)) for total, kind in TOTALS}
    known = {kind for _, kind in TOTALS}
    unexplained = {k: v for k, v in by_kind.items() if k not in known and v}
    return {
        "creator_id": creator_id,
        "creator_name": name,
        "month": month,
        "start": start,
        "end": end,
        "lines": lines,
        "totals": totals,
        "net_fen": sum(totals.values()),
        "ledger_totals": ledger_totals,
        "ledger_unexplained": unexplained,
        "reconciled": totals == ledger_totals and not unexplained,
        "opening_fen": money.opening_fen,
        "closing_fen": money.closing_fen,
        "rulebook": f"{book.name} {book.version}",
    }
