"""Live-room flash deals. A deal's units are carved out of the SKU's sellable stock when it is
created and spread over buckets, so that buyers in a flash sale do not queue on one row
(docs/adr/0008-flash-sale-stock.md)."""

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from pledge.kernel.db import Fen, Id, UtcDateTime, metadata, shop_keys

flash_deals = Table(
    "flash_deals",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("sku_id", Id, ForeignKey("skus.id"), nullable=False),
    Column("content_id", Id, ForeignKey("content_promises.id"), nullable=True),  # the live room
    Column("title", String(200), nullable=False),
    Column("price_fen", Fen, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("per_buyer_limit", Integer, nullable=False),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime, nullable=True),  # unsold units went back to the SKU
    CheckConstraint("price_fen > 0", name="price_positive"),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("per_buyer_limit > 0", name="limit_positive"),
)


def _same_shop_as_deal() -> ForeignKeyConstraint:
    """A deal's rows are the deal's shop's: (shop_id, deal_id) refers to the deal's UNIQUE (shop_id, id)."""
    return ForeignKeyConstraint(["shop_id", "deal_id"], ["flash_deals.shop_id", "flash_deals.id"])


flash_buckets = Table(
    "flash_buckets",
    metadata,
    Column("id", Id, primary_key=True),
    Column("deal_id", Id, ForeignKey("flash_deals.id"), nullable=False),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),  # the deal's (migration 0049)
    Column("bucket", Integer, nullable=False),
    Column("remaining", Integer, nullable=False),
    UniqueConstraint("deal_id", "bucket"),
    CheckConstraint("remaining >= 0", name="remaining_not_negative"),
    _same_shop_as_deal(),
)

# Units each buyer holds of a deal: the per-buyer limit is a conditional update of this row, so a
# buyer's concurrent requests queue on their own row and never on anyone else's.
flash_allowances = Table(
    "flash_allowances",
    metadata,
    Column("deal_id", Id, ForeignKey("flash_deals.id"), primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),  # the deal's (migration 0049)
    Column("buyer_id", Id, ForeignKey("users.id"), primary_key=True),
    Column("units", Integer, nullable=False),
    CheckConstraint("units >= 0", name="units_not_negative"),
    _same_shop_as_deal(),
)

flash_purchases = Table(
    "flash_purchases",
    metadata,
    Column("id", Id, primary_key=True),
    Column("deal_id", Id, ForeignKey("flash_deals.id"), nullable=False, index=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),  # the deal's (migration 0049)
    Column("buyer_id", Id, ForeignKey("users.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, unique=True),
    Column("at", UtcDateTime, nullable=False),
    Column("returned_at", UtcDateTime, nullable=True),  # an unpaid order's units went back to the deal
    CheckConstraint("quantity > 0", name="quantity_positive"),
    _same_shop_as_deal(),
)

# The shop in a unique key of every table a shop owns (docs/scaling.md).
shop_keys(flash_deals, flash_buckets, flash_allowances, flash_purchases)
