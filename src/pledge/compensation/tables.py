from sqlalchemy import Column, ForeignKey, String, Table, Text

from pledge.kernel.db import Fen, Id, UtcDateTime, metadata, shop_keys

compensations = Table(
    "compensations",
    metadata,
    Column("id", Id, primary_key=True),
    Column("idempotency_key", String(120), nullable=False, unique=True),  # late-ship:{order_id}
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, index=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("buyer_id", Id, ForeignKey("users.id"), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("amount_fen", Fen, nullable=False),
    Column("rulebook", String(40), nullable=False),
    Column("rulebook_version", String(20), nullable=False),
    Column("clause_id", String(80), nullable=False),
    Column("clause_source", String(80), nullable=False),
    Column("inputs", Text, nullable=False),  # JSON of every input the clause used
    Column("explanation", Text, nullable=False),  # English
    Column("explanation_zh", Text, nullable=False),
    Column("transaction_id", Id, ForeignKey("ledger_transactions.id"), nullable=True),
    Column("coupon_id", Id, ForeignKey("coupons.id"), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)

# The shop in a unique key of every table a shop owns (docs/scaling.md).
shop_keys(compensations)
