"""Creators, their monthly grades, the merchants' affiliate rates (精选联盟) and showcases (橱窗)."""

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from pledge.kernel.db import Id, UtcDateTime, metadata

creators = Table(
    "creators",
    metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False, unique=True),
    Column("handle", String(30), nullable=False, unique=True),
    Column("display_name", String(60), nullable=False),
    Column("follower_count", Integer, nullable=False),
    Column("status", String(10), nullable=False),  # CreatorStatus
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("follower_count >= 0", name="followers_not_negative"),
    CheckConstraint("status IN ('active', 'limited', 'removed')", name="status_known"),
)

creator_categories = Table(
    "creator_categories",
    metadata,
    Column("id", Id, primary_key=True),
    Column("creator_id", Id, ForeignKey("creators.id"), nullable=False),
    Column("category_id", Id, ForeignKey("categories.id"), nullable=False),
    UniqueConstraint("creator_id", "category_id", name="uq_creator_categories_creator_category"),
)

# The grade published for the period that starts on `period_start` (the 9th, douyin:aJoPPkXtaG25).
creator_grades = Table(
    "creator_grades",
    metadata,
    Column("id", Id, primary_key=True),
    Column("creator_id", Id, ForeignKey("creators.id"), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("grade", String(2), nullable=False),
    Column("set_at", UtcDateTime, nullable=False),
    UniqueConstraint("creator_id", "period_start", name="uq_creator_grades_creator_period"),
)

# A merchant's commission rate for a product, for every creator (creator_id NULL) or one chosen
# creator (指定达人), in force from starts_at until ends_at (open-ended when NULL). Periods of the
# same product and audience never overlap (checked under the product's row lock).
affiliate_rates = Table(
    "affiliate_rates",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("creator_id", Id, ForeignKey("creators.id"), nullable=True),
    Column("rate_bp", Integer, nullable=False),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=True),
    Column("created_by", Id, ForeignKey("users.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("rate_bp >= 0 AND rate_bp <= 10000", name="rate_within_100_percent"),
    CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="period_not_empty"),
)
Index("ix_affiliate_rates_product_creator", affiliate_rates.c.product_id, affiliate_rates.c.creator_id)
Index("ix_affiliate_rates_shop_id", affiliate_rates.c.shop_id)

showcase_items = Table(
    "showcase_items",
    metadata,
    Column("id", Id, primary_key=True),
    Column("creator_id", Id, ForeignKey("creators.id"), nullable=False),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False, index=True),
    Column("added_at", UtcDateTime, nullable=False),
    UniqueConstraint("creator_id", "product_id", name="uq_showcase_items_creator_product"),
)

# A creator's free sample request (寄样) for a product, decided by the product's shop
# (douyin:aJmYG5vi4n1f). `due_at` is the deadline of the current step: the merchant's decision
# (requested), the automatic cancellation of an unshipped sample (approved) or the automatic
# receipt (shipped); NULL once final.
sample_requests = Table(
    "sample_requests",
    metadata,
    Column("id", Id, primary_key=True),
    Column("creator_id", Id, ForeignKey("creators.id"), nullable=False),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("status", String(10), nullable=False),  # SampleStatus
    Column("note", String(200), nullable=False, default=""),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=True),
    Column("decided_at", UtcDateTime, nullable=True),
    Column("decided_by", Id, ForeignKey("users.id"), nullable=True),
    Column("shipped_at", UtcDateTime, nullable=True),
    Column("tracking_no", String(40), nullable=True),
    Column("closed_at", UtcDateTime, nullable=True),
    CheckConstraint(
        "status IN ('requested', 'approved', 'declined', 'shipped', 'received', 'cancelled', 'expired')",
        name="status_known",
    ),
)
Index("ix_sample_requests_creator_status", sample_requests.c.creator_id, sample_requests.c.status)
Index("ix_sample_requests_shop_status", sample_requests.c.shop_id, sample_requests.c.status)
Index("ix_sample_requests_status_due", sample_requests.c.status, sample_requests.c.due_at)
