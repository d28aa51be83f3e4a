"""Pick waves and the pack station's checks."""

from sqlalchemy import Column, ForeignKey, String, Table, Text

from pledge.kernel.db import Id, UtcDateTime, metadata, shop_keys

waves = Table(
    "waves",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("picked_at", UtcDateTime, nullable=True),
)

# Every scan at the pack station and every refused label: the blocked errors are counted.
pack_checks = Table(
    "pack_checks",
    metadata,
    Column("id", Id, primary_key=True),
    Column("parcel_id", Id, ForeignKey("parcels.id"), nullable=False, index=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("kind", String(20), nullable=False),  # ok | wrong_item | missing_unit
    Column("sku_id", Id, ForeignKey("skus.id"), nullable=True),
    Column("barcode", String(13), nullable=False, default=""),
    Column("detail", Text, nullable=False, default=""),
    Column("at", UtcDateTime, nullable=False),
)

# The shop in a unique key of every table a shop owns (docs/scaling.md).
shop_keys(waves, pack_checks)
