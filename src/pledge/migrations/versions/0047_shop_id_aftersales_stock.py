"""shop_id on the after-sales, stock and money rows a shop owns (issue 19, docs/scaling.md): a case's
lines, evidence, events and refunds, a warehouse's stock levels, lots and movements, a parcel's
allocations, an order's fee lines and a commission's returns carry their parent's shop, with UNIQUE
(shop_id, primary key) and a composite foreign key to the parent's UNIQUE (shop_id, id), so the
child's shop can never disagree with its parent's; warehouses get that UNIQUE (shop_id, id) in
place of their plain index on shop_id

Revision ID: 0047
Revises: 0046
"""

import sqlalchemy as sa
from alembic import op

revision = "0047"
down_revision = "0046"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# (table, its primary key, the column naming its parent, the parent table): the parent has
# shop_id and UNIQUE (shop_id, id), which the composite foreign key refers to.
CHILDREN = [
    ("aftersales_case_lines", ["case_id", "order_line_id"], "case_id", "aftersales_cases"),
    ("aftersales_case_evidence", ["case_id", "upload_id"], "case_id", "aftersales_cases"),
    ("aftersales_case_events", ["id"], "case_id", "aftersales_cases"),
    ("refunds", ["id"], "case_id", "aftersales_cases"),
    ("stock_levels", ["id"], "warehouse_id", "warehouses"),
    ("stock_lots", ["id"], "warehouse_id", "warehouses"),
    ("stock_movements", ["id"], "warehouse_id", "warehouses"),
    ("allocations", ["id"], "parcel_id", "parcels"),
    ("settlement_fee_lines", ["id"], "order_id", "orders"),
    ("creator_commission_returns", ["id"], "commission_id", "creator_commissions"),
]


def _unique_name(table: str, key: list[str]) -> str:
    return "_".join(["uq", table, "shop_id", *key])


def upgrade() -> None:
    with op.batch_alter_table("warehouses", schema=None) as batch_op:
        batch_op.drop_index("ix_warehouses_shop_id")
        batch_op.create_index("uq_warehouses_shop_id_id", ["shop_id", "id"], unique=True)
    for table, key, parent_column, parent in CHILDREN:
        op.add_column(table, sa.Column("shop_id", ID, nullable=True))
        op.execute(
            f"UPDATE {table} SET shop_id = "
            f"(SELECT p.shop_id FROM {parent} p WHERE p.id = {table}.{parent_column})"
        )
        orphans = (
            op.get_bind().execute(sa.text(f"SELECT COUNT(*) FROM {table} WHERE shop_id IS NULL")).scalar()
        )
        if orphans:
            raise RuntimeError(
                f"{orphans} rows of {table} have no {parent} row for their {parent_column}: "
                "their shop is unknown; repair or remove them, then upgrade again"
            )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("shop_id", existing_type=ID, nullable=False)
            batch_op.create_foreign_key(op.f(f"fk_{table}_shop_id_shops"), "shops", ["shop_id"], ["id"])
            batch_op.create_foreign_key(
                op.f(f"fk_{table}_shop_id_{parent}"), parent, ["shop_id", parent_column], ["shop_id", "id"]
            )
            batch_op.create_index(_unique_name(table, key), ["shop_id", *key], unique=True)


def downgrade() -> None:
    for table, key, _parent_column, parent in reversed(CHILDREN):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(_unique_name(table, key))
            batch_op.drop_constraint(op.f(f"fk_{table}_shop_id_{parent}"), type_="foreignkey")
            batch_op.drop_constraint(op.f(f"fk_{table}_shop_id_shops"), type_="foreignkey")
            batch_op.drop_column("shop_id")
    with op.batch_alter_table("warehouses", schema=None) as batch_op:
        batch_op.drop_index("uq_warehouses_shop_id_id")
        batch_op.create_index("ix_warehouses_shop_id", ["shop_id"], unique=False)
