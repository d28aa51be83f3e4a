from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
)

from pledge.kernel.db import Fen, Id, UtcDateTime, metadata, shop_keys

# A blind-box product's series (douyin:aHGYneqr4WDJ 4.5): one row per product whose
# products.blind_box is set, written with it (blindboxes.services.list_blind_box).
blind_box_series = Table(
    "blind_box_series",
    metadata,
    Column("product_id", Id, ForeignKey("products.id"), primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),  # the product's (migration 0049)
    Column("box_type", String(20), nullable=False),  # blindboxes.model.BoxType
    Column("factory_sealed", Boolean, nullable=False),
    Column("draws_per_buyer", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("draws_per_buyer > 0", name="draws_per_buyer_positive"),
    # The product's shop: (shop_id, product_id) refers to the product's UNIQUE (shop_id, id).
    ForeignKeyConstraint(["shop_id", "product_id"], ["products.shop_id", "products.id"]),
)

# Every item of a series with its disclosed odds, value and quantity; `position` orders the
# slices of the draw (blindboxes.policy.draw).
blind_box_items = Table(
    "blind_box_items",
    metadata,
    Column("id", Id, primary_key=True),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),  # the series' (migration 0049)
    Column("position", Integer, nullable=False),
    Column("name", String(60), nullable=False),
    Column("odds_bp", Integer, nullable=False),
    Column("value_fen", Fen, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("hidden", Boolean, nullable=False),
    CheckConstraint("odds_bp > 0 AND odds_bp <= 10000", name="odds_bp_range"),
    CheckConstraint("value_fen > 0", name="value_positive"),
    Index("ux_blind_box_items_product_position", "product_id", "position", unique=True),
    # The series' shop: (shop_id, product_id) refers to the series' UNIQUE (shop_id, product_id).
    ForeignKeyConstraint(
        ["shop_id", "product_id"], ["blind_box_series.shop_id", "blind_box_series.product_id"]
    ),
)

# One row per unit bought (4.8: "保留抽取概率设定、结果抽取的完整记录 ... 不少于3年"): which
# item, when, by which random source and roll. Written with the order (orders.create_orders),
# once per unit (the UNIQUE key), and never deleted before `keep_until`.
blind_box_draws = Table(
    "blind_box_draws",
    metadata,
    Column("id", Id, primary_key=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),  # the order's (migration 0049)
    Column("buyer_id", Id, ForeignKey("users.id"), nullable=False),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("unit", Integer, nullable=False),  # 1..quantity of the order's line
    Column("item_id", Id, ForeignKey("blind_box_items.id"), nullable=False),
    Column("odds_bp", Integer, nullable=False),  # the item's odds when drawn
    Column("roll", Integer, nullable=False),  # 0..9999 from `random_source`
    Column("random_source", String(40), nullable=False),
    Column("drawn_at", UtcDateTime, nullable=False),
    Column("keep_until", Date, nullable=False),
    Index("ux_blind_box_draws_order_product_unit", "order_id", "product_id", "unit", unique=True),
    Index("ix_blind_box_draws_buyer_product", "buyer_id", "product_id"),
    # The order's shop: (shop_id, order_id) refers to the order's UNIQUE (shop_id, id).
    ForeignKeyConstraint(["shop_id", "order_id"], ["orders.shop_id", "orders.id"]),
)

# The shop in a unique key of every table a shop owns (docs/scaling.md).
shop_keys(blind_box_series, blind_box_items, blind_box_draws)
