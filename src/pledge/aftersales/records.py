"""The rows every after-sales use case writes: a case event, a case's move along its lifecycle
(a conditional UPDATE), and the order lock that serialises refund decisions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, literal, select
from sqlalchemy.engine import Connection, Row

from pledge.aftersales.model import LIFECYCLE as CASE_LIFECYCLE
from pledge.aftersales.model import CaseStatus
from pledge.aftersales.tables import case_events, cases
from pledge.integrations import outbox
from pledge.kernel import jsonutil
from pledge.kernel.db import UtcDateTime
from pledge.kernel.errors import NotFound
from pledge.notifications.model import Kind
from pledge.notifications.services import notify
from pledge.orders.tables import orders

# The case events webhook endpoints may subscribe to (integrations.events), by the event's kind.
CASE_WEBHOOKS = {
    "requested": "case.filed",
    "approved": "case.decided",
    "rejected": "case.decided",
    "refunded": "case.refunded",
}


def case_event(conn: Connection, case_id: int, at: datetime, kind: str, actor: str, **detail) -> None:
    """The case's timeline entry, in the case's shop (taken from the case in the same statement);
    the webhook outbox hears of those in CASE_WEBHOOKS."""
    entry = select(
        cases.c.id,
        cases.c.shop_id,
        literal(at, UtcDateTime()),
        literal(kind, String()),
        literal(actor, String()),
        literal(jsonutil.dumps(detail), Text()),
    ).where(cases.c.id == case_id)
    columns = ["case_id", "shop_id", "at", "kind", "actor", "detail"]
    written = conn.execute(
        case_events.insert().from_select(columns, entry).returning(case_events.c.shop_id)
    ).first()
    if written is None:  # the SELECT found no case: nothing to attach the entry to
        raise NotFound(f"no case {case_id}")
    if kind in CASE_WEBHOOKS:
        case = conn.execute(select(cases.c.shop_id, cases.c.order_id).where(cases.c.id == case_id)).one()
        payload = {"case_id": case_id, "order_id": case.order_id, "at": at, "actor": actor}
        payload |= {"outcome": kind, "detail": detail}
        outbox.publish(conn, case.shop_id, CASE_WEBHOOKS[kind], case_id, payload, at=at)


def move_case(conn: Connection, case, target: CaseStatus, *, at: datetime, **values) -> None:
    """Conditional status update: a concurrent actor or sweep that got there first wins. The
    buyer's inbox hears of the move in the same transaction (once per case and status)."""
    CASE_LIFECYCLE.move(conn, cases, case.id, case.status, target, **values)
    row = conn.execute(select(cases.c.buyer_id, cases.c.order_id).where(cases.c.id == case.id)).one()
    notify(
        conn,
        [row.buyer_id],
        kind=Kind.CASE_UPDATED,
        params={"case_id": case.id, "order_id": row.order_id, "status": target.value},
        link=f"/cases/{case.id}",
        cause=f"case:{case.id}:{target.value}",
        at=at,
    )


def reload_case(conn: Connection, case_id: int) -> Row:
    return conn.execute(select(cases).where(cases.c.id == case_id)).one()


def lock_order(conn: Connection, order_id: int):
    """Serialises refund decisions on one order (SQLite already serialises writers)."""
    query = select(orders).where(orders.c.id == order_id)
    return conn.execute(query.with_for_update() if conn.dialect.name == "postgresql" else query).one()
