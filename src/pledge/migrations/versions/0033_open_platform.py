"""the open platform: idempotency keys of the API's writing requests, apps and their keys (issue 20)

Revision ID: 0033
Revises: 0032
"""

import sqlalchemy as sa
from alembic import op

from pledge.kernel.db import UtcDateTime

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("id", ID, nullable=False),
        sa.Column("caller", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("locked_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("caller", "key", name=op.f("uq_idempotency_keys_caller_key")),
    )
    op.create_index(op.f("ix_idempotency_keys_expires_at"), "idempotency_keys", ["expires_at"])
    op.create_table(
        "apps",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("scopes", sa.String(length=400), nullable=False),
        sa.Column("granted_by", ID, nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_apps_shop_id_shops")),
        sa.ForeignKeyConstraint(["granted_by"], ["users.id"], name=op.f("fk_apps_granted_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apps")),
    )
    op.create_index(op.f("ix_apps_shop_id"), "apps", ["shop_id"])
    op.create_table(
        "app_keys",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("app_id", ID, nullable=False),
        sa.Column("last4", sa.String(length=4), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["app_id"], ["apps.id"], name=op.f("fk_app_keys_app_id_apps")),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_app_keys")),
    )
    op.create_index(op.f("ix_app_keys_app_id"), "app_keys", ["app_id"])
    op.create_table(
        "rate_windows",
        sa.Column("bucket", sa.String(length=40), nullable=False),
        sa.Column("window_start", UtcDateTime(timezone=True), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "window_start", name=op.f("pk_rate_windows")),
    )


def downgrade() -> None:
    op.drop_table("rate_windows")
    op.drop_index(op.f("ix_app_keys_app_id"), table_name="app_keys")
    op.drop_table("app_keys")
    op.drop_index(op.f("ix_apps_shop_id"), table_name="apps")
    op.drop_table("apps")
    op.drop_index(op.f("ix_idempotency_keys_expires_at"), table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
