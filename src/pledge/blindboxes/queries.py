"""The read side: a blind box's disclosed series (product page, API) and an order's draws."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.blindboxes.model import BoxItem, BoxSeries
from pledge.blindboxes.tables import blind_box_draws, blind_box_items, blind_box_series


@dataclass(frozen=True)
class DrawRecord:
    order_id: int
    product_id: int
    unit: int
    item_name: str
    hidden: bool
    odds_bp: int
    roll: int
    random_source: str
    drawn_at: object
    keep_until: object


def series_of(conn: Connection, product_id: int) -> BoxSeries | None:
    """The product's series as disclosed, or None when it is not a blind box."""
    head = conn.execute(select(blind_box_series).where(blind_box_series.c.product_id == product_id)).first()
    if head is None:
        return None
    i = blind_box_items.c
    items = tuple(
        BoxItem(r.name, r.odds_bp, r.value_fen, r.quantity, r.hidden)
        for r in conn.execute(select(blind_box_items).where(i.product_id == product_id).order_by(i.position))
    )
    return BoxSeries(head.box_type, head.factory_sealed, head.draws_per_buyer, items)


def draws_of_order(conn: Connection, order_id: int) -> list[DrawRecord]:
    d, i = blind_box_draws.c, blind_box_items.c
    rows = conn.execute(
        select(d.order_id, d.product_id, d.unit, i.name, i.hidden, d.odds_bp, d.roll, d.random_source)
        .add_columns(d.drawn_at, d.keep_until)
        .join(blind_box_items, blind_box_items.c.id == d.item_id)
        .where(d.order_id == order_id)
        .order_by(d.product_id, d.unit)
    )
    return [DrawRecord(*row) for row in rows]
