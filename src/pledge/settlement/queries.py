"""Read models: a shop's balance, its programs and savings, the monthly statement (every line
with its clause, totals checked against the ledger) and the platform's reconciliation report."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform, require_shop
from pledge.aftersales.model import RefundStatus
from pledge.aftersales.tables import cases, refunds
from pledge.catalog.tables import shops
from pledge.compensation.tables import compensations
from pledge.kernel.errors import NotFound
from pledge.kernel.money import format_rate, format_yuan
from pledge.ledger import services as ledger
from pledge.ledger.tables import ledger_accounts, ledger_postings, ledger_transactions
from pledge.orders.model import CAPTURED_STATUSES
from pledge.orders.tables import orders, payments
from pledge.rulebooks.loader import Rulebook
from pledge.settlement import accounts, availability, deposits, freezes, policy
from pledge.settlement import programs as program_cases
from pledge.settlement.model import ApplicationStatus
from pledge.settlement.tables import (
    applications,
    fee_lines,
    fee_orders,
    fee_refunds,
    payouts,
    program_versions,
    programs,
    rebates,
    shop_terms,
)
from pledge.settlement.tables import (
    deposits as transfers,
)

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
)
KIND_TO_TOTAL = {kind: total for total, kind in TOTALS}


def shop_accounts(shop_id: int) -> list[str]:
    """The shop's money with the platform; moves among them (settle, freeze, release) net to zero."""
    return [ledger.shop_proceeds(shop_id), accounts.available(shop_id), accounts.deposit(shop_id), accounts.frozen(shop_id)]


def _shop_name(conn: Connection, shop_id: int) -> str:
    name = conn.execute(select(shops.c.name).where(shops.c.id == shop_id)).scalar()
    if name is None:
        raise NotFound(f"no shop {shop_id}")
    return name


def balance(conn: Connection, actor: Actor, book: Rulebook, shop_id: int, *, now: datetime) -> dict:
    """Pending, available, frozen (each freeze with its clause and release time) and payable
    proceeds; the deposit held against what is owed and why; when proceeds become available."""
    require_shop(actor, shop_id, read_only=True)
    name = _shop_name(conn, shop_id)
    rows = conn.execute(
        select(payouts).where(payouts.c.shop_id == shop_id).order_by(payouts.c.id.desc()).limit(50)
    ).all()
    held = deposits.deposit_view(conn, book, shop_id, now)
    avail = ledger.balance(conn, accounts.available(shop_id))
    waiting = freezes.waiting_fen(conn, shop_id)
    base_period = availability.period(book, [], zero_entry=held["zero_entry"], at=now)
    counting = policy.clauses_at(book, "settlement_counting", now)[0]
    return {
        "shop_id": shop_id,
        "shop_name": name,
        "pending_fen": ledger.balance(conn, ledger.shop_proceeds(shop_id)),
        "available_fen": avail,
        "frozen_fen": ledger.balance(conn, accounts.frozen(shop_id)),
        "waiting_for_freezes_fen": waiting,
        "payable_fen": max(avail - waiting, 0),
        "freezes": _with_clause_texts(book, freezes.shop_freezes(conn, shop_id, now=now)),
        **held,
        "availability_clause": base_period[1].id,
        "availability_days": base_period[0],
        "availability_text": base_period[1].text,
        "availability_text_en": base_period[1].text_en,
        "availability_counting": counting.text,
        "availability_counting_en": counting.text_en,
        "payouts": [
            {
                "id": p.id,
                "amount_fen": p.amount_fen,
                "status": p.status,
                "requested_at": p.requested_at,
                "sent_at": p.sent_at,
                "returned_at": p.returned_at,
                "return_reason": p.return_reason,
                "provider_ref": p.provider_ref,
            }
            for p in rows
        ],
    }


def _with_clause_texts(book: Rulebook, items: list[dict]) -> list[dict]:
    for item in items:
        found = [c for c in book.clauses if c.id == item["clause_id"]]
        item["clause_text"] = found[-1].text if found else item["clause_id"]
        item["clause_text_en"] = found[-1].text_en if found else item["clause_id"]
    return items


def program_view(row, *, with_history: list | None = None) -> dict:
    p = program_cases._program(row)
    view = {
        "id": p.id,
        "code": p.code,
        "kind": p.kind,
        "name": p.name,
        "name_en": row.name_en,
        "rate_bp": p.rate_bp,
        "rate": format_rate(p.rate_bp) if p.rate_bp is not None else None,
        "categories": list(p.categories),
        "shop_id": p.shop_id,
        "channel": p.channel,
        "params": p.params,
        "starts_at": p.starts_at,
        "ends_at": p.ends_at,
        "requires_application": p.requires_application,
        "version": p.version,
    }
    if with_history is not None:
        view["history"] = with_history
    return view


def list_programs(conn: Connection) -> list[dict]:
    return [
        program_view(r) for r in conn.execute(select(programs).order_by(programs.c.starts_at, programs.c.id))
    ]


def program_detail(conn: Connection, actor: Actor, program_id: int) -> dict:
    require_platform(actor, *accounts.FINANCE_ROLES)
    row = conn.execute(select(programs).where(programs.c.id == program_id)).first()
    if row is None:
        raise NotFound(f"no program {program_id}")
    from pledge.kernel import jsonutil

    history = [
        {
            "version": h.version,
            "note": h.note,
            "changed_at": h.changed_at,
            "changed_by": h.changed_by,
            "snapshot": jsonutil.loads(h.snapshot),
        }
        for h in conn.execute(
            select(program_versions)
            .where(program_versions.c.program_id == program_id)
            .order_by(program_versions.c.version)
        )
    ]
    return program_view(row, with_history=history)


def shop_programs(conn: Connection, actor: Actor, shop_id: int, *, now: datetime) -> dict:
    """Programs open to the shop, its applications, and what each program saved or returned it."""
    require_shop(actor, shop_id, read_only=True)
    _shop_name(conn, shop_id)
    apps = {
        r.program_id: r for r in conn.execute(select(applications).where(applications.c.shop_id == shop_id))
    }
    saved = dict(
        conn.execute(
            select(fee_lines.c.program_id, func.sum(fee_lines.c.standard_fee_fen - fee_lines.c.fee_fen))
            .join(fee_orders, fee_orders.c.order_id == fee_lines.c.order_id)
            .where(fee_orders.c.shop_id == shop_id, fee_lines.c.program_id.is_not(None))
            .group_by(fee_lines.c.program_id)
        ).all()
    )
    returned = dict(
        conn.execute(
            select(rebates.c.program_id, func.sum(rebates.c.amount_fen))
            .where(rebates.c.shop_id == shop_id)
            .group_by(rebates.c.program_id)
        ).all()
    )
    items = []
    for row in conn.execute(
        select(programs)
        .where(or_(programs.c.shop_id.is_(None), programs.c.shop_id == shop_id))
        .order_by(programs.c.starts_at, programs.c.id)
    ):
        view = program_view(row)
        app = apps.get(row.id)
        view["application"] = (
            {"id": app.id, "status": app.status, "applied_at": app.applied_at} if app else None
        )
        view["saved_fen"] = int(saved.get(row.id, 0) or 0)
        view["returned_fen"] = int(returned.get(row.id, 0) or 0)
        view["open"] = row.ends_at is None or row.ends_at > now
        items.append(view)
    return {
        "shop_id": shop_id,
        "programs": items,
        "saved_fen": sum(i["saved_fen"] for i in items),
        "returned_fen": sum(i["returned_fen"] for i in items),
    }


def pending_applications(conn: Connection, actor: Actor) -> list[dict]:
    require_platform(actor, *accounts.FINANCE_ROLES)
    return [
        dict(r._mapping)
        for r in conn.execute(
            select(
                applications.c.id,
                applications.c.shop_id,
                shops.c.name.label("shop_name"),
                applications.c.program_id,
                programs.c.code,
                programs.c.name.label("program_name"),
                applications.c.status,
                applications.c.note,
                applications.c.applied_at,
            )
            .join(shops, shops.c.id == applications.c.shop_id)
            .join(programs, programs.c.id == applications.c.program_id)
            .order_by(applications.c.status != ApplicationStatus.PENDING.value, applications.c.id.desc())
            .limit(200)
        )
    ]


def _ledger_by_kind(conn: Connection, shop_id: int, start: datetime, end: datetime) -> dict[str, int]:
    """Net movement of the shop's accounts in [start, end), by transaction kind."""
    ids = dict(
        conn.execute(
            select(ledger_accounts.c.id, ledger_accounts.c.code).where(
                ledger_accounts.c.code.in_(shop_accounts(shop_id))
            )
        ).all()
    )
    totals: dict[str, int] = defaultdict(int)
    if not ids:
        return totals
    p, t = ledger_postings.c, ledger_transactions.c
    rows = conn.execute(
        select(t.kind, p.debit_account_id, p.credit_account_id, p.amount_fen)
        .join(ledger_transactions, t.id == p.transaction_id)
        .where(
            t.created_at >= start,
            t.created_at < end,
            or_(p.debit_account_id.in_(ids), p.credit_account_id.in_(ids)),
        )
    )
    for kind, debit, credit, amount in rows:
        totals[kind] += (amount if credit in ids else 0) - (amount if debit in ids else 0)
    return totals


def _balance_until(conn: Connection, shop_id: int, until: datetime) -> int:
    return sum(_ledger_by_kind(conn, shop_id, datetime(1970, 1, 1, tzinfo=until.tzinfo), until).values())


def statement(conn: Connection, actor: Actor, book: Rulebook, shop_id: int, month: str) -> dict:
    """Every movement of the shop's money in a month, each with the clause behind it, and the
    totals recomputed from the ledger: `reconciled` is true when they agree to the fen."""
    require_shop(actor, shop_id, read_only=True)
    name = _shop_name(conn, shop_id)
    start, end = policy.month_bounds(month, book.timezone)
    lines: list[dict] = []

    def add(
        at,
        kind,
        amount,
        description,
        clause_id,
        clause_source="",
        order_id=None,
        extra="",
        *,
        zh: str,
    ):
        lines.append(
            {
                "at": at,
                "kind": kind,
                "order_id": order_id,
                "amount_fen": amount,
                "description": description,
                "description_zh": zh,
                "clause_id": clause_id,
                "clause_source": clause_source,
                "program": extra,
            }
        )

    base_clause = book.clause("commission.base")
    o = orders.c
    for r in conn.execute(
        select(o.id, o.paid_at, o.paid_fen, o.discount_fen, o.channel)
        .where(o.shop_id == shop_id, o.paid_at >= start, o.paid_at < end)
        .order_by(o.paid_at, o.id)
    ):
        add(
            r.paid_at,
            "sale",
            r.paid_fen + r.discount_fen,
            f"order paid {format_yuan(r.paid_fen)}"
            + (f" + coupon {format_yuan(r.discount_fen)}" if r.discount_fen else "")
            + f" ({r.channel})",
            base_clause.id,
            base_clause.source,
            r.id,
            zh=f"订单实付{format_yuan(r.paid_fen)}元"
            + (f" + 券{format_yuan(r.discount_fen)}元" if r.discount_fen else "")
            + f"（{r.channel}）",
        )
    code_of = dict(conn.execute(select(programs.c.id, programs.c.code)).all())
    f, fl = fee_orders.c, fee_lines.c
    for r in conn.execute(
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
        .where(f.shop_id == shop_id, f.charged_at >= start, f.charged_at < end)
        .order_by(f.charged_at, fl.id)
    ):
        waived = (
            f"; standard {format_rate(r.standard_rate_bp)} = {format_yuan(r.standard_fee_fen)}, saved "
            f"{format_yuan(r.standard_fee_fen - r.fee_fen)}"
            if r.program_id
            else ""
        )
        waived_zh = (
            f"；标准费率{format_rate(r.standard_rate_bp)} = {format_yuan(r.standard_fee_fen)}元，节省"
            f"{format_yuan(r.standard_fee_fen - r.fee_fen)}元"
            if r.program_id
            else ""
        )
        add(
            r.charged_at,
            "fee",
            -r.fee_fen,
            f"commission {format_rate(r.rate_bp)} of {format_yuan(r.base_fen)} ({r.category}){waived}",
            r.clause_id,
            r.clause_source,
            r.order_id,
            f"{code_of.get(r.program_id)} v{r.program_version}" if r.program_id else "",
            zh=f"技术服务费 {format_yuan(r.base_fen)}元 × {format_rate(r.rate_bp)}（{r.category}）{waived_zh}",
        )
    refund_clause = book.clause("commission.refund-pro-rata")
    for r in conn.execute(
        select(fee_refunds)
        .where(
            fee_refunds.c.shop_id == shop_id,
            fee_refunds.c.created_at >= start,
            fee_refunds.c.created_at < end,
        )
        .order_by(fee_refunds.c.created_at)
    ):
        add(
            r.created_at,
            "fee_refund",
            r.amount_fen,
            f"commission returned for refund {r.refund_id}: {r.note}",
            r.clause_id,
            refund_clause.source,
            r.order_id,
            zh=f"退款 {r.refund_id} 按比例退还技术服务费：{r.note}",
        )
    for r in conn.execute(
        select(
            refunds.c.id,
            refunds.c.order_id,
            refunds.c.amount_fen,
            refunds.c.completed_at,
            cases.c.clause_id,
            cases.c.clause_source,
        )
        .join(orders, o.id == refunds.c.order_id)
        .join(cases, cases.c.id == refunds.c.case_id)
        .where(
            o.shop_id == shop_id,
            refunds.c.status == RefundStatus.SUCCEEDED.value,
            refunds.c.payer == "merchant",
            refunds.c.completed_at >= start,
            refunds.c.completed_at < end,
        )
        .order_by(refunds.c.completed_at, refunds.c.id)
    ):
        add(
            r.completed_at,
            "refund",
            -r.amount_fen,
            f"refund {r.id} to the buyer",
            r.clause_id or "aftersales",
            r.clause_source,
            r.order_id,
            zh=f"退款 {r.id} 给买家",
        )
    k = compensations.c
    for r in conn.execute(
        select(
            k.order_id,
            k.amount_fen,
            k.clause_id,
            k.clause_source,
            k.created_at,
            k.explanation,
            k.explanation_zh,
        )
        .where(k.shop_id == shop_id, k.transaction_id.is_not(None), k.created_at >= start, k.created_at < end)
        .order_by(k.created_at)
    ):
        add(
            r.created_at,
            "deduction",
            -r.amount_fen,
            f"compensation to the buyer: {r.explanation}",
            r.clause_id,
            r.clause_source,
            r.order_id,
            zh=f"赔付买家：{r.explanation_zh}",
        )
    promo = book.clause("commission.promotions")
    for r in conn.execute(
        select(rebates)
        .where(rebates.c.shop_id == shop_id, rebates.c.created_at >= start, rebates.c.created_at < end)
        .order_by(rebates.c.created_at)
    ):
        if r.amount_fen:
            add(
                r.created_at,
                "rebate",
                r.amount_fen,
                f"{r.month} rebate: turnover {format_yuan(r.turnover_fen)} reached the {format_yuan(r.tier_min_fen)} tier, "
                f"{format_rate(r.share_bp)} of fees {format_yuan(r.fees_fen)} returned",
                promo.id,
                promo.source,
                None,
                f"{code_of.get(r.program_id)} v{r.program_version}",
                zh=f"{r.month} 返佣：成交额{format_yuan(r.turnover_fen)}元达到{format_yuan(r.tier_min_fen)}元档，"
                f"返还技术服务费{format_yuan(r.fees_fen)}元的{format_rate(r.share_bp)}",
            )
    avail = book.clause("settlement.available.ordinary")
    for r in conn.execute(
        select(payouts)
        .where(
            payouts.c.shop_id == shop_id,
            or_(
                and_(payouts.c.requested_at >= start, payouts.c.requested_at < end),
                and_(payouts.c.returned_at >= start, payouts.c.returned_at < end),
            ),
        )
        .order_by(payouts.c.id)
    ):
        if start <= r.requested_at < end:
            add(
                r.requested_at,
                "payout",
                -r.amount_fen,
                f"payout {r.id} to the bank account ({r.status})",
                avail.id,
                avail.source,
                zh=f"提现 {r.id} 至银行账户（{r.status}）",
            )
        if r.returned_at is not None and start <= r.returned_at < end:
            add(
                r.returned_at,
                "payout_return",
                r.amount_fen,
                f"payout {r.id} returned by the bank: {r.return_reason}",
                avail.id,
                avail.source,
                zh=f"提现 {r.id} 被银行退回：{r.return_reason}",
            )
    for r in conn.execute(
        select(transfers)
        .where(transfers.c.shop_id == shop_id, transfers.c.created_at >= start, transfers.c.created_at < end)
        .order_by(transfers.c.id)
    ):
        tier = deposits.required_deposit(conn, book, shop_id, r.created_at).base.clause
        add(
            r.created_at,
            "deposit",
            r.amount_fen,
            f"deposit transfer {r.reference}",
            tier.id,
            tier.source,
            zh=f"缴纳保证金 {r.reference}",
        )
    lines.sort(key=lambda l: (l["at"], l["order_id"] or 0))
    kind_total = {
        "sale": "sales",
        "fee": "fees",
        "fee_refund": "fee_refunds",
        "refund": "refunds",
        "deduction": "deductions",
        "rebate": "rebates",
        "payout": "payouts",
        "payout_return": "payout_returns",
        "deposit": "deposits",
    }
    totals = {name: 0 for name, _ in TOTALS}
    for line in lines:
        totals[kind_total[line["kind"]]] += line["amount_fen"]
    by_kind = _ledger_by_kind(conn, shop_id, start, end)
    for kind in set(conn.execute(select(k.kind).distinct()).scalars()) - {
        "late_ship"
    }:  # logistics rules' compensations
        by_kind["late_ship"] += by_kind.pop(kind, 0)
    ledger_totals = {name: int(by_kind.get(kind, 0)) for name, kind in TOTALS}
    unexplained = {k: v for k, v in by_kind.items() if k not in KIND_TO_TOTAL and k != "settle" and v}
    opening = _balance_until(conn, shop_id, start)
    net = sum(totals.values())
    return {
        "shop_id": shop_id,
        "shop_name": name,
        "month": month,
        "start": start,
        "end": end,
        "lines": lines,
        "totals": totals,
        "net_fen": net,
        "ledger_totals": ledger_totals,
        "ledger_unexplained": unexplained,
        "reconciled": totals == ledger_totals and not unexplained,
        "opening_fen": opening,
        "closing_fen": _balance_until(conn, shop_id, end),
        "rulebook": f"{book.name} {book.version}",
    }


def reconciliation(conn: Connection, actor: Actor, book: Rulebook, month: str, provider) -> dict:
    """Ledger vs the payment provider's records vs payouts, for one month."""
    require_platform(actor, *accounts.FINANCE_ROLES)
    start, end = policy.month_bounds(month, book.timezone)
    p, t, a = ledger_postings.c, ledger_transactions.c, ledger_accounts.c

    def moved(kind: str, *, into: str | None = None, out_of: str | None = None) -> int:
        account = conn.execute(select(a.id).where(a.code == (into or out_of))).scalar()
        if account is None:
            return 0
        side = p.credit_account_id if into else p.debit_account_id
        return int(
            conn.execute(
                select(func.coalesce(func.sum(p.amount_fen), 0))
                .join(ledger_transactions, t.id == p.transaction_id)
                .where(t.kind == kind, side == account, t.created_at >= start, t.created_at < end)
            ).scalar()
        )

    def summed(q) -> int:
        return int(conn.execute(q).scalar() or 0)

    captured = summed(
        select(func.sum(payments.c.amount_fen)).where(
            payments.c.status.in_([s.value for s in CAPTURED_STATUSES]),
            payments.c.captured_at >= start,
            payments.c.captured_at < end,
        )
    )
    refunded = summed(
        select(func.sum(refunds.c.amount_fen)).where(
            refunds.c.status == RefundStatus.SUCCEEDED.value,
            refunds.c.completed_at >= start,
            refunds.c.completed_at < end,
        )
    )
    fees = summed(
        select(func.sum(fee_orders.c.fee_fen)).where(
            fee_orders.c.charged_at >= start, fee_orders.c.charged_at < end
        )
    )
    fees_back = summed(
        select(func.sum(fee_refunds.c.amount_fen)).where(
            fee_refunds.c.created_at >= start, fee_refunds.c.created_at < end
        )
    )
    rebated = summed(
        select(func.sum(rebates.c.amount_fen)).where(
            rebates.c.created_at >= start, rebates.c.created_at < end
        )
    )
    sent_rows = conn.execute(
        select(payouts.c.provider_ref, payouts.c.amount_fen).where(
            payouts.c.sent_at >= start, payouts.c.sent_at < end
        )
    ).all()
    at_provider = provider.sent()
    rows = [
        ("payments captured", captured, moved("payment", out_of=ledger.PAYMENTS_IN), None),
        (
            "buyer refunds",
            refunded,
            moved("refund", into=ledger.PAYMENTS_IN) - _unmatched_refunds(conn, start, end),
            None,
        ),
        ("commission charged", fees, moved("fee", into=accounts.FEES), None),
        ("commission returned", fees_back, moved("fee_refund", out_of=accounts.FEES), None),
        ("rebates paid", rebated, moved("rebate", out_of=accounts.REBATES), None),
        (
            "payouts sent",
            sum(r.amount_fen for r in sent_rows),
            moved("payout_sent", into=accounts.BANK),
            sum(at_provider.get(r.provider_ref, 0) for r in sent_rows),
        ),
    ]
    items = []
    for name, pledge_fen, ledger_fen, provider_fen in rows:
        ok = pledge_fen == ledger_fen and (provider_fen is None or provider_fen == pledge_fen)
        items.append(
            {
                "item": name,
                "records_fen": pledge_fen,
                "ledger_fen": ledger_fen,
                "provider_fen": provider_fen,
                "difference_fen": ledger_fen - pledge_fen,
                "ok": ok,
            }
        )
    return {
        "month": month,
        "items": items,
        "ok": all(i["ok"] for i in items),
        "trial_balance_zero": sum(ledger.trial_balance(conn).values()) == 0,
        "fees_balance_fen": ledger.balance(conn, accounts.FEES),
        "in_transit_fen": ledger.balance(conn, accounts.IN_TRANSIT),
    }


def _unmatched_refunds(conn: Connection, start: datetime, end: datetime) -> int:
    """Refunds of payments captured for cancelled checkouts (payments.services) are not buyer
    refunds of orders; the ledger books them under the same kind."""
    t, p = ledger_transactions.c, ledger_postings.c
    return int(
        conn.execute(
            select(func.coalesce(func.sum(p.amount_fen), 0))
            .join(ledger_transactions, t.id == p.transaction_id)
            .where(
                t.kind == "refund",
                t.idempotency_key.like("payment-refund:%"),
                t.created_at >= start,
                t.created_at < end,
            )
        ).scalar()
    )


def finance_overview(conn: Connection, actor: Actor) -> dict:
    require_platform(actor, *accounts.FINANCE_ROLES)
    recent = [
        dict(r._mapping)
        for r in conn.execute(
            select(
                payouts.c.id,
                payouts.c.shop_id,
                shops.c.name.label("shop_name"),
                payouts.c.amount_fen,
                payouts.c.status,
                payouts.c.requested_at,
                payouts.c.sent_at,
                payouts.c.returned_at,
                payouts.c.provider_ref,
            )
            .join(shops, shops.c.id == payouts.c.shop_id)
            .order_by(payouts.c.id.desc())
            .limit(100)
        )
    ]
    zero_entry = [
        dict(r._mapping)
        for r in conn.execute(
            select(shops.c.id.label("shop_id"), shops.c.name.label("shop_name"))
            .join(shop_terms, shop_terms.c.shop_id == shops.c.id)
            .where(shop_terms.c.zero_entry.is_(True))
            .order_by(shops.c.id)
        )
    ]
    return {
        "programs": list_programs(conn),
        "applications": pending_applications(conn, actor),
        "payouts": recent,
        "freezes": freezes.active_freezes(conn),
        "zero_entry_shops": zero_entry,
    }
