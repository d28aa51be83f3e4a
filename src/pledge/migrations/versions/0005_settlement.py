"""settlement: commission per order line, fee programs with history and applications, settlement
entries, rebates, deposits, payouts; orders.channel and coupons.funded_by

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 03:45:00
Written by hand (see docs/adr/0009-settlement.md).
"""

import sqlalchemy as sa
from alembic import op

import pledge.kernel.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(length=20), server_default="product_card", nullable=False)
        )
    with op.batch_alter_table("coupons", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("funded_by", sa.String(length=20), server_default="platform", nullable=False)
        )
    op.create_table(
        "settlement_programs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=True),
        sa.Column("categories", sa.Text(), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("starts_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("requires_application", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "rate_bp IS NULL OR (rate_bp >= 0 AND rate_bp <= 10000)",
            name=op.f("ck_settlement_programs_rate_in_range"),
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_settlement_programs_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_programs")),
        sa.UniqueConstraint("code", name=op.f("uq_settlement_programs_code")),
    )
    op.create_table(
        "settlement_program_versions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("program_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("changed_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by"], ["users.id"], name=op.f("fk_settlement_program_versions_changed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["settlement_programs.id"],
            name=op.f("fk_settlement_program_versions_program_id_settlement_programs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_program_versions")),
        sa.UniqueConstraint("program_id", "version", name=op.f("uq_settlement_program_versions_program_id")),
    )
    op.create_table(
        "settlement_applications",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("program_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("applied_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("applied_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("decided_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["applied_by"], ["users.id"], name=op.f("fk_settlement_applications_applied_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_settlement_applications_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["settlement_programs.id"],
            name=op.f("fk_settlement_applications_program_id_settlement_programs"),
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_settlement_applications_shop_id_shops")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_applications")),
        sa.UniqueConstraint("program_id", "shop_id", name=op.f("uq_settlement_applications_program_id")),
    )
    op.create_index(
        op.f("ix_settlement_applications_shop_id"), "settlement_applications", ["shop_id"], unique=False
    )
    op.create_table(
        "settlement_orders",
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("paid_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("base_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("fee_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("standard_fee_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("charged_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("settled_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_settlement_orders_order_id_orders")
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_settlement_orders_shop_id_shops")),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_settlement_orders")),
    )
    op.create_index(op.f("ix_settlement_orders_shop_id"), "settlement_orders", ["shop_id"], unique=False)
    op.create_index(
        op.f("ix_settlement_orders_shop_month"), "settlement_orders", ["shop_id", "month"], unique=False
    )
    op.create_table(
        "settlement_fee_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_line_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("base_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("standard_rate_bp", sa.Integer(), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("fee_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("standard_fee_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("clause_id", sa.String(length=80), nullable=False),
        sa.Column("clause_source", sa.String(length=80), nullable=False),
        sa.Column("program_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("program_version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_settlement_fee_lines_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
            name=op.f("fk_settlement_fee_lines_order_line_id_order_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["settlement_programs.id"],
            name=op.f("fk_settlement_fee_lines_program_id_settlement_programs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_fee_lines")),
        sa.UniqueConstraint("order_line_id", name=op.f("uq_settlement_fee_lines_order_line_id")),
    )
    op.create_index(
        op.f("ix_settlement_fee_lines_order_id"), "settlement_fee_lines", ["order_id"], unique=False
    )
    op.create_table(
        "settlement_fee_refunds",
        sa.Column("refund_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("clause_id", sa.String(length=80), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_settlement_fee_refunds_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"], ["refunds.id"], name=op.f("fk_settlement_fee_refunds_refund_id_refunds")
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_settlement_fee_refunds_shop_id_shops")
        ),
        sa.PrimaryKeyConstraint("refund_id", name=op.f("pk_settlement_fee_refunds")),
    )
    op.create_index(
        op.f("ix_settlement_fee_refunds_order_id"), "settlement_fee_refunds", ["order_id"], unique=False
    )
    op.create_table(
        "settlement_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ref_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("settled_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_settlement_entries_order_id_orders")
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_settlement_entries_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_entries")),
        sa.UniqueConstraint("kind", "ref_id", name=op.f("uq_settlement_entries_kind")),
    )
    op.create_index(op.f("ix_settlement_entries_order_id"), "settlement_entries", ["order_id"], unique=False)
    op.create_table(
        "settlement_rebates",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("program_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("program_version", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("turnover_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("fees_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tier_min_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("share_bp", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["settlement_programs.id"],
            name=op.f("fk_settlement_rebates_program_id_settlement_programs"),
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_settlement_rebates_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_rebates")),
        sa.UniqueConstraint("program_id", "shop_id", "month", name=op.f("uq_settlement_rebates_program_id")),
    )
    op.create_index(op.f("ix_settlement_rebates_shop_id"), "settlement_rebates", ["shop_id"], unique=False)
    op.create_table(
        "settlement_deposits",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reference", sa.String(length=80), nullable=False),
        sa.Column("created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_settlement_deposits_amount_positive")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_settlement_deposits_created_by_users")
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_settlement_deposits_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_deposits")),
        sa.UniqueConstraint("shop_id", "reference", name=op.f("uq_settlement_deposits_shop_id")),
    )
    op.create_table(
        "settlement_payouts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("requested_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("provider_ref", sa.String(length=80), nullable=True),
        sa.Column("sent_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("returned_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_settlement_payouts_amount_positive")),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_settlement_payouts_requested_by_users")
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_settlement_payouts_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_payouts")),
    )
    op.create_index(op.f("ix_settlement_payouts_shop_id"), "settlement_payouts", ["shop_id"], unique=False)
    op.create_index(op.f("ix_settlement_payouts_status"), "settlement_payouts", ["status"], unique=False)
    op.create_table(
        "sandbox_payout_transfers",
        sa.Column("ref", sa.String(length=80), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_sandbox_payout_transfers_amount_positive")),
        sa.PrimaryKeyConstraint("ref", name=op.f("pk_sandbox_payout_transfers")),
    )


def downgrade() -> None:
    op.drop_table("sandbox_payout_transfers")
    op.drop_table("settlement_payouts")
    op.drop_table("settlement_deposits")
    op.drop_table("settlement_rebates")
    op.drop_table("settlement_entries")
    op.drop_table("settlement_fee_refunds")
    op.drop_table("settlement_fee_lines")
    op.drop_table("settlement_orders")
    op.drop_table("settlement_applications")
    op.drop_table("settlement_program_versions")
    op.drop_table("settlement_programs")
    with op.batch_alter_table("coupons", schema=None) as batch_op:
        batch_op.drop_column("funded_by")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("channel")
