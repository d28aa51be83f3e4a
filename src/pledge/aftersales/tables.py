from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from pledge.kernel.db import Fen, Id, UtcDateTime, metadata, shop_keys

cases = Table(
    "aftersales_cases",
    metadata,
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
    # Who pays a damage claim: damage_service (坏了包退, its 24 h timers) | shop_pledge; NULL otherwise.
    Column("basis", String(20), nullable=True),
    # The postage the buyer paid to send goods back, and what the order's shipping insurance pays
    # of it (0: not insured), decided when the return is sent (migration 0010).
    Column("return_postage_fen", Fen, nullable=True),
    Column("insured_fen", Fen, nullable=False, default=0, server_default="0"),
    Column("insurance_tier", String(20), nullable=True),
    Column("insurance_clause", String(80), nullable=True),
    CheckConstraint("refund_fen >= 0", name="refund_not_negative"),
)
Index("ix_aftersales_cases_shop_status", cases.c.shop_id, cases.c.status)
Index("ix_aftersales_cases_due_at", cases.c.due_at)


def _same_shop_as_case() -> ForeignKeyConstraint:
    """A case's rows are the case's shop's: (shop_id, case_id) refers to the case's UNIQUE (shop_id, id)."""
    return ForeignKeyConstraint(["shop_id", "case_id"], ["aftersales_cases.shop_id", "aftersales_cases.id"])


case_lines = Table(
    "aftersales_case_lines",
    metadata,
    Column("case_id", Id, ForeignKey("aftersales_cases.id"), primary_key=True),
    Column("order_line_id", Id, ForeignKey("order_lines.id"), primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("units", Integer, nullable=False),  # units claimed (returned, refunded or damaged)
    CheckConstraint("units > 0", name="units_positive"),
    _same_shop_as_case(),
)

case_evidence = Table(
    "aftersales_case_evidence",
    metadata,
    Column("case_id", Id, ForeignKey("aftersales_cases.id"), primary_key=True),
    Column("upload_id", Id, ForeignKey("uploads.id"), primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    _same_shop_as_case(),
)

case_events = Table(
    "aftersales_case_events",
    metadata,
    Column("id", Id, primary_key=True),
    Column("case_id", Id, ForeignKey("aftersales_cases.id"), nullable=False, index=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("actor", String(40), nullable=False),  # buyer | merchant | operator | system
    Column("detail", Text, nullable=False, default=""),
    _same_shop_as_case(),
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", Id, primary_key=True),
    Column("idempotency_key", String(120), nullable=False, unique=True),  # refund:{case_id}
    Column("case_id", Id, ForeignKey("aftersales_cases.id"), nullable=False),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, index=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("amount_fen", Fen, nullable=False),
    Column("payer", String(60), nullable=False),
    Column("status", String(20), nullable=False),  # pending | succeeded
    Column("provider_ref", String(80), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("completed_at", UtcDateTime, nullable=True),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
    _same_shop_as_case(),
)

shop_pledges = Table(
    "shop_pledges",
    metadata,
    Column("shop_id", Id, ForeignKey("shops.id"), primary_key=True),
    Column("per_unit_damage", Boolean, nullable=False, default=False),
    Column("no_evidence_for_declared", Boolean, nullable=False, default=False),
    Column("damage_window_extra_hours", Integer, nullable=False, default=0),
    Column("return_window_extra_hours", Integer, nullable=False, default=0),
    # Refund damage by the former 坏了包退 share table; the damage reasons the pledge pays
    # (JSON list, empty = every reason that fits the goods) (migration 0010).
    Column("damage_share_table", Boolean, nullable=False, default=False, server_default=false()),
    Column("damage_reasons", Text, nullable=False, default="[]", server_default="[]"),
    Column("statement", Text, nullable=False, default=""),  # the pledge in the shop's words
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("damage_window_extra_hours >= 0", name="damage_extra_not_negative"),
    CheckConstraint("return_window_extra_hours >= 0", name="return_extra_not_negative"),
)

# Buyers a shop has marked as not needing photo evidence (the fruit seller's elderly buyers).
shop_trusted_buyers = Table(
    "shop_trusted_buyers",
    metadata,
    Column("shop_id", Id, ForeignKey("shops.id"), primary_key=True),
    Column("buyer_id", Id, ForeignKey("users.id"), primary_key=True),
    Column("note", String(200), nullable=False, default=""),
)

subsidy_funds = Table(
    "subsidy_funds",
    metadata,
    Column("id", Id, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("budget_fen", Fen, nullable=False),
    Column("spent_fen", Fen, nullable=False, default=0),
    CheckConstraint("spent_fen >= 0 AND spent_fen <= budget_fen", name="within_budget"),
)

# What a product carries, period by period, so an order is judged by what its product carried
# when it was paid: the 坏了包退 badge (douyin:aJn4bujNmDDo) or the shop's shipping insurance
# (运费险, douyin:aJpAMtJPdWH7; tier small | upgraded | large). At most one open period per
# product and service.
product_services = Table(
    "product_services",
    metadata,
    Column("id", Id, primary_key=True),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("service", String(30), nullable=False),  # damage_badge | shipping_insurance
    Column("tier", String(20), nullable=False, default=""),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=True),
    CheckConstraint("ends_at IS NULL OR ends_at >= starts_at", name="period_ordered"),
)
Index("ix_product_services_product", product_services.c.product_id, product_services.c.service)
Index(
    "ux_product_services_open",
    product_services.c.product_id,
    product_services.c.service,
    unique=True,
    sqlite_where=product_services.c.ends_at.is_(None),
    postgresql_where=product_services.c.ends_at.is_(None),
)

# A shipping-insurance claim: one per order and one per return waybill (douyin:aJpAMtJPdWH7
# 第五章), paid to the buyer by the insurer through its adapter, exactly once under its key.
shipping_insurance_claims = Table(
    "shipping_insurance_claims",
    metadata,
    Column("id", Id, primary_key=True),
    Column("idempotency_key", String(120), nullable=False, unique=True),  # shipping-insurance:{order_id}
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, unique=True),
    Column("case_id", Id, ForeignKey("aftersales_cases.id"), nullable=False, index=True),
    Column("buyer_id", Id, ForeignKey("users.id"), nullable=False),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("return_carrier", String(30), nullable=False),
    Column("return_tracking", String(60), nullable=False),
    Column("postage_fen", Fen, nullable=False),
    Column(
        "amount_fen", Fen, nullable=False
    ),  # the postage up to the tier's cap; once paid, what the insurer paid
    Column("tier", String(20), nullable=False),  # small | upgraded | large
    Column("clause_id", String(80), nullable=False),
    Column("status", String(20), nullable=False),  # pending | paid | refused
    Column("insurer", String(30), nullable=True),
    Column("provider_ref", String(80), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),  # refund or exchange success: the insurer's 72 h start
    Column("paid_at", UtcDateTime, nullable=True),
    UniqueConstraint("return_carrier", "return_tracking"),  # one successful claim per waybill
    CheckConstraint("amount_fen >= 0 AND amount_fen <= postage_fen", name="amount_within_postage"),
)
Index(
    "ix_shipping_insurance_claims_status", shipping_insurance_claims.c.status, shipping_insurance_claims.c.id
)

# The shop in a unique key of every table a shop owns (docs/scaling.md).
shop_keys(product_services, cases, shipping_insurance_claims, case_lines, case_evidence, case_events, refunds)
