"""`pledge import history`: load a validated order-history file in one transaction, so a file
is imported whole (or, with --skip-bad-rows, whole except the rows named as bad) or not at all."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.history.csvfile import HistoryOrder
from pledge.history.tables import history_imports, history_orders
from pledge.kernel.db import inserted_id
from pledge.kernel.errors import Conflict

CHUNK = 1000


def import_history(
    conn: Connection,
    orders: list[HistoryOrder],
    *,
    filename: str,
    skipped: int,
    at: datetime,
    progress: Callable[[int], None] = lambda n: None,
) -> int:
    ids = [o.order_id for o in orders]
    clash: list[str] = []
    for start in range(0, len(ids), CHUNK):
        clash += (
            conn.execute(
                select(history_orders.c.order_id).where(
                    history_orders.c.order_id.in_(ids[start : start + CHUNK])
                )
            )
            .scalars()
            .all()
        )
    if clash:
        raise Conflict(
            f"{len(clash)} order(s) were imported before, e.g. {', '.join(sorted(clash)[:5])}; "
            "nothing imported"
        )
    import_id = inserted_id(
        conn,
        history_imports.insert().values(
            filename=filename[:300], rows_imported=len(orders), rows_skipped=skipped, created_at=at
        ),
    )
    for start in range(0, len(orders), CHUNK):
        chunk = orders[start : start + CHUNK]
        conn.execute(
            history_orders.insert(),
            [
                {
                    "import_id": import_id,
                    "order_id": o.order_id,
                    "shop_id": o.shop_id,
                    "buyer_id": o.buyer_id,
                    "category": o.category,
                    "paid_at": o.paid_at,
                    "paid_fen": o.paid_fen,
                    "ship_by": o.ship_by,
                    "promise": o.promise.code if o.promise else None,
                    "picked_up_at": o.picked_up_at,
                    "delivered_at": o.delivered_at,
                    "review_score": o.review_score,
                    "after_sale": o.after_sale,
                }
                for o in chunk
            ],
        )
        progress(len(chunk))
    return import_id
