"""The in-app inbox: one row per notice per user."""

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint

from pledge.kernel.db import Id, UtcDateTime, metadata

notifications = Table(
    "notifications",
    metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("kind", String(40), nullable=False),  # a Kind: how the page words it
    Column("params", Text, nullable=False),  # JSON: the words' values (shop name, title, amount …)
    Column("link", String(300), nullable=False),  # where the notice leads, a path on this site
    # The cause, so that a retried or concurrent sender notifies each user once.
    Column("cause", String(120), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("read_at", UtcDateTime, nullable=True),
    UniqueConstraint("user_id", "cause", name="uq_notifications_user_cause"),
)
Index("ix_notifications_user_id_id", notifications.c.user_id, notifications.c.id)
