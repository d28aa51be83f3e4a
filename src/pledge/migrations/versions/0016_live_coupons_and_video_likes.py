"""live-room viewer coupons (offers and claims), coupons' shop and expiry, unique session viewers,
per-user video likes

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

from pledge.kernel.db import UtcDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FEN = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("coupons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shop_id", ID, nullable=True))
        batch_op.add_column(sa.Column("expires_at", UtcDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(op.f("fk_coupons_shop_id_shops"), "shops", ["shop_id"], ["id"])
    op.create_table(
        "live_coupon_offers",
        sa.Column("id", ID, nullable=False),
        sa.Column("session_id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("amount_fen", FEN, nullable=False),
        sa.Column("min_spend_fen", FEN, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("claimed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("valid_hours", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_live_coupon_offers_amount_positive")),
        sa.CheckConstraint("min_spend_fen >= 0", name=op.f("ck_live_coupon_offers_min_spend_not_negative")),
        sa.CheckConstraint(
            "claimed >= 0 AND claimed <= quantity", name=op.f("ck_live_coupon_offers_claimed_within_quantity")
        ),
        sa.CheckConstraint("valid_hours > 0", name=op.f("ck_live_coupon_offers_valid_hours_positive")),
        sa.ForeignKeyConstraint(
            ["session_id"], ["live_sessions.id"], name=op.f("fk_live_coupon_offers_session_id_live_sessions")
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_live_coupon_offers_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_coupon_offers")),
    )
    op.create_index(
        op.f("ix_live_coupon_offers_session_id"), "live_coupon_offers", ["session_id"], unique=False
    )
    op.create_table(
        "live_coupon_claims",
        sa.Column("id", ID, nullable=False),
        sa.Column("offer_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("coupon_id", ID, nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["live_coupon_offers.id"],
            name=op.f("fk_live_coupon_claims_offer_id_live_coupon_offers"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_live_coupon_claims_user_id_users")),
        sa.ForeignKeyConstraint(
            ["coupon_id"], ["coupons.id"], name=op.f("fk_live_coupon_claims_coupon_id_coupons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_coupon_claims")),
        sa.UniqueConstraint("offer_id", "user_id", name="uq_live_coupon_claims_offer_user"),
    )
    op.create_table(
        "live_session_viewers",
        sa.Column("id", ID, nullable=False),
        sa.Column("session_id", ID, nullable=False),
        sa.Column("viewer_key", sa.String(length=40), nullable=False),
        sa.Column("first_seen_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["live_sessions.id"],
            name=op.f("fk_live_session_viewers_session_id_live_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_session_viewers")),
        sa.UniqueConstraint("session_id", "viewer_key", name="uq_live_session_viewers_session_viewer"),
    )
    op.create_table(
        "video_likes",
        sa.Column("id", ID, nullable=False),
        sa.Column("video_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["video_id"], ["videos.id"], name=op.f("fk_video_likes_video_id_videos")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_video_likes_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_video_likes")),
        sa.UniqueConstraint("video_id", "user_id", name="uq_video_likes_video_user"),
    )


def downgrade() -> None:
    op.drop_table("video_likes")
    op.drop_table("live_session_viewers")
    op.drop_table("live_coupon_claims")
    op.drop_index(op.f("ix_live_coupon_offers_session_id"), table_name="live_coupon_offers")
    op.drop_table("live_coupon_offers")
    with op.batch_alter_table("coupons", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_coupons_shop_id_shops"), type_="foreignkey")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("shop_id")
