from sqlalchemy import Column, ForeignKey, Integer, String, Table

from pledge.kernel.db import Id, UtcDateTime, metadata

uploads = Table(
    "uploads",
    metadata,
    Column("id", Id, primary_key=True),
    Column("owner_id", Id, ForeignKey("users.id"), nullable=False, index=True),
    Column("sha256", String(64), nullable=False),
    Column("content_type", String(40), nullable=False),
    Column("size", Integer, nullable=False),
    Column("storage_key", String(200), nullable=False),
    Column("original_name", String(200), nullable=False, default=""),
    Column("created_at", UtcDateTime, nullable=False),
)
