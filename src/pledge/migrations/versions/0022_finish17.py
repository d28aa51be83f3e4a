"""sms codes remember the client address that asked for them (a per-address sending limit)

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sms_codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_address", sa.String(length=45), nullable=True))
        batch_op.create_index(
            "ix_sms_codes_client_address_created_at", ["client_address", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sms_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_sms_codes_client_address_created_at")
        batch_op.drop_column("client_address")
