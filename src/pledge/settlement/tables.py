"""Settlement: commission per order line, fee programs (waivers, rebates) with their history and
applications, the entries that settle proceeds, month-end rebates, deposits, payouts, a shop's
settlement terms and frozen proceeds."""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from pledge.kernel.db import Fen, Id, UtcDateTime, metadata, shop_keys

# Operator-configured, effective-dated programs scoped to categories, a shop and/or a channel.
programs = Table(
    "settlement_programs",
    metadata,
    Column("id", Id, primary_key=True),
    Column("code", String(60), nullable=False, unique=True),
    # category_waiver | task_waiver | new_merchant | turnover_rebate
    Column("kind", String(30), nullable=False),
    Column("name", String(120), nullable=False),
    Column("name_en", String(120), nullable=False),
    Column("rate_bp", Integer, nullable=True),  # the residual rate of a waiver
    Column("categories", Text, nullable=False, default="[]"),  # JSON list of category names; [] = all
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=True),
    Column("channel", String(20), nullable=True),
    Column("params", Text, nullable=False, default="{}"),  # JSON: tiers, task_orders, days
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=True),
    Column("requires_application", Boolean, nullable=False, default=False),
    Column("version", Integer, nullable=False, default=1),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("rate_bp IS NULL OR (rate_bp >= 0 AND rate_bp <= 10000)", name="rate_in_range"),
)

program_versions = Table(
    "settlement_program_versions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("settlement_programs.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("snapshot", Text, nullable=False),  # JSON of the program as configured
    Column("note", Text, nullable=False, default=""),
    Column("changed_by", Id, ForeignKey("users.id"), nullable=True),
    Column("changed_at", UtcDateTime, nullable=False),
    UniqueConstraint("program_id", "version"),
)

applications = Table(
    "settlement_applications",
    metadata,
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("settlement_programs.id"), nullable=False),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False, index=True),
    Column("status", String(20), nullable=False),  # pending | approved | rejected
    Column("note", Text, nullable=False, default=""),
    Column("applied_by", Id, ForeignKey("users.id"), nullable=False),
    Column("applied_at", UtcDateTime, nullable=False),
    Column("decided_by", Id, ForeignKey("users.id"), nullable=True),
    Column("decided_at", UtcDateTime, nullable=True),
    UniqueConstraint("program_id", "shop_id"),
)

# One row per order whose commission has been charged (the claim that makes charging exactly once).
fee_orders = Table(
    "settlement_orders",
    metadata,
    Column("order_id", Id, ForeignKey("orders.id"), primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("month", String(7), nullable=False),  # the platform-calendar month the order was paid
    Column("channel", String(20), nullable=False),
    Column("paid_fen", Fen, nullable=False),
    Column("base_fen", Fen, nullable=False),
    Column("fee_fen", Fen, nullable=False),
    Column("standard_fee_fen", Fen, nullable=False),  # what the fee would be without any program
    Column("charged_at", UtcDateTime, nullable=False),
    Column("settled_at", UtcDateTime, nullable=True),
)
Index("ix_settlement_orders_shop_month", fee_orders.c.shop_id, fee_orders.c.month)
# A shop's fees charged in a period: the monthly statement reads them by charge time, which the
# (shop, month) index cannot narrow, since an order paid in one month may be charged in the next
# (migration 0052).
Index("ix_settlement_orders_shop_charged_at", fee_orders.c.shop_id, fee_orders.c.charged_at)

fee_lines = Table(
    "settlement_fee_lines",
    metadata,
    Column("id", Id, primary_key=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, index=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("order_line_id", Id, ForeignKey("order_lines.id"), nullable=False, unique=True),
    Column("category", String(60), nullable=False),
    Column("base_fen", Fen, nullable=False),
    Column("standard_rate_bp", Integer, nullable=False),
    Column("rate_bp", Integer, nullable=False),
    Column("fee_fen", Fen, nullable=False),
    Column("standard_fee_fen", Fen, nullable=False),
    Column("clause_id", String(80), nullable=False),
    Column("clause_source", String(80), nullable=False),
    Column("program_id", Id, ForeignKey("settlement_programs.id"), nullable=True),
    Column("program_version", Integer, nullable=True),
    # The order's shop: (shop_id, order_id) refers to the order's UNIQUE (shop_id, id).
    ForeignKeyConstraint(["shop_id", "order_id"], ["orders.shop_id", "orders.id"]),
)

fee_refunds = Table(
    "settlement_fee_refunds",
    metadata,
    Column("refund_id", Id, ForeignKey("refunds.id"), primary_key=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, index=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("amount_fen", Fen, nullable=False),  # 0 when refunded after the after-sales period
    Column("clause_id", String(80), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("created_at", UtcDateTime, nullable=False),
)

# Every movement of a shop's pending proceeds, claimed once by the settlement that moves it on.
entries = Table(
    "settlement_entries",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),  # sale | fee | fee_refund | refund | deduction
    Column("ref_id", Id, nullable=False),
    Column("amount_fen", Fen, nullable=False),  # signed effect on the proceeds
    Column("created_at", UtcDateTime, nullable=False),
    Column("settled_at", UtcDateTime, nullable=True),  # set by the settlement that moved it on
    UniqueConstraint("kind", "ref_id"),
)

rebates = Table(
    "settlement_rebates",
    metadata,
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("settlement_programs.id"), nullable=False),
    Column("program_version", Integer, nullable=False),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False, index=True),
    Column("month", String(7), nullable=False),
    Column("turnover_fen", Fen, nullable=False),
    Column("fees_fen", Fen, nullable=False),
    Column("tier_min_fen", Fen, nullable=False),
    Column("share_bp", Integer, nullable=False),
    Column("amount_fen", Fen, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("program_id", "shop_id", "month"),
)

deposits = Table(
    "settlement_deposits",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("amount_fen", Fen, nullable=False),
    Column("reference", String(80), nullable=False),  # the bank transfer's reference
    Column("created_by", Id, ForeignKey("users.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("shop_id", "reference"),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
)

payouts = Table(
    "settlement_payouts",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("amount_fen", Fen, nullable=False),
    Column("status", String(20), nullable=False),  # pending | sent | returned
    Column("requested_by", Id, ForeignKey("users.id"), nullable=True),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("provider_ref", String(80), nullable=True),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("returned_at", UtcDateTime, nullable=True),
    Column("return_reason", Text, nullable=True),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
)
Index("ix_settlement_payouts_status", payouts.c.status)

# The sandbox payout provider's own books (the "bank"): what it has paid, by reference. Kept in
# the database so the reconciliation report reads the same record in every process; a real
# provider is asked through its API instead.
sandbox_payout_transfers = Table(
    "sandbox_payout_transfers",
    metadata,
    Column("ref", String(80), primary_key=True),
    Column("shop_id", Id, nullable=True),  # NULL when the payee is not a shop (migration 0028)
    Column("amount_fen", Fen, nullable=False),
    Column("payee", String(40), nullable=True),  # creator:{id} for a creator's payout (migration 0028)
    CheckConstraint("amount_fen > 0", name="amount_positive"),
)


# A shop's settlement terms: 0元入驻 (no base deposit, 21-day settlement) and the 48 h clock of a
# deposit below zero (douyin:aJngrvusHLew 2.5): listing and checkout are refused from
# restricted_from until the deposit holds owed_fen again.
shop_terms = Table(
    "settlement_shop_terms",
    metadata,
    Column("shop_id", Id, ForeignKey("shops.id"), primary_key=True),
    Column("zero_entry", Boolean, nullable=False, default=False),
    Column("negative_since", UtcDateTime, nullable=True),
    Column("restricted_from", UtcDateTime, nullable=True),
    Column("owed_fen", Fen, nullable=True),
    Column("updated_by", Id, ForeignKey("users.id"), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Frozen proceeds (冻结货款). An order freeze (late-ship sanction) keeps the order's pending
# proceeds in shop:{id}:frozen (following its entries) and holds the order's settlement; an amount
# freeze (out-of-stock and fraudulent-shipping violations) moves up to target_fen from the
# available balance, the rest as later proceeds settle. Released once (released_at) at
# releases_at, back where it came from.
freezes = Table(
    "settlement_freezes",
    metadata,
    Column("id", Id, primary_key=True),
    Column("idempotency_key", String(120), nullable=False, unique=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=True, index=True),
    Column("cause", String(30), nullable=False),  # late_ship | out_of_stock | fraudulent_shipping
    Column("source_account", String(20), nullable=False),  # proceeds | available
    Column("target_fen", Fen, nullable=False),
    Column("frozen_fen", Fen, nullable=False, default=0),
    Column(
        "moves", Integer, nullable=False, default=0
    ),  # money moves so far: the claim token and the key suffix
    Column("stops_settlement", Boolean, nullable=False, default=False),
    Column("violation_no", Integer, nullable=True),  # the n-th violation of the calendar year
    Column("basis_day", Date, nullable=False),  # the platform-calendar day of the violation
    Column("rulebook", String(40), nullable=False),
    Column("rulebook_version", String(20), nullable=False),
    Column("clause_id", String(80), nullable=False),
    Column("clause_source", String(80), nullable=False),
    Column("reason", Text, nullable=False),
    Column("reason_zh", Text, nullable=False),
    Column("inputs", Text, nullable=False),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("releases_at", UtcDateTime, nullable=False),
    Column("released_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("frozen_fen >= 0 AND frozen_fen <= target_fen", name="frozen_within_target"),
)
Index("ix_settlement_freezes_releases_at", freezes.c.releases_at)

# One row per piece of freeze work done (a sanction's orders frozen, a day's out-of-stock
# violations counted), so concurrent workers do it once.
freeze_runs = Table(
    "settlement_freeze_runs",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("ran_at", UtcDateTime, nullable=False),
)

# The shop in a unique key of every table a shop owns (docs/scaling.md).
shop_keys(sandbox_payout_transfers, payouts, programs, entries, freezes, fee_orders, fee_refunds, fee_lines)
