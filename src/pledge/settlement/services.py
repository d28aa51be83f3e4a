"""Settlement use cases. Money moves only through ledger transactions whose idempotency keys
come from their cause, and every step first claims its rows with an insert or a conditional
update that only one transaction can win, so retries and concurrent workers act once:

    fee:{order_id}              proceeds -> platform:fees            (commission, when paid)
    fee-refund:{refund_id}      platform:fees -> proceeds            (pro rata, after-sales period)
    settle:{order_id}:{entry}   proceeds -> available, or available/deposit -> proceeds (a shortfall)
    rebate:{program}:{shop}:{YYYY-MM}  platform:rebates -> available (month end)
    deposit:{id}                external:bank -> deposit
    payout:{id}                 available -> platform:payouts-in-transit
    payout-sent:{id}            platform:payouts-in-transit -> external:bank
    payout-return:{id}          external:bank -> available            (the bank sent it back)
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from pledge.accounts.services import Actor, require_platform, require_shop
from pledge.aftersales.tables import cases, refunds
from pledge.catalog.tables import categories, products, shops
from pledge.guarantees.tables import compensations
from pledge.kernel.db import dialect_insert
from pledge.kernel import jsonutil
from pledge.kernel.money import format_yuan
from pledge.kernel.clock import FIRST_YEAR, LAST_YEAR, UTC, zone
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.kernel.limits import MAX_AMOUNT_FEN
from pledge.ledger import services as ledger
from pledge.ledger.tables import coupons, ledger_postings, ledger_transactions
from pledge.orders.model import PAID_STATUSES
from pledge.orders.services import CHANNELS
from pledge.orders.tables import order_lines, orders
from pledge.rulebooks.loader import Rulebook
from pledge.settlement import policy
from pledge.settlement.tables import (applications, deposits, entries, fee_lines, fee_orders, fee_refunds,
                                      program_versions, payouts, programs, rebates)

FEES = "platform:fees"
REBATES = "platform:rebates"
IN_TRANSIT = "platform:payouts-in-transit"
BANK = "external:bank"
FINANCE_ROLES = ("finance", "operator")
OPEN_CASE = ("requested", "approved", "rejected", "escalated", "awaiting_return", "return_shipped", "return_received")
PAID = tuple(s.value for s in PAID_STATUSES)


def available(shop_id: int) -> str:
    return f"shop:{shop_id}:available"


def deposit(shop_id: int) -> str:
    return f"shop:{shop_id}:deposit"


def month_of(at: datetime, tz: str) -> str:
    return at.astimezone(zone(tz)).strftime("%Y-%m")


def month_bounds(month: str, tz: str) -> tuple[datetime, datetime]:
    """[start, end) of a platform-calendar month, in UTC."""
    try:
        y, m = int(month[:4]), int(month[5:7])
        if len(month) != 7 or month[4] != "-" or not 1 <= m <= 12 or not FIRST_YEAR <= y <= LAST_YEAR:
            raise ValueError
    except ValueError:
        raise InvalidInput(f"a month is written YYYY-MM, got {month!r}") from None
    z = zone(tz)
    following = policy.next_month(month)
    start = datetime(y, m, 1, tzinfo=z)
    end = datetime(int(following[:4]), int(following[5:7]), 1, tzinfo=z)
    return start.astimezone(UTC), end.astimezone(UTC)


def available_at(book: Rulebook, delivered_at: datetime) -> tuple[datetime, object]:
    """When a delivered order's proceeds become available (settlement.available-after-aftersales)."""
    clause = book.clause("settlement.available-after-aftersales")
    z = zone(book.timezone)
    local = delivered_at.astimezone(z)
    midnight = datetime(local.year, local.month, local.day, tzinfo=z) + timedelta(days=1)
    return midnight + timedelta(hours=int(clause.get("hours"))), clause


# ------------------------------------------------------------------ programs

def _program(row) -> policy.Program:  # noqa: ANN001
    return policy.Program(row.id, row.code, row.kind, row.name, row.rate_bp, tuple(jsonutil.loads(row.categories) or []),
                          row.shop_id, row.channel, jsonutil.loads(row.params) or {}, row.starts_at, row.ends_at,
                          row.requires_application, row.version)


def load_programs(conn: Connection, kinds: tuple[str, ...] = policy.PROGRAM_KINDS) -> list[policy.Program]:
    return [_program(r) for r in conn.execute(select(programs).where(programs.c.kind.in_(kinds)).order_by(programs.c.id))]


@dataclass(frozen=True)
class ProgramSpec:
    code: str
    kind: str
    name: str
    name_en: str
    starts_at: datetime
    ends_at: datetime | None = None
    rate_bp: int | None = None
    categories: tuple[str, ...] = ()
    shop_id: int | None = None
    channel: str | None = None
    requires_application: bool = False
    tiers: tuple[tuple[int, int], ...] = ()
    task_orders: int | None = None
    days: int | None = None


def _check_spec(spec: ProgramSpec) -> dict:
    if spec.kind not in policy.PROGRAM_KINDS:
        raise InvalidInput(f"unknown program kind {spec.kind!r}; one of {', '.join(policy.PROGRAM_KINDS)}")
    if not spec.code.strip() or not spec.name.strip():
        raise InvalidInput("a program needs a code and a name")
    if spec.ends_at is not None and spec.ends_at <= spec.starts_at:
        raise InvalidInput(f"the program ends ({spec.ends_at.isoformat()}) before it starts ({spec.starts_at.isoformat()})")
    if spec.channel is not None and spec.channel not in CHANNELS:
        raise InvalidInput(f"unknown channel {spec.channel!r}; one of {', '.join(CHANNELS)}")
    params: dict = {}
    if spec.kind in policy.WAIVER_KINDS:
        if spec.rate_bp is None or type(spec.rate_bp) is not int:
            raise InvalidInput("a waiver needs the residual rate it keeps, in basis points (60 = 0.6%)")
        if spec.rate_bp < 0 or spec.rate_bp > 10_000:
            raise InvalidInput(f"a rate must be between 0 and 10000 bp (0%–100%), got {spec.rate_bp}")
    elif spec.rate_bp is not None:
        raise InvalidInput("a turnover rebate has tiers, not a rate")
    if spec.kind == "task_waiver":
        if not spec.task_orders or spec.task_orders <= 0:
            raise InvalidInput("a monthly-task waiver needs the number of orders to reach in a month (task_orders > 0)")
        params["task_orders"] = spec.task_orders
    if spec.kind == "new_merchant":
        if not spec.days or spec.days <= 0:
            raise InvalidInput("a new-merchant waiver needs the number of days after joining it lasts (days > 0)")
        params["days"] = spec.days
    if spec.kind == "turnover_rebate":
        params["tiers"] = policy.validate_tiers(list(spec.tiers))
        if not params["tiers"]:
            raise InvalidInput("a turnover rebate needs at least one tier")
    return params


def _overlapping(conn: Connection, spec: ProgramSpec, exclude_id: int | None = None) -> policy.Program | None:
    for p in load_programs(conn, (spec.kind,)):
        if p.id == exclude_id or p.shop_id != spec.shop_id or p.channel != spec.channel:
            continue
        if p.categories and spec.categories and not set(p.categories) & set(spec.categories):
            continue
        if (spec.ends_at is None or p.starts_at < spec.ends_at) and (p.ends_at is None or spec.starts_at < p.ends_at):
            return p
    return None


def _snapshot(row) -> str:  # noqa: ANN001
    keys = ("code", "kind", "name", "name_en", "rate_bp", "categories", "shop_id", "channel", "params", "starts_at",
            "ends_at", "requires_application", "version")
    return jsonutil.dumps({k: (jsonutil.loads(getattr(row, k)) if k in ("categories", "params") else getattr(row, k))
                           for k in keys})


def create_program(conn: Connection, actor: Actor, spec: ProgramSpec, *, at: datetime, note: str = "") -> int:
    require_platform(actor, *FINANCE_ROLES)
    params = _check_spec(spec)
    if conn.execute(select(programs.c.id).where(programs.c.code == spec.code)).first():
        raise Conflict(f"a program with code {spec.code!r} already exists")
    clash = _overlapping(conn, spec)
    if clash is not None:
        raise Conflict(f"program {clash.code} ({clash.name}) already covers the same scope from "
                       f"{clash.starts_at.date()} to {clash.ends_at.date() if clash.ends_at else 'open end'}; "
                       "end it first or change this one's dates", program_id=clash.id)
    program_id = conn.execute(programs.insert().values(
        code=spec.code.strip(), kind=spec.kind, name=spec.name.strip(), name_en=spec.name_en.strip() or spec.name.strip(),
        rate_bp=spec.rate_bp, categories=jsonutil.dumps(list(spec.categories)), shop_id=spec.shop_id, channel=spec.channel,
        params=jsonutil.dumps(params), starts_at=spec.starts_at, ends_at=spec.ends_at,
        requires_application=spec.requires_application, version=1, created_at=at, updated_at=at)).inserted_primary_key[0]
    row = conn.execute(select(programs).where(programs.c.id == program_id)).one()
    conn.execute(program_versions.insert(), {"program_id": program_id, "version": 1, "snapshot": _snapshot(row),
                                             "note": note or "created", "changed_by": actor.user_id, "changed_at": at})
    return program_id


def update_program(conn: Connection, actor: Actor, program_id: int, *, at: datetime, note: str = "",
                   **changes) -> int:  # noqa: ANN003
    """A configuration change (more categories, a new end date, a new rate...) as a new version;
    fees already charged keep the version they cite. Returns the new version."""
    require_platform(actor, *FINANCE_ROLES)
    row = conn.execute(select(programs).where(programs.c.id == program_id)).first()
    if row is None:
        raise NotFound(f"no program {program_id}")
    current = _program(row)
    allowed = {"name", "name_en", "rate_bp", "categories", "channel", "starts_at", "ends_at", "requires_application",
               "tiers", "task_orders", "days"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(f"cannot change {', '.join(sorted(unknown))} of a program")
    spec = ProgramSpec(
        code=row.code, kind=row.kind, name=changes.get("name", row.name), name_en=changes.get("name_en", row.name_en),
        starts_at=changes.get("starts_at", row.starts_at), ends_at=changes.get("ends_at", row.ends_at),
        rate_bp=changes.get("rate_bp", row.rate_bp), categories=tuple(changes.get("categories", current.categories)),
        shop_id=row.shop_id, channel=changes.get("channel", row.channel),
        requires_application=changes.get("requires_application", row.requires_application),
        tiers=tuple(tuple(t) for t in changes.get("tiers", current.params.get("tiers", []))),
        task_orders=changes.get("task_orders", current.params.get("task_orders")), days=changes.get("days", current.params.get("days")))
    params = _check_spec(spec)
    clash = _overlapping(conn, spec, exclude_id=program_id)
    if clash is not None:
        raise Conflict(f"program {clash.code} ({clash.name}) already covers the same scope in those dates", program_id=clash.id)
    version = row.version + 1
    moved = conn.execute(programs.update().where(programs.c.id == program_id, programs.c.version == row.version).values(
        name=spec.name, name_en=spec.name_en, rate_bp=spec.rate_bp, categories=jsonutil.dumps(list(spec.categories)),
        channel=spec.channel, params=jsonutil.dumps(params), starts_at=spec.starts_at, ends_at=spec.ends_at,
        requires_application=spec.requires_application, version=version, updated_at=at)).rowcount
    if moved != 1:
        raise Conflict(f"program {program_id} changed while it was being edited; reload and try again")
    row = conn.execute(select(programs).where(programs.c.id == program_id)).one()
    conn.execute(program_versions.insert(), {"program_id": program_id, "version": version, "snapshot": _snapshot(row),
                                             "note": note, "changed_by": actor.user_id, "changed_at": at})
    return version


def apply_to_program(conn: Connection, actor: Actor, shop_id: int, program_id: int, *, at: datetime, note: str = "") -> int:
    require_shop(actor, shop_id)
    row = conn.execute(select(programs).where(programs.c.id == program_id)).first()
    if row is None:
        raise NotFound(f"no program {program_id}")
    if not row.requires_application:
        raise Conflict(f"program {row.code} applies without an application")
    if row.shop_id is not None and row.shop_id != shop_id:
        raise NotFound(f"no program {program_id}")
    if row.ends_at is not None and row.ends_at <= at:
        raise Conflict(f"program {row.code} has ended")
    if conn.execute(select(applications.c.id).where(applications.c.program_id == program_id,
                                                    applications.c.shop_id == shop_id)).first():
        raise Conflict(f"shop {shop_id} has already applied to program {row.code}")
    return conn.execute(applications.insert().values(program_id=program_id, shop_id=shop_id, status="pending", note=note,
                                                     applied_by=actor.user_id, applied_at=at)).inserted_primary_key[0]


def decide_application(conn: Connection, actor: Actor, application_id: int, *, approve: bool, at: datetime) -> str:
    require_platform(actor, *FINANCE_ROLES)
    status = "approved" if approve else "rejected"
    moved = conn.execute(applications.update().where(applications.c.id == application_id, applications.c.status == "pending")
                         .values(status=status, decided_by=actor.user_id, decided_at=at)).rowcount
    if moved != 1:
        if conn.execute(select(applications.c.id).where(applications.c.id == application_id)).first() is None:
            raise NotFound(f"no application {application_id}")
        raise Conflict(f"application {application_id} has already been decided")
    return status


# ------------------------------------------------------------------ fees

def shop_facts(conn: Connection, shop_ids: set[int], months: set[str], book: Rulebook,
                task_channels: set[str]) -> dict[int, policy.ShopFacts]:
    joined = dict(conn.execute(select(shops.c.id, shops.c.created_at).where(shops.c.id.in_(shop_ids))).all())
    if shop_ids - joined.keys():
        raise NotFound(f"no shop {', '.join(str(i) for i in sorted(shop_ids - joined.keys()))}")
    approved: dict[int, set[int]] = defaultdict(set)
    for r in conn.execute(select(applications.c.shop_id, applications.c.program_id)
                          .where(applications.c.shop_id.in_(shop_ids), applications.c.status == "approved")):
        approved[r.shop_id].add(r.program_id)
    counts: dict[int, dict] = defaultdict(dict)
    if task_channels:
        for month in {policy.previous_month(m) for m in months}:
            start, end = month_bounds(month, book.timezone)
            for r in conn.execute(select(orders.c.shop_id, orders.c.channel, func.count()).where(
                    orders.c.shop_id.in_(shop_ids), orders.c.status.in_(PAID), orders.c.paid_at >= start,
                    orders.c.paid_at < end).group_by(orders.c.shop_id, orders.c.channel)):
                counts[r[0]][(month, r[1])] = int(r[2])
    return {s: policy.ShopFacts(joined[s], frozenset(approved[s]), counts[s]) for s in shop_ids}


def charge_fees(conn: Connection, book: Rulebook, *, now: datetime, batch: int = 1000) -> int:
    """Commission for paid orders not charged yet: one fee row per order line, one claim row
    per order (the claim wins once), one ledger transaction fee:{order_id}. Returns orders charged."""
    o = orders.c
    due = conn.execute(select(o.id, o.shop_id, o.paid_at, o.paid_fen, o.discount_fen, o.coupon_id, o.channel)
                       .outerjoin(fee_orders, fee_orders.c.order_id == o.id)
                       .where(o.status.in_(PAID + ("cancelled",)), o.paid_at.is_not(None), o.paid_at <= now, fee_orders.c.order_id.is_(None))
                       .order_by(o.id).limit(batch)).all()
    if not due:
        return 0
    ids = [d.id for d in due]
    parent = aliased(categories)
    lines: dict[int, list] = defaultdict(list)
    for r in conn.execute(select(order_lines.c.id, order_lines.c.order_id, order_lines.c.line_total_fen,
                                 categories.c.name, parent.c.name.label("parent_name"))
                          .join(products, products.c.id == order_lines.c.product_id)
                          .join(categories, categories.c.id == products.c.category_id)
                          .outerjoin(parent, parent.c.id == categories.c.parent_id)
                          .where(order_lines.c.order_id.in_(ids)).order_by(order_lines.c.id)):
        lines[r.order_id].append(r)
    coupon_ids = {d.coupon_id for d in due if d.coupon_id is not None}
    funders = dict(conn.execute(select(coupons.c.id, coupons.c.funded_by).where(coupons.c.id.in_(coupon_ids))).all()) \
        if coupon_ids else {}
    progs = load_programs(conn, policy.WAIVER_KINDS)
    months = {month_of(d.paid_at, book.timezone) for d in due}
    facts = shop_facts(conn, {d.shop_id for d in due}, months, book,
                        {p.channel or "" for p in progs if p.kind == "task_waiver"})
    claims, line_rows, entry_rows = [], [], []
    for d in due:
        month = month_of(d.paid_at, book.timezone)
        counted_discount = d.discount_fen if d.coupon_id is not None and funders.get(d.coupon_id) != "merchant" else 0
        base = policy.commission_base(d.paid_fen, platform_coupon_fen=counted_discount)
        parts = policy.allocate(base, [l.line_total_fen for l in lines[d.id]])
        fee = standard = 0
        for line, line_base in zip(lines[d.id], parts):
            cats = [line.name] + ([line.parent_name] if line.parent_name else [])
            rate = policy.line_rate(book, progs, facts[d.shop_id], categories=cats, shop_id=d.shop_id, channel=d.channel,
                                    paid_at=d.paid_at, month=month)
            line_fee, line_standard = policy.fee_of(line_base, rate.rate_bp), policy.fee_of(line_base, int(rate.standard.get("rate_bp")))
            fee += line_fee
            standard += line_standard
            line_rows.append({"order_id": d.id, "order_line_id": line.id, "category": line.name, "base_fen": line_base,
                              "standard_rate_bp": int(rate.standard.get("rate_bp")), "rate_bp": rate.rate_bp,
                              "fee_fen": line_fee, "standard_fee_fen": line_standard, "clause_id": rate.standard.id,
                              "clause_source": rate.standard.source,
                              "program_id": rate.program.id if rate.program else None,
                              "program_version": rate.program.version if rate.program else None})
        claims.append({"order_id": d.id, "shop_id": d.shop_id, "month": month, "channel": d.channel, "paid_fen": d.paid_fen,
                       "base_fen": base, "fee_fen": fee, "standard_fee_fen": standard, "charged_at": now})
    stmt = dialect_insert(conn)(fee_orders).on_conflict_do_nothing(index_elements=["order_id"]).returning(fee_orders.c.order_id)
    won = {r.order_id for r in conn.execute(stmt, claims)}
    if not won:
        return 0
    conn.execute(fee_lines.insert(), [r for r in line_rows if r["order_id"] in won])
    by_id = {d.id: d for d in due}
    won_claims = [c for c in claims if c["order_id"] in won]
    for c in won_claims:
        d = by_id[c["order_id"]]
        entry_rows.append({"shop_id": d.shop_id, "order_id": d.id, "kind": "sale", "ref_id": d.id,
                           "amount_fen": d.paid_fen + d.discount_fen, "created_at": now})
        if c["fee_fen"]:
            entry_rows.append({"shop_id": d.shop_id, "order_id": d.id, "kind": "fee", "ref_id": d.id,
                               "amount_fen": -c["fee_fen"], "created_at": now})
    conn.execute(entries.insert(), entry_rows)
    _record_many(conn, now, [(f"fee:{c['order_id']}", "fee", f"commission on order {c['order_id']}",
                              ledger.shop_proceeds(c["shop_id"]), FEES, c["fee_fen"]) for c in won_claims if c["fee_fen"]])
    return len(won)


def _record_many(conn: Connection, at: datetime, txs: list[tuple]) -> None:
    """Many one-posting transactions (key, kind, memo, debit, credit, amount[, at]) in three statements."""
    if not txs:
        return
    for t in txs:
        ledger.validate([ledger.Posting(t[3], t[4], t[5])])
    accounts = ledger.account_ids(conn, {t[3] for t in txs} | {t[4] for t in txs})
    tx_ids = {r.idempotency_key: r.id for r in conn.execute(
        ledger_transactions.insert().returning(ledger_transactions.c.id, ledger_transactions.c.idempotency_key),
        [{"idempotency_key": t[0], "kind": t[1], "memo": t[2], "created_at": t[6] if len(t) > 6 else at} for t in txs])}
    conn.execute(ledger_postings.insert(), [{"transaction_id": tx_ids[t[0]], "debit_account_id": accounts[t[3]],
                                             "credit_account_id": accounts[t[4]], "amount_fen": t[5]} for t in txs])


def refund_fees(conn: Connection, book: Rulebook, *, now: datetime, batch: int = 1000) -> int:
    """For each succeeded refund of a charged order: the fee it returns, pro rata, exactly once
    (claim row per refund). Within the after-sales period (the order is not settled yet) the
    fee comes back; after it nothing does (commission.refund-pro-rata)."""
    clause = book.clause("commission.refund-pro-rata")
    r, f = refunds.c, fee_orders.c
    due = conn.execute(select(r.id, r.order_id, r.amount_fen, r.payer, f.shop_id, f.fee_fen, f.paid_fen, f.settled_at)
                       .join(fee_orders, f.order_id == r.order_id)
                       .outerjoin(fee_refunds, fee_refunds.c.refund_id == r.id)
                       .where(r.status == "succeeded", fee_refunds.c.refund_id.is_(None))
                       .order_by(r.id).limit(batch)).all()
    if not due:
        return 0
    earlier: dict[int, list] = defaultdict(list)
    for row in conn.execute(select(r.id, r.order_id, r.amount_fen).where(
            r.order_id.in_({d.order_id for d in due}), r.status == "succeeded").order_by(r.id)):
        earlier[row.order_id].append(row)
    claims = []
    for d in due:
        before = sum(x.amount_fen for x in earlier[d.order_id] if x.id < d.id)
        if d.settled_at is None:
            amount, note = policy.fee_refund_of(d.fee_fen, d.paid_fen, before, d.amount_fen), "pro rata"
        else:
            amount, note = 0, "refunded after the after-sales period: the fee stays charged"
        claims.append({"refund_id": d.id, "order_id": d.order_id, "shop_id": d.shop_id, "amount_fen": amount,
                       "clause_id": clause.id, "note": note, "created_at": now})
    stmt = dialect_insert(conn)(fee_refunds).on_conflict_do_nothing(index_elements=["refund_id"]).returning(fee_refunds.c.refund_id)
    won = {x.refund_id for x in conn.execute(stmt, claims)}
    by_id = {d.id: d for d in due}
    rows = []
    for c in claims:
        if c["refund_id"] not in won:
            continue
        d = by_id[c["refund_id"]]
        if d.payer == "merchant":
            rows.append({"shop_id": d.shop_id, "order_id": d.order_id, "kind": "refund", "ref_id": d.id,
                         "amount_fen": -d.amount_fen, "created_at": now})
        if c["amount_fen"]:
            rows.append({"shop_id": d.shop_id, "order_id": d.order_id, "kind": "fee_refund", "ref_id": d.id,
                         "amount_fen": c["amount_fen"], "created_at": now})
    if rows:
        conn.execute(entries.insert(), rows)
    _record_many(conn, now, [(f"fee-refund:{c['refund_id']}", "fee_refund", f"fee returned for refund {c['refund_id']}",
                              FEES, ledger.shop_proceeds(c["shop_id"]), c["amount_fen"])
                             for c in claims if c["refund_id"] in won and c["amount_fen"]])
    return len(won)


def collect_deductions(conn: Connection, *, now: datetime) -> int:
    """Compensations debited from a charged order's proceeds (late shipment, logistics rules)
    become settlement entries."""
    k = compensations.c
    found = conn.execute(select(k.id, k.order_id, k.shop_id, k.amount_fen)
                         .join(fee_orders, fee_orders.c.order_id == k.order_id)
                         .outerjoin(entries, and_(entries.c.kind == "deduction", entries.c.ref_id == k.id))
                         .where(entries.c.id.is_(None), k.transaction_id.is_not(None), k.amount_fen > 0)).all()
    if not found:
        return 0
    stmt = dialect_insert(conn)(entries).on_conflict_do_nothing(index_elements=["kind", "ref_id"]).returning(entries.c.id)
    return len(conn.execute(stmt, [{"shop_id": c.shop_id, "order_id": c.order_id, "kind": "deduction", "ref_id": c.id,
                                    "amount_fen": -c.amount_fen, "created_at": now} for c in found]).all())


def _lock_shop(conn: Connection, shop_id: int) -> None:
    conn.execute(select(shops.c.id).where(shops.c.id == shop_id).with_for_update()).first()


def settle(conn: Connection, book: Rulebook, *, now: datetime, batch: int = 1000) -> int:
    """Orders past delivery + the after-sales period (or cancelled after payment, e.g. by an
    instant refund) with no open case: their unsettled entries
    are claimed (conditional update) and the net moves from pending proceeds to available; a
    negative net is taken from available, then from the deposit (settlement.deductions).
    Entries that arrive after an order settled are settled the same way on the next pass."""
    clause = book.clause("settlement.available-after-aftersales")
    hours = int(clause.get("hours"))
    f, o, e = fee_orders.c, orders.c, entries.c
    open_case = select(cases.c.id).where(cases.c.order_id == o.id, cases.c.status.in_(OPEN_CASE)).exists()
    candidates = conn.execute(
        select(f.order_id, f.shop_id, o.delivered_at, o.status, f.settled_at).join(orders, o.id == f.order_id)
        .where(~open_case, (o.delivered_at <= now - timedelta(hours=hours)) | (o.status == "cancelled")
               | f.settled_at.is_not(None),
               select(e.id).where(e.order_id == f.order_id, e.settled_at.is_(None)).exists())
        .order_by(f.order_id).limit(batch)).all()
    due = {c.order_id: c.shop_id for c in candidates  # a cancelled (paid, never delivered) order settles at once
           if c.settled_at is not None or c.delivered_at is None or available_at(book, c.delivered_at)[0] <= now}
    if not due:
        return 0
    # Lock the entries in id order first, so concurrent workers queue instead of deadlocking (PostgreSQL).
    conn.execute(select(e.id).where(e.order_id.in_(list(due)), e.settled_at.is_(None)).order_by(e.id).with_for_update()).all()
    claimed = conn.execute(entries.update().where(e.order_id.in_(list(due)), e.settled_at.is_(None))
                           .values(settled_at=now).returning(e.id, e.order_id, e.amount_fen)).all()
    net: dict[int, int] = defaultdict(int)
    first: dict[int, int] = {}
    for x in claimed:
        net[x.order_id] += x.amount_fen
        first[x.order_id] = min(first.get(x.order_id, x.id), x.id)
    memo = f"settled: {clause.id}"
    _record_many(conn, now, [(f"settle:{o}:{first[o]}", "settle", f"order {o} {memo}", ledger.shop_proceeds(due[o]),
                              available(due[o]), amount) for o, amount in sorted(net.items()) if amount > 0])
    for order_id, amount in sorted(net.items()):
        if amount < 0:
            _cover_shortfall(conn, due[order_id], -amount, key=f"settle:{order_id}:{first[order_id]}",
                             memo=f"order {order_id} {memo}", at=now)
    conn.execute(fee_orders.update().where(f.order_id.in_(list(due)), f.settled_at.is_(None)).values(settled_at=now))
    return len(net)


def _cover_shortfall(conn: Connection, shop_id: int, short: int, *, key: str, memo: str, at: datetime) -> None:
    """A negative net (deductions and refunds beyond the order's proceeds) is taken from the
    available balance first, then from the deposit (settlement.deductions); what neither covers
    stays owed in the pending proceeds."""
    _lock_shop(conn, shop_id)
    proceeds, avail = ledger.shop_proceeds(shop_id), available(shop_id)
    from_available = min(max(ledger.balance(conn, avail), 0), short)
    from_deposit = min(max(ledger.balance(conn, deposit(shop_id)), 0), short - from_available)
    postings = ([ledger.Posting(avail, proceeds, from_available)] if from_available else []) + \
        ([ledger.Posting(deposit(shop_id), proceeds, from_deposit)] if from_deposit else [])
    if postings:
        ledger.record(conn, key=key, kind="settle", memo=memo, postings=postings, at=at)


# ------------------------------------------------------------------ rebates

def compute_rebates(conn: Connection, book: Rulebook, month: str, *, now: datetime) -> int:
    """Turnover-tiered rebates for a finished month: for each rebate program in force that month,
    each shop in scope gets share_bp of its month's net commission, by the highest turnover tier
    it reached; once per (program, shop, month). Returns rows written."""
    start, end = month_bounds(month, book.timezone)
    if now < end:
        raise Conflict(f"{month} has not ended yet; rebates are computed at month end")
    f = fee_orders.c
    done = 0
    for p in load_programs(conn, ("turnover_rebate",)):
        if not (p.starts_at < end and (p.ends_at is None or start < p.ends_at)):
            continue
        already = set(conn.execute(select(rebates.c.shop_id).where(rebates.c.program_id == p.id, rebates.c.month == month)).scalars())
        q = select(f.order_id, f.shop_id, f.channel, f.paid_fen, f.fee_fen).where(f.month == month)
        if p.shop_id is not None:
            q = q.where(f.shop_id == p.shop_id)
        if p.channel is not None:
            q = q.where(f.channel == p.channel)
        if p.requires_application:
            q = q.where(f.shop_id.in_(select(applications.c.shop_id).where(applications.c.program_id == p.id,
                                                                            applications.c.status == "approved")))
        if p.categories:
            parent = aliased(categories)
            q = q.where(select(fee_lines.c.id).join(order_lines, order_lines.c.id == fee_lines.c.order_line_id)
                        .join(products, products.c.id == order_lines.c.product_id)
                        .join(categories, categories.c.id == products.c.category_id)
                        .outerjoin(parent, parent.c.id == categories.c.parent_id)
                        .where(fee_lines.c.order_id == f.order_id,
                               categories.c.name.in_(p.categories) | parent.c.name.in_(p.categories)).exists())
        rows = [r for r in conn.execute(q) if r.shop_id not in already]
        if not rows:
            continue
        order_ids = [r.order_id for r in rows]
        refunded = dict(conn.execute(select(refunds.c.order_id, func.sum(refunds.c.amount_fen)).where(
            refunds.c.order_id.in_(order_ids), refunds.c.status == "succeeded", refunds.c.completed_at < end)
            .group_by(refunds.c.order_id)).all())
        fee_back = dict(conn.execute(select(fee_refunds.c.order_id, func.sum(fee_refunds.c.amount_fen)).where(
            fee_refunds.c.order_id.in_(order_ids)).group_by(fee_refunds.c.order_id)).all())
        turnover: dict[int, int] = defaultdict(int)
        fees: dict[int, int] = defaultdict(int)
        for r in rows:
            turnover[r.shop_id] += r.paid_fen - int(refunded.get(r.order_id, 0))
            fees[r.shop_id] += r.fee_fen - int(fee_back.get(r.order_id, 0))
        claims = []
        for shop_id in sorted(turnover):
            tier_min, share = policy.rebate_tier(p.tiers(), turnover[shop_id])
            claims.append({"program_id": p.id, "program_version": p.version, "shop_id": shop_id, "month": month,
                           "turnover_fen": turnover[shop_id], "fees_fen": fees[shop_id], "tier_min_fen": tier_min,
                           "share_bp": share, "amount_fen": max(fees[shop_id], 0) * share // 10_000, "created_at": now})
        stmt = dialect_insert(conn)(rebates).on_conflict_do_nothing(index_elements=["program_id", "shop_id", "month"]) \
            .returning(rebates.c.shop_id)
        won = {x.shop_id for x in conn.execute(stmt, claims)}
        _record_many(conn, now, [(f"rebate:{p.id}:{c['shop_id']}:{month}", "rebate",
                                  f"{p.code} v{p.version}: {c['share_bp']} bp of {month} fees", REBATES,
                                  available(c["shop_id"]), c["amount_fen"])
                                 for c in claims if c["shop_id"] in won and c["amount_fen"]])
        done += len(won)
    return done


# ------------------------------------------------------------------ deposits and payouts

def deposit_tier(conn: Connection, book: Rulebook, shop_id: int, at: datetime):  # noqa: ANN201
    """The deposit the shop must hold: the highest tier among its active products' categories
    (a sub-category without a tier of its own takes its first-level category's; none: the default)."""
    parent = aliased(categories)
    tiers = book.in_force("deposit_tier", at)
    default = book.clause("deposit.tier.default")

    def tier_of(names: list[str]):  # noqa: ANN202
        for name in names:
            for clause in tiers:
                if name in clause.get("categories", []):
                    return clause
        return default

    found = [tier_of([r.name, r.parent_name]) for r in conn.execute(
        select(categories.c.name, parent.c.name.label("parent_name")).distinct()
        .join(products, products.c.category_id == categories.c.id)
        .outerjoin(parent, parent.c.id == categories.c.parent_id)
        .where(products.c.shop_id == shop_id, products.c.active.is_(True)))]
    return max(found or [default], key=lambda c: int(c.get("amount_fen")))


def top_up_deposit(conn: Connection, actor: Actor, shop_id: int, *, amount_fen: int, reference: str, at: datetime) -> int:
    require_platform(actor, *FINANCE_ROLES)
    if type(amount_fen) is not int or not 0 < amount_fen <= MAX_AMOUNT_FEN:
        raise InvalidInput(f"a deposit must be a positive amount of at most {MAX_AMOUNT_FEN} fen, got {amount_fen!r}")
    if not reference.strip():
        raise InvalidInput("a deposit needs the bank transfer's reference")
    if conn.execute(select(shops.c.id).where(shops.c.id == shop_id)).first() is None:
        raise NotFound(f"no shop {shop_id}")
    if conn.execute(select(deposits.c.id).where(deposits.c.shop_id == shop_id, deposits.c.reference == reference.strip())).first():
        raise Conflict(f"transfer {reference.strip()} is already recorded for shop {shop_id}")
    deposit_id = conn.execute(deposits.insert().values(shop_id=shop_id, amount_fen=amount_fen, reference=reference.strip(),
                                                       created_by=actor.user_id, created_at=at)).inserted_primary_key[0]
    ledger.record(conn, key=f"deposit:{deposit_id}", kind="deposit", memo=f"deposit transfer {reference.strip()}",
                  postings=[ledger.Posting(BANK, deposit(shop_id), amount_fen)], at=at)
    return deposit_id


def request_payout(conn: Connection, actor: Actor, book: Rulebook, shop_id: int, *, amount_fen: int, at: datetime) -> int:
    """Reserve an amount of the available balance for the bank (the worker sends it)."""
    require_shop(actor, shop_id)
    if type(amount_fen) is not int or not 0 < amount_fen <= MAX_AMOUNT_FEN:
        raise InvalidInput(f"a payout must be a positive amount of at most {MAX_AMOUNT_FEN} fen, got {amount_fen!r}")
    _lock_shop(conn, shop_id)
    tier = deposit_tier(conn, book, shop_id, at)
    held = ledger.balance(conn, deposit(shop_id))
    if held < int(tier.get("amount_fen")):
        raise Conflict(f"payouts are paused: the deposit holds {format_yuan(held)} yuan, below its tier of "
                       f"{format_yuan(int(tier.get('amount_fen')))} yuan ({tier.id})", clause=tier.id)
    balance = ledger.balance(conn, available(shop_id))
    if amount_fen > balance:
        raise InvalidInput(f"the payout of {format_yuan(amount_fen)} yuan is more than the available balance of "
                           f"{format_yuan(balance)} yuan", available_fen=balance)
    payout_id = conn.execute(payouts.insert().values(shop_id=shop_id, amount_fen=amount_fen, status="pending",
                                                     requested_by=actor.user_id, requested_at=at)).inserted_primary_key[0]
    ledger.record(conn, key=f"payout:{payout_id}", kind="payout", memo=f"payout {payout_id} to the shop's bank account",
                  postings=[ledger.Posting(available(shop_id), IN_TRANSIT, amount_fen)], at=at)
    return payout_id


def send_payouts(uow, provider, clock, *, limit: int = 100) -> int:  # noqa: ANN001
    """Send pending payouts through the adapter (outside any transaction, idempotent by key) and
    book them once: the pending -> sent update is the claim."""
    with uow.read() as conn:
        due = conn.execute(select(payouts).where(payouts.c.status == "pending").order_by(payouts.c.id).limit(limit)).all()
    sent = 0
    for p in due:
        ref = provider.send(shop_id=p.shop_id, amount_fen=p.amount_fen, idempotency_key=f"payout:{p.id}")
        with uow.begin() as conn:
            now = clock.now()
            moved = conn.execute(payouts.update().where(payouts.c.id == p.id, payouts.c.status == "pending")
                                 .values(status="sent", provider_ref=ref, sent_at=now)).rowcount
            if moved == 1:
                ledger.record(conn, key=f"payout-sent:{p.id}", kind="payout_sent", memo=f"payout {p.id} sent ({ref})",
                              postings=[ledger.Posting(IN_TRANSIT, BANK, p.amount_fen)], at=now)
                sent += 1
    return sent


def return_payout(conn: Connection, actor: Actor, payout_id: int, *, reason: str, at: datetime) -> None:
    """The bank sent a payout back (closed account, wrong name): the money is available again, once."""
    require_platform(actor, *FINANCE_ROLES)
    row = conn.execute(select(payouts).where(payouts.c.id == payout_id)).first()
    if row is None:
        raise NotFound(f"no payout {payout_id}")
    if not reason.strip():
        raise InvalidInput("say why the bank returned the payout")
    moved = conn.execute(payouts.update().where(payouts.c.id == payout_id, payouts.c.status == "sent")
                         .values(status="returned", returned_at=at, return_reason=reason.strip())).rowcount
    if moved != 1:
        raise Conflict(f"payout {payout_id} is {row.status}; only a sent payout can come back")
    ledger.record(conn, key=f"payout-return:{payout_id}", kind="payout_return", memo=f"payout {payout_id} returned: {reason}",
                  postings=[ledger.Posting(BANK, available(row.shop_id), row.amount_fen)], at=at)


# ------------------------------------------------------------------ the worker's step

def run_step(uow, book: Rulebook, clock, provider, *, batch: int = 1000) -> dict:  # noqa: ANN001
    """Charge fees, return fees of refunds, collect deductions, settle, last month's rebates,
    send payouts. Every part is safe to run in several workers at once."""
    report = {"fees_charged": 0, "fees_refunded": 0, "settled": 0, "rebates": 0, "payouts_sent": 0}
    for name, step in (("fees_charged", charge_fees), ("fees_refunded", refund_fees)):
        while True:
            with uow.begin() as conn:
                n = step(conn, book, now=clock.now(), batch=batch)
            report[name] += n
            if n < batch:
                break
    with uow.begin() as conn:
        collect_deductions(conn, now=clock.now())
    while True:
        with uow.begin() as conn:
            n = settle(conn, book, now=clock.now(), batch=batch)
        report["settled"] += n
        if n < batch:
            break
    now = clock.now()
    with uow.begin() as conn:
        report["rebates"] = compute_rebates(conn, book, policy.previous_month(month_of(now, book.timezone)), now=now)
    report["payouts_sent"] = send_payouts(uow, provider, clock)
    return report
