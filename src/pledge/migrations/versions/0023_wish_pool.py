"""wish pool: wishes and the demands they form

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

from pledge.kernel.db import UtcDateTime

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "wish_demands",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("product_id", ID, nullable=True),
        sa.Column("wishers_at_close", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_wish_demands_status_known")),
        sa.CheckConstraint(
            "(status = 'open' AND product_id IS NULL) OR (status = 'closed' AND product_id IS NOT NULL)",
            name=op.f("ck_wish_demands_closed_with_product"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_wish_demands_product_id_products")
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_wish_demands_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wish_demands")),
    )
    op.create_index("ix_wish_demands_shop_status", "wish_demands", ["shop_id", "status"], unique=False)
    op.create_index("ix_wish_demands_product_id", "wish_demands", ["product_id"], unique=False)
    op.create_table(
        "wishes",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("demand_id", ID, nullable=False),
        sa.Column("author_id", ID, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_id", ID, nullable=True),
        sa.Column("session_id", ID, nullable=True),
        sa.Column("order_id", ID, nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("dedupe_key", sa.String(length=80), nullable=True),
        sa.CheckConstraint(
            "source IN ('live_comment', 'chat_message', 'review', 'button', 'plus_one')",
            name=op.f("ck_wishes_source_known"),
        ),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_wishes_author_id_users")),
        sa.ForeignKeyConstraint(
            ["demand_id"], ["wish_demands.id"], name=op.f("fk_wishes_demand_id_wish_demands")
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_wishes_order_id_orders")),
        sa.ForeignKeyConstraint(
            ["session_id"], ["live_sessions.id"], name=op.f("fk_wishes_session_id_live_sessions")
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_wishes_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wishes")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_wishes_dedupe_key")),
    )
    op.create_index(op.f("ix_wishes_author_id"), "wishes", ["author_id"], unique=False)
    op.create_index(op.f("ix_wishes_demand_id"), "wishes", ["demand_id"], unique=False)
    op.create_index("ix_wishes_shop_created", "wishes", ["shop_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_wishes_shop_created", table_name="wishes")
    op.drop_index(op.f("ix_wishes_demand_id"), table_name="wishes")
    op.drop_index(op.f("ix_wishes_author_id"), table_name="wishes")
    op.drop_table("wishes")
    op.drop_index("ix_wish_demands_product_id", table_name="wish_demands")
    op.drop_index("ix_wish_demands_shop_status", table_name="wish_demands")
    op.drop_table("wish_demands")
