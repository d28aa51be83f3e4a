from sqlalchemy import Column, ForeignKey, Integer, String, Table

from pledge.kernel.db import Fen, Id, UtcDateTime, metadata, shop_keys

history_imports = Table(
    "history_imports",
    metadata,
    Column("id", Id, primary_key=True),
    Column("filename", String(300), nullable=False),
    Column("rows_imported", Integer, nullable=False),
    Column("rows_skipped", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# External orders (a merchant migrating from another platform, an operator evaluating a rule):
# kept apart from Pledge's own orders, with the external ids as given.
history_orders = Table(
    "history_orders",
    metadata,
    Column("id", Id, primary_key=True),
    Column("import_id", Id, ForeignKey("history_imports.id"), nullable=False, index=True),
    Column("order_id", String(100), nullable=False, unique=True),
    Column("shop_id", String(100), nullable=False),
    Column("buyer_id", String(100), nullable=False, default=""),
    Column("category", String(100), nullable=False, default=""),
    Column("paid_at", UtcDateTime, nullable=False),
    Column("paid_fen", Fen, nullable=False),
    Column("ship_by", UtcDateTime, nullable=True),
    Column("promise", String(30), nullable=True),
    Column("picked_up_at", UtcDateTime, nullable=True),
    Column("delivered_at", UtcDateTime, nullable=True),
    Column("review_score", Integer, nullable=True),
    Column("after_sale", String(20), nullable=False, default=""),
)

# The shop in a unique key of every table a shop owns (docs/scaling.md).
shop_keys(history_orders)
