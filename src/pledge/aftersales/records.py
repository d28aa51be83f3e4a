"""The rows every after-sales use case writes: a case event, a case's move along its lifecycle
(a conditional UPDATE), and the order lock that serialises refund decisions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection, Row

from pledge.aftersales.model import LIFECYCLE as CASE_LIFECYCLE
from pledge.aftersales.model import CaseStatus
from pledge.aftersales.tables import case_events, cases
from pledge.kernel import jsonutil
from pledge.notifications.model import Kind
from pledge.notifications.services import notify
from pledge.orders.tables import orders


def case_event(conn: Connection, case_id: int, at: datetime, kind: str, actor: str, **detail) -> None:
    conn.execute(
        case_events.insert().values(
            case_id=case_id, at=at, kind=kind, actor=actor, detail=jsonutil.dumps(detail)
        )
    )


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
