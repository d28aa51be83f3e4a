"""shop_id on the rows that hang off a shop's audiences, conversations, products, reviews, apps and
webhooks (issue 19, docs/scaling.md): an audience's rules, a campaign's recipients, a
conversation's messages, a product's images, a review's photos, an app's keys, an endpoint's
deliveries and a delivery's attempts carry their parent's shop, with UNIQUE (shop_id, primary key)
and a composite foreign key to the parent's UNIQUE (shop_id, id), so the child's shop can never
disagree with its parent's. Backfilled from the parent; a row whose parent is missing stops the
upgrade. Deliveries come before their attempts: the attempts refer to the deliveries' new key.

Revision ID: 0048
Revises: 0047
"""

import sqlalchemy as sa
from alembic import op

revision = "0048"
down_revision = "0047"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# (table, its primary key, the column naming its parent, the parent table), parents before their
# children: the parent has shop_id and UNIQUE (shop_id, id), which the composite foreign key refers to.
CHILDREN = [
    ("audience_rules", ["id"], "audience_id", "audiences"),
    ("audience_recipients", ["id"], "campaign_id", "audience_campaigns"),
    ("chat_messages", ["id"], "conversation_id", "chat_conversations"),
    ("product_images", ["id"], "product_id", "products"),
    ("review_photos", ["review_id", "upload_id"], "review_id", "reviews"),
    ("app_keys", ["key_hash"], "app_id", "apps"),
    ("webhook_deliveries", ["id"], "endpoint_id", "webhook_endpoints"),
    ("webhook_attempts", ["id"], "delivery_id", "webhook_deliveries"),
]


def _unique_name(table: str, key: list[str]) -> str:
    return "_".join(["uq", table, "shop_id", *key])


def upgrade() -> None:
    """On SQLite, migrations/env.py runs with foreign keys off (batch mode copies and drops tables
    that others refer to, webhook_deliveries among them) and checks every key before the commit."""
    bind = op.get_bind()
    for table, key, parent_column, parent in CHILDREN:
        op.add_column(table, sa.Column("shop_id", ID, nullable=True))
        bind.execute(
            sa.text(
                f"UPDATE {table} SET shop_id = "
                f"(SELECT p.shop_id FROM {parent} p WHERE p.id = {table}.{parent_column})"
            )
        )
        orphans = bind.execute(sa.text(f"SELECT COUNT(*) FROM {table} WHERE shop_id IS NULL")).scalar_one()
        if orphans:
            raise RuntimeError(
                f"{orphans} row(s) of {table} have no {parent} row for their {parent_column}, so no shop; "
                "nothing was changed: repair or remove them, then upgrade again"
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
