"""shop_id on the blind-box and flash-deal rows (issue 19, docs/scaling.md): a blind box's series
carries its product's shop, the series' items the series' shop, the draws their order's shop, and a
flash deal's buckets, allowances and purchases the deal's shop, each with UNIQUE (shop_id, primary
key) and a composite foreign key (shop_id, parent key) → parent (shop_id, key), so the row's shop
can never disagree with its parent's. Backfilled from the parent; a row whose parent is missing
stops the upgrade. The series' UNIQUE (shop_id, product_id), made here, is what the items refer to.

Revision ID: 0049
Revises: 0048
"""

import sqlalchemy as sa
from alembic import op

revision = "0049"
down_revision = "0048"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# (table, its primary key, the column naming its parent, the parent table, the parent's key), parents
# before their children: the items are backfilled from the series once the series have their shop.
# Every parent has shop_id and UNIQUE (shop_id, key), which the composite foreign key refers to.
CHILDREN = [
    ("blind_box_series", ["product_id"], "product_id", "products", "id"),
    ("blind_box_items", ["id"], "product_id", "blind_box_series", "product_id"),
    ("blind_box_draws", ["id"], "order_id", "orders", "id"),
    ("flash_buckets", ["id"], "deal_id", "flash_deals", "id"),
    ("flash_allowances", ["deal_id", "buyer_id"], "deal_id", "flash_deals", "id"),
    ("flash_purchases", ["id"], "deal_id", "flash_deals", "id"),
]


def _unique_name(table: str, key: list[str]) -> str:
    return "_".join(["uq", table, "shop_id", *key])


def _backfill(table: str, parent_column: str, parent: str, parent_key: str) -> None:
    bind = op.get_bind()
    bind.execute(
        sa.text(
            f"UPDATE {table} SET shop_id = "
            f"(SELECT p.shop_id FROM {parent} p WHERE p.{parent_key} = {table}.{parent_column})"
        )
    )
    orphans = bind.execute(sa.text(f"SELECT COUNT(*) FROM {table} WHERE shop_id IS NULL")).scalar_one()
    if orphans:
        raise RuntimeError(
            f"{orphans} row(s) of {table} have no {parent} row for their {parent_column}, so no shop; "
            "nothing was changed: repair or remove them, then upgrade again"
        )


def upgrade() -> None:
    """On SQLite, migrations/env.py runs with foreign keys off (batch mode copies and drops the
    tables, which other rows refer to) and checks every key before the commit."""
    for table, key, parent_column, parent, parent_key in CHILDREN:
        op.add_column(table, sa.Column("shop_id", ID, nullable=True))
        _backfill(table, parent_column, parent, parent_key)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("shop_id", existing_type=ID, nullable=False)
            batch_op.create_foreign_key(op.f(f"fk_{table}_shop_id_shops"), "shops", ["shop_id"], ["id"])
            batch_op.create_foreign_key(
                op.f(f"fk_{table}_shop_id_{parent}"),
                parent,
                ["shop_id", parent_column],
                ["shop_id", parent_key],
            )
        op.create_index(_unique_name(table, key), table, ["shop_id", *key], unique=True)


def downgrade() -> None:
    """Children first: the items' foreign key goes before the series' UNIQUE (shop_id, product_id)."""
    for table, key, _parent_column, parent, _parent_key in reversed(CHILDREN):
        op.drop_index(_unique_name(table, key), table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"fk_{table}_shop_id_{parent}"), type_="foreignkey")
            batch_op.drop_constraint(op.f(f"fk_{table}_shop_id_shops"), type_="foreignkey")
            batch_op.drop_column("shop_id")
