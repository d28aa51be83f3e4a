"""reviews and the merchant experience score

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

import pledge.kernel.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = pledge.kernel.db.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", ID, nullable=False),
        sa.Column("order_id", ID, nullable=False),
        sa.Column("order_line_id", ID, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("buyer_id", ID, nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("edited_at", UTC, nullable=True),
        sa.Column("edits", sa.Integer(), nullable=False),
        sa.CheckConstraint("stars >= 1 AND stars <= 5", name=op.f("ck_reviews_stars_1_to_5")),
        sa.CheckConstraint("edits >= 0", name=op.f("ck_reviews_edits_not_negative")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_reviews_order_id_orders")),
        sa.ForeignKeyConstraint(
            ["order_line_id"], ["order_lines.id"], name=op.f("fk_reviews_order_line_id_order_lines")
        ),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_reviews_product_id_products")),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_reviews_shop_id_shops")),
        sa.ForeignKeyConstraint(["buyer_id"], ["users.id"], name=op.f("fk_reviews_buyer_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("order_line_id", name=op.f("uq_reviews_order_line_id")),
    )
    op.create_index(op.f("ix_reviews_order_id"), "reviews", ["order_id"], unique=False)
    op.create_index("ix_reviews_product_created", "reviews", ["product_id", "created_at"], unique=False)
    op.create_table(
        "review_photos",
        sa.Column("review_id", ID, nullable=False),
        sa.Column("upload_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_review_photos_review_id_reviews")
        ),
        sa.ForeignKeyConstraint(
            ["upload_id"], ["uploads.id"], name=op.f("fk_review_photos_upload_id_uploads")
        ),
        sa.PrimaryKeyConstraint("review_id", "upload_id", name=op.f("pk_review_photos")),
    )
    op.create_table(
        "experience_shop_profiles",
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("industry", sa.String(length=40), nullable=False),
        sa.Column("flagship", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_experience_shop_profiles_shop_id_shops")
        ),
        sa.PrimaryKeyConstraint("shop_id", name=op.f("pk_experience_shop_profiles")),
    )
    op.create_table(
        "experience_incidents",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("occurred_at", UTC, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by", ID, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_experience_incidents_shop_id_shops")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_experience_incidents_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experience_incidents")),
    )
    op.create_index(
        "ix_experience_incidents_shop_occurred",
        "experience_incidents",
        ["shop_id", "occurred_at"],
        unique=False,
    )
    op.create_table(
        "experience_snapshots",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("version", sa.String(length=10), nullable=False),
        sa.Column("stage", sa.String(length=10), nullable=False),
        sa.Column("score_centi", sa.Integer(), nullable=False),
        sa.Column("shown_tenths", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("computed_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_experience_snapshots_shop_id_shops")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experience_snapshots")),
        sa.UniqueConstraint("shop_id", "day", "version", name=op.f("uq_experience_snapshots_shop_id")),
    )
    op.create_index(
        "ix_experience_snapshots_day_version", "experience_snapshots", ["day", "version"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_experience_snapshots_day_version", table_name="experience_snapshots")
    op.drop_table("experience_snapshots")
    op.drop_index("ix_experience_incidents_shop_occurred", table_name="experience_incidents")
    op.drop_table("experience_incidents")
    op.drop_table("experience_shop_profiles")
    op.drop_table("review_photos")
    op.drop_index("ix_reviews_product_created", table_name="reviews")
    op.drop_index(op.f("ix_reviews_order_id"), table_name="reviews")
    op.drop_table("reviews")
