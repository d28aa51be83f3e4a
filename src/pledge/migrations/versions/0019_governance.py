"""trust & safety: the reviewer queue, penalties with their actions, appeals

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

from pledge.kernel.db import UtcDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "governance_items",
        sa.Column("id", Id, primary_key=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(20), nullable=False),
        sa.Column("subject_id", Id, nullable=True),
        sa.Column("shop_id", Id, sa.ForeignKey("shops.id"), nullable=True),
        sa.Column("author_id", Id, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("reporter_id", Id, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("risk", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("hits", sa.Text(), nullable=False),
        sa.Column("clause", sa.String(80), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", Id, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("decision_clause", sa.String(80), nullable=True),
        sa.Column("decision_note", sa.String(500), nullable=True),
        sa.CheckConstraint("risk BETWEEN 0 AND 100", name="ck_governance_items_risk"),
    )
    op.create_index("ix_governance_items_shop_id", "governance_items", ["shop_id"])
    op.create_index("ix_governance_items_queue", "governance_items", ["status", "risk", "created_at"])
    op.create_table(
        "governance_penalties",
        sa.Column("id", Id, primary_key=True),
        sa.Column("shop_id", Id, sa.ForeignKey("shops.id"), nullable=False),
        sa.Column("item_id", Id, sa.ForeignKey("governance_items.id"), nullable=True),
        sa.Column("clause", sa.String(80), nullable=False),
        sa.Column("case_no", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("points_expire_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decided_by", Id, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("reversed_at", UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("case_no >= 1", name="ck_governance_penalties_case_no"),
    )
    op.create_index("ix_governance_penalties_shop_id", "governance_penalties", ["shop_id"])
    op.create_table(
        "governance_actions",
        sa.Column("id", Id, primary_key=True),
        sa.Column("penalty_id", Id, sa.ForeignKey("governance_penalties.id"), nullable=False),
        sa.Column("shop_id", Id, sa.ForeignKey("shops.id"), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("subject_id", Id, nullable=True),
        sa.Column("amount_fen", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("until", UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("charged_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("refunded_at", UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("amount_fen IS NULL OR amount_fen > 0", name="ck_governance_actions_amount"),
    )
    op.create_index("ix_governance_actions_penalty_id", "governance_actions", ["penalty_id"])
    op.create_index("ix_governance_actions_shop_id", "governance_actions", ["shop_id"])
    op.create_table(
        "governance_appeals",
        sa.Column("id", Id, primary_key=True),
        sa.Column("penalty_id", Id, sa.ForeignKey("governance_penalties.id"), nullable=False),
        sa.Column("shop_id", Id, sa.ForeignKey("shops.id"), nullable=False),
        sa.Column("filed_by", Id, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("filed_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("due_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("answered_by", Id, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("answer_note", sa.String(500), nullable=True),
        sa.UniqueConstraint("penalty_id", name="uq_governance_appeals_penalty"),
    )
    op.create_index("ix_governance_appeals_shop_id", "governance_appeals", ["shop_id"])


def downgrade() -> None:
    for table in ("governance_appeals", "governance_actions", "governance_penalties", "governance_items"):
        op.drop_table(table)
