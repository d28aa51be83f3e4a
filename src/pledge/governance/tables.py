"""The reviewer queue, penalties with their actions, and appeals (migration 0019); the working-day
calendar (migration 0024)."""

from sqlalchemy import (
    Boolean,
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

from pledge.kernel.db import Fen, Id, UtcDateTime, metadata, shop_keys

# One row per automatic verdict that is not "allow" and per user report: the evidence (text, hits
# as JSON, clause) and, once decided, who decided what, when, under which clause and why.
governance_items = Table(
    "governance_items",
    metadata,
    Column("id", Id, primary_key=True),
    Column("source", String(20), nullable=False),
    Column("subject", String(20), nullable=False),
    Column("subject_id", Id, nullable=True),  # None: a new listing refused before it was saved
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=True),
    Column("author_id", Id, ForeignKey("users.id"), nullable=True),  # who wrote the text, if a user
    Column("reporter_id", Id, ForeignKey("users.id"), nullable=True),
    Column("risk", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("hits", Text, nullable=False),  # JSON list of {term, category, span}
    Column("clause", String(80), nullable=True),
    Column("status", String(20), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("decided_at", UtcDateTime, nullable=True),
    Column("decided_by", Id, ForeignKey("users.id"), nullable=True),
    Column("decision_clause", String(80), nullable=True),
    Column("decision_note", String(500), nullable=True),
    CheckConstraint("risk BETWEEN 0 AND 100", name="ck_governance_items_risk"),
    Index("ix_governance_items_queue", "status", "risk", "created_at"),
)

# A penalty: one decision under one ladder clause against one shop, the case number that chose its
# rung, and whether it still stands (an upheld appeal reverses it).
governance_penalties = Table(
    "governance_penalties",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("item_id", Id, ForeignKey("governance_items.id"), nullable=True),
    Column("clause", String(80), nullable=False),
    Column("case_no", Integer, nullable=False),
    Column("reason", String(500), nullable=False),
    Column("evidence", Text, nullable=False),
    Column("points", Integer, nullable=False, server_default="0"),
    Column("points_expire_at", UtcDateTime, nullable=True),
    Column("status", String(20), nullable=False),
    Column("decided_by", Id, ForeignKey("users.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("reversed_at", UtcDateTime, nullable=True),
    CheckConstraint("case_no >= 1", name="ck_governance_penalties_case_no"),
)

# Each effect of a penalty: what it did to which subject, until when, and for money the amount
# (moved through pledge.ledger under `governance-penalty:{action id}`).
governance_actions = Table(
    "governance_actions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("penalty_id", Id, ForeignKey("governance_penalties.id"), nullable=False, index=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("subject_id", Id, nullable=True),
    Column("amount_fen", Fen, nullable=True),
    Column("until", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("charged_at", UtcDateTime, nullable=True),  # money moved (claimed by a conditional UPDATE)
    Column("refunded_at", UtcDateTime, nullable=True),  # money given back after an upheld appeal
    CheckConstraint("amount_fen IS NULL OR amount_fen > 0", name="ck_governance_actions_amount"),
)

# At most one appeal per penalty: filed by a member of the shop within the window, answered by a
# reviewer, or lapsed at its deadline.
governance_appeals = Table(
    "governance_appeals",
    metadata,
    Column("id", Id, primary_key=True),
    Column("penalty_id", Id, ForeignKey("governance_penalties.id"), nullable=False),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("filed_by", Id, ForeignKey("users.id"), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("status", String(20), nullable=False),
    Column("filed_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("answered_at", UtcDateTime, nullable=True),
    Column("answered_by", Id, ForeignKey("users.id"), nullable=True),
    Column("answer_note", String(500), nullable=True),
    UniqueConstraint("penalty_id", name="uq_governance_appeals_penalty"),
)

# The operators' working-day calendar (public holidays and make-up workdays, 节假日与调休): a day
# listed here is a working day or not as `working` says; any other day is one from Monday to
# Friday. Pledge ships it empty: the dates come from the State Council's yearly notice, typed in
# by an operator (`pledge calendar add`), never from code.
governance_calendar = Table(
    "governance_calendar",
    metadata,
    Column("day", Date, primary_key=True),
    Column("working", Boolean, nullable=False),
    Column("note", String(100), nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
)

# A penalty against a creator (达人) under a `creator_penalty_ladder` clause (migration 0040): the
# violation the reviewer recorded (its scene and subject — a live session or a video —, the product
# it promoted, the harm found, the evidence and the violation's own reference, 违规详情单), what
# the window held when it was decided (the counts) and the tier they gave. One row per violation:
# the reference is UNIQUE per creator and clause, so a reviewer deciding twice writes nothing.
creator_penalties = Table(
    "creator_penalties",
    metadata,
    Column("id", Id, primary_key=True),
    Column("creator_id", Id, ForeignKey("creators.id"), nullable=False),
    Column("clause", String(80), nullable=False),
    Column("ref", String(60), nullable=False),
    Column("scene", String(10), nullable=False),  # creator_ladder.Scene
    Column("subject_id", Id, nullable=False),  # the live session or the video
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("sessions", Integer, nullable=False),
    Column("in_session", Integer, nullable=False),
    Column("videos", Integer, nullable=False),
    Column("harm", String(10), nullable=False),  # creator_ladder.Harm
    Column("tier", Integer, nullable=False),
    Column("reason", String(500), nullable=False),
    Column("evidence", Text, nullable=False),
    Column("status", String(20), nullable=False),  # model.PenaltyStatus
    Column("decided_by", Id, ForeignKey("users.id"), nullable=False),
    Column("decided_at", UtcDateTime, nullable=False),
    Column("reversed_at", UtcDateTime, nullable=True),
    UniqueConstraint("creator_id", "clause", "ref", name="uq_creator_penalties_ref"),
    CheckConstraint("tier BETWEEN 1 AND 4", name="tier"),
    CheckConstraint("sessions >= 0 AND in_session >= 0 AND videos >= 0", name="counts"),
    Index("ix_creator_penalties_window", "creator_id", "clause", "decided_at"),
)

# Each action of a creator penalty, once per kind: how long it lasts, the share held and the money
# it moved (through pledge.ledger under `creator-penalty-{hold,release,charge}:{action id}`), and its
# state — applied, moot (nothing left to act on), held → released, due → charged, reversed.
creator_penalty_actions = Table(
    "creator_penalty_actions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("penalty_id", Id, ForeignKey("creator_penalties.id"), nullable=False, index=True),
    Column("creator_id", Id, ForeignKey("creators.id"), nullable=False, index=True),
    Column("kind", String(30), nullable=False),  # creator_ladder.CreatorAction
    Column("days", Integer, nullable=True),
    Column("held_bp", Integer, nullable=True),
    Column("amount_fen", Fen, nullable=True),
    Column("state", String(12), nullable=False),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=True),
    Column("settled_at", UtcDateTime, nullable=True),  # released or charged
    UniqueConstraint("penalty_id", "kind", name="uq_creator_penalty_actions_kind"),
    CheckConstraint("amount_fen IS NULL OR amount_fen >= 0", name="amount"),
    Index("ix_creator_penalty_actions_due", "state", "ends_at"),
)

# At most one appeal per creator penalty: filed by the creator within the window of
# `creator.appeals`, answered by a reviewer or settled at its deadline (governance.creator_appeals).
creator_appeals = Table(
    "creator_appeals",
    metadata,
    Column("id", Id, primary_key=True),
    Column("penalty_id", Id, ForeignKey("creator_penalties.id"), nullable=False),
    Column("creator_id", Id, ForeignKey("creators.id"), nullable=False, index=True),
    Column("reason", String(500), nullable=False),
    Column("status", String(20), nullable=False),  # model.AppealStatus
    Column("filed_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("answered_at", UtcDateTime, nullable=True),
    Column("answered_by", Id, ForeignKey("users.id"), nullable=True),
    Column("answer_note", String(500), nullable=True),
    UniqueConstraint("penalty_id", name="uq_creator_appeals_penalty"),
)

# The shop in a unique key of every table a shop owns (docs/scaling.md).
shop_keys(governance_items, governance_penalties, governance_actions, governance_appeals)
