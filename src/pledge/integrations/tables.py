"""Idempotency keys (Idempotency-Key header): the first answer to a request, kept 24 hours so that
a retry with the same key and the same request gets that answer instead of doing it again."""

from sqlalchemy import Column, Integer, LargeBinary, String, Table, UniqueConstraint

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
