"""creators, their grades, affiliate rates and showcases (issue 18)

Revision ID: 0027
Revises: 0026
"""

import sqlalchemy as sa
from alembic import op

from pledge.kernel.db import UtcDateTime

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _id(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, ID, nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "creators",
        _id("id"),
        _id("user_id"),
        sa.Column("handle", sa.String(length=30), nullable=False),
        sa.Column("display_name", sa.String(length=60), nullable=False),
        sa.Column("follower_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'limited', 'removed')", name=op.f("ck_creators_status_known")
        ),
        sa.CheckConstraint("follower_count >= 0", name=op.f("ck_creators_followers_not_negative")),
        _fk("creators", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creators")),
        sa.UniqueConstraint("handle", name=op.f("uq_creators_handle")),
        sa.UniqueConstraint("user_id", name=op.f("uq_creators_user_id")),
    )
    op.create_table(
        "affiliate_rates",
        _id("id"),
        _id("shop_id"),
        _id("product_id"),
        _id("creator_id", nullable=True),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("starts_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", UtcDateTime(timezone=True), nullable=True),
        _id("created_by"),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "ends_at IS NULL OR ends_at > starts_at", name=op.f("ck_affiliate_rates_period_not_empty")
        ),
        sa.CheckConstraint(
            "rate_bp >= 0 AND rate_bp <= 10000", name=op.f("ck_affiliate_rates_rate_within_100_percent")
        ),
        _fk("affiliate_rates", "created_by", "users"),
        _fk("affiliate_rates", "creator_id", "creators"),
        _fk("affiliate_rates", "product_id", "products"),
        _fk("affiliate_rates", "shop_id", "shops"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_affiliate_rates")),
    )
    op.create_index("ix_affiliate_rates_product_creator", "affiliate_rates", ["product_id", "creator_id"])
    op.create_index("ix_affiliate_rates_shop_id", "affiliate_rates", ["shop_id"])
    op.create_table(
        "creator_categories",
        _id("id"),
        _id("creator_id"),
        _id("category_id"),
        _fk("creator_categories", "category_id", "categories"),
        _fk("creator_categories", "creator_id", "creators"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creator_categories")),
        sa.UniqueConstraint("creator_id", "category_id", name="uq_creator_categories_creator_category"),
    )
    op.create_table(
        "creator_grades",
        _id("id"),
        _id("creator_id"),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("grade", sa.String(length=2), nullable=False),
        sa.Column("set_at", UtcDateTime(timezone=True), nullable=False),
        _fk("creator_grades", "creator_id", "creators"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creator_grades")),
        sa.UniqueConstraint("creator_id", "period_start", name="uq_creator_grades_creator_period"),
    )
    op.create_table(
        "showcase_items",
        _id("id"),
        _id("creator_id"),
        _id("product_id"),
        sa.Column("added_at", UtcDateTime(timezone=True), nullable=False),
        _fk("showcase_items", "creator_id", "creators"),
        _fk("showcase_items", "product_id", "products"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_showcase_items")),
        sa.UniqueConstraint("creator_id", "product_id", name="uq_showcase_items_creator_product"),
    )
    op.create_index("ix_showcase_items_product_id", "showcase_items", ["product_id"])


def downgrade() -> None:
    op.drop_index("ix_showcase_items_product_id", table_name="showcase_items")
    op.drop_table("showcase_items")
    op.drop_table("creator_grades")
    op.drop_table("creator_categories")
    op.drop_index("ix_affiliate_rates_shop_id", table_name="affiliate_rates")
    op.drop_index("ix_affiliate_rates_product_creator", table_name="affiliate_rates")
    op.drop_table("affiliate_rates")
    op.drop_table("creators")
