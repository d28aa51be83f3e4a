"""live rooms, short videos, followers and the notification inbox

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

import pledge.kernel.db

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("cause", sa.String(length=120), nullable=False),
        sa.Column("created_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("read_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("user_id", "cause", name="uq_notifications_user_cause"),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_user_id_id", ["user_id", "id"], unique=False)

    op.create_table(
        "shop_followers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_shop_followers_shop_id_shops")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_shop_followers_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_followers")),
        sa.UniqueConstraint("shop_id", "user_id", name="uq_shop_followers_shop_user"),
    )
    with op.batch_alter_table("shop_followers", schema=None) as batch_op:
        batch_op.create_index("ix_shop_followers_user_id", ["user_id"], unique=False)

    op.create_table(
        "live_rooms",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("content_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("title", sa.String(length=60), nullable=False),
        sa.Column("created_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["content_id"], ["content_promises.id"], name=op.f("fk_live_rooms_content_id_content_promises")
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_live_rooms_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_rooms")),
        sa.UniqueConstraint("content_id", name=op.f("uq_live_rooms_content_id")),
    )
    with op.batch_alter_table("live_rooms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_rooms_shop_id"), ["shop_id"], unique=False)

    op.create_table(
        "videos",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("content_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("title", sa.String(length=60), nullable=False),
        sa.Column("file_key", sa.String(length=80), nullable=False),
        sa.Column("bytes", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("poster_key", sa.String(length=80), nullable=False),
        sa.Column("poster_type", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("plays", sa.Integer(), server_default="0", nullable=False),
        sa.Column("likes", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("plays >= 0 AND likes >= 0", name=op.f("ck_videos_counts_not_negative")),
        sa.ForeignKeyConstraint(
            ["content_id"], ["content_promises.id"], name=op.f("fk_videos_content_id_content_promises")
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_videos_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_videos")),
        sa.UniqueConstraint("content_id", name=op.f("uq_videos_content_id")),
    )
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.create_index("ix_videos_shop_id_id", ["shop_id", "id"], unique=False)

    op.create_table(
        "live_sessions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("room_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("title", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("scheduled_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("started_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("cut_reason", sa.String(length=200), nullable=True),
        sa.Column("playback_url", sa.String(length=500), nullable=True),
        sa.Column("likes", sa.Integer(), server_default="0", nullable=False),
        sa.Column("peak_viewers", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("likes >= 0", name=op.f("ck_live_sessions_likes_not_negative")),
        sa.ForeignKeyConstraint(
            ["room_id"], ["live_rooms.id"], name=op.f("fk_live_sessions_room_id_live_rooms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_sessions")),
    )
    with op.batch_alter_table("live_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_sessions_room_id"), ["room_id"], unique=False)
        batch_op.create_index(
            "ux_live_sessions_one_live_per_room",
            ["room_id"],
            unique=True,
            sqlite_where=sa.text("status = 'live'"),
            postgresql_where=sa.text("status = 'live'"),
        )

    op.create_table(
        "video_products",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("video_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_video_products_product_id_products")
        ),
        sa.ForeignKeyConstraint(["video_id"], ["videos.id"], name=op.f("fk_video_products_video_id_videos")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_video_products")),
        sa.UniqueConstraint("video_id", "product_id", name="uq_video_products_video_product"),
    )
    with op.batch_alter_table("video_products", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_video_products_video_id"), ["video_id"], unique=False)

    op.create_table(
        "live_cards",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("session_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("sku_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("price_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("pinned", sa.Boolean(), server_default=sa.text("(true)"), nullable=False),
        sa.Column("explaining", sa.Boolean(), server_default=sa.text("(false)"), nullable=False),
        sa.Column("pinned_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("price_fen > 0", name=op.f("ck_live_cards_price_positive")),
        sa.ForeignKeyConstraint(
            ["session_id"], ["live_sessions.id"], name=op.f("fk_live_cards_session_id_live_sessions")
        ),
        sa.ForeignKeyConstraint(["sku_id"], ["skus.id"], name=op.f("fk_live_cards_sku_id_skus")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_cards")),
        sa.UniqueConstraint("session_id", "sku_id", name="uq_live_cards_session_sku"),
    )
    with op.batch_alter_table("live_cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_cards_session_id"), ["session_id"], unique=False)

    op.create_table(
        "live_comments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("session_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("created_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"], ["live_sessions.id"], name=op.f("fk_live_comments_session_id_live_sessions")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_live_comments_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_comments")),
    )
    with op.batch_alter_table("live_comments", schema=None) as batch_op:
        batch_op.create_index("ix_live_comments_session_id_id", ["session_id", "id"], unique=False)
        batch_op.create_index("ix_live_comments_user_id_created_at", ["user_id", "created_at"], unique=False)

    op.create_table(
        "live_reminders",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("session_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"], ["live_sessions.id"], name=op.f("fk_live_reminders_session_id_live_sessions")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_live_reminders_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_reminders")),
        sa.UniqueConstraint("session_id", "user_id", name="uq_live_reminders_session_user"),
    )
    op.create_table(
        "live_viewer_samples",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("session_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("viewers", sa.Integer(), nullable=False),
        sa.CheckConstraint("viewers >= 0", name=op.f("ck_live_viewer_samples_viewers_not_negative")),
        sa.ForeignKeyConstraint(
            ["session_id"], ["live_sessions.id"], name=op.f("fk_live_viewer_samples_session_id_live_sessions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_viewer_samples")),
    )
    with op.batch_alter_table("live_viewer_samples", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_viewer_samples_session_id"), ["session_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("live_viewer_samples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_viewer_samples_session_id"))

    op.drop_table("live_viewer_samples")
    op.drop_table("live_reminders")
    with op.batch_alter_table("live_comments", schema=None) as batch_op:
        batch_op.drop_index("ix_live_comments_user_id_created_at")
        batch_op.drop_index("ix_live_comments_session_id_id")

    op.drop_table("live_comments")
    with op.batch_alter_table("live_cards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_cards_session_id"))

    op.drop_table("live_cards")
    with op.batch_alter_table("video_products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_video_products_video_id"))

    op.drop_table("video_products")
    with op.batch_alter_table("live_sessions", schema=None) as batch_op:
        batch_op.drop_index(
            "ux_live_sessions_one_live_per_room",
            sqlite_where=sa.text("status = 'live'"),
            postgresql_where=sa.text("status = 'live'"),
        )
        batch_op.drop_index(batch_op.f("ix_live_sessions_room_id"))

    op.drop_table("live_sessions")
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.drop_index("ix_videos_shop_id_id")

    op.drop_table("videos")
    with op.batch_alter_table("live_rooms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_rooms_shop_id"))

    op.drop_table("live_rooms")
    with op.batch_alter_table("shop_followers", schema=None) as batch_op:
        batch_op.drop_index("ix_shop_followers_user_id")

    op.drop_table("shop_followers")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_id_id")

    op.drop_table("notifications")
