"""feed quality: reasons on candidates, the popular list, shop quality, traffic support

Revision ID: 0031
Revises: 0030
"""

import sqlalchemy as sa
from alembic import op

from pledge.kernel.db import UtcDateTime

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
SUBJECTS = "subject IN ('product', 'video', 'session', 'shop')"


def _candidate_reasons() -> None:
    with op.batch_alter_table("reach_candidates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reason", sa.String(length=10), nullable=False, server_default="popular")
        )
        batch_op.add_column(sa.Column("reason_subject", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("reason_id", ID, nullable=True))
        batch_op.add_column(sa.Column("support_program_id", ID, nullable=True))


def _popular_and_quality() -> None:
    op.create_table(
        "reach_popular",
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=10), nullable=False),
        sa.Column("subject_id", ID, nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("support_program_id", ID, nullable=True),
        sa.Column("trained_at", UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(SUBJECTS, name=op.f("ck_reach_popular_subject_known")),
        sa.PrimaryKeyConstraint("rank", name=op.f("pk_reach_popular")),
    )
    op.create_table(
        "reach_shop_quality",
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("experience_centi", sa.Integer(), nullable=True),
        sa.Column("penalties", sa.Integer(), nullable=False),
        sa.Column("late_ship_bp", sa.Integer(), nullable=True),
        sa.Column("experience_factor_bp", sa.Integer(), nullable=False),
        sa.Column("penalties_factor_bp", sa.Integer(), nullable=False),
        sa.Column("late_ship_factor_bp", sa.Integer(), nullable=False),
        sa.Column("quality_bp", sa.Integer(), nullable=False),
        sa.Column("support_program_id", ID, nullable=True),
        sa.Column("boost_bp", sa.Integer(), nullable=False),
        sa.Column("computed_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_reach_shop_quality_shop_id_shops")),
        sa.PrimaryKeyConstraint("shop_id", name=op.f("pk_reach_shop_quality")),
    )


def _support_programs() -> None:
    op.create_table(
        "reach_support_programs",
        sa.Column("id", ID, nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("min_experience_centi", sa.Integer(), nullable=False),
        sa.Column("max_penalties", sa.Integer(), nullable=False),
        sa.Column("max_late_ship_bp", sa.Integer(), nullable=False),
        sa.Column("boost_bp", sa.Integer(), nullable=False),
        sa.Column("starts_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("boost_bp > 0", name=op.f("ck_reach_support_programs_boost_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reach_support_programs")),
        sa.UniqueConstraint("code", name=op.f("uq_reach_support_programs_code")),
    )
    op.create_table(
        "reach_support_versions",
        sa.Column("id", ID, nullable=False),
        sa.Column("program_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("changed_by", ID, nullable=False),
        sa.Column("changed_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["reach_support_programs.id"],
            name=op.f("fk_reach_support_versions_program_id_reach_support_programs"),
        ),
        sa.ForeignKeyConstraint(
            ["changed_by"], ["users.id"], name=op.f("fk_reach_support_versions_changed_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reach_support_versions")),
        sa.UniqueConstraint("program_id", "version", name=op.f("uq_reach_support_versions_program_id")),
    )


def upgrade() -> None:
    _candidate_reasons()
    _popular_and_quality()
    _support_programs()


def downgrade() -> None:
    op.drop_table("reach_support_versions")
    op.drop_table("reach_support_programs")
    op.drop_table("reach_shop_quality")
    op.drop_table("reach_popular")
    with op.batch_alter_table("reach_candidates", schema=None) as batch_op:
        batch_op.drop_column("support_program_id")
        batch_op.drop_column("reason_id")
        batch_op.drop_column("reason_subject")
        batch_op.drop_column("reason")
