"""Ledger postings carry their transaction's time, and orders are indexed by shop and payment
time (issue 19, the monthly statement at scale): a statement sums one shop's postings in a month
and before it, which needed every posting of the shop's accounts joined to its transaction to
read the time; with `created_at` on the posting and an index on (account, created_at) per side,
the month is an index range. The column is written with the transaction, in the same INSERT.

Revision ID: 0050
Revises: 0049
"""

import sqlalchemy as sa
from alembic import op

import pledge.kernel.db

revision = "0050"
down_revision = "0049"
branch_labels = None
depends_on = None

SIDES = ("debit", "credit")


def upgrade() -> None:
    op.add_column(
        "ledger_postings",
        sa.Column("created_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=True),
    )
    op.execute(
        "UPDATE ledger_postings SET created_at = (SELECT t.created_at FROM ledger_transactions t "
        "WHERE t.id = ledger_postings.transaction_id)"
    )
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.alter_column(
            "created_at", existing_type=pledge.kernel.db.UtcDateTime(timezone=True), nullable=False
        )
        for side in SIDES:
            batch_op.drop_index(f"ix_ledger_postings_{side}")
            batch_op.create_index(
                f"ix_ledger_postings_{side}_at", [f"{side}_account_id", "created_at"], unique=False
            )
    op.create_index("ix_orders_shop_paid_at", "orders", ["shop_id", "paid_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_orders_shop_paid_at", table_name="orders")
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        for side in SIDES:
            batch_op.drop_index(f"ix_ledger_postings_{side}_at")
            batch_op.create_index(f"ix_ledger_postings_{side}", [f"{side}_account_id"], unique=False)
        batch_op.drop_column("created_at")
