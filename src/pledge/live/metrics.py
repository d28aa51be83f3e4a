"""Live metrics of a session: orders, GMV and conversion, for the host console (while live) and
the session report, per session and per product.

An order counts for a session when checkout attributed it there (orders.source_ref =
"live_session:N", decided by the server from the room's signed source token) and it was paid.
GMV is what those orders' lines were sold for (room price × quantity, before coupons). Conversion
is orders / unique viewers, in basis points rounded half up; a unique viewer is a signed-in
account, or one anonymous stream connection, that opened the session's event stream
(live_session_viewers, once each)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import distinct, func, select
from sqlalchemy.engine import Connection

from pledge.catalog.tables import products
from pledge.kernel.db import dialect_insert
from pledge.live.tables import live_session_viewers
from pledge.orders.tables import order_lines, orders


@dataclass(frozen=True)
class Metrics:
    orders: int
    gmv_fen: int
    viewers: int  # unique viewers

    @property
    def conversion_bp(self) -> int:
        """Orders per unique viewer in basis points (10 000 = 100%), rounded half up."""
        if self.viewers == 0:
            return 0
        return (self.orders * 10_000 * 2 + self.viewers) // (2 * self.viewers)


@dataclass(frozen=True)
class ProductMetrics:
    product_id: int
    title: str
    orders: int
    gmv_fen: int


def session_ref(session_id: int) -> str:
    return f"live_session:{session_id}"


def record_viewer(conn: Connection, *, session_id: int, viewer_key: str, at: datetime) -> None:
    """A viewer opened the session's stream; counted once however often they come back."""
    conn.execute(
        dialect_insert(conn)(live_session_viewers)
        .values(session_id=session_id, viewer_key=viewer_key[:40], first_seen_at=at)
        .on_conflict_do_nothing(index_elements=["session_id", "viewer_key"])
    )


def _paid_lines(session_ids: list[int]):
    refs = {session_ref(s): s for s in session_ids}
    return (
        select(orders.c.source_ref, orders.c.id, order_lines.c.product_id, order_lines.c.line_total_fen)
        .join(order_lines, order_lines.c.order_id == orders.c.id)
        .where(orders.c.source_ref.in_(refs), orders.c.paid_at.is_not(None))
        .subquery()
    ), refs


def session_metrics(conn: Connection, session_ids: list[int]) -> dict[int, Metrics]:
    """Orders, GMV and unique viewers of each session: two queries however many sessions."""
    if not session_ids:
        return {}
    lines, refs = _paid_lines(session_ids)
    sold = {
        refs[ref]: (int(n), int(gmv))
        for ref, n, gmv in conn.execute(
            select(
                lines.c.source_ref, func.count(distinct(lines.c.id)), func.sum(lines.c.line_total_fen)
            ).group_by(lines.c.source_ref)
        )
    }
    v = live_session_viewers.c
    viewers: dict[int, int] = dict(
        conn.execute(
            select(v.session_id, func.count()).where(v.session_id.in_(session_ids)).group_by(v.session_id)
        ).all()
    )
    return {
        s: Metrics(sold.get(s, (0, 0))[0], sold.get(s, (0, 0))[1], int(viewers.get(s, 0)))
        for s in session_ids
    }


def product_metrics(conn: Connection, session_id: int) -> list[ProductMetrics]:
    """Orders and GMV of each product sold in the session, best-selling first."""
    lines, _refs = _paid_lines([session_id])
    rows = conn.execute(
        select(
            lines.c.product_id,
            products.c.title,
            func.count(distinct(lines.c.id)),
            func.sum(lines.c.line_total_fen).label("gmv"),
        )
        .join(products, products.c.id == lines.c.product_id)
        .group_by(lines.c.product_id, products.c.title)
        .order_by(func.sum(lines.c.line_total_fen).desc(), lines.c.product_id)
    )
    return [ProductMetrics(pid, title, int(n), int(gmv)) for pid, title, n, gmv in rows]
