"""creator freezes scoped to one product: a COMMISSION_HELD penalty (冻结违规商品所有订单成交额X%金额N天
并停止结算违规订单) stops settling the creator's commissions on the violating product while the hold
runs; product_id NULL keeps today's meaning, the whole account

Revision ID: 0045
Revises: 0044
"""

import sqlalchemy as sa
from alembic import op

revision = "0045"
down_revision = "0044"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("creator_freezes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("product_id", ID, nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_creator_freezes_product_id_products"), "products", ["product_id"], ["id"]
        )


def downgrade() -> None:
    # A product-scoped freeze has no meaning without its product: read as a whole-account freeze it
    # would stop every commission, so it goes.
    op.execute("DELETE FROM creator_freezes WHERE product_id IS NOT NULL")
    with op.batch_alter_table("creator_freezes", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_creator_freezes_product_id_products"), type_="foreignkey")
        batch_op.drop_column("product_id")
