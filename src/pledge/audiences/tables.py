"""A shop's audiences (a name and a union of rules), the campaigns that target them, who each
campaign reached and how, and buyers' opt-outs of a shop's campaigns."""

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from pledge.kernel.db import Fen, Id, UtcDateTime, metadata, shop_keys

audiences = Table(
    "audiences",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("name", String(40), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

audience_rules = Table(
    "audience_rules",
    metadata,
    Column("id", Id, primary_key=True),
    Column("audience_id", Id, ForeignKey("audiences.id"), nullable=False, index=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("kind", String(12), nullable=False),  # model.RuleKind
    Column("days", Integer, nullable=True),  # behaviour rules: within the last N days
    Column("demand_id", Id, ForeignKey("wish_demands.id"), nullable=True),  # wishers of one demand
    CheckConstraint(
        "kind IN ('viewed', 'clicked', 'carted', 'ordered', 'followers', 'wishers')", name="kind_known"
    ),
    CheckConstraint("(kind IN ('followers', 'wishers')) = (days IS NULL)", name="days_for_behaviour_only"),
    CheckConstraint("days IS NULL OR days > 0", name="days_positive"),
    CheckConstraint("demand_id IS NULL OR kind = 'wishers'", name="demand_for_wishers_only"),
    # the audience's shop: (shop_id, audience_id) refers to the audience's UNIQUE (shop_id, id)
    ForeignKeyConstraint(["shop_id", "audience_id"], ["audiences.shop_id", "audiences.id"]),
)

audience_campaigns = Table(
    "audience_campaigns",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("audience_id", Id, ForeignKey("audiences.id"), nullable=False, index=True),
    Column("kind", String(10), nullable=False),  # model.CampaignKind
    Column("status", String(10), nullable=False),  # model.CampaignStatus
    Column("amount_fen", Fen, nullable=True),  # a coupon campaign: so much off
    Column("min_spend_fen", Fen, nullable=True),  # ... an order of at least so much (0: none)
    Column("valid_days", Integer, nullable=True),  # ... spendable so many days after the send
    Column("session_id", Id, ForeignKey("live_sessions.id"), nullable=True),  # a live notice: the session
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("report_until", UtcDateTime, nullable=True),  # orders count until then (the clause's window)
    CheckConstraint("kind IN ('coupon', 'live')", name="kind_known"),
    CheckConstraint("status IN ('draft', 'sent')", name="status_known"),
    CheckConstraint(
        "(kind = 'coupon') = "
        "(amount_fen IS NOT NULL AND min_spend_fen IS NOT NULL AND valid_days IS NOT NULL)",
        name="coupon_terms",
    ),
    CheckConstraint("amount_fen IS NULL OR amount_fen > 0", name="amount_positive"),
    CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)", name="sent_when_sent"),
)

audience_recipients = Table(
    "audience_recipients",
    metadata,
    Column("id", Id, primary_key=True),
    Column("campaign_id", Id, ForeignKey("audience_campaigns.id"), nullable=False),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("outcome", String(12), nullable=False),  # model.Outcome
    Column("coupon_id", Id, ForeignKey("coupons.id"), nullable=True),
    Column("at", UtcDateTime, nullable=False),
    CheckConstraint("outcome IN ('coupon', 'notified', 'opted_out', 'rate_limited')", name="outcome_known"),
    CheckConstraint("(outcome = 'coupon') = (coupon_id IS NOT NULL)", name="coupon_with_coupon"),
    UniqueConstraint("campaign_id", "user_id", name="uq_audience_recipients_campaign_user"),
    # the campaign's shop: (shop_id, campaign_id) refers to the campaign's UNIQUE (shop_id, id)
    ForeignKeyConstraint(["shop_id", "campaign_id"], ["audience_campaigns.shop_id", "audience_campaigns.id"]),
)
Index("ix_audience_recipients_user_at", audience_recipients.c.user_id, audience_recipients.c.at)

audience_opt_outs = Table(
    "audience_opt_outs",
    metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("shop_id", Id, ForeignKey("shops.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("user_id", "shop_id", name="uq_audience_opt_outs_user_shop"),
)
Index("ix_audience_opt_outs_shop_id", audience_opt_outs.c.shop_id)

# The shop in a unique key of every table a shop owns (docs/scaling.md).
shop_keys(audiences, audience_campaigns, audience_rules, audience_recipients)
