"""Promised ship time and estimated delivery for buyers: the ship-by time of the binding promise
plus the carrier's transit time (a `carrier_transit` clause, a Pledge default: an estimate,
never an obligation)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pledge.catalog.services import promise_of
from pledge.kernel.errors import DomainError
from pledge.orders.model import OrderStatus
from pledge.promises.policy import ship_by
from pledge.rulebooks.loader import Clause, Rulebook

DEFAULT_CARRIER = "default"


def transit(book: Rulebook, carrier: str | None, at: datetime) -> Clause | None:
    clauses = {c.get("carrier"): c for c in book.in_force("carrier_transit", at)}
    return clauses.get(carrier or DEFAULT_CARRIER) or clauses.get(DEFAULT_CARRIER)


def for_product(book: Rulebook, product: dict, now: datetime) -> dict | None:
    """If paid now: the promised ship-by time and the estimated delivery."""
    try:
        deadline, _ = ship_by(book, promise_of(_Row(product)), now)
    except DomainError:
        return None
    clause = transit(book, None, now)
    if clause is None:
        return None
    return {
        "ship_by": deadline,
        "deliver_by": deadline + timedelta(hours=clause.get("hours")),
        "clause": clause.id,
        "source": clause.source,
    }


def for_order(book: Rulebook, order: dict, now: datetime) -> dict | None:
    """From the pickup scan when the order has left, else from its ship-by time."""
    if order.get("ship_by") is None or order.get("status") in (OrderStatus.DELIVERED, OrderStatus.CANCELLED):
        return None
    shipment = order.get("shipment") or {}
    start = order.get("picked_up_at") or order["ship_by"]
    clause = transit(book, shipment.get("carrier"), now)
    if clause is None:
        return None
    return {
        "ship_by": order["ship_by"],
        "picked_up_at": order.get("picked_up_at"),
        "deliver_by": start + timedelta(hours=clause.get("hours")),
        "clause": clause.id,
        "source": clause.source,
    }


class _Row:
    def __init__(self, data: dict) -> None:
        self.promise_kind, self.promise_hours, self.presale_date = (
            data.get("promise_kind"),
            data.get("promise_hours"),
            data.get("presale_date"),
        )
