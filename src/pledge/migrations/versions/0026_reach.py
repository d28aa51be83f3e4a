"""reach: behaviour events and precomputed feed candidates

Revision ID: 0026
Revises: 0025
"""

import sqlalchemy as sa
from alembic import op

from pledge.kernel.db import UtcDateTime

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
SUBJECTS = "subject IN ('product', 'video', 'session', 'shop')"


def upgrade() -> None:
    op.create_table(
        "reach_events",
        sa.Column("id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=True),
        sa.Column("visitor_id", sa.String(length=40), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("subject", sa.String(length=10), nullable=False),
        sa.Column("subject_id", ID, nullable=False),
        sa.Column("watch_ms", sa.Integer(), nullable=True),
        sa.Column("at", UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('impression', 'view', 'click', 'cart', 'order', 'follow', 'like', 'comment')",
            name=op.f("ck_reach_events_kind_known"),
        ),
        sa.CheckConstraint(SUBJECTS, name=op.f("ck_reach_events_subject_known")),
        sa.CheckConstraint(
            "user_id IS NOT NULL OR visitor_id IS NOT NULL", name=op.f("ck_reach_events_someone")
        ),
        sa.CheckConstraint(
            "watch_ms IS NULL OR watch_ms >= 0", name=op.f("ck_reach_events_watch_not_negative")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_reach_events_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reach_events")),
    )
    op.create_index("ix_reach_events_user_at", "reach_events", ["user_id", "at"], unique=False)
    op.create_index("ix_reach_events_visitor_id", "reach_events", ["visitor_id"], unique=False)
    op.create_index("ix_reach_events_at", "reach_events", ["at"], unique=False)
    op.create_table(
        "reach_candidates",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=10), nullable=False),
        sa.Column("subject_id", ID, nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("trained_at", UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(SUBJECTS, name=op.f("ck_reach_candidates_subject_known")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_reach_candidates_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", "rank", name=op.f("pk_reach_candidates")),
    )


def downgrade() -> None:
    op.drop_table("reach_candidates")
    op.drop_index("ix_reach_events_at", table_name="reach_events")
    op.drop_index("ix_reach_events_visitor_id", table_name="reach_events")
    op.drop_index("ix_reach_events_user_at", table_name="reach_events")
    op.drop_table("reach_events")
