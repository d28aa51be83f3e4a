from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from pledge.kernel.db import Id, UtcDateTime, metadata, shop_keys

# What the score needs to know about a shop that the catalog does not: its experience-score
# industry (体验分考核行业) and whether it is a flagship store. No row: industry "其他", not flagship.
shop_profiles = Table(
    "experience_shop_profiles",
    metadata,
    Column("shop_id", Id, ForeignKey("shops.id"), primary_key=True),
    Column("industry", String(40), nullable=False),
    Column("flagship", Boolean, nullable=False, default=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Behaviour incidents (差行为) recorded by platform staff; deductions read them per clause.
incidents = Table(
    "experience_incidents",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("recorded_by", Id, ForeignKey("users.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
Index("ix_experience_incidents_shop_occurred", incidents.c.shop_id, incidents.c.occurred_at)

# One score per shop, day and rule version; UNIQUE so concurrent workers write it once.
snapshots = Table(
    "experience_snapshots",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("day", Date, nullable=False),
    Column("version", String(10), nullable=False),
    Column("stage", String(10), nullable=False),  # growth | formal
    Column("score_centi", Integer, nullable=False),  # score x 100 (87.35 -> 8735)
    Column("shown_tenths", Integer, nullable=False),  # what buyers see: 4.6 -> 46
    Column("detail", Text, nullable=False),  # JSON: dimensions and indicators
    Column("computed_at", UtcDateTime, nullable=False),
    UniqueConstraint("shop_id", "day", "version"),
)
Index("ix_experience_snapshots_day_version", snapshots.c.day, snapshots.c.version)

# Per-shop, per-platform-day sums of the additive score measures (pledge.experience.facts), under
# one rule version's clauses: the daily snapshot sums 30 of these rows per shop instead of
# scanning every order. Counts and sums only, never ratios. Each order-based measure sits on the
# day its indicator keys on (paid, picked up, delivered, waybill due); the review time on the
# day the refund completed.
_COUNT_MEASURES = (
    "paid_orders",
    "delivered",
    "rated",
    "bad_reviews",
    "quality_returns",
    "picked",
    "due_waybills",
    "on_time",
    "logistics_returns",
    "damage_returns",
    "escalated_orders",
    "helped_orders",
    "next_day",
    "reviewed_cases",
)
_SUM_MEASURES = ("pickup_seconds", "pickup_points", "review_seconds")
shop_day_facts = Table(
    "experience_shop_day_facts",
    metadata,
    Column("shop_id", Id, ForeignKey("shops.id"), primary_key=True),
    Column("day", Date, primary_key=True),  # platform day (the rulebook's zone)
    Column("version", String(10), primary_key=True),  # the rule version whose clauses made the row
    *[Column(name, Integer, nullable=False, default=0) for name in _COUNT_MEASURES],
    *[Column(name, BigInteger, nullable=False, default=0) for name in _SUM_MEASURES],
    Column("rating_sum", Float, nullable=False, default=0),  # Σ order ratings (an order's: its lines' mean)
    Column("refreshed_at", UtcDateTime, nullable=False),
)
Index("ix_experience_shop_day_facts_version_day", shop_day_facts.c.version, shop_day_facts.c.day)

# Where the facts of a version stand: the platform days they cover, when they were last brought
# up to date, and the highest row id of each source table seen then (what changed since).
fact_runs = Table(
    "experience_fact_runs",
    metadata,
    Column("version", String(10), primary_key=True),
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("refreshed_at", UtcDateTime, nullable=False),
    Column("marks", Text, nullable=False),  # JSON {table: highest id}
)

# The shop in a unique key of every table a shop owns (docs/scaling.md).
shop_keys(incidents)
