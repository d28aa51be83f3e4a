"""chat messages: when each was shown to the other party (a held message only once a reviewer
allows it), so that the reply rounds and the response-time metric start when the shop could
first read the message (issue 14)

Revision ID: 0038
Revises: 0037
"""

import sqlalchemy as sa
from alembic import op

from pledge.kernel.db import UtcDateTime

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shown_at", UtcDateTime(timezone=True), nullable=True))
    # Messages shown so far were shown when they were sent (a held one allowed before this
    # revision has no recorded showing time: its sending time stands in).
    op.execute("UPDATE chat_messages SET shown_at = at WHERE moderation = 'allow'")


def downgrade() -> None:
    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.drop_column("shown_at")
