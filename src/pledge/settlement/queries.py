"""Read models: a shop's balance, its programs and savings, the monthly statement (every line
with its clause, totals checked against the ledger) and the platform's reconciliation report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform, require_shop
from pledge.catalog.tables import shops
from pledge.kernel.errors import NotFound
from pledge.kernel.money import format_rate
from pledge.ledger import services as ledger
from pledge.rulebooks.loader import Rulebook
from pledge.settlement import accounts, availability, deposits, freezes, policy
from pledge.settlement import programs as program_cases
from pledge.settlement.model import ApplicationStatus
from pledge.settlement.tables import (
    applications,
    fee_lines,
    fee_orders,
    payouts,
    program_versions,
    programs,
    rebates,
    shop_terms,
)


def shop_accounts(shop_id: int) -> list[str]:
    """The shop's money with the platform; moves among them (settle, freeze, release) net to zero."""
    return [
        ledger.shop_proceeds(shop_id),
        accounts.available(shop_id),
        accounts.deposit(shop_id),
        accounts.frozen(shop_id),
    ]


def shop_name(conn: Connection, shop_id: int) -> str:
    name = conn.execute(select(shops.c.name).where(shops.c.id == shop_id)).scalar()
    if name is None:
        raise NotFound(f"no shop {shop_id}")
    return name


def balance(conn: Connection, actor: Actor, book: Rulebook, shop_id: int, *, now: datetime) -> dict:
    """Pending, available, frozen (each freeze with its clause and release time) and payable
    proceeds; the deposit held against what is owed and why; when proceeds become available."""
    require_shop(actor, shop_id, read_only=True)
    name = shop_name(conn, shop_id)
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
    shop_name(conn, shop_id)
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
        "shops": [  # for choosing a shop by name on the finance forms
            dict(r._mapping)
            for r in conn.execute(select(shops.c.id, shops.c.name).order_by(shops.c.name, shops.c.id))
        ],
    }
