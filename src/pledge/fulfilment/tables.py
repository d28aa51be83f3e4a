from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from pledge.kernel.db import Id, UtcDateTime, metadata, shop_keys
from pledge.orders.tables import order_of_shop


def shipment_of_shop() -> ForeignKeyConstraint:
    """(shop_id, shipment_id) → shipments (shop_id, id): a row of a shipment carries its shop, and
    the database refuses one whose shop disagrees (named fk_<table>_shop_id_shipments)."""
    return ForeignKeyConstraint(["shop_id", "shipment_id"], ["shipments.shop_id", "shipments.id"])


shipments = Table(
    "shipments",
    metadata,
    Column("id", Id, primary_key=True),
    # An order may ship in several parcels (one per warehouse, migration 0007); `parcels` is how
    # many the order ships in, so it counts as delivered when that many are.
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, index=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),  # the order's (migration 0046)
    Column("parcels", Integer, nullable=False, default=1),
    Column("carrier", String(30), nullable=False),
    Column("tracking_no", String(60), nullable=False),
    Column("shipped_at", UtcDateTime, nullable=False),
    Column("picked_up_at", UtcDateTime, nullable=True),
    Column("delivered_at", UtcDateTime, nullable=True),
    order_of_shop(),
)

tracking_events = Table(
    "tracking_events",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shipment_id", Id, ForeignKey("shipments.id"), nullable=False, index=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),  # the shipment's (migration 0046)
    Column("kind", String(20), nullable=False),  # picked_up | in_transit | delivered
    Column("occurs_at", UtcDateTime, nullable=False),
    Column("location", String(100), nullable=False, default=""),
    Column("applied", Boolean, nullable=False, default=False),
    shipment_of_shop(),
)
Index("ix_tracking_events_pending", tracking_events.c.applied, tracking_events.c.occurs_at)

# A tracked carrier's waybill (carrier, tracking number) belongs to one live shipment on the
# whole platform: a waybill another order already ships under is "重复运单号", abnormal tracking
# (douyin:aHzmeN9E9dBF), and reusing one is fake shipping (douyin:113470). The row is held while
# the parcel is on its way and released when it is delivered; the primary key makes the claim
# exactly once under concurrent merchants on SQLite and PostgreSQL (migration 0012).
waybills = Table(
    "waybills",
    metadata,
    Column("carrier", String(30), primary_key=True),
    Column("tracking_no", String(60), primary_key=True),
    Column("shipment_id", Id, ForeignKey("shipments.id"), nullable=False, unique=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),  # the shipment's (migration 0046)
    Column("claimed_at", UtcDateTime, nullable=False),
    shipment_of_shop(),
)

# Carrier events refused because of their time (before the order existed, or implausibly old;
# clause carrier-events.max-age): kept for the operator, never applied. No shop_id: shipment_id
# may be NULL (a refused event need not have matched a shipment), and such a row has no shop.
rejected_carrier_events = Table(
    "rejected_carrier_events",
    metadata,
    Column("id", Id, primary_key=True),
    Column("carrier", String(30), nullable=False),
    Column("event_id", String(100), nullable=False),
    Column("tracking_no", String(60), nullable=False),
    Column("shipment_id", Id, ForeignKey("shipments.id"), nullable=True, index=True),
    Column("kind", String(20), nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("reason", String(30), nullable=False),  # before_order | too_old
    Column("detail", Text, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    UniqueConstraint("carrier", "event_id"),  # a carrier's retries of one refused event: one row
)

# The shop in a unique key of every table a shop owns (docs/scaling.md).
shop_keys(shipments, tracking_events, waybills)
