"""Append-only double-entry ledger. A transaction is a set of postings, each moving a positive
amount from one account to another; balances are sums of postings; corrections are reversing
transactions. Every transaction carries an idempotency key derived from its cause."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.kernel.db import dialect_insert
from pledge.kernel.errors import InvalidInput
from pledge.ledger.tables import ledger_accounts, ledger_postings, ledger_transactions

# Account codes. "external:payments" is the payment provider's side: money that came in.
PAYMENTS_IN = "external:payments"


def shop_proceeds(shop_id: int) -> str:
    return f"shop:{shop_id}:proceeds"


def buyer_coupons(buyer_id: int) -> str:
    """What the platform owes the buyer as unspent coupons."""
    return f"buyer:{buyer_id}:coupons"


@dataclass(frozen=True)
class Posting:
    debit: str  # the account money leaves
    credit: str  # the account money arrives in
    amount_fen: int


def account_ids(conn: Connection, codes: set[str]) -> dict[str, int]:
    """Get-or-create accounts by code in two statements at most for the common case. Concurrent
    workers may create the same account at once: the insert skips codes another transaction
    has just inserted (waiting for it on PostgreSQL) instead of failing on the UNIQUE code."""
    rows = dict(
        conn.execute(
            select(ledger_accounts.c.code, ledger_accounts.c.id).where(ledger_accounts.c.code.in_(codes))
        ).all()
    )
    missing = codes - rows.keys()
    if missing:
        insert = dialect_insert(conn)
        conn.execute(
            insert(ledger_accounts).on_conflict_do_nothing(index_elements=["code"]),
            [{"code": c, "kind": c.split(":")[0]} for c in sorted(missing)],
        )
        rows.update(
            conn.execute(
                select(ledger_accounts.c.code, ledger_accounts.c.id).where(
                    ledger_accounts.c.code.in_(missing)
                )
            ).all()
        )
    return rows


def validate(postings: list[Posting]) -> None:
    if not postings:
        raise InvalidInput("a ledger transaction needs at least one posting")
    for p in postings:
        if type(p.amount_fen) is not int or p.amount_fen <= 0:
            raise InvalidInput(f"posting amount must be a positive number of fen, got {p.amount_fen!r}")
        if p.debit == p.credit:
            raise InvalidInput(f"posting moves money from {p.debit} to itself")


def record(conn: Connection, *, key: str, kind: str, memo: str, postings: list[Posting], at: datetime) -> int:
    """Insert one balanced transaction. A second call with the same key raises IntegrityError
    through the UNIQUE constraint; callers claim the key first (see lateship.services)."""
    validate(postings)
    ids = account_ids(conn, {p.debit for p in postings} | {p.credit for p in postings})
    tx_id = conn.execute(
        ledger_transactions.insert().values(idempotency_key=key, kind=kind, memo=memo, created_at=at)
    ).inserted_primary_key[0]
    conn.execute(
        ledger_postings.insert(),
        [
            {
                "transaction_id": tx_id,
                "debit_account_id": ids[p.debit],
                "credit_account_id": ids[p.credit],
                "amount_fen": p.amount_fen,
            }
            for p in postings
        ],
    )
    return tx_id


def balance(conn: Connection, code: str) -> int:
    """Money in minus money out, in fen."""
    acct = ledger_accounts.c
    account_id = conn.execute(select(acct.id).where(acct.code == code)).scalar()
    if account_id is None:
        return 0
    p = ledger_postings.c
    credited = conn.execute(
        select(func.coalesce(func.sum(p.amount_fen), 0)).where(p.credit_account_id == account_id)
    ).scalar()
    debited = conn.execute(
        select(func.coalesce(func.sum(p.amount_fen), 0)).where(p.debit_account_id == account_id)
    ).scalar()
    return int(credited) - int(debited)


def trial_balance(conn: Connection) -> dict[str, int]:
    """Every account's balance; the values always sum to zero."""
    p = ledger_postings.c
    a = ledger_accounts.c
    result = {code: 0 for code in conn.execute(select(a.code)).scalars()}
    codes = dict(conn.execute(select(a.id, a.code)).all())
    for account_id, total in conn.execute(
        select(p.credit_account_id, func.sum(p.amount_fen)).group_by(p.credit_account_id)
    ):
        result[codes[account_id]] += int(total)
    for account_id, total in conn.execute(
        select(p.debit_account_id, func.sum(p.amount_fen)).group_by(p.debit_account_id)
    ):
        result[codes[account_id]] -= int(total)
    return result
