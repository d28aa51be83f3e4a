"""late-ship and out-of-stock paid as separate parts (no schema change); booked delivery
(products.booked_delivery, orders.booked_delivery_by) and the indexes of the 365-day closure
and booked-delivery sweeps

Existing compensations are left as they are: see docs/logistics.md ("Out of stock was paid
twice"): coupons already issued cannot be taken back, and a migration cannot know which of them
were spent.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

import pledge.kernel.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("booked_delivery", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("booked_delivery_by", pledge.kernel.db.UtcDateTime(timezone=True), nullable=True)
        )
    op.create_index("ix_orders_booked_delivery_by", "orders", ["booked_delivery_by"], unique=False)
    op.create_index("ix_orders_status_created_at", "orders", ["status", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_orders_status_created_at", table_name="orders")
    op.drop_index("ix_orders_booked_delivery_by", table_name="orders")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("booked_delivery_by")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("booked_delivery")
