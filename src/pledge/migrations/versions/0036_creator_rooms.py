"""creator-owned live rooms (issue 18): a room belongs to a shop or to a creator, never both
and never neither; a creator's room has no shop and states no room promise of its own (each
shop's product promise binds its own order)

Revision ID: 0036
Revises: 0035
"""

import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ONE_OWNER = (
    "(shop_id IS NOT NULL AND content_id IS NOT NULL) "
    "OR (shop_id IS NULL AND content_id IS NULL AND creator_id IS NOT NULL)"
)


def upgrade() -> None:
    with op.batch_alter_table("live_rooms", schema=None) as batch_op:
        batch_op.alter_column("shop_id", existing_type=ID, nullable=True)
        batch_op.alter_column("content_id", existing_type=ID, nullable=True)
        batch_op.create_check_constraint(op.f("ck_live_rooms_one_owner"), ONE_OWNER)
    op.create_index("ix_live_rooms_creator_id", "live_rooms", ["creator_id"])


def downgrade() -> None:
    op.drop_index("ix_live_rooms_creator_id", table_name="live_rooms")
    op.execute("DELETE FROM live_rooms WHERE shop_id IS NULL")  # creator rooms have no shop to return to
    with op.batch_alter_table("live_rooms", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_live_rooms_one_owner"), type_="check")
        batch_op.alter_column("content_id", existing_type=ID, nullable=False)
        batch_op.alter_column("shop_id", existing_type=ID, nullable=False)
