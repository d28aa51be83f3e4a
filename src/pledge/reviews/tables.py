from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from pledge.kernel.db import Id, UtcDateTime, metadata, shop_keys

# One review per order line (UNIQUE), written by the order's buyer after delivery; edited at
# most `max_edits` times (review.window clause).
reviews = Table(
    "reviews",
    metadata,
    Column("id", Id, primary_key=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, index=True),
    Column("order_line_id", Id, ForeignKey("order_lines.id"), nullable=False, unique=True),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("buyer_id", Id, ForeignKey("users.id"), nullable=False),
    Column("stars", Integer, nullable=False),
    Column("body", Text, nullable=False, default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("edited_at", UtcDateTime, nullable=True),
    Column("edits", Integer, nullable=False, default=0),
    # the content checks' outcome (kernel.screening.Outcome): allow, or review = held from
    # everyone but its author until a reviewer decides; blocked text is never stored
    Column("moderation", String(10), nullable=False, default="allow", server_default="allow"),
    # when a reviewer last decided (set_moderation); NULL if none did. The experience score's
    # daily facts look for reviews decided since their last refresh (migration 0041).
    Column("moderated_at", UtcDateTime, nullable=True),
    CheckConstraint("stars >= 1 AND stars <= 5", name="stars_1_to_5"),
    CheckConstraint("edits >= 0", name="edits_not_negative"),
)
Index("ix_reviews_product_created", reviews.c.product_id, reviews.c.created_at)

review_photos = Table(
    "review_photos",
    metadata,
    Column("review_id", Id, ForeignKey("reviews.id"), primary_key=True),
    Column("upload_id", Id, ForeignKey("uploads.id"), primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    # the review's shop: (shop_id, review_id) refers to the review's UNIQUE (shop_id, id)
    ForeignKeyConstraint(["shop_id", "review_id"], ["reviews.shop_id", "reviews.id"]),
)

# The shop in a unique key of every table a shop owns (docs/scaling.md).
shop_keys(reviews, review_photos)
