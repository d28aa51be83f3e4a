"""The read side of the reviewer queue: open items by risk then age, and one item's evidence."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.governance.model import ItemStatus
from pledge.governance.tables import governance_items
from pledge.kernel.errors import NotFound

QUEUE_LIMIT = 200


def _view(row) -> dict:
    return {
        "id": row.id,
        "source": row.source,
        "subject": row.subject,
        "subject_id": row.subject_id,
        "shop_id": row.shop_id,
        "risk": row.risk,
        "text": row.text,
        "hits": json.loads(row.hits),
        "clause": row.clause,
        "status": row.status,
        "created_at": row.created_at,
        "decided_at": row.decided_at,
        "decided_by": row.decided_by,
        "decision_clause": row.decision_clause,
        "decision_note": row.decision_note,
    }


def queue(conn: Connection, *, limit: int = QUEUE_LIMIT) -> list[dict]:
    """Open items, riskiest first, then oldest first."""
    g = governance_items.c
    rows = conn.execute(
        select(governance_items)
        .where(g.status == ItemStatus.OPEN.value)
        .order_by(g.risk.desc(), g.created_at, g.id)
        .limit(limit)
    )
    return [_view(r) for r in rows]


def item(conn: Connection, item_id: int) -> dict:
    row = conn.execute(select(governance_items).where(governance_items.c.id == item_id)).first()
    if row is None:
        raise NotFound(f"no queue item {item_id}")
    return _view(row)
