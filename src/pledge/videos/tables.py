"""Short videos and the products they link."""

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String, Table, UniqueConstraint

from pledge.kernel.db import Id, UtcDateTime, metadata, shop_keys

videos = Table(
    "videos",
    metadata,
    Column("id", Id, primary_key=True),
    # A video belongs to a shop (shop_id, content_id; creator_id: the creator it names) or to a
    # creator (creator_id alone: it sells several shops' products and states no promise of its
    # own, each product's promise binds its shop's order; migration 0039).
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=True),
    # A shop's video states its own ship promise (douyin:101706: the shortest promise binds).
    Column("content_id", Id, ForeignKey("content_promises.id"), nullable=True, unique=True),
    Column("title", String(60), nullable=False),
    Column("file_key", String(80), nullable=False),  # the MP4 in the file store
    Column("bytes", Integer, nullable=False),
    Column("duration_ms", Integer, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("poster_key", String(80), nullable=False),  # a frame chosen on the phone, re-encoded here
    Column("poster_type", String(30), nullable=False),
    Column("status", String(20), nullable=False),
    Column("plays", Integer, nullable=False, default=0, server_default="0"),
    Column("likes", Integer, nullable=False, default=0, server_default="0"),
    Column("created_at", UtcDateTime, nullable=False),
    # A creator's (达人) video: orders from it are attributed to the creator (migration 0028).
    Column("creator_id", Id, ForeignKey("creators.id"), nullable=True, index=True),
    CheckConstraint("plays >= 0 AND likes >= 0", name="counts_not_negative"),
    CheckConstraint(
        "(shop_id IS NOT NULL AND content_id IS NOT NULL) "
        "OR (shop_id IS NULL AND content_id IS NULL AND creator_id IS NOT NULL)",
        name="one_owner",
    ),
)

video_products = Table(
    "video_products",
    metadata,
    Column("id", Id, primary_key=True),
    Column("video_id", Id, ForeignKey("videos.id"), nullable=False, index=True),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("position", Integer, nullable=False),
    UniqueConstraint("video_id", "product_id", name="uq_video_products_video_product"),
)

# One like per user per video (videos.likes is the count, kept with the rows in one transaction).
video_likes = Table(
    "video_likes",
    metadata,
    Column("id", Id, primary_key=True),
    Column("video_id", Id, ForeignKey("videos.id"), nullable=False),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("video_id", "user_id", name="uq_video_likes_video_user"),
)

# The shop in a unique key of every table a shop owns (docs/scaling.md).
shop_keys(videos)
