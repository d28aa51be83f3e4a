"""viewers now across server processes (issue 19): each process's count per room it serves,
summed by every process (live.presence)

Revision ID: 0044
Revises: 0043
"""

import sqlalchemy as sa
from alembic import op

revision = "0044"
down_revision = "0043"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "live_viewer_presence",
        sa.Column("room_id", ID, nullable=False),
        sa.Column("process_key", sa.String(length=60), nullable=False),
        sa.Column("viewers", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("viewers >= 0", name=op.f("ck_live_viewer_presence_viewers_not_negative")),
        sa.ForeignKeyConstraint(
            ["room_id"], ["live_rooms.id"], name=op.f("fk_live_viewer_presence_room_id_live_rooms")
        ),
        sa.PrimaryKeyConstraint("room_id", "process_key", name=op.f("pk_live_viewer_presence")),
    )


def downgrade() -> None:
    op.drop_table("live_viewer_presence")
