"""Creators, their monthly grades, the merchants' affiliate rates (精选联盟) and showcases (橱窗)."""

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from pledge.kernel.db import Fen, Id, UtcDateTime, metadata, shop_keys

creators = Table(
    "creators",
    metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False, unique=True),
    Column("handle", String(30), nullable=False, unique=True),
    Column("display_name", String(60), nullable=False),
    Column("follower_count", Integer, nullable=False),
    Column("status", String(10), nullable=False),  # CreatorStatus
    Column("created_at", UtcDateTime, nullable=False),
    # Selling closed until then by a penalty (关闭电商权限N天, governance.creator_penalties, migration 0040).
    Column("selling_closed_until", UtcDateTime, nullable=True),
    CheckConstraint("follower_count >= 0", name="followers_not_negative"),
    CheckConstraint("status IN ('active', 'limited', 'removed')", name="status_known"),
)

creator_categories = Table(
    "creator_categories",
    metadata,
    Column("id", Id, primary_key=True),
    Column("creator_id", Id, ForeignKey("creators.id"), nullable=False),
    Column("category_id", Id, ForeignKey("categories.id"), nullable=False),
    UniqueConstraint("creator_id", "category_id", name="uq_creator_categories_creator_category"),
)

# The grade published for the period that starts on `period_start` (the 9th, douyin:aJoPPkXtaG25).
creator_grades = Table(
    "creator_grades",
    metadata,
    Column("id", Id, primary_key=True),
    Column("creator_id", Id, ForeignKey("creators.id"), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("grade", String(2), nullable=False),
    Column("set_at", UtcDateTime, nullable=False),
    UniqueConstraint("creator_id", "period_start", name="uq_creator_grades_creator_period"),
)

# A merchant's commission rate for a product, for every creator (creator_id NULL) or one chosen
# creator (指定达人), in force from starts_at until ends_at (open-ended when NULL). Periods of the
# same product and audience never overlap (checked under the product's row lock).
affiliate_rates = Table(
    "affiliate_rates",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("creator_id", Id, ForeignKey("creators.id"), nullable=True),
    Column("rate_bp", Integer, nullable=False),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=True),
    Column("created_by", Id, ForeignKey("users.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("rate_bp >= 0 AND rate_bp <= 10000", name="rate_within_100_percent"),
    CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="period_not_empty"),
)
Index("ix_affiliate_rates_product_creator", affiliate_rates.c.product_id, affiliate_rates.c.creator_id)

showcase_items = Table(
    "showcase_items",
    metadata,
    Column("id", Id, primary_key=True),
    Column("creator_id", Id, ForeignKey("creators.id"), nullable=False),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False, index=True),
    Column("added_at", UtcDateTime, nullable=False),
    UniqueConstraint("creator_id", "product_id", name="uq_showcase_items_creator_product"),
)

# A creator's free sample request (寄样) for a product, decided by the product's shop
# (douyin:aJmYG5vi4n1f). `due_at` is the deadline of the current step: the merchant's decision
# (requested), the automatic cancellation of an unshipped sample (approved) or the automatic
# receipt (shipped); NULL once final.
sample_requests = Table(
    "sample_requests",
    metadata,
    Column("id", Id, primary_key=True),
    Column("creator_id", Id, ForeignKey("creators.id"), nullable=False),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("status", String(10), nullable=False),  # SampleStatus
    Column("note", String(200), nullable=False, default=""),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=True),
    Column("decided_at", UtcDateTime, nullable=True),
    Column("decided_by", Id, ForeignKey("users.id"), nullable=True),
    Column("shipped_at", UtcDateTime, nullable=True),
    Column("tracking_no", String(40), nullable=True),
    Column("closed_at", UtcDateTime, nullable=True),
    # free (免费申样), review_free (免审: approved at once) or paid (买样返款: price_fen paid up front)
    Column("kind", String(12), nullable=False, default="free", server_default="free"),
    Column("price_fen", Fen, nullable=True),
    Column("target_orders", Integer, nullable=True),  # paid: the plan's X when bought
    CheckConstraint(
        "status IN ('requested', 'approved', 'declined', 'shipped', 'received', 'cancelled', 'expired')",
        name="status_known",
    ),
)
Index("ix_sample_requests_creator_status", sample_requests.c.creator_id, sample_requests.c.status)
Index("ix_sample_requests_shop_status", sample_requests.c.shop_id, sample_requests.c.status)
Index("ix_sample_requests_status_due", sample_requests.c.status, sample_requests.c.due_at)
# A creator's commission on one order line they sold (attribution: orders.creator_id), booked once
# when the order is paid (UNIQUE order_line_id): the base, the rate in force at payment and the
# grade of the payment's period are stored, so statements never recompute history. It settles
# once (status pending -> settled), after `affiliate.settle`; refunds inside the after-sales period
# cancel it (before settlement) or claw it back (after), pro rata (`affiliate.refund.partial`).
creator_commissions = Table(
    "creator_commissions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, index=True),
    Column("order_line_id", Id, ForeignKey("order_lines.id"), nullable=False, unique=True),
    Column("creator_id", Id, ForeignKey("creators.id"), nullable=False),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("source_ref", String(40), nullable=False),  # live_session:12, video:3, showcase:4
    Column("paid_at", UtcDateTime, nullable=False),
    Column("rate_id", Id, ForeignKey("affiliate_rates.id"), nullable=False),
    Column("rate_bp", Integer, nullable=False),
    Column("grade", String(2), nullable=False),
    Column("fee_rate_bp", Integer, nullable=False),  # the grade's service-fee rate
    Column("base_fen", Fen, nullable=False),
    Column("commission_fen", Fen, nullable=False),
    Column("service_fee_fen", Fen, nullable=False),  # on the whole commission, as booked
    Column("returned_fen", Fen, nullable=False, default=0),  # commission cancelled or clawed back
    Column("status", String(10), nullable=False),  # CommissionStatus
    Column("booked_at", UtcDateTime, nullable=False),
    Column("settle_at", UtcDateTime, nullable=True),  # known once receipt is confirmed
    Column("settled_at", UtcDateTime, nullable=True),
    Column("settled_fee_fen", Fen, nullable=True),  # the service fee paid at settlement
    CheckConstraint("status IN ('pending', 'settled')", name="status_known"),
    CheckConstraint(
        "commission_fen >= 0 AND commission_fen <= base_fen AND service_fee_fen <= commission_fen",
        name="amounts_consistent",
    ),
    CheckConstraint("returned_fen >= 0 AND returned_fen <= commission_fen", name="returned_within"),
)
Index("ix_creator_commissions_creator_status", creator_commissions.c.creator_id, creator_commissions.c.status)

# What one refund did to one commission, claimed once per (refund, commission).
commission_returns = Table(
    "creator_commission_returns",
    metadata,
    Column("id", Id, primary_key=True),
    Column("refund_id", Id, ForeignKey("refunds.id"), nullable=False),
    Column("commission_id", Id, ForeignKey("creator_commissions.id"), nullable=False, index=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("outcome", String(12), nullable=False),  # policy.RefundOutcome
    Column("commission_fen", Fen, nullable=False),  # commission cancelled or clawed back (0: stands)
    Column("fee_fen", Fen, nullable=False),  # service fee the platform returns (clawback only)
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("refund_id", "commission_id", name="uq_creator_commission_returns_refund_commission"),
    # The commission's shop: (shop_id, commission_id) refers to the commission's UNIQUE (shop_id, id).
    ForeignKeyConstraint(
        ["shop_id", "commission_id"], ["creator_commissions.shop_id", "creator_commissions.id"]
    ),
)

# A violation freeze of a creator's unpaid commissions (affiliate.freeze: at most 180 days):
# while one is in force, the creator's pending commissions do not settle — all of them when
# product_id is NULL, only those on that product otherwise (a penalty's hold, 停止结算违规订单,
# governance.creator_penalties; migration 0045).
creator_freezes = Table(
    "creator_freezes",
    metadata,
    Column("id", Id, primary_key=True),
    Column("creator_id", Id, ForeignKey("creators.id"), nullable=False, index=True),
    Column("product_id", Id, ForeignKey("products.id"), nullable=True),
    Column("reason", String(200), nullable=False),
    Column("clause_id", String(80), nullable=False),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=False),
    Column("created_by", Id, ForeignKey("users.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("ends_at > starts_at", name="period_not_empty"),
)

# A creator's withdrawal of available commissions, sent through the payout adapter
# (settlement.payouts) by the worker: pending -> sent is the claim.
creator_payouts = Table(
    "creator_payouts",
    metadata,
    Column("id", Id, primary_key=True),
    Column("creator_id", Id, ForeignKey("creators.id"), nullable=False, index=True),
    Column("amount_fen", Fen, nullable=False),
    Column("status", String(20), nullable=False),  # settlement.model.PayoutStatus: pending | sent
    Column("requested_at", UtcDateTime, nullable=False),
    Column("provider_ref", String(80), nullable=True),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("returned_at", UtcDateTime, nullable=True),  # the bank sent it back (status returned)
    Column("return_reason", String(200), nullable=True),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
)

# A merchant's sample plan for a product (douyin:aJmYG5vi4n1f §1.2, §2.6): paid samples
# (买样返款: the creator pays `price_fen`, refunded once `target_orders` settled orders worth at
# least price × X × 80 % are made) or review-free samples (免审: a creator with at least
# `min_followers` is approved at once). Without a plan, requests are free and reviewed.
sample_plans = Table(
    "sample_plans",
    metadata,
    Column("id", Id, primary_key=True),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False, unique=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("mode", String(12), nullable=False),  # SampleKind: paid | review_free
    Column("price_fen", Fen, nullable=True),
    Column("target_orders", Integer, nullable=True),
    Column("min_followers", Integer, nullable=True),
    Column("updated_by", Id, ForeignKey("users.id"), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("mode IN ('paid', 'review_free')", name="mode_known"),
    CheckConstraint(
        "(mode = 'paid' AND price_fen > 0 AND target_orders >= 1) "
        "OR (mode = 'review_free' AND min_followers >= 0)",
        name="plan_complete",
    ),
)

# The promotion duty (履约) of a received sample: open for 45 days after receipt
# (`samples.duty-window`), met by settled orders, a video or a live session featuring the
# product, broken when the window ends first; or ended by returning the sample (returning ->
# returned once the merchant confirms or its 7 days pass). A paid sample's price is refunded
# once (`refunded_at`, ledger key sample-refund:{sample_id}).
sample_duties = Table(
    "sample_duties",
    metadata,
    Column("id", Id, primary_key=True),
    Column("sample_id", Id, ForeignKey("sample_requests.id"), nullable=False, unique=True),
    Column("creator_id", Id, ForeignKey("creators.id"), nullable=False),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("kind", String(12), nullable=False),  # SampleKind
    Column("status", String(10), nullable=False),  # DutyStatus
    Column("received_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=True),  # the current step's deadline; NULL once final
    Column("met_by", String(40), nullable=True),  # orders:3 | video:12 | live_session:4
    Column("price_fen", Fen, nullable=False, default=0),
    Column("refund_due_at", UtcDateTime, nullable=True),
    Column("refunded_at", UtcDateTime, nullable=True),
    Column("return_tracking_no", String(40), nullable=True),
    Column("return_shipped_at", UtcDateTime, nullable=True),
    Column("closed_at", UtcDateTime, nullable=True),
    CheckConstraint("status IN ('open', 'met', 'broken', 'returning', 'returned')", name="status_known"),
    CheckConstraint("price_fen >= 0", name="price_not_negative"),
)
Index("ix_sample_duties_creator_status", sample_duties.c.creator_id, sample_duties.c.status)
Index("ix_sample_duties_status_due", sample_duties.c.status, sample_duties.c.due_at)

# The shop in a unique key of every table a shop owns (docs/scaling.md).
shop_keys(
    affiliate_rates, sample_plans, sample_requests, sample_duties, creator_commissions, commission_returns
)
