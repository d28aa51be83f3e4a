"""shop_id on the rows of an order and of a shipment (issue 19, docs/scaling.md): order lines,
events and addresses, shipments, their tracking events, waybills, carrier deliveries and routes,
and the logistics outcomes carry their parent's shop, in UNIQUE (shop_id, primary key), with a
composite foreign key (shop_id, parent id) → parent (shop_id, id) so the two never disagree.
Backfilled from the parent; a row whose parent is missing stops the upgrade.

Revision ID: 0046
Revises: 0045
"""

import sqlalchemy as sa
from alembic import op

revision = "0046"
down_revision = "0045"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# (table, parent, the column naming the parent, primary key), parents before their children:
# the shipments' rows are backfilled from the shipments once those have their shop.
CHILDREN = [
    ("order_lines", "orders", "order_id", ["id"]),
    ("order_events", "orders", "order_id", ["id"]),
    ("order_addresses", "orders", "order_id", ["order_id"]),
    ("shipments", "orders", "order_id", ["id"]),
    ("logistics_outcomes", "orders", "order_id", ["rule", "subject_id"]),
    ("tracking_events", "shipments", "shipment_id", ["id"]),
    ("waybills", "shipments", "shipment_id", ["carrier", "tracking_no"]),
    ("carrier_deliveries", "shipments", "shipment_id", ["id"]),
    ("shipment_routes", "shipments", "shipment_id", ["shipment_id"]),
]


def _unique_name(table: str, key: list[str]) -> str:
    return "_".join(["uq", table, "shop_id", *key])


def upgrade() -> None:
    """On SQLite, migrations/env.py runs with foreign keys off (batch mode copies and drops
    shipments, order_lines and tracking_events, which other rows refer to) and checks every key
    before the commit."""
    bind = op.get_bind()
    for table, parent, column, key in CHILDREN:
        op.add_column(table, sa.Column("shop_id", ID, nullable=True))
        bind.execute(
            sa.text(
                f"UPDATE {table} SET shop_id = "
                f"(SELECT p.shop_id FROM {parent} p WHERE p.id = {table}.{column})"
            )
        )
        orphans = bind.execute(sa.text(f"SELECT COUNT(*) FROM {table} WHERE shop_id IS NULL")).scalar_one()
        if orphans:
            raise RuntimeError(
                f"{orphans} row(s) of {table} have no {parent} row for their {column}, so no shop; "
                "nothing was changed: repair or remove them, then upgrade again"
            )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("shop_id", existing_type=ID, nullable=False)
            batch_op.create_foreign_key(op.f(f"fk_{table}_shop_id_shops"), "shops", ["shop_id"], ["id"])
            batch_op.create_foreign_key(
                op.f(f"fk_{table}_shop_id_{parent}"), parent, ["shop_id", column], ["shop_id", "id"]
            )
        op.create_index(_unique_name(table, key), table, ["shop_id", *key], unique=True)


def downgrade() -> None:
    for table, parent, _column, key in reversed(CHILDREN):
        op.drop_index(_unique_name(table, key), table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"fk_{table}_shop_id_{parent}"), type_="foreignkey")
            batch_op.drop_constraint(op.f(f"fk_{table}_shop_id_shops"), type_="foreignkey")
            batch_op.drop_column("shop_id")
