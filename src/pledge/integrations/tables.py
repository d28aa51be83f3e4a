"""The open platform's tables: idempotency keys (the first answer to a request, kept 24 hours so
that a retry with the same key and request gets that answer instead of doing it again), and the
apps a shop's owner lets call the API with scoped keys."""

from sqlalchemy import Column, ForeignKey, Integer, LargeBinary, String, Table, UniqueConstraint

from pledge.kernel.db import Id, UtcDateTime, metadata

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
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False, index=True),
    Column("name", String(60), nullable=False),
    Column("scopes", String(400), nullable=False),  # space-separated, sorted (integrations.apps.SCOPES)
    Column("granted_by", Id, ForeignKey("users.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
)

# The keys of an app: only their SHA-256 is kept (the key is shown once, when issued).
app_keys = Table(
    "app_keys",
    metadata,
    Column("key_hash", String(64), primary_key=True),
    Column("app_id", Id, ForeignKey("apps.id"), nullable=False, index=True),
    Column("last4", String(4), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
)

# Requests counted per bucket ("app:7", "shop:3") and fixed window: shared by every process.
rate_windows = Table(
    "rate_windows",
    metadata,
    Column("bucket", String(40), primary_key=True),
    Column("window_start", UtcDateTime, primary_key=True),
    Column("requests", Integer, nullable=False),
)
