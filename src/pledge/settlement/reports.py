"""Finance reports: a shop's monthly statement (every movement of its money with the clause
behind it, and the totals recomputed from the ledger) and the platform's monthly reconciliation
(ledger vs Pledge's records vs the payment and payout providers)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform, require_shop
from pledge.aftersales.model import RefundStatus
from pledge.aftersales.tables import cases, refunds
from pledge.attribution.model import channel_name
from pledge.compensation.tables import compensations
from pledge.kernel.db import AnySelect
from pledge.kernel.errors import InvalidInput
from pledge.kernel.money import format_rate, format_yuan
from pledge.ledger import queries as ledger_queries
from pledge.ledger import services as ledger
from pledge.orders.model import CAPTURED_STATUSES
from pledge.orders.tables import orders, payments
from pledge.rulebooks.loader import Rulebook
from pledge.settlement import accounts, deposits, policy
from pledge.settlement.fees import FEE_REFUND_NOTES_ZH
from pledge.settlement.model import PayoutStatus
from pledge.settlement.payouts import PayoutProvider
from pledge.settlement.queries import shop_accounts, shop_name
from pledge.settlement.tables import deposits as transfers
from pledge.settlement.tables import entries, fee_lines, fee_orders, fee_refunds, payouts, programs, rebates

# Statement totals, in the order they are shown, and the ledger transaction kind behind each.
TOTALS = (
    ("sales", "payment"),
    ("fees", "fee"),
    ("fee_refunds", "fee_refund"),
    ("refunds", "refund"),
    ("deductions", "late_ship"),
    ("rebates", "rebate"),
    ("payouts", "payout"),
    ("payout_returns", "payout_return"),
    ("deposits", "deposit"),
    ("affiliate", "affiliate_commission"),
    ("affiliate_returns", "affiliate_return"),
    ("sample_sales", "sample_sale"),
)
KIND_TO_TOTAL = {kind: total for total, kind in TOTALS}
LINE_KIND_TOTAL = {
    "sale": "sales",
    "fee": "fees",
    "fee_refund": "fee_refunds",
    "refund": "refunds",
    "deduction": "deductions",
    "rebate": "rebates",
    "payout": "payouts",
    "payout_return": "payout_returns",
    "deposit": "deposits",
    "affiliate": "affiliate",
    "affiliate_return": "affiliate_returns",
    "sample_sale": "sample_sales",
}


@dataclass
class _Statement:
    """The month being stated and the lines found so far."""

    conn: Connection
    book: Rulebook
    shop_id: int
    start: datetime
    end: datetime
    lines: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self,
        at: datetime,
        kind: str,
        amount: int,
        description: str,
        clause_id: str,
        clause_source: str = "",
        order_id: int | None = None,
        program: tuple[str, int] | None = None,
        *,
        zh: str,
    ) -> None:
        self.lines.append(
            {
                "at": at,
                "kind": kind,
                "order_id": order_id,
                "amount_fen": amount,
                "description": description,
                "description_zh": zh,
                "clause_id": clause_id,
                "clause_source": clause_source,
                "program": f"{program[0]} v{program[1]}" if program else "",
                "program_zh": f"{program[0]} 第{program[1]}版" if program else "",
            }
        )

    def program_codes(self) -> dict[int, str]:
        return dict(self.conn.execute(select(programs.c.id, programs.c.code)).all())


def statement(conn: Connection, actor: Actor, book: Rulebook, shop_id: int, month: str) -> dict:
    """Every movement of the shop's money in a month, each with the clause behind it, and the
    totals recomputed from the ledger: `reconciled` is true when they agree to the fen."""
    require_shop(actor, shop_id, read_only=True)
    name = shop_name(conn, shop_id)
    start, end = policy.month_bounds(month, book.timezone)
    s = _Statement(conn, book, shop_id, start, end)
    for add_lines in _LINE_SOURCES:
        add_lines(s)
    s.lines.sort(key=lambda line: (line["at"], line["order_id"] or 0))
    totals = {name: 0 for name, _ in TOTALS}
    for line in s.lines:
        totals[LINE_KIND_TOTAL[line["kind"]]] += line["amount_fen"]
    money = ledger_queries.movements(conn, shop_accounts(shop_id), start, end)
    by_kind = defaultdict(int, money.by_kind)
    # logistics rules' compensations are deductions too
    for kind in set(conn.execute(select(compensations.c.kind).distinct()).scalars()) - {"late_ship"}:
        by_kind["late_ship"] += by_kind.pop(kind, 0)
    ledger_totals = {name: int(by_kind.get(kind, 0)) for name, kind in TOTALS}
    unexplained = {k: v for k, v in by_kind.items() if k not in KIND_TO_TOTAL and k != "settle" and v}
    return {
        "shop_id": shop_id,
        "shop_name": name,
        "month": month,
        "start": start,
        "end": end,
        "lines": s.lines,
        "totals": totals,
        "net_fen": sum(totals.values()),
        "ledger_totals": ledger_totals,
        "ledger_unexplained": unexplained,
        "reconciled": totals == ledger_totals and not unexplained,
        "opening_fen": money.opening_fen,
        "closing_fen": money.closing_fen,
        "rulebook": f"{book.name} {book.version}",
    }


def _sales(s: _Statement) -> None:
    base_clause = s.book.clause("commission.base")
    o = orders.c
    for r in s.conn.execute(
        select(o.id, o.paid_at, o.paid_fen, o.discount_fen, o.channel)
        .where(o.shop_id == s.shop_id, o.paid_at >= s.start, o.paid_at < s.end)
        .order_by(o.paid_at, o.id)
    ):
        s.add(
            r.paid_at,
            "sale",
            r.paid_fen + r.discount_fen,
            f"order paid {format_yuan(r.paid_fen)}"
            + (f" + coupon {format_yuan(r.discount_fen)}" if r.discount_fen else "")
            + f" ({channel_name(r.channel)})",
            base_clause.id,
            base_clause.source,
            r.id,
            zh=f"订单实付{format_yuan(r.paid_fen)}元"
            + (f" + 券{format_yuan(r.discount_fen)}元" if r.discount_fen else "")
            + f"（{channel_name(r.channel, 'zh')}）",
        )


def _fees(s: _Statement) -> None:
    code_of = s.program_codes()
    f, fl = fee_orders.c, fee_lines.c
    for r in s.conn.execute(
        select(
            fl.order_id,
            fl.category,
            fl.base_fen,
            fl.rate_bp,
            fl.standard_rate_bp,
            fl.fee_fen,
            fl.standard_fee_fen,
            fl.clause_id,
            fl.clause_source,
            fl.program_id,
            fl.program_version,
            f.charged_at,
        )
        .join(fee_orders, f.order_id == fl.order_id)
        .where(f.shop_id == s.shop_id, f.charged_at >= s.start, f.charged_at < s.end)
        .order_by(f.charged_at, fl.id)
    ):
        saved = format_yuan(r.standard_fee_fen - r.fee_fen)
        standard = f"{format_rate(r.standard_rate_bp)} = {format_yuan(r.standard_fee_fen)}"
        waived = f"; standard {standard}, saved {saved}" if r.program_id else ""
        waived_zh = f"；标准费率{standard}元，节省{saved}元" if r.program_id else ""
        s.add(
            r.charged_at,
            "fee",
            -r.fee_fen,
            f"commission {format_rate(r.rate_bp)} of {format_yuan(r.base_fen)} ({r.category}){waived}",
            r.clause_id,
            r.clause_source,
            r.order_id,
            (code_of[r.program_id], r.program_version) if r.program_id else None,
            zh=f"技术服务费 {format_yuan(r.base_fen)}元 × "
            f"{format_rate(r.rate_bp)}（{r.category}）{waived_zh}",
        )


def _fee_refunds(s: _Statement) -> None:
    refund_clause = s.book.clause("commission.refund-pro-rata")
    k = fee_refunds.c
    for r in s.conn.execute(
        select(fee_refunds)
        .where(k.shop_id == s.shop_id, k.created_at >= s.start, k.created_at < s.end)
        .order_by(k.created_at)
    ):
        s.add(
            r.created_at,
            "fee_refund",
            r.amount_fen,
            f"commission returned for refund {r.refund_id}: {r.note}",
            r.clause_id,
            refund_clause.source,
            r.order_id,
            zh=f"退款 {r.refund_id}：{FEE_REFUND_NOTES_ZH.get(r.note, r.note)}",
        )


def _affiliate(s: _Statement) -> None:
    """Creators' commissions (推广费) taken from the order's proceeds, and what refunds returned,
    as the settlement entries the creators' step wrote (creators.commissions)."""
    booked, refunded = s.book.clause("affiliate.commission"), s.book.clause("affiliate.refund")
    e = entries.c
    for r in s.conn.execute(
        select(e.order_id, e.kind, e.amount_fen, e.created_at)
        .where(
            e.shop_id == s.shop_id,
            e.kind.in_(("affiliate", "affiliate_return")),
            e.created_at >= s.start,
            e.created_at < s.end,
        )
        .order_by(e.created_at, e.id)
    ):
        clause = booked if r.kind == "affiliate" else refunded
        words = (
            ("creator's commission", "达人推广费")
            if r.kind == "affiliate"
            else (
                "creator's commission returned for a refund",
                "退款退回的达人推广费",
            )
        )
        s.add(r.created_at, r.kind, r.amount_fen, words[0], clause.id, clause.source, r.order_id, zh=words[1])


def _refunds(s: _Statement) -> None:
    r_ = refunds.c
    for r in s.conn.execute(
        select(r_.id, r_.order_id, r_.amount_fen, r_.completed_at, cases.c.clause_id, cases.c.clause_source)
        .join(orders, orders.c.id == r_.order_id)
        .join(cases, cases.c.id == r_.case_id)
        .where(
            orders.c.shop_id == s.shop_id,
            r_.status == RefundStatus.SUCCEEDED.value,
            r_.payer == "merchant",
            r_.completed_at >= s.start,
            r_.completed_at < s.end,
        )
        .order_by(r_.completed_at, r_.id)
    ):
        s.add(
            r.completed_at,
            "refund",
            -r.amount_fen,
            f"refund {r.id} to the buyer",
            r.clause_id or "aftersales",
            r.clause_source,
            r.order_id,
            zh=f"退款 {r.id} 给买家",
        )


def _deductions(s: _Statement) -> None:
    k = compensations.c
    for r in s.conn.execute(
        select(
            k.order_id,
            k.amount_fen,
            k.clause_id,
            k.clause_source,
            k.created_at,
            k.explanation,
            k.explanation_zh,
        )
        .where(
            k.shop_id == s.shop_id,
            k.transaction_id.is_not(None),
            k.created_at >= s.start,
            k.created_at < s.end,
        )
        .order_by(k.created_at)
    ):
        s.add(
            r.created_at,
            "deduction",
            -r.amount_fen,
            f"compensation to the buyer: {r.explanation}",
            r.clause_id,
            r.clause_source,
            r.order_id,
            zh=f"赔付买家：{r.explanation_zh}",
        )


def _rebates(s: _Statement) -> None:
    code_of = s.program_codes()
    promo = s.book.clause("commission.promotions")
    k = rebates.c
    for r in s.conn.execute(
        select(rebates)
        .where(k.shop_id == s.shop_id, k.created_at >= s.start, k.created_at < s.end, k.amount_fen != 0)
        .order_by(k.created_at)
    ):
        turnover, tier, fees = (
            format_yuan(r.turnover_fen),
            format_yuan(r.tier_min_fen),
            format_yuan(r.fees_fen),
        )
        s.add(
            r.created_at,
            "rebate",
            r.amount_fen,
            f"{r.month} rebate: turnover {turnover} reached the {tier} tier, "
            f"{format_rate(r.share_bp)} of fees {fees} returned",
            promo.id,
            promo.source,
            None,
            (code_of[r.program_id], r.program_version),
            zh=f"{r.month} "
            f"返佣：成交额{turnover}元达到{tier}元档，返还技术服务费{fees}元的{format_rate(r.share_bp)}",
        )


def _payouts(s: _Statement) -> None:
    avail = s.book.clause("settlement.available.ordinary")
    k = payouts.c
    within = and_(k.requested_at >= s.start, k.requested_at < s.end)
    returned_within = and_(k.returned_at >= s.start, k.returned_at < s.end)
    for r in s.conn.execute(
        select(payouts).where(k.shop_id == s.shop_id, or_(within, returned_within)).order_by(k.id)
    ):
        if s.start <= r.requested_at < s.end:
            s.add(
                r.requested_at,
                "payout",
                -r.amount_fen,
                f"payout {r.id} to the bank account ({r.status})",
                avail.id,
                avail.source,
                zh=f"提现 {r.id} 至银行账户（{PAYOUT_STATUS_ZH[PayoutStatus(r.status)]}）",
            )
        if r.returned_at is not None and s.start <= r.returned_at < s.end:
            s.add(
                r.returned_at,
                "payout_return",
                r.amount_fen,
                f"payout {r.id} returned by the bank: {r.return_reason}",
                avail.id,
                avail.source,
                zh=f"提现 {r.id} 被银行退回：{r.return_reason}",
            )


PAYOUT_STATUS_ZH = {
    PayoutStatus.PENDING: "待打款",
    PayoutStatus.SENT: "已打款",
    PayoutStatus.RETURNED: "被银行退回",
}


def _deposits(s: _Statement) -> None:
    k = transfers.c
    for r in s.conn.execute(
        select(transfers)
        .where(k.shop_id == s.shop_id, k.created_at >= s.start, k.created_at < s.end)
        .order_by(k.id)
    ):
        tier = deposits.required_deposit(s.conn, s.book, s.shop_id, r.created_at).base.clause
        s.add(
            r.created_at,
            "deposit",
            r.amount_fen,
            f"deposit transfer {r.reference}",
            tier.id,
            tier.source,
            zh=f"缴纳保证金 {r.reference}",
        )


def _sample_sales(s: _Statement) -> None:
    """Paid samples (买样返款) whose promotion duty was broken: the shop keeps their price
    (creators.sample_plans books them into the available balance)."""
    clause = s.book.clause("samples.paid-refund")
    for r in ledger_queries.credited(s.conn, "sample_sale", accounts.available(s.shop_id), s.start, s.end):
        s.add(
            r.created_at,
            "sample_sale",
            r.amount_fen,
            "a paid sample's price kept: the creator's promotion duty was broken",
            clause.id,
            clause.source,
            zh="达人未完成买样推广，样品货款归店铺",
        )


_LINE_SOURCES: tuple[Callable[[_Statement], None], ...] = (
    _sales,
    _fees,
    _fee_refunds,
    _affiliate,
    _refunds,
    _deductions,
    _rebates,
    _payouts,
    _deposits,
    _sample_sales,
)


# More reconciliation rows from a module above settlement (creators.payouts: creators' payouts):
# (conn, start, end, what the payout provider sent by reference) -> (item, records, ledger, provider).
ReconRows = Callable[[Connection, datetime, datetime, dict[str, int]], list[tuple[str, int, int, int | None]]]


def reconciliation(
    conn: Connection, actor: Actor, book: Rulebook, month: str, provider: PayoutProvider, *, more_rows=()
) -> dict:
    """Ledger vs the payment provider's records vs payouts, for one month (`more_rows`: ReconRows
    of the modules above settlement)."""
    require_platform(actor, *accounts.FINANCE_ROLES)
    start, end = policy.month_bounds(month, book.timezone)

    def moved(kind: str, *, into: str | None = None, out_of: str | None = None) -> int:
        return ledger_queries.moved(conn, kind, start, end, into=into, out_of=out_of)

    records = _records(conn, start, end)
    p = payouts.c
    sent_rows = conn.execute(
        select(p.provider_ref, p.amount_fen).where(p.sent_at >= start, p.sent_at < end)
    ).all()
    at_provider = provider.sent()
    payment_refunds = ledger_queries.moved_by_key(conn, "refund", "payment-refund:", start, end)
    rows = [
        ("payments captured", records["captured"], moved("payment", out_of=ledger.PAYMENTS_IN), None),
        (
            "buyer refunds",
            records["refunded"],
            moved("refund", into=ledger.PAYMENTS_IN) - payment_refunds,
            None,
        ),
        ("commission charged", records["fees"], moved("fee", into=accounts.FEES), None),
        ("commission returned", records["fees_back"], moved("fee_refund", out_of=accounts.FEES), None),
        ("rebates paid", records["rebated"], moved("rebate", out_of=accounts.REBATES), None),
        (
            "payouts sent",
            sum(r.amount_fen for r in sent_rows),
            moved("payout_sent", into=accounts.BANK),
            sum(at_provider.get(r.provider_ref, 0) for r in sent_rows),
        ),
    ]
    rows_of: ReconRows
    for rows_of in more_rows:
        rows += rows_of(conn, start, end, at_provider)
    items = [
        {
            "item": name,
            "records_fen": pledge_fen,
            "ledger_fen": ledger_fen,
            "provider_fen": provider_fen,
            "difference_fen": ledger_fen - pledge_fen,
            "ok": pledge_fen == ledger_fen and (provider_fen is None or provider_fen == pledge_fen),
        }
        for name, pledge_fen, ledger_fen, provider_fen in rows
    ]
    return {
        "month": month,
        "items": items,
        "ok": all(i["ok"] for i in items),
        "trial_balance_zero": sum(ledger.trial_balance(conn).values()) == 0,
        "fees_balance_fen": ledger.balance(conn, accounts.FEES),
        "in_transit_fen": ledger.balance(conn, accounts.IN_TRANSIT),
    }


def _records(conn: Connection, start: datetime, end: datetime) -> dict[str, int]:
    """What Pledge's own records say moved in [start, end): captured payments, buyer refunds,
    commission charged and returned, rebates paid. (Refunds of payments captured for cancelled
    checkouts are not buyer refunds of orders; the ledger books them under the same kind, so
    the caller takes them out of the ledger's side.)"""

    def summed(q: AnySelect) -> int:
        return int(conn.execute(q).scalar() or 0)

    return {
        "captured": summed(
            select(func.sum(payments.c.amount_fen)).where(
                payments.c.status.in_([s.value for s in CAPTURED_STATUSES]),
                payments.c.captured_at >= start,
                payments.c.captured_at < end,
            )
        ),
        "refunded": summed(
            select(func.sum(refunds.c.amount_fen)).where(
                refunds.c.status == RefundStatus.SUCCEEDED.value,
                refunds.c.completed_at >= start,
                refunds.c.completed_at < end,
            )
        ),
        "fees": summed(
            select(func.sum(fee_orders.c.fee_fen)).where(
                fee_orders.c.charged_at >= start, fee_orders.c.charged_at < end
            )
        ),
        "fees_back": summed(
            select(func.sum(fee_refunds.c.amount_fen)).where(
                fee_refunds.c.created_at >= start, fee_refunds.c.created_at < end
            )
        ),
        "rebated": summed(
            select(func.sum(rebates.c.amount_fen)).where(
                rebates.c.created_at >= start, rebates.c.created_at < end
            )
        ),
    }


# A busy shop's month holds tens of thousands of lines (one per sale, fee, refund …): the page
# and, when asked, the API show them a page at a time; the totals always cover the whole month,
# and the CSV and PDF downloads hold every line.
PAGE_LINES = 100


@dataclass(frozen=True)
class LinePage:
    """One page of a statement's lines, of one kind or of every kind."""

    lines: list[dict]
    number: int  # 1-based, clamped to the last page
    pages: int
    first: int  # 1-based position of the first line shown (0 when there is none)
    last: int
    total: int  # lines of the kind (or of every kind) in the month
    kind: str | None
    kinds: dict[str, int]  # every kind in the month, with its count, in the totals' order
    page_size: int


def lines_page(lines: list[dict], *, page: int, kind: str | None, page_size: int = PAGE_LINES) -> LinePage:
    """Page `page` (1-based) of the statement's lines, or of its lines of one kind."""
    if kind is not None and kind not in LINE_KIND_TOTAL:
        raise InvalidInput(f"kind is one of {', '.join(LINE_KIND_TOTAL)}")
    counts = Counter(line["kind"] for line in lines)
    kinds = {k: counts[k] for k in LINE_KIND_TOTAL if counts[k]}
    chosen = lines if kind is None else [line for line in lines if line["kind"] == kind]
    pages = max(1, -(-len(chosen) // page_size))
    number = min(page, pages)
    start = (number - 1) * page_size
    shown = chosen[start : start + page_size]
    first = start + 1 if shown else 0
    return LinePage(shown, number, pages, first, start + len(shown), len(chosen), kind, kinds, page_size)
