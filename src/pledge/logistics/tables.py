from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from pledge.fulfilment.tables import shipment_of_shop
from pledge.kernel.db import Id, UtcDateTime, metadata, shop_keys
from pledge.orders.tables import order_of_shop

# One row per carrier webhook delivery: a replayed event id is acknowledged and changes nothing.
carrier_deliveries = Table(
    "carrier_deliveries",
    metadata,
    Column("id", Id, primary_key=True),
    Column("carrier", String(30), nullable=False),
    Column("event_id", String(100), nullable=False),
    Column("shipment_id", Id, ForeignKey("shipments.id"), nullable=False, index=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),  # the shipment's (migration 0046)
    Column("tracking_event_id", Id, ForeignKey("tracking_events.id"), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    UniqueConstraint("carrier", "event_id"),
    shipment_of_shop(),
)

# Provinces of a waybill's pickup and delivery addresses, as the carrier reports them; they
# choose the transit-gap limit of the slow-tracking rule.
shipment_routes = Table(
    "shipment_routes",
    metadata,
    Column("shipment_id", Id, ForeignKey("shipments.id"), primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),  # the shipment's (migration 0046)
    Column("origin_province", String(20), nullable=False),
    Column("destination_province", String(20), nullable=False),
    shipment_of_shop(),
)

# A logistics rule's final outcome for one subject (an order or a shipment): 'compensated' or
# 'clear'. The sweeps look only at subjects without one, so every subject is decided once.
logistics_outcomes = Table(
    "logistics_outcomes",
    metadata,
    Column("rule", String(30), primary_key=True),
    Column("subject_id", Id, primary_key=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, index=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),  # the order's (migration 0046)
    Column("outcome", String(20), nullable=False),
    Column("decided_at", UtcDateTime, nullable=False),
    order_of_shop(),
)

# Sanctions from daily late rates (douyin:aJoPPkWZ7VQM): a product banned from sale or a shop
# limited to N orders a day. Active while starts_at <= t < ends_at (NULL: no end) and
# t < lifted_at (NULL: not lifted).
sanctions = Table(
    "sanctions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("idempotency_key", String(120), nullable=False, unique=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("product_id", Id, ForeignKey("products.id"), nullable=True),
    Column("kind", String(20), nullable=False),  # product_ban | order_limit
    Column("daily_limit", Integer, nullable=True),
    Column("timezone", String(40), nullable=False),  # the rulebook's: "a day" for the limit
    Column("basis_day", Date, nullable=False),  # the day whose late rate triggered it
    Column("rulebook", String(40), nullable=False),
    Column("rulebook_version", String(20), nullable=False),
    Column("clause_id", String(80), nullable=False),
    Column("clause_source", String(80), nullable=False),
    Column("inputs", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("reason_zh", Text, nullable=False),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=True),
    Column("lifted_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("daily_limit IS NULL OR daily_limit >= 0", name="daily_limit_not_negative"),
)
Index("ix_sanctions_shop_starts", sanctions.c.shop_id, sanctions.c.starts_at)

# One row per evaluated day, so the daily sanction run happens once per day however many
# workers run.
sanction_runs = Table(
    "sanction_runs",
    metadata,
    Column("day", Date, primary_key=True),
    Column("ran_at", UtcDateTime, nullable=False),
)

# The shop in a unique key of every table a shop owns (docs/scaling.md).
shop_keys(sanctions, carrier_deliveries, shipment_routes, logistics_outcomes)
