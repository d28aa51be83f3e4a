"""wish pool: a demand becomes a product, a new SKU or a presale; wisher offers

Revision ID: 0025
Revises: 0024
"""

import sqlalchemy as sa
from alembic import op

from pledge.kernel.db import UtcDateTime

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FEN = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("wish_demands", schema=None) as batch_op:
        batch_op.add_column(sa.Column("target", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("sku_id", ID, nullable=True))
        batch_op.create_foreign_key(op.f("fk_wish_demands_sku_id_skus"), "skus", ["sku_id"], ["id"])
        batch_op.create_check_constraint(
            op.f("ck_wish_demands_target_known"), "target IS NULL OR target IN ('product', 'sku', 'presale')"
        )
        batch_op.create_check_constraint(
            op.f("ck_wish_demands_sku_target_names_sku"), "(target = 'sku') = (sku_id IS NOT NULL)"
        )
    op.execute("UPDATE wish_demands SET target = 'product' WHERE status = 'closed'")
    op.create_table(
        "wish_offers",
        sa.Column("demand_id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("price_off_fen", FEN, nullable=True),
        sa.Column("coupon_expires_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("first_access_until", UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "price_off_fen IS NULL OR price_off_fen > 0", name=op.f("ck_wish_offers_price_off_positive")
        ),
        sa.CheckConstraint(
            "(price_off_fen IS NULL) = (coupon_expires_at IS NULL)",
            name=op.f("ck_wish_offers_price_has_expiry"),
        ),
        sa.CheckConstraint(
            "price_off_fen IS NOT NULL OR first_access_until IS NOT NULL",
            name=op.f("ck_wish_offers_offers_something"),
        ),
        sa.ForeignKeyConstraint(
            ["demand_id"], ["wish_demands.id"], name=op.f("fk_wish_offers_demand_id_wish_demands")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_wish_offers_product_id_products")
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_wish_offers_shop_id_shops")),
        sa.PrimaryKeyConstraint("demand_id", name=op.f("pk_wish_offers")),
    )
    op.create_index(op.f("ix_wish_offers_product_id"), "wish_offers", ["product_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_wish_offers_product_id"), table_name="wish_offers")
    op.drop_table("wish_offers")
    with op.batch_alter_table("wish_demands", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_wish_demands_sku_target_names_sku"), type_="check")
        batch_op.drop_constraint(op.f("ck_wish_demands_target_known"), type_="check")
        batch_op.drop_constraint(op.f("fk_wish_demands_sku_id_skus"), type_="foreignkey")
        batch_op.drop_column("sku_id")
        batch_op.drop_column("target")
