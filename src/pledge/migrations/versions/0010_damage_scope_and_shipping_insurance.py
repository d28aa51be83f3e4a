"""after-sales: who pays a damage claim (坏了包退 guarantee or the shop's pledge), shop pledges that
keep the share table or name their reasons, product services (坏了包退 badge, shipping insurance)
by period, shipping-insurance claims, the return postage on a case

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

import pledge.kernel.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FEN = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AT = pledge.kernel.db.UtcDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("aftersales_cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("basis", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("return_postage_fen", FEN, nullable=True))
        batch_op.add_column(sa.Column("insured_fen", FEN, nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("insurance_tier", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("insurance_clause", sa.String(length=80), nullable=True))
    with op.batch_alter_table("shop_pledges", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("damage_share_table", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("damage_reasons", sa.Text(), nullable=False, server_default="[]"))
    # Before this migration every damage claim was decided under the 坏了包退 table.
    op.execute("UPDATE aftersales_cases SET basis = 'damage_service' WHERE case_type = 'damage_claim'")

    op.create_table(
        "product_services",
        sa.Column("id", ID, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("service", sa.String(length=30), nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=False),
        sa.Column("starts_at", AT, nullable=False),
        sa.Column("ends_at", AT, nullable=True),
        sa.CheckConstraint(
            "ends_at IS NULL OR ends_at >= starts_at", name=op.f("ck_product_services_period_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_product_services_product_id_products")
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_product_services_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_services")),
    )
    op.create_index(op.f("ix_product_services_shop_id"), "product_services", ["shop_id"], unique=False)
    op.create_index(
        "ix_product_services_product", "product_services", ["product_id", "service"], unique=False
    )
    op.create_index(
        "ux_product_services_open",
        "product_services",
        ["product_id", "service"],
        unique=True,
        sqlite_where=sa.text("ends_at IS NULL"),
        postgresql_where=sa.text("ends_at IS NULL"),
    )

    op.create_table(
        "shipping_insurance_claims",
        sa.Column("id", ID, nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("order_id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("buyer_id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("return_carrier", sa.String(length=30), nullable=False),
        sa.Column("return_tracking", sa.String(length=60), nullable=False),
        sa.Column("postage_fen", FEN, nullable=False),
        sa.Column("amount_fen", FEN, nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=False),
        sa.Column("clause_id", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("insurer", sa.String(length=30), nullable=True),
        sa.Column("provider_ref", sa.String(length=80), nullable=True),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("paid_at", AT, nullable=True),
        sa.CheckConstraint(
            "amount_fen >= 0 AND amount_fen <= postage_fen",
            name=op.f("ck_shipping_insurance_claims_amount_within_postage"),
        ),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["users.id"], name=op.f("fk_shipping_insurance_claims_buyer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["aftersales_cases.id"],
            name=op.f("fk_shipping_insurance_claims_case_id_aftersales_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_shipping_insurance_claims_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_shipping_insurance_claims_shop_id_shops")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipping_insurance_claims")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_shipping_insurance_claims_idempotency_key")),
        sa.UniqueConstraint("order_id", name=op.f("uq_shipping_insurance_claims_order_id")),
        sa.UniqueConstraint(
            "return_carrier", "return_tracking", name=op.f("uq_shipping_insurance_claims_return_carrier")
        ),
    )
    op.create_index(
        op.f("ix_shipping_insurance_claims_case_id"), "shipping_insurance_claims", ["case_id"], unique=False
    )
    op.create_index(
        "ix_shipping_insurance_claims_status", "shipping_insurance_claims", ["status", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_shipping_insurance_claims_status", table_name="shipping_insurance_claims")
    op.drop_index(op.f("ix_shipping_insurance_claims_case_id"), table_name="shipping_insurance_claims")
    op.drop_table("shipping_insurance_claims")
    op.drop_index("ux_product_services_open", table_name="product_services")
    op.drop_index("ix_product_services_product", table_name="product_services")
    op.drop_index(op.f("ix_product_services_shop_id"), table_name="product_services")
    op.drop_table("product_services")
    with op.batch_alter_table("shop_pledges", schema=None) as batch_op:
        batch_op.drop_column("damage_reasons")
        batch_op.drop_column("damage_share_table")
    with op.batch_alter_table("aftersales_cases", schema=None) as batch_op:
        batch_op.drop_column("insurance_clause")
        batch_op.drop_column("insurance_tier")
        batch_op.drop_column("insured_fen")
        batch_op.drop_column("return_postage_fen")
        batch_op.drop_column("basis")
