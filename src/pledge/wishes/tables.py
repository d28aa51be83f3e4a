"""Wishes and the demands they form, shop by shop."""

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text

from pledge.kernel.db import Fen, Id, UtcDateTime, metadata, shop_keys

wish_demands = Table(
    "wish_demands",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("name", String(60), nullable=False),
    Column("status", String(10), nullable=False),  # open | closed
    Column("product_id", Id, ForeignKey("products.id"), nullable=True),  # what closed it
    Column("wishers_at_close", Integer, nullable=True),  # "应 N 位用户的心愿上新"
    Column("created_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime, nullable=True),
    # What it became (migration 0025): a product, a new SKU of a product (sku_id), or a presale.
    Column("target", String(10), nullable=True),
    Column("sku_id", Id, ForeignKey("skus.id"), nullable=True),
    CheckConstraint("status IN ('open', 'closed')", name="status_known"),
    CheckConstraint("target IS NULL OR target IN ('product', 'sku', 'presale')", name="target_known"),
    CheckConstraint("(target = 'sku') = (sku_id IS NOT NULL)", name="sku_target_names_sku"),
    CheckConstraint(
        "(status = 'open' AND product_id IS NULL) OR (status = 'closed' AND product_id IS NOT NULL)",
        name="closed_with_product",
    ),
)
Index("ix_wish_demands_shop_status", wish_demands.c.shop_id, wish_demands.c.status)
Index("ix_wish_demands_product_id", wish_demands.c.product_id)

wishes = Table(
    "wishes",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("demand_id", Id, ForeignKey("wish_demands.id"), nullable=False, index=True),
    Column("author_id", Id, ForeignKey("users.id"), nullable=False, index=True),
    Column("text", Text, nullable=False),
    Column("item", String(200), nullable=False),
    # live_comment | chat_message | review (found by detection) | button (许愿) | plus_one (+1)
    Column("source", String(20), nullable=False),
    Column("source_id", Id, nullable=True),  # the comment, message or review
    Column("session_id", Id, ForeignKey("live_sessions.id"), nullable=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    # "live_comment:7" (each comment is read once, however often its transaction is retried) or
    # "plus_one:<demand>:<buyer>" (one +1 per buyer); NULL for 许愿 wishes (NULLs never collide).
    Column("dedupe_key", String(80), nullable=True, unique=True),
    CheckConstraint(
        "source IN ('live_comment', 'chat_message', 'review', 'button', 'plus_one')", name="source_known"
    ),
)
Index("ix_wishes_shop_created", wishes.c.shop_id, wishes.c.created_at)

# The merchant's offer to the wishers of a demand that came true (migration 0025): a wisher price
# (a merchant-funded shop coupon to each wisher, spendable until coupon_expires_at; the coupons
# are the ledger's, source "wish-price:<demand>:<buyer>", UNIQUE) and/or first access (until
# first_access_until only wishers may buy the product). One offer per demand.
wish_offers = Table(
    "wish_offers",
    metadata,
    Column("demand_id", Id, ForeignKey("wish_demands.id"), primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False, index=True),
    Column("price_off_fen", Fen, nullable=True),
    Column("coupon_expires_at", UtcDateTime, nullable=True),
    Column("first_access_until", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("price_off_fen IS NULL OR price_off_fen > 0", name="price_off_positive"),
    CheckConstraint("(price_off_fen IS NULL) = (coupon_expires_at IS NULL)", name="price_has_expiry"),
    CheckConstraint("price_off_fen IS NOT NULL OR first_access_until IS NOT NULL", name="offers_something"),
)

# The shop in a unique key of every table a shop owns (docs/scaling.md).
shop_keys(wish_demands, wish_offers, wishes)
