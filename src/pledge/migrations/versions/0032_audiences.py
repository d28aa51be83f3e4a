"""shop audiences, their campaigns (coupon or "we are live"), recipients and opt-outs

Revision ID: 0032
Revises: 0031
"""

import sqlalchemy as sa
from alembic import op

import pledge.kernel.db

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audience_opt_outs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_audience_opt_outs_shop_id_shops")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_audience_opt_outs_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audience_opt_outs")),
        sa.UniqueConstraint("user_id", "shop_id", name="uq_audience_opt_outs_user_shop"),
    )
    with op.batch_alter_table("audience_opt_outs", schema=None) as batch_op:
        batch_op.create_index("ix_audience_opt_outs_shop_id", ["shop_id"], unique=False)

    op.create_table(
        "audiences",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("created_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_audiences_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audiences")),
    )
    with op.batch_alter_table("audiences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audiences_shop_id"), ["shop_id"], unique=False)

    op.create_table(
        "audience_campaigns",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("audience_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("amount_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("min_spend_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("valid_days", sa.Integer(), nullable=True),
        sa.Column("session_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("report_until", pledge.kernel.db.UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(kind = 'coupon') = "
            "(amount_fen IS NOT NULL AND min_spend_fen IS NOT NULL AND valid_days IS NOT NULL)",
            name=op.f("ck_audience_campaigns_coupon_terms"),
        ),
        sa.CheckConstraint(
            "(status = 'sent') = (sent_at IS NOT NULL)", name=op.f("ck_audience_campaigns_sent_when_sent")
        ),
        sa.CheckConstraint("kind IN ('coupon', 'live')", name=op.f("ck_audience_campaigns_kind_known")),
        sa.CheckConstraint("status IN ('draft', 'sent')", name=op.f("ck_audience_campaigns_status_known")),
        sa.CheckConstraint(
            "amount_fen IS NULL OR amount_fen > 0", name=op.f("ck_audience_campaigns_amount_positive")
        ),
        sa.ForeignKeyConstraint(
            ["audience_id"], ["audiences.id"], name=op.f("fk_audience_campaigns_audience_id_audiences")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["live_sessions.id"], name=op.f("fk_audience_campaigns_session_id_live_sessions")
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_audience_campaigns_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audience_campaigns")),
    )
    with op.batch_alter_table("audience_campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audience_campaigns_audience_id"), ["audience_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audience_campaigns_shop_id"), ["shop_id"], unique=False)

    op.create_table(
        "audience_rules",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("audience_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("demand_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.CheckConstraint(
            "(kind IN ('followers', 'wishers')) = (days IS NULL)",
            name=op.f("ck_audience_rules_days_for_behaviour_only"),
        ),
        sa.CheckConstraint(
            "demand_id IS NULL OR kind = 'wishers'", name=op.f("ck_audience_rules_demand_for_wishers_only")
        ),
        sa.CheckConstraint(
            "kind IN ('viewed', 'clicked', 'carted', 'ordered', 'followers', 'wishers')",
            name=op.f("ck_audience_rules_kind_known"),
        ),
        sa.CheckConstraint("days IS NULL OR days > 0", name=op.f("ck_audience_rules_days_positive")),
        sa.ForeignKeyConstraint(
            ["audience_id"], ["audiences.id"], name=op.f("fk_audience_rules_audience_id_audiences")
        ),
        sa.ForeignKeyConstraint(
            ["demand_id"], ["wish_demands.id"], name=op.f("fk_audience_rules_demand_id_wish_demands")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audience_rules")),
    )
    with op.batch_alter_table("audience_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audience_rules_audience_id"), ["audience_id"], unique=False)

    op.create_table(
        "audience_recipients",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("campaign_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("coupon_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(outcome = 'coupon') = (coupon_id IS NOT NULL)",
            name=op.f("ck_audience_recipients_coupon_with_coupon"),
        ),
        sa.CheckConstraint(
            "outcome IN ('coupon', 'notified', 'opted_out', 'rate_limited')",
            name=op.f("ck_audience_recipients_outcome_known"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["audience_campaigns.id"],
            name=op.f("fk_audience_recipients_campaign_id_audience_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["coupon_id"], ["coupons.id"], name=op.f("fk_audience_recipients_coupon_id_coupons")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_audience_recipients_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audience_recipients")),
        sa.UniqueConstraint("campaign_id", "user_id", name="uq_audience_recipients_campaign_user"),
    )
    with op.batch_alter_table("audience_recipients", schema=None) as batch_op:
        batch_op.create_index("ix_audience_recipients_user_at", ["user_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audience_recipients", schema=None) as batch_op:
        batch_op.drop_index("ix_audience_recipients_user_at")

    op.drop_table("audience_recipients")
    with op.batch_alter_table("audience_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audience_rules_audience_id"))

    op.drop_table("audience_rules")
    with op.batch_alter_table("audience_campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audience_campaigns_shop_id"))
        batch_op.drop_index(batch_op.f("ix_audience_campaigns_audience_id"))

    op.drop_table("audience_campaigns")
    with op.batch_alter_table("audiences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audiences_shop_id"))

    op.drop_table("audiences")
    with op.batch_alter_table("audience_opt_outs", schema=None) as batch_op:
        batch_op.drop_index("ix_audience_opt_outs_shop_id")

    op.drop_table("audience_opt_outs")
