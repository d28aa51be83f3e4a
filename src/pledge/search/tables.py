"""The search documents: one row per visible product, shop and published video, with its words
already segmented (jieba) and the figures the filters and sorts read. The engines' own indexes
are not declared here (migration 0030): on SQLite the FTS5 table `search_fts` (external content
over these rows, kept in step by triggers), on PostgreSQL a GIN index over
to_tsvector('simple', words). Neither is a plain table or index SQLAlchemy can declare on both
databases, so tests/integration/test_migrations.py leaves them out of its drift check by name."""

from sqlalchemy import Boolean, CheckConstraint, Column, Index, Integer, String, Table, Text, UniqueConstraint

from pledge.kernel.db import Fen, Id, UtcDateTime, metadata, shop_keys

search_documents = Table(
    "search_documents",
    metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(10), nullable=False),  # product | shop | video (kernel.indexing.Indexed)
    Column("subject_id", Id, nullable=False),
    Column("shop_id", Id, nullable=True),  # NULL: a creator's video (no shop owns it)
    Column("title", String(200), nullable=False),  # shown as it was written
    Column("words", Text, nullable=False),  # segmented, space-separated, normalised
    Column("category_id", Id, nullable=True),  # products: the sub-category
    Column("top_category_id", Id, nullable=True),  # products: its first-level category
    Column("price_fen", Fen, nullable=True),  # products: the cheapest SKU
    Column("promise", String(20), nullable=True),  # Promise.code: 48h, same-day, presale:2026-12-01
    Column("ship_hours", Integer, nullable=True),  # the longest wait the promise allows; NULL: presale
    Column("late_ship_pays", Boolean, nullable=False),  # 晚发即赔: a late shipment pays at once
    Column("popularity", Integer, nullable=False),  # units sold (products, shops); plays (videos)
    Column("indexed_at", UtcDateTime, nullable=False),
    UniqueConstraint("kind", "subject_id", name="uq_search_documents_kind_subject"),
    CheckConstraint("kind IN ('product', 'shop', 'video')", name="kind_known"),
    CheckConstraint("popularity >= 0", name="popularity_not_negative"),
)
Index("ix_search_documents_kind_popularity", search_documents.c.kind, search_documents.c.popularity)
Index("ix_search_documents_kind_price", search_documents.c.kind, search_documents.c.price_fen)

# The shop in a unique key of every table a shop owns (docs/scaling.md).
shop_keys(search_documents)
