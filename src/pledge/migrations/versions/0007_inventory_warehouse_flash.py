"""inventory, warehouse (waves, parcels, pack checks), flash deals; EAN-13 barcodes on SKUs;
an order may have several shipments

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 03:50:00
"""

import sqlalchemy as sa
from alembic import op

import pledge.kernel.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AT = pledge.kernel.db.UtcDateTime(timezone=True)


def _id(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, ID, nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("skus", schema=None) as batch_op:
        batch_op.add_column(sa.Column("barcode", sa.String(length=13), nullable=True))
        batch_op.create_index("ux_skus_shop_barcode", ["shop_id", "barcode"], unique=True)
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parcels", sa.Integer(), nullable=False, server_default="1"))
        batch_op.drop_constraint("uq_shipments_order_id", type_="unique")
        batch_op.create_index(batch_op.f("ix_shipments_order_id"), ["order_id"], unique=False)
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.alter_column("parcels", server_default=None)

    op.create_table(
        "warehouses",
        _id("id"),
        _id("shop_id"),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("city", sa.String(length=60), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("created_at", AT, nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_warehouses_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warehouses")),
        sa.UniqueConstraint("shop_id", "code", name=op.f("uq_warehouses_shop_id")),
    )
    op.create_index(op.f("ix_warehouses_shop_id"), "warehouses", ["shop_id"], unique=False)
    op.create_table(
        "inventory_settings",
        _id("shop_id"),
        sa.Column("strategy", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_inventory_settings_shop_id_shops")),
        sa.PrimaryKeyConstraint("shop_id", name=op.f("pk_inventory_settings")),
    )
    op.create_table(
        "stock_levels",
        _id("id"),
        _id("warehouse_id"),
        _id("sku_id"),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("low_at", sa.Integer(), nullable=False),
        sa.CheckConstraint("on_hand >= 0", name=op.f("ck_stock_levels_on_hand_not_negative")),
        sa.ForeignKeyConstraint(["sku_id"], ["skus.id"], name=op.f("fk_stock_levels_sku_id_skus")),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_stock_levels_warehouse_id_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_levels")),
        sa.UniqueConstraint("warehouse_id", "sku_id", name=op.f("uq_stock_levels_warehouse_id")),
    )
    op.create_index(op.f("ix_stock_levels_sku_id"), "stock_levels", ["sku_id"], unique=False)
    op.create_table(
        "stock_lots",
        _id("id"),
        _id("warehouse_id"),
        _id("sku_id"),
        sa.Column("lot_code", sa.String(length=40), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("received_at", AT, nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_stock_lots_quantity_not_negative")),
        sa.ForeignKeyConstraint(["sku_id"], ["skus.id"], name=op.f("fk_stock_lots_sku_id_skus")),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_stock_lots_warehouse_id_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_lots")),
    )
    op.create_index("ix_stock_lots_warehouse_sku", "stock_lots", ["warehouse_id", "sku_id"], unique=False)
    op.create_table(
        "stock_movements",
        _id("id"),
        _id("warehouse_id"),
        _id("sku_id"),
        _id("lot_id", True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        _id("order_id", True),
        _id("actor_id", True),
        sa.Column("at", AT, nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_stock_movements_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["stock_lots.id"], name=op.f("fk_stock_movements_lot_id_stock_lots")
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_stock_movements_order_id_orders")),
        sa.ForeignKeyConstraint(["sku_id"], ["skus.id"], name=op.f("fk_stock_movements_sku_id_skus")),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_stock_movements_warehouse_id_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_movements")),
    )
    op.create_index(
        op.f("ix_stock_movements_warehouse_id"), "stock_movements", ["warehouse_id"], unique=False
    )
    op.create_table(
        "waves",
        _id("id"),
        _id("shop_id"),
        _id("warehouse_id"),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("picked_at", AT, nullable=True),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_waves_shop_id_shops")),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_waves_warehouse_id_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waves")),
    )
    op.create_index(op.f("ix_waves_shop_id"), "waves", ["shop_id"], unique=False)
    op.create_table(
        "parcels",
        _id("id"),
        _id("order_id"),
        _id("shop_id"),
        _id("warehouse_id"),
        sa.Column("status", sa.String(length=20), nullable=False),
        _id("wave_id", True),
        sa.Column("carrier", sa.String(length=30), nullable=True),
        sa.Column("tracking_no", sa.String(length=60), nullable=True),
        _id("shipment_id", True),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("packed_at", AT, nullable=True),
        sa.Column("labelled_at", AT, nullable=True),
        sa.Column("handed_over_at", AT, nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_parcels_order_id_orders")),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name=op.f("fk_parcels_shipment_id_shipments")
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_parcels_shop_id_shops")),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_parcels_warehouse_id_warehouses")
        ),
        sa.ForeignKeyConstraint(["wave_id"], ["waves.id"], name=op.f("fk_parcels_wave_id_waves")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parcels")),
        sa.UniqueConstraint("tracking_no", name=op.f("uq_parcels_tracking_no")),
    )
    op.create_index(op.f("ix_parcels_order_id"), "parcels", ["order_id"], unique=False)
    op.create_index(op.f("ix_parcels_wave_id"), "parcels", ["wave_id"], unique=False)
    op.create_index("ix_parcels_warehouse_status", "parcels", ["warehouse_id", "status"], unique=False)
    op.create_table(
        "allocations",
        _id("id"),
        _id("parcel_id"),
        _id("order_line_id"),
        _id("sku_id"),
        _id("lot_id"),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_allocations_quantity_positive")),
        sa.ForeignKeyConstraint(["lot_id"], ["stock_lots.id"], name=op.f("fk_allocations_lot_id_stock_lots")),
        sa.ForeignKeyConstraint(
            ["order_line_id"], ["order_lines.id"], name=op.f("fk_allocations_order_line_id_order_lines")
        ),
        sa.ForeignKeyConstraint(["parcel_id"], ["parcels.id"], name=op.f("fk_allocations_parcel_id_parcels")),
        sa.ForeignKeyConstraint(["sku_id"], ["skus.id"], name=op.f("fk_allocations_sku_id_skus")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocations")),
    )
    op.create_index(op.f("ix_allocations_parcel_id"), "allocations", ["parcel_id"], unique=False)
    op.create_index(op.f("ix_allocations_order_line_id"), "allocations", ["order_line_id"], unique=False)
    op.create_table(
        "pack_checks",
        _id("id"),
        _id("parcel_id"),
        _id("shop_id"),
        sa.Column("kind", sa.String(length=20), nullable=False),
        _id("sku_id", True),
        sa.Column("barcode", sa.String(length=13), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", AT, nullable=False),
        sa.ForeignKeyConstraint(["parcel_id"], ["parcels.id"], name=op.f("fk_pack_checks_parcel_id_parcels")),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_pack_checks_shop_id_shops")),
        sa.ForeignKeyConstraint(["sku_id"], ["skus.id"], name=op.f("fk_pack_checks_sku_id_skus")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pack_checks")),
    )
    op.create_index(op.f("ix_pack_checks_parcel_id"), "pack_checks", ["parcel_id"], unique=False)
    op.create_index(op.f("ix_pack_checks_shop_id"), "pack_checks", ["shop_id"], unique=False)
    op.create_table(
        "flash_deals",
        _id("id"),
        _id("shop_id"),
        _id("sku_id"),
        _id("content_id", True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("price_fen", ID, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("per_buyer_limit", sa.Integer(), nullable=False),
        sa.Column("starts_at", AT, nullable=False),
        sa.Column("ends_at", AT, nullable=False),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("closed_at", AT, nullable=True),
        sa.CheckConstraint("price_fen > 0", name=op.f("ck_flash_deals_price_positive")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_flash_deals_quantity_positive")),
        sa.CheckConstraint("per_buyer_limit > 0", name=op.f("ck_flash_deals_limit_positive")),
        sa.ForeignKeyConstraint(
            ["content_id"], ["content_promises.id"], name=op.f("fk_flash_deals_content_id_content_promises")
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_flash_deals_shop_id_shops")),
        sa.ForeignKeyConstraint(["sku_id"], ["skus.id"], name=op.f("fk_flash_deals_sku_id_skus")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flash_deals")),
    )
    op.create_index(op.f("ix_flash_deals_shop_id"), "flash_deals", ["shop_id"], unique=False)
    op.create_table(
        "flash_buckets",
        _id("id"),
        _id("deal_id"),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.CheckConstraint("remaining >= 0", name=op.f("ck_flash_buckets_remaining_not_negative")),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["flash_deals.id"], name=op.f("fk_flash_buckets_deal_id_flash_deals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flash_buckets")),
        sa.UniqueConstraint("deal_id", "bucket", name=op.f("uq_flash_buckets_deal_id")),
    )
    op.create_table(
        "flash_allowances",
        _id("deal_id"),
        _id("buyer_id"),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.CheckConstraint("units >= 0", name=op.f("ck_flash_allowances_units_not_negative")),
        sa.ForeignKeyConstraint(["buyer_id"], ["users.id"], name=op.f("fk_flash_allowances_buyer_id_users")),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["flash_deals.id"], name=op.f("fk_flash_allowances_deal_id_flash_deals")
        ),
        sa.PrimaryKeyConstraint("deal_id", "buyer_id", name=op.f("pk_flash_allowances")),
    )
    op.create_table(
        "flash_purchases",
        _id("id"),
        _id("deal_id"),
        _id("buyer_id"),
        sa.Column("quantity", sa.Integer(), nullable=False),
        _id("order_id"),
        sa.Column("at", AT, nullable=False),
        sa.Column("returned_at", AT, nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_flash_purchases_quantity_positive")),
        sa.ForeignKeyConstraint(["buyer_id"], ["users.id"], name=op.f("fk_flash_purchases_buyer_id_users")),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["flash_deals.id"], name=op.f("fk_flash_purchases_deal_id_flash_deals")
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_flash_purchases_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flash_purchases")),
        sa.UniqueConstraint("order_id", name=op.f("uq_flash_purchases_order_id")),
    )
    op.create_index(op.f("ix_flash_purchases_deal_id"), "flash_purchases", ["deal_id"], unique=False)


def downgrade() -> None:
    for table in (
        "flash_purchases",
        "flash_allowances",
        "flash_buckets",
        "flash_deals",
        "pack_checks",
        "allocations",
        "parcels",
        "waves",
        "stock_movements",
        "stock_lots",
        "stock_levels",
        "inventory_settings",
        "warehouses",
    ):
        op.drop_table(table)
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipments_order_id"))
        batch_op.create_unique_constraint("uq_shipments_order_id", ["order_id"])
        batch_op.drop_column("parcels")
    with op.batch_alter_table("skus", schema=None) as batch_op:
        batch_op.drop_index("ux_skus_shop_barcode")
        batch_op.drop_column("barcode")
