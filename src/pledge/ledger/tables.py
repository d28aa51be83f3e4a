from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text

from pledge.kernel.db import Fen, Id, UtcDateTime, metadata, shop_keys

ledger_accounts = Table(
    "ledger_accounts",
    metadata,
    Column("id", Id, primary_key=True),
    Column("code", String(80), nullable=False, unique=True),  # e.g. shop:3:proceeds
    Column("kind", String(30), nullable=False),
)

ledger_transactions = Table(
    "ledger_transactions",
    metadata,
    Column("id", Id, primary_key=True),
    # Derived from what caused the movement (late-ship:{order_id}); the UNIQUE constraint is
    # what makes retries and concurrent workers unable to move money twice.
    Column("idempotency_key", String(120), nullable=False, unique=True),
    Column("kind", String(30), nullable=False),
    Column("memo", Text, nullable=False, default=""),
    Column("created_at", UtcDateTime, nullable=False),
)

# Each posting moves a positive amount from one account to another, so every transaction
# balances by construction and the database enforces it (see docs/adr/0002-ledger-postings.md).
ledger_postings = Table(
    "ledger_postings",
    metadata,
    Column("id", Id, primary_key=True),
    Column("transaction_id", Id, ForeignKey("ledger_transactions.id"), nullable=False, index=True),
    Column("debit_account_id", Id, ForeignKey("ledger_accounts.id"), nullable=False),
    Column("credit_account_id", Id, ForeignKey("ledger_accounts.id"), nullable=False),
    Column("amount_fen", Fen, nullable=False),
    # The transaction's time, written with it: an account's movements in a month are an index
    # range, without joining every posting of the account to its transaction (migration 0050).
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
    CheckConstraint("debit_account_id <> credit_account_id", name="distinct_accounts"),
)
# The amount too, so that an account's balance before a time is read from the index alone (0051).
Index(
    "ix_ledger_postings_debit_at_amount",
    ledger_postings.c.debit_account_id,
    ledger_postings.c.created_at,
    ledger_postings.c.amount_fen,
)
Index(
    "ix_ledger_postings_credit_at_amount",
    ledger_postings.c.credit_account_id,
    ledger_postings.c.created_at,
    ledger_postings.c.amount_fen,
)

coupons = Table(
    "coupons",
    metadata,
    Column("id", Id, primary_key=True),
    Column("buyer_id", Id, ForeignKey("users.id"), nullable=False, index=True),
    Column("amount_fen", Fen, nullable=False),
    Column("min_spend_fen", Fen, nullable=False, default=0),  # 0 = no threshold (无门槛)
    Column("status", String(20), nullable=False),  # available | spent
    Column("issued_at", UtcDateTime, nullable=False),
    Column("source", String(120), nullable=False, unique=True),  # e.g. late-ship:42
    Column("explanation", Text, nullable=False),  # English
    Column("explanation_zh", Text, nullable=False),
    # Who pays for the discount (platform | creator | merchant): the commission base counts
    # platform- and creator-funded coupons, not the merchant's own (douyin:aJmYzDVDDjey 2.2).
    Column("funded_by", String(20), nullable=False, default="platform", server_default="platform"),
    Column("spent_order_id", Id, ForeignKey("orders.id"), nullable=True),
    # A merchant's coupon is spent at that shop only, and a coupon with an expiry not after it.
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=True),
    Column("expires_at", UtcDateTime, nullable=True),
    Column("spent_at", UtcDateTime, nullable=True),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
)

# The shop in a unique key of every table a shop owns (docs/scaling.md).
shop_keys(coupons)
