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
    Text,
    UniqueConstraint,
    false,
)

from pledge.kernel.db import Fen, Id, UtcDateTime, metadata, shop_keys

shops = Table(
    "shops",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("slug", String(60), nullable=False, unique=True),
    Column("city", String(60), nullable=False, default=""),
    Column("timezone", String(60), nullable=False, default="Asia/Shanghai"),
    Column("description", Text, nullable=False, default=""),
    Column("created_at", UtcDateTime, nullable=False),
)

categories = Table(
    "categories",
    metadata,
    Column("id", Id, primary_key=True),
    Column("parent_id", Id, ForeignKey("categories.id"), nullable=True),
    Column("name", String(60), nullable=False),
    Column("name_en", String(60), nullable=False),
    UniqueConstraint("parent_id", "name"),
)

products = Table(
    "products",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("category_id", Id, ForeignKey("categories.id"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("perishable", Boolean, nullable=False, default=False),
    Column("custom_made", Boolean, nullable=False, default=False),
    Column("blind_box", Boolean, nullable=False, default=False),
    # The buyer may book the day it arrives (预约达, douyin:aJoPPkWZ7VQM 2.3; migration 0009).
    Column("booked_delivery", Boolean, nullable=False, default=False, server_default=false()),
    # The product's default ship promise (douyin:101706): same-day | next-day | hours | presale.
    Column("promise_kind", String(20), nullable=False),
    Column("promise_hours", Integer, nullable=True),
    Column("presale_date", Date, nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    # Shipping (运费) charged on an order holding this product; an order pays the highest fee
    # among its products, once (one parcel: a Pledge default). 0 = free shipping (包邮).
    Column("shipping_fee_fen", Fen, nullable=False, default=0, server_default="0"),
    Column("created_at", UtcDateTime, nullable=False),
)

skus = Table(
    "skus",
    metadata,
    Column("id", Id, primary_key=True),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False, index=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("price_fen", Fen, nullable=False),
    Column("stock", Integer, nullable=False),
    Column("barcode", String(13), nullable=True),  # EAN-13, checked at the pack station (migration 0007)
    CheckConstraint("price_fen > 0", name="price_positive"),
    CheckConstraint("stock >= 0", name="stock_not_negative"),
)
Index("ux_skus_shop_barcode", skus.c.shop_id, skus.c.barcode, unique=True)

# A live room or short video may promise a different ship time than the product page; the
# shortest promise binds (douyin:101706).
content_promises = Table(
    "content_promises",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("kind", String(20), nullable=False),  # live_room | video
    Column("title", String(200), nullable=False),
    Column("promise_kind", String(20), nullable=False),
    Column("promise_hours", Integer, nullable=True),
    Column("presale_date", Date, nullable=True),
)

# A product's photos (several; the first, by position, is the one on cards): cleaned uploads.
product_images = Table(
    "product_images",
    metadata,
    Column("id", Id, primary_key=True),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("upload_id", Id, ForeignKey("uploads.id"), nullable=False),
    Column("position", Integer, nullable=False),
    UniqueConstraint("product_id", "position", name="uq_product_images_product_position"),
    # the product's shop: (shop_id, product_id) refers to the product's UNIQUE (shop_id, id)
    ForeignKeyConstraint(["shop_id", "product_id"], ["products.shop_id", "products.id"]),
)

# The shop in a unique key of every table a shop owns (docs/scaling.md).
shop_keys(content_promises, products, product_images)
