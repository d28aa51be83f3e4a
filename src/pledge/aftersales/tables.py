from sqlalchemy import (Boolean, CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text,
                        UniqueConstraint)

from pledge.kernel.db import Fen, Id, UtcDateTime, metadata

cases = Table(
    "aftersales_cases", metadata,
    Column("id", Id, primary_key=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, index=True),
    Column("buyer_id", Id, ForeignKey("users.id"), nullable=False, index=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("case_type", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("reason", String(30), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("refund_fen", Fen, nullable=False, default=0),  # what this case refunds if it succeeds
    Column("payer", String(60), nullable=False, default="merchant"),  # merchant | fund:<code>
    Column("clause_id", String(80), nullable=False, default=""),
    Column("clause_source", String(80), nullable=False, default=""),
    Column("explanation", Text, nullable=False, default=""),
    Column("inputs", Text, nullable=False, default="{}"),
    Column("evidence_waived", String(60), nullable=False, default=""),  # why no photo was needed
    Column("created_at", UtcDateTime, nullable=False),
    # The one deadline that matters now (merchant review, return shipping, escalation, receipt);
    # the sweep acts on it and `due_kind` says what happens when it passes.
    Column("due_at", UtcDateTime, nullable=True),
    Column("due_kind", String(30), nullable=True),
    Column("due_clause", String(80), nullable=True),
    Column("decided_at", UtcDateTime, nullable=True),
    Column("return_carrier", String(30), nullable=True),
    Column("return_tracking", String(60), nullable=True),
    Column("closed_at", UtcDateTime, nullable=True),
    CheckConstraint("refund_fen >= 0", name="refund_not_negative"),
)
Index("ix_aftersales_cases_shop_status", cases.c.shop_id, cases.c.status)
Index("ix_aftersales_cases_due_at", cases.c.due_at)

case_lines = Table(
    "aftersales_case_lines", metadata,
    Column("case_id", Id, ForeignKey("aftersales_cases.id"), primary_key=True),
    Column("order_line_id", Id, ForeignKey("order_lines.id"), primary_key=True),
    Column("units", Integer, nullable=False),  # units claimed (returned, refunded or damaged)
    CheckConstraint("units > 0", name="units_positive"),
)

case_evidence = Table(
    "aftersales_case_evidence", metadata,
    Column("case_id", Id, ForeignKey("aftersales_cases.id"), primary_key=True),
    Column("upload_id", Id, ForeignKey("uploads.id"), primary_key=True),
)

case_events = Table(
    "aftersales_case_events", metadata,
    Column("id", Id, primary_key=True),
    Column("case_id", Id, ForeignKey("aftersales_cases.id"), nullable=False, index=True),
    Column("at", UtcDateTime, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("actor", String(40), nullable=False),  # buyer | merchant | operator | system
    Column("detail", Text, nullable=False, default=""),
)

refunds = Table(
    "refunds", metadata,
    Column("id", Id, primary_key=True),
    Column("idempotency_key", String(120), nullable=False, unique=True),  # refund:{case_id}
    Column("case_id", Id, ForeignKey("aftersales_cases.id"), nullable=False),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, index=True),
    Column("amount_fen", Fen, nullable=False),
    Column("payer", String(60), nullable=False),
    Column("status", String(20), nullable=False),  # pending | succeeded
    Column("provider_ref", String(80), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("completed_at", UtcDateTime, nullable=True),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
)

shop_pledges = Table(
    "shop_pledges", metadata,
    Column("shop_id", Id, ForeignKey("shops.id"), primary_key=True),
    Column("per_unit_damage", Boolean, nullable=False, default=False),
    Column("no_evidence_for_declared", Boolean, nullable=False, default=False),
    Column("damage_window_extra_hours", Integer, nullable=False, default=0),
    Column("return_window_extra_hours", Integer, nullable=False, default=0),
    Column("statement", Text, nullable=False, default=""),  # the pledge in the shop's words
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("damage_window_extra_hours >= 0", name="damage_extra_not_negative"),
    CheckConstraint("return_window_extra_hours >= 0", name="return_extra_not_negative"),
)

# Buyers a shop has marked as not needing photo evidence (the fruit seller's elderly buyers).
shop_trusted_buyers = Table(
    "shop_trusted_buyers", metadata,
    Column("shop_id", Id, ForeignKey("shops.id"), primary_key=True),
    Column("buyer_id", Id, ForeignKey("users.id"), primary_key=True),
    Column("note", String(200), nullable=False, default=""),
)

subsidy_funds = Table(
    "subsidy_funds", metadata,
    Column("id", Id, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("budget_fen", Fen, nullable=False),
    Column("spent_fen", Fen, nullable=False, default=0),
    CheckConstraint("spent_fen >= 0 AND spent_fen <= budget_fen", name="within_budget"),
)
