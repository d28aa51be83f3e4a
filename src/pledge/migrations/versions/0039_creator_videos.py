"""creator-owned short videos (issue 18): a video belongs to a shop or to a creator, never both
and never neither; a creator's video has no shop and states no promise of its own (each shop's
product promise binds its own order); a creator's video has no shop to index its search
document under

Revision ID: 0039
Revises: 0038
"""

import sqlalchemy as sa
from alembic import op

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ONE_OWNER = (
    "(shop_id IS NOT NULL AND content_id IS NOT NULL) "
    "OR (shop_id IS NULL AND content_id IS NULL AND creator_id IS NOT NULL)"
)
CREATOR_VIDEOS = "SELECT id FROM videos WHERE shop_id IS NULL"
# On SQLite a batch alter rebuilds search_documents, and its FTS5 triggers (migration 0030) go
# with the old table: they are made again, as 0030 wrote them.
SQLITE_FTS_TRIGGERS = [
    "CREATE TRIGGER search_documents_fts_insert AFTER INSERT ON search_documents BEGIN "
    "INSERT INTO search_fts(rowid, words) VALUES (new.id, new.words); END",
    "CREATE TRIGGER search_documents_fts_delete AFTER DELETE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, words) VALUES ('delete', old.id, old.words); END",
    "CREATE TRIGGER search_documents_fts_update AFTER UPDATE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, words) VALUES ('delete', old.id, old.words); "
    "INSERT INTO search_fts(rowid, words) VALUES (new.id, new.words); END",
]


def _search_shop_nullable(nullable: bool) -> None:
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.alter_column("shop_id", existing_type=ID, nullable=nullable)
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_FTS_TRIGGERS:
            op.execute(statement)


def upgrade() -> None:
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.alter_column("shop_id", existing_type=ID, nullable=True)
        batch_op.alter_column("content_id", existing_type=ID, nullable=True)
        batch_op.create_check_constraint(op.f("ck_videos_one_owner"), ONE_OWNER)
    op.create_index("ix_videos_creator_id", "videos", ["creator_id"])
    _search_shop_nullable(True)


def downgrade() -> None:
    # Creator videos have no shop to return to: they go, with what hangs on them.
    op.execute("DELETE FROM search_documents WHERE shop_id IS NULL")
    op.execute(f"DELETE FROM video_likes WHERE video_id IN ({CREATOR_VIDEOS})")
    op.execute(f"DELETE FROM video_products WHERE video_id IN ({CREATOR_VIDEOS})")
    op.execute("DELETE FROM videos WHERE shop_id IS NULL")
    _search_shop_nullable(False)
    op.drop_index("ix_videos_creator_id", table_name="videos")
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_videos_one_owner"), type_="check")
        batch_op.alter_column("content_id", existing_type=ID, nullable=False)
        batch_op.alter_column("shop_id", existing_type=ID, nullable=False)
