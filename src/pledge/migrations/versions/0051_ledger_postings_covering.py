"""The ledger's per-account indexes also hold the amount (issue 19, the monthly statement at 10 M
orders): an account's balance before a month is two sums, one per side, each read from the index
alone (an index-only scan) instead of visiting every posting of the account's history in the
table. At 10 M orders the biggest shop's opening balance took 1.8 s as a sequential scan.

Revision ID: 0051
Revises: 0050
"""

from alembic import op

revision = "0051"
down_revision = "0050"
branch_labels = None
depends_on = None

SIDES = ("debit", "credit")


def upgrade() -> None:
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        for side in SIDES:
            batch_op.drop_index(f"ix_ledger_postings_{side}_at")
            batch_op.create_index(
                f"ix_ledger_postings_{side}_at_amount",
                [f"{side}_account_id", "created_at", "amount_fen"],
                unique=False,
            )


def downgrade() -> None:
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        for side in SIDES:
            batch_op.drop_index(f"ix_ledger_postings_{side}_at_amount")
            batch_op.create_index(
                f"ix_ledger_postings_{side}_at", [f"{side}_account_id", "created_at"], unique=False
            )
