"""logistics rules and sanctions: carrier webhook deliveries, waybill routes, rule outcomes,
sanctions and their daily runs

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

import pledge.kernel.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "carrier_deliveries",
        sa.Column("id", ID, nullable=False),
        sa.Column("carrier", sa.String(length=30), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("shipment_id", ID, nullable=False),
        sa.Column("tracking_event_id", ID, nullable=False),
        sa.Column("received_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name=op.f("fk_carrier_deliveries_shipment_id_shipments")
        ),
        sa.ForeignKeyConstraint(
            ["tracking_event_id"],
            ["tracking_events.id"],
            name=op.f("fk_carrier_deliveries_tracking_event_id_tracking_events"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carrier_deliveries")),
        sa.UniqueConstraint("carrier", "event_id", name=op.f("uq_carrier_deliveries_carrier")),
    )
    op.create_index(
        op.f("ix_carrier_deliveries_shipment_id"), "carrier_deliveries", ["shipment_id"], unique=False
    )
    op.create_table(
        "shipment_routes",
        sa.Column("shipment_id", ID, nullable=False),
        sa.Column("origin_province", sa.String(length=20), nullable=False),
        sa.Column("destination_province", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name=op.f("fk_shipment_routes_shipment_id_shipments")
        ),
        sa.PrimaryKeyConstraint("shipment_id", name=op.f("pk_shipment_routes")),
    )
    op.create_table(
        "logistics_outcomes",
        sa.Column("rule", sa.String(length=30), nullable=False),
        sa.Column("subject_id", ID, nullable=False),
        sa.Column("order_id", ID, nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("decided_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_logistics_outcomes_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("rule", "subject_id", name=op.f("pk_logistics_outcomes")),
    )
    op.create_index(op.f("ix_logistics_outcomes_order_id"), "logistics_outcomes", ["order_id"], unique=False)
    op.create_table(
        "sanctions",
        sa.Column("id", ID, nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("product_id", ID, nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("daily_limit", sa.Integer(), nullable=True),
        sa.Column("timezone", sa.String(length=40), nullable=False),
        sa.Column("basis_day", sa.Date(), nullable=False),
        sa.Column("rulebook", sa.String(length=40), nullable=False),
        sa.Column("rulebook_version", sa.String(length=20), nullable=False),
        sa.Column("clause_id", sa.String(length=80), nullable=False),
        sa.Column("clause_source", sa.String(length=80), nullable=False),
        sa.Column("inputs", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reason_zh", sa.Text(), nullable=False),
        sa.Column("starts_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("lifted_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "daily_limit IS NULL OR daily_limit >= 0", name=op.f("ck_sanctions_daily_limit_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_sanctions_product_id_products")
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_sanctions_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sanctions")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_sanctions_idempotency_key")),
    )
    op.create_index("ix_sanctions_shop_starts", "sanctions", ["shop_id", "starts_at"], unique=False)
    # the out-of-stock sweep looks for paid orders whose ship-by passed long ago
    op.create_index("ix_orders_status_ship_by", "orders", ["status", "ship_by"], unique=False)
    op.create_table(
        "sanction_runs",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("ran_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_sanction_runs")),
    )


def downgrade() -> None:
    op.drop_index("ix_orders_status_ship_by", table_name="orders")
    op.drop_table("sanction_runs")
    op.drop_index("ix_sanctions_shop_starts", table_name="sanctions")
    op.drop_table("sanctions")
    op.drop_index(op.f("ix_logistics_outcomes_order_id"), table_name="logistics_outcomes")
    op.drop_table("logistics_outcomes")
    op.drop_table("shipment_routes")
    op.drop_index(op.f("ix_carrier_deliveries_shipment_id"), table_name="carrier_deliveries")
    op.drop_table("carrier_deliveries")
