"""Behaviour events (append-only), the candidates training precomputes for the feed (with the
reason each is shown), the popular list for people without candidates, each shop's quality as
training saw it, and traffic support programmes with their versions (migration 0031)."""

from sqlalchemy import (
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

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
    Column("reason", String(10), nullable=False, server_default="popular"),  # serving.Reason
    Column("reason_subject", String(10), nullable=True),  # what the user met that led here
    Column("reason_id", Id, nullable=True),
    Column("support_program_id", Id, nullable=True),  # the traffic support programme that boosted it
    CheckConstraint("subject IN ('product', 'video', 'session', 'shop')", name="subject_known"),
)

# The same list for everyone without candidates (visitors, new users): the most met items.
reach_popular = Table(
    "reach_popular",
    metadata,
    Column("rank", Integer, primary_key=True),
    Column("subject", String(10), nullable=False),
    Column("subject_id", Id, nullable=False),
    Column("score", Float, nullable=False),  # a ranking score, never money
    Column("support_program_id", Id, nullable=True),
    Column("trained_at", UtcDateTime, nullable=False),
    CheckConstraint("subject IN ('product', 'video', 'session', 'shop')", name="subject_known"),
)

# Each shop's quality signals and factors as the last training weighed them (the merchant's
# "why my items rank where they do" reads this row).
reach_shop_quality = Table(
    "reach_shop_quality",
    metadata,
    Column("shop_id", Id, ForeignKey("shops.id"), primary_key=True),
    Column("experience_centi", Integer, nullable=True),  # None: no score yet
    Column("penalties", Integer, nullable=False),
    Column("late_ship_bp", Integer, nullable=True),  # None: no order was due to ship
    Column("experience_factor_bp", Integer, nullable=False),
    Column("penalties_factor_bp", Integer, nullable=False),
    Column("late_ship_factor_bp", Integer, nullable=False),
    Column("quality_bp", Integer, nullable=False),
    Column("support_program_id", Id, nullable=True),
    Column("boost_bp", Integer, nullable=False),
    Column("computed_at", UtcDateTime, nullable=False),
)

# Traffic support (流量扶持): operators boost content from shops meeting score thresholds,
# effective-dated and cited, every change a new version with a snapshot (like fee programmes).
reach_support_programs = Table(
    "reach_support_programs",
    metadata,
    Column("id", Id, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("name_en", String(100), nullable=False),
    Column("source", String(100), nullable=False),  # the citation: douyin:ID or pledge:default
    Column("min_experience_centi", Integer, nullable=False),
    Column("max_penalties", Integer, nullable=False),
    Column("max_late_ship_bp", Integer, nullable=False),
    Column("boost_bp", Integer, nullable=False),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=True),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("boost_bp > 0", name="boost_positive"),
)

reach_support_versions = Table(
    "reach_support_versions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("reach_support_programs.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("snapshot", Text, nullable=False),  # JSON of the programme as of this version
    Column("note", String(500), nullable=False),
    Column("changed_by", Id, ForeignKey("users.id"), nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
    UniqueConstraint("program_id", "version"),
)
