from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table

from pledge.kernel.db import Id, UtcDateTime, metadata

shipments = Table(
    "shipments", metadata,
    Column("id", Id, primary_key=True),
    # An order may ship in several parcels (one per warehouse, migration 0007); `parcels` is how
    # many the order ships in, so it counts as delivered when that many are.
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, index=True),
    Column("parcels", Integer, nullable=False, default=1),
    Column("carrier", String(30), nullable=False),
    Column("tracking_no", String(60), nullable=False),
    Column("shipped_at", UtcDateTime, nullable=False),
    Column("picked_up_at", UtcDateTime, nullable=True),
    Column("delivered_at", UtcDateTime, nullable=True),
)

tracking_events = Table(
    "tracking_events", metadata,
    Column("id", Id, primary_key=True),
    Column("shipment_id", Id, ForeignKey("shipments.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),  # picked_up | in_transit | delivered
    Column("occurs_at", UtcDateTime, nullable=False),
    Column("location", String(100), nullable=False, default=""),
    Column("applied", Boolean, nullable=False, default=False),
)
Index("ix_tracking_events_pending", tracking_events.c.applied, tracking_events.c.occurs_at)
