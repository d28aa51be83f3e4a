"""bulk ERP endpoints and platform-listed apps: the orders' change log (written by a trigger in
the transaction of every order's insert and status change), listed apps and their installations
(issue 20)

Revision ID: 0035
Revises: 0034
"""

import sqlalchemy as sa
from alembic import op

from pledge.kernel.db import UtcDateTime

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# The writer's transaction id (PostgreSQL's 64-bit xid8, never wraps): the change feed hands out
# only rows of transactions older than every transaction still running (integrations.changes).
PG_TRIGGER = [
    """
    CREATE FUNCTION pledge_log_order_change() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
            INSERT INTO order_changes (shop_id, order_id, status, xid)
            VALUES (NEW.shop_id, NEW.id, NEW.status, pg_current_xact_id()::text::bigint);
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER orders_log_change AFTER INSERT OR UPDATE OF status ON orders
    FOR EACH ROW EXECUTE FUNCTION pledge_log_order_change()
    """,
]
# SQLite has one writer at a time: ids are handed out and committed in the same order.
SQLITE_TRIGGER = [
    """
    CREATE TRIGGER orders_log_insert AFTER INSERT ON orders
    BEGIN
        INSERT INTO order_changes (shop_id, order_id, status, xid)
        VALUES (NEW.shop_id, NEW.id, NEW.status, 0);
    END
    """,
    """
    CREATE TRIGGER orders_log_status AFTER UPDATE OF status ON orders WHEN NEW.status IS NOT OLD.status
    BEGIN
        INSERT INTO order_changes (shop_id, order_id, status, xid)
        VALUES (NEW.shop_id, NEW.id, NEW.status, 0);
    END
    """,
]


def upgrade() -> None:
    op.create_table(
        "order_changes",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("order_id", ID, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("xid", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_order_changes_shop_id_shops")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_order_changes_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_changes")),
    )
    op.create_index("ix_order_changes_feed", "order_changes", ["shop_id", "xid", "id"])
    op.execute(
        "INSERT INTO order_changes (shop_id, order_id, status, xid) "
        "SELECT shop_id, id, status, 0 FROM orders ORDER BY id"
    )
    for statement in PG_TRIGGER if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGER:
        op.execute(statement)
    op.create_table(
        "app_listings",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("description", sa.String(length=400), nullable=False),
        sa.Column("scopes", sa.String(length=400), nullable=False),
        sa.Column("listed_by", ID, nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["listed_by"], ["users.id"], name=op.f("fk_app_listings_listed_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_listings")),
    )
    with op.batch_alter_table("apps") as batch:
        batch.add_column(sa.Column("listing_id", ID, nullable=True))
        batch.create_foreign_key(
            op.f("fk_apps_listing_id_app_listings"), "app_listings", ["listing_id"], ["id"]
        )
        batch.create_index(op.f("ix_apps_listing_id"), ["listing_id"])


def downgrade() -> None:
    with op.batch_alter_table("apps") as batch:
        batch.drop_index(op.f("ix_apps_listing_id"))
        batch.drop_constraint(op.f("fk_apps_listing_id_app_listings"), type_="foreignkey")
        batch.drop_column("listing_id")
    op.drop_table("app_listings")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER orders_log_change ON orders")
        op.execute("DROP FUNCTION pledge_log_order_change()")
    else:
        op.execute("DROP TRIGGER orders_log_insert")
        op.execute("DROP TRIGGER orders_log_status")
    op.drop_index("ix_order_changes_feed", table_name="order_changes")
    op.drop_table("order_changes")
