"""Physical stock: warehouses per shop, stock per SKU per warehouse in lots (with expiry for
perishables), every change as an audited movement, and the allocation of paid order lines to
warehouses. skus.stock (catalog) stays the sellable count the checkout takes."""

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from pledge.kernel.db import Id, UtcDateTime, metadata, shop_keys

warehouses = Table(
    "warehouses",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("code", String(20), nullable=False),
    Column("name", String(100), nullable=False),
    Column("city", String(60), nullable=False, default=""),
    Column("priority", Integer, nullable=False, default=1),  # lower first under the "priority" strategy
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("shop_id", "code"),
)

# Per shop: how paid lines are allocated to warehouses ("priority" | "most_stock").
inventory_settings = Table(
    "inventory_settings",
    metadata,
    Column("shop_id", Id, ForeignKey("shops.id"), primary_key=True),
    Column("strategy", String(20), nullable=False),
)


def _same_shop_as_warehouse() -> ForeignKeyConstraint:
    """Stock is its warehouse's shop's: (shop_id, warehouse_id) refers to UNIQUE (shop_id, id)."""
    return ForeignKeyConstraint(["shop_id", "warehouse_id"], ["warehouses.shop_id", "warehouses.id"])


# Unallocated units of a SKU in a warehouse; always the sum of its lots.
stock_levels = Table(
    "stock_levels",
    metadata,
    Column("id", Id, primary_key=True),
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), nullable=False),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("sku_id", Id, ForeignKey("skus.id"), nullable=False, index=True),
    Column("on_hand", Integer, nullable=False),
    Column("low_at", Integer, nullable=False, default=0),  # a low-stock alert at or below this
    UniqueConstraint("warehouse_id", "sku_id"),
    CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
    _same_shop_as_warehouse(),
)

stock_lots = Table(
    "stock_lots",
    metadata,
    Column("id", Id, primary_key=True),
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), nullable=False),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("sku_id", Id, ForeignKey("skus.id"), nullable=False),
    Column("lot_code", String(40), nullable=False),
    Column("expires_on", Date, nullable=True),  # perishables; NULL sorts after every date (FEFO)
    Column("quantity", Integer, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    _same_shop_as_warehouse(),
)
Index("ix_stock_lots_warehouse_sku", stock_lots.c.warehouse_id, stock_lots.c.sku_id)

# The audit trail: every change of physical stock, who made it and why.
stock_movements = Table(
    "stock_movements",
    metadata,
    Column("id", Id, primary_key=True),
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), nullable=False, index=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("sku_id", Id, ForeignKey("skus.id"), nullable=False),
    Column("lot_id", Id, ForeignKey("stock_lots.id"), nullable=True),
    Column(
        "kind", String(20), nullable=False
    ),  # opening | receipt | adjustment | count | allocation | release
    Column("delta", Integer, nullable=False),
    Column("reason", String(200), nullable=False, default=""),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=True),
    Column("actor_id", Id, ForeignKey("users.id"), nullable=True),
    Column("at", UtcDateTime, nullable=False),
    _same_shop_as_warehouse(),
)

# One parcel per order per warehouse it is allocated to (split shipments).
parcels = Table(
    "parcels",
    metadata,
    Column("id", Id, primary_key=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, index=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), nullable=False),
    # allocated | picking | packed | labelled | handed_over | released
    Column("status", String(20), nullable=False),
    Column("wave_id", Id, ForeignKey("waves.id"), nullable=True, index=True),
    Column("carrier", String(30), nullable=True),
    Column("tracking_no", String(60), nullable=True, unique=True),
    Column("shipment_id", Id, ForeignKey("shipments.id"), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("packed_at", UtcDateTime, nullable=True),
    Column("labelled_at", UtcDateTime, nullable=True),
    Column("handed_over_at", UtcDateTime, nullable=True),
)
Index("ix_parcels_warehouse_status", parcels.c.warehouse_id, parcels.c.status)

allocations = Table(
    "allocations",
    metadata,
    Column("id", Id, primary_key=True),
    Column("parcel_id", Id, ForeignKey("parcels.id"), nullable=False, index=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("order_line_id", Id, ForeignKey("order_lines.id"), nullable=False, index=True),
    Column("sku_id", Id, ForeignKey("skus.id"), nullable=False),
    Column("lot_id", Id, ForeignKey("stock_lots.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    # The parcel's shop: (shop_id, parcel_id) refers to the parcel's UNIQUE (shop_id, id).
    ForeignKeyConstraint(["shop_id", "parcel_id"], ["parcels.shop_id", "parcels.id"]),
)

# The shop in a unique key of every table a shop owns (docs/scaling.md).
shop_keys(parcels, warehouses, stock_levels, stock_lots, stock_movements, allocations)
