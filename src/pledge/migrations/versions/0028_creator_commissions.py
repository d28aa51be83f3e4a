"""creator attribution and commissions (issue 18): orders, live rooms and videos name their
creator; commissions per order line and what refunds did to them

Revision ID: 0028
Revises: 0027
"""

import sqlalchemy as sa
from alembic import op

from pledge.kernel.db import UtcDateTime

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FEN = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CONTENT = ("orders", "live_rooms", "videos")


def _id(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, ID, nullable=nullable)


def _fen(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, FEN, nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def _add_creator_columns() -> None:
    for table in CONTENT:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("creator_id", ID, nullable=True))
            batch_op.create_foreign_key(
                op.f(f"fk_{table}_creator_id_creators"), "creators", ["creator_id"], ["id"]
            )
    op.create_index("ix_orders_creator_id", "orders", ["creator_id"])


def _create_commissions() -> None:
    op.create_table(
        "creator_commissions",
        _id("id"),
        _id("order_id"),
        _id("order_line_id"),
        _id("creator_id"),
        _id("shop_id"),
        _id("product_id"),
        sa.Column("source_ref", sa.String(length=40), nullable=False),
        sa.Column("paid_at", UtcDateTime(timezone=True), nullable=False),
        _id("rate_id"),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=2), nullable=False),
        sa.Column("fee_rate_bp", sa.Integer(), nullable=False),
        _fen("base_fen"),
        _fen("commission_fen"),
        _fen("service_fee_fen"),
        _fen("returned_fen"),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("booked_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("settle_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("settled_at", UtcDateTime(timezone=True), nullable=True),
        _fen("settled_fee_fen", nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'settled')", name=op.f("ck_creator_commissions_status_known")
        ),
        sa.CheckConstraint(
            "commission_fen >= 0 AND commission_fen <= base_fen AND service_fee_fen <= commission_fen",
            name=op.f("ck_creator_commissions_amounts_consistent"),
        ),
        sa.CheckConstraint(
            "returned_fen >= 0 AND returned_fen <= commission_fen",
            name=op.f("ck_creator_commissions_returned_within"),
        ),
        _fk("creator_commissions", "creator_id", "creators"),
        _fk("creator_commissions", "order_id", "orders"),
        _fk("creator_commissions", "order_line_id", "order_lines"),
        _fk("creator_commissions", "product_id", "products"),
        _fk("creator_commissions", "rate_id", "affiliate_rates"),
        _fk("creator_commissions", "shop_id", "shops"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creator_commissions")),
        sa.UniqueConstraint("order_line_id", name=op.f("uq_creator_commissions_order_line_id")),
    )
    op.create_index("ix_creator_commissions_order_id", "creator_commissions", ["order_id"])
    op.create_index("ix_creator_commissions_shop_id", "creator_commissions", ["shop_id"])
    op.create_index("ix_creator_commissions_creator_status", "creator_commissions", ["creator_id", "status"])
    op.create_table(
        "creator_commission_returns",
        _id("id"),
        _id("refund_id"),
        _id("commission_id"),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        _fen("commission_fen"),
        _fen("fee_fen"),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        _fk("creator_commission_returns", "commission_id", "creator_commissions"),
        _fk("creator_commission_returns", "refund_id", "refunds"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creator_commission_returns")),
        sa.UniqueConstraint(
            "refund_id", "commission_id", name="uq_creator_commission_returns_refund_commission"
        ),
    )
    op.create_index(
        "ix_creator_commission_returns_commission_id", "creator_commission_returns", ["commission_id"]
    )


def _create_freezes() -> None:
    op.create_table(
        "creator_freezes",
        _id("id"),
        _id("creator_id"),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("clause_id", sa.String(length=80), nullable=False),
        sa.Column("starts_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", UtcDateTime(timezone=True), nullable=False),
        _id("created_by"),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_creator_freezes_period_not_empty")),
        _fk("creator_freezes", "created_by", "users"),
        _fk("creator_freezes", "creator_id", "creators"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creator_freezes")),
    )
    op.create_index("ix_creator_freezes_creator_id", "creator_freezes", ["creator_id"])


def _create_payouts() -> None:
    op.create_table(
        "creator_payouts",
        _id("id"),
        _id("creator_id"),
        _fen("amount_fen"),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("provider_ref", sa.String(length=80), nullable=True),
        sa.Column("sent_at", UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_creator_payouts_amount_positive")),
        _fk("creator_payouts", "creator_id", "creators"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creator_payouts")),
    )
    op.create_index("ix_creator_payouts_creator_id", "creator_payouts", ["creator_id"])
    with op.batch_alter_table("sandbox_payout_transfers", schema=None) as batch_op:
        batch_op.alter_column("shop_id", existing_type=ID, nullable=True)
        batch_op.add_column(sa.Column("payee", sa.String(length=40), nullable=True))


def upgrade() -> None:
    _add_creator_columns()
    _create_commissions()
    _create_freezes()
    _create_payouts()


def downgrade() -> None:
    with op.batch_alter_table("sandbox_payout_transfers", schema=None) as batch_op:
        batch_op.drop_column("payee")
        batch_op.alter_column("shop_id", existing_type=ID, nullable=False)
    op.drop_index("ix_creator_payouts_creator_id", table_name="creator_payouts")
    op.drop_table("creator_payouts")
    op.drop_index("ix_creator_freezes_creator_id", table_name="creator_freezes")
    op.drop_table("creator_freezes")
    op.drop_index("ix_creator_commission_returns_commission_id", table_name="creator_commission_returns")
    op.drop_table("creator_commission_returns")
    op.drop_index("ix_creator_commissions_creator_status", table_name="creator_commissions")
    op.drop_index("ix_creator_commissions_shop_id", table_name="creator_commissions")
    op.drop_index("ix_creator_commissions_order_id", table_name="creator_commissions")
    op.drop_table("creator_commissions")
    op.drop_index("ix_orders_creator_id", table_name="orders")
    for table in CONTENT:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"fk_{table}_creator_id_creators"), type_="foreignkey")
            batch_op.drop_column("creator_id")
