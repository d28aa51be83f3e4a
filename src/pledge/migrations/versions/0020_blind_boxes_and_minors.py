"""blind boxes (series, items, draw records) and minors (birth dates, guardian consents)

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

import pledge.kernel.db

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "guardian_consents",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("guardian_phone", sa.String(length=11), nullable=False),
        sa.Column("consented_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_guardian_consents_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guardian_consents")),
    )
    with op.batch_alter_table("guardian_consents", schema=None) as batch_op:
        batch_op.create_index("ix_guardian_consents_user_id", ["user_id"], unique=False)

    op.create_table(
        "blind_box_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("odds_bp", sa.Integer(), nullable=False),
        sa.Column("value_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.CheckConstraint("odds_bp > 0 AND odds_bp <= 10000", name=op.f("ck_blind_box_items_odds_bp_range")),
        sa.CheckConstraint("value_fen > 0", name=op.f("ck_blind_box_items_value_positive")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_blind_box_items_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blind_box_items")),
    )
    with op.batch_alter_table("blind_box_items", schema=None) as batch_op:
        batch_op.create_index("ux_blind_box_items_product_position", ["product_id", "position"], unique=True)

    op.create_table(
        "blind_box_series",
        sa.Column("product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("box_type", sa.String(length=20), nullable=False),
        sa.Column("factory_sealed", sa.Boolean(), nullable=False),
        sa.Column("draws_per_buyer", sa.Integer(), nullable=False),
        sa.Column("created_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("draws_per_buyer > 0", name=op.f("ck_blind_box_series_draws_per_buyer_positive")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_blind_box_series_product_id_products")
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_blind_box_series")),
    )
    op.create_table(
        "blind_box_draws",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("buyer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("unit", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("odds_bp", sa.Integer(), nullable=False),
        sa.Column("roll", sa.Integer(), nullable=False),
        sa.Column("random_source", sa.String(length=40), nullable=False),
        sa.Column("drawn_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("keep_until", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["buyer_id"], ["users.id"], name=op.f("fk_blind_box_draws_buyer_id_users")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["blind_box_items.id"], name=op.f("fk_blind_box_draws_item_id_blind_box_items")
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_blind_box_draws_order_id_orders")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_blind_box_draws_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blind_box_draws")),
    )
    with op.batch_alter_table("blind_box_draws", schema=None) as batch_op:
        batch_op.create_index("ix_blind_box_draws_buyer_product", ["buyer_id", "product_id"], unique=False)
        batch_op.create_index(
            "ux_blind_box_draws_order_product_unit", ["order_id", "product_id", "unit"], unique=True
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("birth_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("birth_date")

    with op.batch_alter_table("blind_box_draws", schema=None) as batch_op:
        batch_op.drop_index("ux_blind_box_draws_order_product_unit")
        batch_op.drop_index("ix_blind_box_draws_buyer_product")

    op.drop_table("blind_box_draws")
    op.drop_table("blind_box_series")
    with op.batch_alter_table("blind_box_items", schema=None) as batch_op:
        batch_op.drop_index("ux_blind_box_items_product_position")

    op.drop_table("blind_box_items")
    with op.batch_alter_table("guardian_consents", schema=None) as batch_op:
        batch_op.drop_index("ix_guardian_consents_user_id")

    op.drop_table("guardian_consents")
