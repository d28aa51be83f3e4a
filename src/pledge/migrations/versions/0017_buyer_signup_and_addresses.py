"""buyer sign-up and addresses: users.phone (email now optional), sms_codes, addresses,
order_addresses (the snapshot an order ships to), orders.shipping_fen and ship reminders,
products.shipping_fee_fen

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

import pledge.kernel.db

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FEN = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = pledge.kernel.db.UtcDateTime(timezone=True)


def _address_columns() -> list[sa.Column]:
    return [
        sa.Column("recipient", sa.String(length=25), nullable=False),
        sa.Column("phone", sa.String(length=11), nullable=False),
        sa.Column("province", sa.String(length=20), nullable=False),
        sa.Column("city", sa.String(length=20), nullable=False),
        sa.Column("district", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.String(length=120), nullable=False),
    ]


def _new_tables() -> None:
    op.create_table(
        "sms_codes",
        sa.Column("id", ID, nullable=False),
        sa.Column("phone", sa.String(length=11), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("code_hash", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_codes")),
    )
    op.create_index("ix_sms_codes_phone_created_at", "sms_codes", ["phone", "created_at"], unique=False)
    op.create_table(
        "addresses",
        sa.Column("id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        *_address_columns(),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_addresses_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_addresses")),
    )
    op.create_index("ix_addresses_user_id", "addresses", ["user_id"], unique=False)
    op.create_table(
        "order_addresses",
        sa.Column("order_id", ID, nullable=False),
        *_address_columns(),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_order_addresses_order_id_orders")),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_order_addresses")),
    )


def upgrade() -> None:
    _new_tables()
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("email", existing_type=sa.String(length=200), nullable=True)
        batch_op.add_column(sa.Column("phone", sa.String(length=11), nullable=True))
        batch_op.add_column(sa.Column("phone_verified_at", UTC, nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_users_phone"), ["phone"])
        batch_op.create_check_constraint("email_or_phone", "email IS NOT NULL OR phone IS NOT NULL")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shipping_fen", FEN, server_default="0", nullable=False))
        batch_op.add_column(sa.Column("ship_reminders", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("last_reminded_at", UTC, nullable=True))
        batch_op.create_check_constraint("shipping_not_negative", "shipping_fen >= 0")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shipping_fee_fen", FEN, server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("shipping_fee_fen")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint("shipping_not_negative", type_="check")
        batch_op.drop_column("last_reminded_at")
        batch_op.drop_column("ship_reminders")
        batch_op.drop_column("shipping_fen")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("email_or_phone", type_="check")
        batch_op.drop_constraint(batch_op.f("uq_users_phone"), type_="unique")
        batch_op.drop_column("phone_verified_at")
        batch_op.drop_column("phone")
        batch_op.alter_column("email", existing_type=sa.String(length=200), nullable=False)
    op.drop_table("order_addresses")
    op.drop_index("ix_addresses_user_id", table_name="addresses")
    op.drop_table("addresses")
    op.drop_index("ix_sms_codes_phone_created_at", table_name="sms_codes")
    op.drop_table("sms_codes")
