"""experience score: per-shop, per-day sums of the additive measures (experience_shop_day_facts)
and where they stand (experience_fact_runs), so that the daily snapshot reads 30 days x shops
rows instead of every order (issue 19); reviews.moderated_at, when a reviewer last decided on a
review, so that the facts see a held review allowed

Revision ID: 0041
Revises: 0040
"""

import sqlalchemy as sa
from alembic import op

from pledge.kernel.db import UtcDateTime

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0041"
down_revision = "0040"
branch_labels = None
depends_on = None

COUNTS = (
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
SUMS = ("pickup_seconds", "pickup_points", "review_seconds")


def upgrade() -> None:
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("moderated_at", UtcDateTime(timezone=True), nullable=True))
    op.create_table(
        "experience_shop_day_facts",
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("version", sa.String(length=10), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS],
        *[sa.Column(name, sa.BigInteger(), nullable=False) for name in SUMS],
        sa.Column("rating_sum", sa.Float(), nullable=False),
        sa.Column("refreshed_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_experience_shop_day_facts_shop_id_shops")
        ),
        sa.PrimaryKeyConstraint("shop_id", "day", "version", name=op.f("pk_experience_shop_day_facts")),
    )
    op.create_index(
        "ix_experience_shop_day_facts_version_day", "experience_shop_day_facts", ["version", "day"]
    )
    op.create_table(
        "experience_fact_runs",
        sa.Column("version", sa.String(length=10), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("refreshed_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("marks", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_experience_fact_runs")),
    )


def downgrade() -> None:
    op.drop_table("experience_fact_runs")
    op.drop_index("ix_experience_shop_day_facts_version_day", table_name="experience_shop_day_facts")
    op.drop_table("experience_shop_day_facts")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_column("moderated_at")
