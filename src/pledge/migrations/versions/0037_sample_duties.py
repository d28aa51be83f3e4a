"""paid and review-free samples, the promotion duty, sample returns, creator payout bank returns
(issue 18)

Revision ID: 0037
Revises: 0036
"""

import sqlalchemy as sa
from alembic import op

from pledge.kernel.db import UtcDateTime

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FEN = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _id(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, ID, nullable=nullable)


def _at(name: str, *, nullable: bool = True) -> sa.Column:
    return sa.Column(name, UtcDateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def _plans() -> None:
    op.create_table(
        "sample_plans",
        _id("id"),
        _id("product_id"),
        _id("shop_id"),
        sa.Column("mode", sa.String(length=12), nullable=False),
        sa.Column("price_fen", FEN, nullable=True),
        sa.Column("target_orders", sa.Integer(), nullable=True),
        sa.Column("min_followers", sa.Integer(), nullable=True),
        _id("updated_by"),
        _at("updated_at", nullable=False),
        sa.CheckConstraint("mode IN ('paid', 'review_free')", name=op.f("ck_sample_plans_mode_known")),
        sa.CheckConstraint(
            "(mode = 'paid' AND price_fen > 0 AND target_orders >= 1) "
            "OR (mode = 'review_free' AND min_followers >= 0)",
            name=op.f("ck_sample_plans_plan_complete"),
        ),
        _fk("sample_plans", "product_id", "products"),
        _fk("sample_plans", "shop_id", "shops"),
        _fk("sample_plans", "updated_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sample_plans")),
        sa.UniqueConstraint("product_id", name=op.f("uq_sample_plans_product_id")),
    )
    op.create_index(op.f("ix_sample_plans_shop_id"), "sample_plans", ["shop_id"])


def _duties() -> None:
    op.create_table(
        "sample_duties",
        _id("id"),
        _id("sample_id"),
        _id("creator_id"),
        _id("shop_id"),
        _id("product_id"),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        _at("received_at", nullable=False),
        _at("due_at"),
        sa.Column("met_by", sa.String(length=40), nullable=True),
        sa.Column("price_fen", FEN, nullable=False),
        _at("refund_due_at"),
        _at("refunded_at"),
        sa.Column("return_tracking_no", sa.String(length=40), nullable=True),
        _at("return_shipped_at"),
        _at("closed_at"),
        sa.CheckConstraint(
            "status IN ('open', 'met', 'broken', 'returning', 'returned')",
            name=op.f("ck_sample_duties_status_known"),
        ),
        sa.CheckConstraint("price_fen >= 0", name=op.f("ck_sample_duties_price_not_negative")),
        _fk("sample_duties", "sample_id", "sample_requests"),
        _fk("sample_duties", "creator_id", "creators"),
        _fk("sample_duties", "shop_id", "shops"),
        _fk("sample_duties", "product_id", "products"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sample_duties")),
        sa.UniqueConstraint("sample_id", name=op.f("uq_sample_duties_sample_id")),
    )
    op.create_index(op.f("ix_sample_duties_shop_id"), "sample_duties", ["shop_id"])
    op.create_index("ix_sample_duties_creator_status", "sample_duties", ["creator_id", "status"])
    op.create_index("ix_sample_duties_status_due", "sample_duties", ["status", "due_at"])


def upgrade() -> None:
    with op.batch_alter_table("sample_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=12), server_default="free", nullable=False))
        batch_op.add_column(sa.Column("price_fen", FEN, nullable=True))
        batch_op.add_column(sa.Column("target_orders", sa.Integer(), nullable=True))
    with op.batch_alter_table("creator_payouts", schema=None) as batch_op:
        batch_op.add_column(_at("returned_at"))
        batch_op.add_column(sa.Column("return_reason", sa.String(length=200), nullable=True))
    _plans()
    _duties()


def downgrade() -> None:
    op.drop_index("ix_sample_duties_status_due", table_name="sample_duties")
    op.drop_index("ix_sample_duties_creator_status", table_name="sample_duties")
    op.drop_index(op.f("ix_sample_duties_shop_id"), table_name="sample_duties")
    op.drop_table("sample_duties")
    op.drop_index(op.f("ix_sample_plans_shop_id"), table_name="sample_plans")
    op.drop_table("sample_plans")
    with op.batch_alter_table("creator_payouts", schema=None) as batch_op:
        batch_op.drop_column("return_reason")
        batch_op.drop_column("returned_at")
    with op.batch_alter_table("sample_requests", schema=None) as batch_op:
        batch_op.drop_column("target_orders")
        batch_op.drop_column("price_fen")
        batch_op.drop_column("kind")
