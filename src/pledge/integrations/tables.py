"""The open platform's tables: idempotency keys (the first answer to a request, kept 24 hours so
that a retry with the same key and request gets that answer instead of doing it again), and the
apps a shop's owner lets call the API with scoped keys."""

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from pledge.kernel.db import Id, UtcDateTime, metadata, shop_keys

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("id", Id, primary_key=True),
    # SHA-256 of the credential that sent the key: keys of different callers never meet
    Column("caller", String(64), nullable=False),
    Column("key", String(255), nullable=False),
    # SHA-256 of method, path, query and body: the same key with another request is refused
    Column("fingerprint", String(64), nullable=False),
    Column("status", Integer, nullable=True),  # NULL while the first request is running
    Column("content_type", String(100), nullable=True),
    Column("body", LargeBinary, nullable=True),
    Column("locked_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
    UniqueConstraint("caller", "key", name="uq_idempotency_keys_caller_key"),
)

# An app a shop's owner registered (an ERP, a service provider's tool) and the scopes the owner
# granted it; it calls the API with keys of its own (app_keys), never with a person's token.
apps = Table(
    "apps",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("name", String(60), nullable=False),
    Column("scopes", String(400), nullable=False),  # space-separated, sorted (integrations.apps.SCOPES)
    Column("granted_by", Id, ForeignKey("users.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
    # The listed app this is an installation of (app_listings); NULL for an app the shop registered
    Column("listing_id", Id, ForeignKey("app_listings.id"), nullable=True, index=True),
)

# An app the platform lists (a service provider's tool) with the scopes it asks for; any shop's
# owner installs it (an `apps` row with listing_id, granted a subset of these scopes).
app_listings = Table(
    "app_listings",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(60), nullable=False),
    Column("description", String(400), nullable=False),
    Column("scopes", String(400), nullable=False),  # space-separated, sorted
    Column("listed_by", Id, ForeignKey("users.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("withdrawn_at", UtcDateTime, nullable=True),
)

# Every order's insert and status change, written by a database trigger in the same transaction
# (migration 0035), read by the change feed (integrations.changes). `xid` is the writer's
# PostgreSQL transaction id (0 on SQLite).
order_changes = Table(
    "order_changes",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("xid", BigInteger, nullable=False),
    Index("ix_order_changes_feed", "shop_id", "xid", "id"),
)

# The keys of an app: only their SHA-256 is kept (the key is shown once, when issued).
app_keys = Table(
    "app_keys",
    metadata,
    Column("key_hash", String(64), primary_key=True),
    Column("app_id", Id, ForeignKey("apps.id"), nullable=False, index=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("last4", String(4), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
    # the app's shop: (shop_id, app_id) refers to the app's UNIQUE (shop_id, id)
    ForeignKeyConstraint(["shop_id", "app_id"], ["apps.shop_id", "apps.id"]),
)

# Requests counted per bucket ("app:7", "shop:3") and fixed window: shared by every process.
rate_windows = Table(
    "rate_windows",
    metadata,
    Column("bucket", String(40), primary_key=True),
    Column("window_start", UtcDateTime, primary_key=True),
    Column("requests", Integer, nullable=False),
)

# Webhooks (docs/webhooks.md). An endpoint a shop registered: where to POST which event types,
# and the secret that signs them. The secret is stored as it is (not hashed): every delivery
# computes an HMAC with it.
webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("url", String(500), nullable=False),
    Column("events", String(1000), nullable=False),  # space-separated event types, sorted
    Column("secret", String(80), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("disabled_at", UtcDateTime, nullable=True),
    Column("deleted_at", UtcDateTime, nullable=True),
)

# The outbox: one row per event, written in the transaction of the change it reports.
webhook_events = Table(
    "webhook_events",
    metadata,
    Column("id", Id, primary_key=True),
    Column("event_id", String(36), nullable=False, unique=True),  # a UUID receivers dedupe by
    Column("type", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("aggregate_type", String(30), nullable=False),
    Column("aggregate_id", String(40), nullable=False),
    Column("payload", Text, nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
)

# One row per (endpoint, event): fanned out in the publishing transaction. A replay is a new row
# for the same pair with the next replay number; the original is replay 0, exactly once.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Id, primary_key=True),
    Column("endpoint_id", Id, ForeignKey("webhook_endpoints.id"), nullable=False),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("event_id", String(36), ForeignKey("webhook_events.event_id"), nullable=False),
    Column("replay_no", Integer, nullable=False),
    Column("ordering_key", String(80), nullable=False),  # aggregate type and id
    Column("status", String(12), nullable=False),  # webhooks.DeliveryStatus
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("first_attempt_at", UtcDateTime, nullable=True),
    Column("lease_until", UtcDateTime, nullable=True),  # a worker is sending it until then
    Column("lease_token", String(32), nullable=True),
    Column("last_status_code", Integer, nullable=True),
    Column("delivered_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("endpoint_id", "event_id", "replay_no", name="uq_webhook_deliveries_once"),
    Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    Index("ix_webhook_deliveries_ordering", "endpoint_id", "ordering_key", "id"),
    # the endpoint's shop: (shop_id, endpoint_id) refers to the endpoint's UNIQUE (shop_id, id)
    ForeignKeyConstraint(["shop_id", "endpoint_id"], ["webhook_endpoints.shop_id", "webhook_endpoints.id"]),
)

# Every attempt to send a delivery, as the delivery log shows it.
webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", Id, primary_key=True),
    Column("delivery_id", Id, ForeignKey("webhook_deliveries.id"), nullable=False, index=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("duration_ms", Integer, nullable=False),
    Column("error", String(300), nullable=False),
    # the delivery's shop: (shop_id, delivery_id) refers to the delivery's UNIQUE (shop_id, id)
    ForeignKeyConstraint(["shop_id", "delivery_id"], ["webhook_deliveries.shop_id", "webhook_deliveries.id"]),
)

# The shop in a unique key of every table a shop owns (docs/scaling.md).
shop_keys(
    webhook_endpoints,
    webhook_events,
    apps,
    order_changes,
    app_keys,
    webhook_deliveries,
    webhook_attempts,
)
