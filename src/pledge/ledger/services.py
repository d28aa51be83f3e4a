"""Append-only double-entry ledger. A transaction is a set of postings, each moving a positive
amount from one account to another; balances are sums of postings; corrections are reversing
transactions. Every transaction carries an idempotency key derived from its cause."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.kernel.bulk import in_values, insert_rows
from pledge.kernel.db import AnyRow
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.ledger.model import COUPON_LIFECYCLE, CouponStatus
from pledge.ledger.tables import coupons, ledger_accounts, ledger_postings, ledger_transactions

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
    """Get-or-create accounts by code: one SELECT, and one INSERT when some are new. Concurrent
    workers may create the same account at once: the insert skips codes another transaction
    has just inserted (waiting for it on PostgreSQL) instead of failing on the UNIQUE code."""
    a = ledger_accounts.c
    rows = dict(conn.execute(select(a.code, a.id).where(in_values(conn, a.code, codes))).all())
    missing = codes - rows.keys()
    if missing:
        created = insert_rows(
            conn,
            ledger_accounts,
            [{"code": c, "kind": c.split(":")[0]} for c in sorted(missing)],
            returning=("code", "id"),
            skip_conflicts_on=("code",),
        )
        rows.update((r.code, r.id) for r in created)
    raced = codes - rows.keys()  # inserted by a concurrent transaction meanwhile: read them
    if raced:
        rows.update(conn.execute(select(a.code, a.id).where(in_values(conn, a.code, raced))).all())
    return rows


def validate(postings: list[Posting]) -> None:
    if not postings:
        raise InvalidInput("a ledger transaction needs at least one posting")
    for p in postings:
        if type(p.amount_fen) is not int or p.amount_fen <= 0:
            raise InvalidInput(f"posting amount must be a positive number of fen, got {p.amount_fen!r}")
        if p.debit == p.credit:
            raise InvalidInput(f"posting moves money from {p.debit} to itself")


@dataclass(frozen=True)
class Transaction:
    """One balanced transaction to record: its idempotency key (derived from its cause), kind,
    memo and postings."""

    key: str
    kind: str
    memo: str
    postings: tuple[Posting, ...]
    at: datetime | None = None  # when it happened, if not at the batch's time (a backfill)


def record(conn: Connection, *, key: str, kind: str, memo: str, postings: list[Posting], at: datetime) -> int:
    """Insert one balanced transaction. A second call with the same key raises IntegrityError
    through the UNIQUE constraint; callers claim the key first (see lateship.services)."""
    return record_many(conn, [Transaction(key, kind, memo, tuple(postings))], at=at)[key]


def record_many(
    conn: Connection, transactions: Sequence[Transaction], *, at: datetime, skip_recorded: bool = False
) -> dict[str, int]:
    """Insert many balanced transactions in bulk: the accounts (get-or-create, all at once in code
    order, so concurrent workers creating the same accounts queue instead of deadlocking), one
    INSERT of the transactions and one of all their postings. Every transaction is validated
    first, keys must be distinct, and each key is UNIQUE in the database as for `record`.
    Returns the transaction id of each key. With `skip_recorded` the insert is the claim of the
    keys: a key already recorded (or being recorded by a concurrent transaction, which
    PostgreSQL waits for) is skipped without its postings and left out of the result."""
    if not transactions:
        return {}
    for tx in transactions:
        validate(list(tx.postings))
    keys = [tx.key for tx in transactions]
    if len(set(keys)) != len(keys):
        raise InvalidInput("two ledger transactions in one batch share an idempotency key")
    ids = account_ids(
        conn, {code for tx in transactions for p in tx.postings for code in (p.debit, p.credit)}
    )
    tx_ids: dict[str, int] = {
        row.idempotency_key: row.id
        for row in insert_rows(
            conn,
            ledger_transactions,
            [
                {"idempotency_key": tx.key, "kind": tx.kind, "memo": tx.memo, "created_at": tx.at or at}
                for tx in transactions
            ],
            returning=("id", "idempotency_key"),
            skip_conflicts_on=("idempotency_key",) if skip_recorded else (),
        )
    }
    postings = [
        {
            "transaction_id": tx_ids[tx.key],
            "debit_account_id": ids[p.debit],
            "credit_account_id": ids[p.credit],
            "amount_fen": p.amount_fen,
            "created_at": tx.at or at,
        }
        for tx in transactions
        if tx.key in tx_ids
        for p in tx.postings
    ]
    insert_rows(conn, ledger_postings, postings)
    return tx_ids


# ------------------------------------------------------------------ coupons (the buyer's wallet)


@dataclass(frozen=True)
class CouponGrant:
    """A coupon to issue. `source` is its cause (late-ship:42), UNIQUE: a buyer gets one coupon
    per cause however often the issuer retries."""

    buyer_id: int
    amount_fen: int
    source: str
    explanation_en: str
    explanation_zh: str
    min_spend_fen: int = 0  # 0 = no threshold (无门槛)
    funded_by: str = "platform"
    shop_id: int | None = None  # spendable at this shop only (a merchant's coupon)
    expires_at: datetime | None = None  # spendable before this moment; None: no expiry


def issue_coupons(conn: Connection, grants: Sequence[CouponGrant], *, at: datetime) -> dict[str, int]:
    """Issue available coupons in one INSERT; returns the coupon id of each source."""
    if not grants:
        return {}
    for g in grants:
        if type(g.amount_fen) is not int or g.amount_fen <= 0:
            raise InvalidInput(f"a coupon must be worth a positive number of fen, got {g.amount_fen!r}")
    return {
        row.source: row.id
        for row in insert_rows(
            conn,
            coupons,
            [
                {
                    "buyer_id": g.buyer_id,
                    "amount_fen": g.amount_fen,
                    "min_spend_fen": g.min_spend_fen,
                    "status": CouponStatus.AVAILABLE.value,
                    "issued_at": at,
                    "source": g.source,
                    "explanation": g.explanation_en,
                    "explanation_zh": g.explanation_zh,
                    "funded_by": g.funded_by,
                    "shop_id": g.shop_id,
                    "expires_at": g.expires_at,
                }
                for g in grants
            ],
            returning=("id", "source"),
        )
    }


def issue_coupon(conn: Connection, grant: CouponGrant, *, at: datetime) -> int:
    return issue_coupons(conn, [grant], at=at)[grant.source]


def coupon_of(conn: Connection, buyer_id: int, coupon_id: int) -> AnyRow:
    """The buyer's coupon, if it is theirs (another buyer's coupon is reported as unknown)."""
    coupon = conn.execute(select(coupons).where(coupons.c.id == coupon_id)).first()
    if coupon is None or coupon.buyer_id != buyer_id:
        raise NotFound(f"you have no coupon {coupon_id}")
    return coupon


def redeem_coupon(conn: Connection, coupon_id: int, *, order_id: int, at: datetime) -> None:
    """Spend an available coupon on an order; Conflict if it was spent first (a conditional move)."""
    if not COUPON_LIFECYCLE.try_move(
        conn,
        coupons,
        coupon_id,
        CouponStatus.AVAILABLE,
        CouponStatus.SPENT,
        spent_at=at,
        spent_order_id=order_id,
    ):
        raise Conflict(f"coupon {coupon_id} has already been used")


def release_coupon(conn: Connection, coupon_id: int) -> None:
    """The order a coupon was spent on was cancelled unpaid: the coupon is available again."""
    COUPON_LIFECYCLE.move(
        conn,
        coupons,
        coupon_id,
        CouponStatus.SPENT,
        CouponStatus.AVAILABLE,
        spent_at=None,
        spent_order_id=None,
    )


def coupon_funders(conn: Connection, coupon_ids: set[int]) -> dict[int, str]:
    """Who funded each coupon (platform | creator | merchant)."""
    if not coupon_ids:
        return {}
    k = coupons.c
    return {
        row.id: row.funded_by for row in conn.execute(select(k.id, k.funded_by).where(k.id.in_(coupon_ids)))
    }


def coupon_amount(conn: Connection, coupon_id: int) -> int:
    amount = conn.execute(select(coupons.c.amount_fen).where(coupons.c.id == coupon_id)).scalar_one()
    return int(amount)


# ------------------------------------------------------------------ balances


def balance(conn: Connection, code: str) -> int:
    """Money in minus money out, in fen."""
    acct = ledger_accounts.c
    account_id = conn.execute(select(acct.id).where(acct.code == code)).scalar()
    if account_id is None:
        return 0
    p = ledger_postings.c
    credited = conn.execute(
        select(func.coalesce(func.sum(p.amount_fen), 0)).where(p.credit_account_id == account_id)
    ).scalar_one()
    debited = conn.execute(
        select(func.coalesce(func.sum(p.amount_fen), 0)).where(p.debit_account_id == account_id)
    ).scalar_one()
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
