"""login throttle and API token expiry: login_attempts; api_tokens.expires_at and last_used_at
(tokens issued before this migration expire 30 days after they were issued)

Revision ID: 0013
Revises: 0012
"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

import pledge.kernel.db

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
EXISTING_TOKEN_LIFETIME = timedelta(days=30)


def _expire_existing_tokens() -> None:
    tokens = sa.table(
        "api_tokens",
        sa.column("token_hash", sa.String),
        sa.column("created_at", pledge.kernel.db.UtcDateTime(timezone=True)),
        sa.column("expires_at", pledge.kernel.db.UtcDateTime(timezone=True)),
    )
    conn = op.get_bind()
    for token_hash, created_at in conn.execute(sa.select(tokens.c.token_hash, tokens.c.created_at)).all():
        conn.execute(
            tokens.update()
            .where(tokens.c.token_hash == token_hash)
            .values(expires_at=created_at + EXISTING_TOKEN_LIFETIME)
        )


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("id", ID, nullable=False),
        sa.Column("account_key", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("attempted_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    op.create_index(
        "ix_login_attempts_account_key_attempted_at",
        "login_attempts",
        ["account_key", "attempted_at"],
        unique=False,
    )
    op.create_index(
        "ix_login_attempts_address_attempted_at", "login_attempts", ["address", "attempted_at"], unique=False
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("expires_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("last_used_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=True)
        )
    _expire_existing_tokens()
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column(
            "expires_at", existing_type=pledge.kernel.db.UtcDateTime(timezone=True), nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("expires_at")
    op.drop_index("ix_login_attempts_address_attempted_at", table_name="login_attempts")
    op.drop_index("ix_login_attempts_account_key_attempted_at", table_name="login_attempts")
    op.drop_table("login_attempts")
