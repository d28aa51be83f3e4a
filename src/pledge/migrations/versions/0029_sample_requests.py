"""creators' free sample requests (寄样, issue 18)

Revision ID: 0029
Revises: 0028
"""

import sqlalchemy as sa
from alembic import op

from pledge.kernel.db import UtcDateTime

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STATUSES = "'requested', 'approved', 'declined', 'shipped', 'received', 'cancelled', 'expired'"


def _id(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, ID, nullable=nullable)


def _fk(column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_sample_requests_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "sample_requests",
        _id("id"),
        _id("creator_id"),
        _id("product_id"),
        _id("shop_id"),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("requested_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("due_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", UtcDateTime(timezone=True), nullable=True),
        _id("decided_by", nullable=True),
        sa.Column("shipped_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("tracking_no", sa.String(length=40), nullable=True),
        sa.Column("closed_at", UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f("ck_sample_requests_status_known")),
        _fk("creator_id", "creators"),
        _fk("decided_by", "users"),
        _fk("product_id", "products"),
        _fk("shop_id", "shops"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sample_requests")),
    )
    op.create_index("ix_sample_requests_creator_status", "sample_requests", ["creator_id", "status"])
    op.create_index("ix_sample_requests_shop_status", "sample_requests", ["shop_id", "status"])
    op.create_index("ix_sample_requests_status_due", "sample_requests", ["status", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_sample_requests_status_due", table_name="sample_requests")
    op.drop_index("ix_sample_requests_shop_status", table_name="sample_requests")
    op.drop_index("ix_sample_requests_creator_status", table_name="sample_requests")
    op.drop_table("sample_requests")
