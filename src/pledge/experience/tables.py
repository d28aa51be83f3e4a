from sqlalchemy import (
    Boolean,
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

# The shop in a unique key of every table a shop owns (docs/scaling.md).
shop_keys(incidents)
