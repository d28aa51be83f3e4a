"""creator penalties (issue 14): the violations a reviewer records against creators under a
creator ladder clause, each action applied (held money, frozen commissions, selling closed,
removal, a money penalty), the creators' appeals, and the creators' selling closed until a
date

Revision ID: 0040
Revises: 0039
"""

import sqlalchemy as sa
from alembic import op

from pledge.kernel.db import UtcDateTime

revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FEN = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _id(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, ID, nullable=nullable)


def _at(name: str, *, nullable: bool = True) -> sa.Column:
    return sa.Column(name, UtcDateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def _penalties() -> None:
    op.create_table(
        "creator_penalties",
        _id("id"),
        _id("creator_id"),
        sa.Column("clause", sa.String(length=80), nullable=False),
        sa.Column("ref", sa.String(length=60), nullable=False),
        sa.Column("scene", sa.String(length=10), nullable=False),
        _id("subject_id"),
        _id("product_id"),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("in_session", sa.Integer(), nullable=False),
        sa.Column("videos", sa.Integer(), nullable=False),
        sa.Column("harm", sa.String(length=10), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        _id("decided_by"),
        _at("decided_at", nullable=False),
        _at("reversed_at"),
        sa.CheckConstraint("tier BETWEEN 1 AND 4", name=op.f("ck_creator_penalties_tier")),
        sa.CheckConstraint(
            "sessions >= 0 AND in_session >= 0 AND videos >= 0", name=op.f("ck_creator_penalties_counts")
        ),
        _fk("creator_penalties", "creator_id", "creators"),
        _fk("creator_penalties", "product_id", "products"),
        _fk("creator_penalties", "decided_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creator_penalties")),
        sa.UniqueConstraint("creator_id", "clause", "ref", name="uq_creator_penalties_ref"),
    )
    op.create_index(
        "ix_creator_penalties_window", "creator_penalties", ["creator_id", "clause", "decided_at"]
    )


def _actions() -> None:
    op.create_table(
        "creator_penalty_actions",
        _id("id"),
        _id("penalty_id"),
        _id("creator_id"),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("held_bp", sa.Integer(), nullable=True),
        sa.Column("amount_fen", FEN, nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        _at("starts_at", nullable=False),
        _at("ends_at"),
        _at("settled_at"),
        sa.CheckConstraint(
            "amount_fen IS NULL OR amount_fen >= 0", name=op.f("ck_creator_penalty_actions_amount")
        ),
        _fk("creator_penalty_actions", "penalty_id", "creator_penalties"),
        _fk("creator_penalty_actions", "creator_id", "creators"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creator_penalty_actions")),
        sa.UniqueConstraint("penalty_id", "kind", name="uq_creator_penalty_actions_kind"),
    )
    op.create_index(op.f("ix_creator_penalty_actions_penalty_id"), "creator_penalty_actions", ["penalty_id"])
    op.create_index(op.f("ix_creator_penalty_actions_creator_id"), "creator_penalty_actions", ["creator_id"])
    op.create_index("ix_creator_penalty_actions_due", "creator_penalty_actions", ["state", "ends_at"])


def _appeals() -> None:
    op.create_table(
        "creator_appeals",
        _id("id"),
        _id("penalty_id"),
        _id("creator_id"),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        _at("filed_at", nullable=False),
        _at("due_at", nullable=False),
        _at("answered_at"),
        _id("answered_by", nullable=True),
        sa.Column("answer_note", sa.String(length=500), nullable=True),
        _fk("creator_appeals", "penalty_id", "creator_penalties"),
        _fk("creator_appeals", "creator_id", "creators"),
        _fk("creator_appeals", "answered_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creator_appeals")),
        sa.UniqueConstraint("penalty_id", name="uq_creator_appeals_penalty"),
    )
    op.create_index(op.f("ix_creator_appeals_creator_id"), "creator_appeals", ["creator_id"])


def upgrade() -> None:
    _penalties()
    _actions()
    _appeals()
    with op.batch_alter_table("creators", schema=None) as batch_op:
        batch_op.add_column(_at("selling_closed_until"))


def downgrade() -> None:
    with op.batch_alter_table("creators", schema=None) as batch_op:
        batch_op.drop_column("selling_closed_until")
    op.drop_table("creator_appeals")
    op.drop_table("creator_penalty_actions")
    op.drop_table("creator_penalties")
