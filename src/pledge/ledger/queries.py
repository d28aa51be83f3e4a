"""Read side of the ledger for pages, API and reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.engine import Connection

from pledge.ledger.tables import coupons, ledger_accounts, ledger_postings, ledger_transactions


def coupons_of(conn: Connection, buyer_id: int) -> list[dict[str, Any]]:
    """The buyer's coupons, newest first, as plain rows for the wallet."""
    k = coupons.c
    return [
        dict(r._mapping)
        for r in conn.execute(select(coupons).where(k.buyer_id == buyer_id).order_by(k.id.desc()))
    ]


def coupon_by_source(conn: Connection, source: str) -> Any:
    """The coupon issued for a cause (its UNIQUE source), or None."""
    return conn.execute(select(coupons).where(coupons.c.source == source)).first()


def _account_ids(conn: Connection, codes: list[str]) -> list[int]:
    a = ledger_accounts.c
    return list(conn.execute(select(a.id).where(a.code.in_(codes)).order_by(a.id)).scalars())


def _net_into(ids: list[int]) -> Any:
    """What a posting moves into the accounts `ids`: + into one of them, − out of one (a move
    between two of them nets to zero)."""
    p = ledger_postings.c
    into = case((p.credit_account_id.in_(ids), p.amount_fen), else_=0)
    out = case((p.debit_account_id.in_(ids), p.amount_fen), else_=0)
    return func.coalesce(func.sum(into - out), 0)


def _touching(ids: list[int]) -> Any:
    p = ledger_postings.c
    return or_(p.debit_account_id.in_(ids), p.credit_account_id.in_(ids))


@dataclass(frozen=True)
class Movements:
    """The accounts' money over [start, end): the balance before it, the net movement into them by
    transaction kind (moves among the accounts themselves net to zero), and the balance after."""

    opening_fen: int
    by_kind: dict[str, int]
    closing_fen: int


def movements(conn: Connection, codes: list[str], start: datetime, end: datetime) -> Movements:
    """A statement's ledger side, summed by the database: one row per transaction kind comes back,
    however many postings the period holds, and one sum for everything before it."""
    ids = _account_ids(conn, codes)
    if not ids:
        return Movements(0, {}, 0)
    opening = _balance_before(conn, ids, start)
    by_kind = _net_by_kind(conn, ids, start, end)
    return Movements(opening, by_kind, opening + sum(by_kind.values()))


def _net_by_kind(conn: Connection, ids: list[int], start: datetime, end: datetime) -> dict[str, int]:
    t, p = ledger_transactions.c, ledger_postings.c
    rows = conn.execute(
        select(t.kind, _net_into(ids))
        .select_from(ledger_postings.join(ledger_transactions, t.id == p.transaction_id))
        .where(_touching(ids), p.created_at >= start, p.created_at < end)
        .group_by(t.kind)
    )
    return {kind: int(net) for kind, net in rows}


def _balance_before(conn: Connection, ids: list[int], until: datetime) -> int:
    """Everything credited to the accounts before `until` less everything debited from them: two
    sums, each a range of one side's (account, created_at, amount) index, read from the index
    alone. A move between two of the accounts is in both sums and nets to zero."""
    p = ledger_postings.c

    def side_sum(side: Any) -> Any:
        total = select(func.coalesce(func.sum(p.amount_fen), 0)).where(side.in_(ids), p.created_at < until)
        return total.scalar_subquery()

    net = side_sum(p.credit_account_id) - side_sum(p.debit_account_id)
    return int(conn.execute(select(net)).scalar_one())


def moved(
    conn: Connection,
    kind: str,
    start: datetime,
    end: datetime,
    *,
    into: str | None = None,
    out_of: str | None = None,
) -> int:
    """What transactions of `kind` in [start, end) moved into, or out of, one account."""
    p, t, a = ledger_postings.c, ledger_transactions.c, ledger_accounts.c
    account = conn.execute(select(a.id).where(a.code == (into or out_of))).scalar()
    if account is None:
        return 0
    side = p.credit_account_id if into else p.debit_account_id
    query = (
        select(func.coalesce(func.sum(p.amount_fen), 0))
        .join(ledger_transactions, t.id == p.transaction_id)
        .where(t.kind == kind, side == account, p.created_at >= start, p.created_at < end)
    )
    return int(conn.execute(query).scalar_one())


def moved_by_key(conn: Connection, kind: str, key_prefix: str, start: datetime, end: datetime) -> int:
    """The sum of the postings of `kind` transactions whose keys start with `key_prefix`."""
    t, p = ledger_transactions.c, ledger_postings.c
    return int(
        conn.execute(
            select(func.coalesce(func.sum(p.amount_fen), 0))
            .join(ledger_transactions, t.id == p.transaction_id)
            .where(
                t.kind == kind,
                t.idempotency_key.like(f"{key_prefix}%"),
                t.created_at >= start,
                t.created_at < end,
            )
        ).scalar_one()
    )


def credited(conn: Connection, kind: str, account: str, start: datetime, end: datetime) -> list[Any]:
    """Each `kind` transaction in [start, end) that credited `account`: (created_at, memo, amount_fen)."""
    p, t, a = ledger_postings.c, ledger_transactions.c, ledger_accounts.c
    return list(
        conn.execute(
            select(t.created_at, t.memo, p.amount_fen)
            .join(ledger_transactions, t.id == p.transaction_id)
            .join(ledger_accounts, a.id == p.credit_account_id)
            .where(t.kind == kind, a.code == account, p.created_at >= start, p.created_at < end)
            .order_by(t.created_at, t.id)
        ).all()
    )
