"""search: segmented documents, with FTS5 on SQLite and a GIN tsvector index on PostgreSQL

Revision ID: 0030
Revises: 0029
"""

import sqlalchemy as sa
from alembic import op

from pledge.kernel.db import UtcDateTime

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# SQLite: an external-content FTS5 table over search_documents (the words are stored once, in
# the documents), kept in step by triggers in the writer's own transaction. The words arrive
# already segmented by jieba and separated by spaces, so the unicode61 tokenizer only splits at
# the spaces (CJK characters are letters to it).
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "words, content='search_documents', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER search_documents_fts_insert AFTER INSERT ON search_documents BEGIN "
    "INSERT INTO search_fts(rowid, words) VALUES (new.id, new.words); END",
    "CREATE TRIGGER search_documents_fts_delete AFTER DELETE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, words) VALUES ('delete', old.id, old.words); END",
    "CREATE TRIGGER search_documents_fts_update AFTER UPDATE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, words) VALUES ('delete', old.id, old.words); "
    "INSERT INTO search_fts(rowid, words) VALUES (new.id, new.words); END",
]
# PostgreSQL: the 'simple' configuration (no stemming, no stop words: the words are jieba's).
PG_GIN = (
    "CREATE INDEX ix_search_documents_words ON search_documents "
    "USING gin (to_tsvector('simple'::regconfig, words))"
)


def upgrade() -> None:
    op.create_table(
        "search_documents",
        sa.Column("id", ID, nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("subject_id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("words", sa.Text(), nullable=False),
        sa.Column("category_id", ID, nullable=True),
        sa.Column("top_category_id", ID, nullable=True),
        sa.Column("price_fen", ID, nullable=True),
        sa.Column("promise", sa.String(length=20), nullable=True),
        sa.Column("ship_hours", sa.Integer(), nullable=True),
        sa.Column("late_ship_pays", sa.Boolean(), nullable=False),
        sa.Column("popularity", sa.Integer(), nullable=False),
        sa.Column("indexed_at", UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('product', 'shop', 'video')", name=op.f("ck_search_documents_kind_known")
        ),
        sa.CheckConstraint("popularity >= 0", name=op.f("ck_search_documents_popularity_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_documents")),
        sa.UniqueConstraint("kind", "subject_id", name="uq_search_documents_kind_subject"),
    )
    op.create_index("ix_search_documents_kind_popularity", "search_documents", ["kind", "popularity"])
    op.create_index("ix_search_documents_kind_price", "search_documents", ["kind", "price_fen"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_GIN)
    else:
        for statement in SQLITE_FTS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_search_documents_words")
    else:
        for name in ("update", "delete", "insert"):
            op.execute(f"DROP TRIGGER search_documents_fts_{name}")
        op.execute("DROP TABLE search_fts")
    op.drop_index("ix_search_documents_kind_price", table_name="search_documents")
    op.drop_index("ix_search_documents_kind_popularity", table_name="search_documents")
    op.drop_table("search_documents")
