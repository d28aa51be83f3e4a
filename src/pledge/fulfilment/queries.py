"""Read side of fulfilment for the order pages and the API."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.fulfilment.tables import shipments, tracking_events


def shipment_detail(conn: Connection, order_id: int) -> dict:
    """{'shipment': the order's shipment or None, 'tracking': its applied tracking events in order}."""
    shipment = conn.execute(select(shipments).where(shipments.c.order_id == order_id)).first()
    tracking = (
        [
            dict(t._mapping)
            for t in conn.execute(
                select(tracking_events)
                .where(tracking_events.c.shipment_id == shipment.id, tracking_events.c.applied.is_(True))
                .order_by(tracking_events.c.occurs_at)
            )
        ]
        if shipment
        else []
    )
    return {"shipment": dict(shipment._mapping) if shipment else None, "tracking": tracking}
