"""waybills held by one live shipment, and carrier events refused for their time

Revision ID: 0012
Revises: 0011

Existing data: each tracked waybill (sf, yto, zto) whose parcel is not delivered yet is held by
its latest shipment, the one the webhook attached scans to before this migration.
"""

import sqlalchemy as sa
from alembic import op

import pledge.kernel.db

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TRACKED = "'sf', 'yto', 'zto'"  # the tracked carriers when this migration was written


def upgrade() -> None:
    op.create_table(
        "waybills",
        sa.Column("carrier", sa.String(length=30), nullable=False),
        sa.Column("tracking_no", sa.String(length=60), nullable=False),
        sa.Column("shipment_id", ID, nullable=False),
        sa.Column("claimed_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name=op.f("fk_waybills_shipment_id_shipments")
        ),
        sa.PrimaryKeyConstraint("carrier", "tracking_no", name=op.f("pk_waybills")),
        sa.UniqueConstraint("shipment_id", name=op.f("uq_waybills_shipment_id")),
    )
    op.create_table(
        "rejected_carrier_events",
        sa.Column("id", ID, nullable=False),
        sa.Column("carrier", sa.String(length=30), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("tracking_no", sa.String(length=60), nullable=False),
        sa.Column("shipment_id", ID, nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("received_at", pledge.kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name=op.f("fk_rejected_carrier_events_shipment_id_shipments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejected_carrier_events")),
        sa.UniqueConstraint("carrier", "event_id", name=op.f("uq_rejected_carrier_events_carrier")),
    )
    op.create_index(
        op.f("ix_rejected_carrier_events_shipment_id"),
        "rejected_carrier_events",
        ["shipment_id"],
        unique=False,
    )
    op.execute(
        sa.text(
            "INSERT INTO waybills (carrier, tracking_no, shipment_id, claimed_at) "
            "SELECT s.carrier, s.tracking_no, s.id, s.shipped_at FROM shipments s "
            "WHERE s.id IN (SELECT MAX(l.id) FROM shipments l "
            f"  WHERE l.carrier IN ({TRACKED}) AND l.delivered_at IS NULL "
            "  AND NOT EXISTS (SELECT 1 FROM tracking_events t "
            "WHERE t.shipment_id = l.id AND t.kind = 'delivered' "
            "                  AND t.applied) "
            "  GROUP BY l.carrier, l.tracking_no)"
        )
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_rejected_carrier_events_shipment_id"), table_name="rejected_carrier_events")
    op.drop_table("rejected_carrier_events")
    op.drop_table("waybills")
