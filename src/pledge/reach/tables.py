"""Behaviour events (append-only) and the candidates training precomputes for the feed."""

from sqlalchemy import CheckConstraint, Column, Float, ForeignKey, Index, Integer, String, Table

from pledge.kernel.db import Id, UtcDateTime, metadata

reach_events = Table(
    "reach_events",
    metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=True),  # set at login for a visitor's events
    Column("visitor_id", String(40), nullable=True),  # the first-party cookie id of an anonymous visitor
    Column("kind", String(12), nullable=False),  # recording.EventKind
    Column("subject", String(10), nullable=False),  # recording.Subject
    Column("subject_id", Id, nullable=False),
    Column("watch_ms", Integer, nullable=True),  # views only
    Column("at", UtcDateTime, nullable=False),
    CheckConstraint(
        "kind IN ('impression', 'view', 'click', 'cart', 'order', 'follow', 'like', 'comment')",
        name="kind_known",
    ),
    CheckConstraint("subject IN ('product', 'video', 'session', 'shop')", name="subject_known"),
    CheckConstraint("user_id IS NOT NULL OR visitor_id IS NOT NULL", name="someone"),
    CheckConstraint("watch_ms IS NULL OR watch_ms >= 0", name="watch_not_negative"),
)
Index("ix_reach_events_user_at", reach_events.c.user_id, reach_events.c.at)
Index("ix_reach_events_visitor_id", reach_events.c.visitor_id)
Index("ix_reach_events_at", reach_events.c.at)

reach_candidates = Table(
    "reach_candidates",
    metadata,
    Column("user_id", Id, ForeignKey("users.id"), primary_key=True),
    Column("rank", Integer, primary_key=True),
    Column("subject", String(10), nullable=False),
    Column("subject_id", Id, nullable=False),
    Column("score", Float, nullable=False),  # a ranking score, never money
    Column("trained_at", UtcDateTime, nullable=False),
    CheckConstraint("subject IN ('product', 'video', 'session', 'shop')", name="subject_known"),
)
