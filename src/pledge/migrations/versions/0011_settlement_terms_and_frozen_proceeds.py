"""settlement terms and frozen proceeds: a shop's 0元入驻 flag and the 48 h clock of a deposit below
zero (douyin:aJngrvusHLew), frozen proceeds (late-ship sanctions, out-of-stock and fraudulent-shipping
violations) and the claims of the freeze work

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 04:54:29.285449
"""

import sqlalchemy as sa
from alembic import op

import pledge.kernel.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settlement_freeze_runs",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("ran_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settlement_freeze_runs")),
    )
    op.create_table(
        "settlement_shop_terms",
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("zero_entry", sa.Boolean(), nullable=False),
        sa.Column("negative_since", pledge.kernel.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("restricted_from", pledge.kernel.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("owed_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("updated_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("updated_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_settlement_shop_terms_shop_id_shops")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_settlement_shop_terms_updated_by_users")
        ),
        sa.PrimaryKeyConstraint("shop_id", name=op.f("pk_settlement_shop_terms")),
    )
    op.create_table(
        "settlement_freezes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("cause", sa.String(length=30), nullable=False),
        sa.Column("source_account", sa.String(length=20), nullable=False),
        sa.Column("target_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("frozen_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("moves", sa.Integer(), nullable=False),
        sa.Column("stops_settlement", sa.Boolean(), nullable=False),
        sa.Column("violation_no", sa.Integer(), nullable=True),
        sa.Column("basis_day", sa.Date(), nullable=False),
        sa.Column("rulebook", sa.String(length=40), nullable=False),
        sa.Column("rulebook_version", sa.String(length=20), nullable=False),
        sa.Column("clause_id", sa.String(length=80), nullable=False),
        sa.Column("clause_source", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reason_zh", sa.Text(), nullable=False),
        sa.Column("inputs", sa.Text(), nullable=False),
        sa.Column("starts_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("releases_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("released_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "frozen_fen >= 0 AND frozen_fen <= target_fen",
            name=op.f("ck_settlement_freezes_frozen_within_target"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_settlement_freezes_order_id_orders")
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_settlement_freezes_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_freezes")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_settlement_freezes_idempotency_key")),
    )
    with op.batch_alter_table("settlement_freezes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_settlement_freezes_order_id"), ["order_id"], unique=False)
        batch_op.create_index("ix_settlement_freezes_releases_at", ["releases_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_settlement_freezes_shop_id"), ["shop_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("settlement_freezes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_settlement_freezes_shop_id"))
        batch_op.drop_index("ix_settlement_freezes_releases_at")
        batch_op.drop_index(batch_op.f("ix_settlement_freezes_order_id"))

    op.drop_table("settlement_freezes")
    op.drop_table("settlement_shop_terms")
    op.drop_table("settlement_freeze_runs")
