"""Where an order ships and what shipping costs. At checkout the buyer's chosen address is
copied onto each order (order_addresses): a later edit or deletion in the address book changes
no order. The recipient's phone is shown in full to the buyer only; the shop, its label and
everybody else see it masked as on a privacy waybill (138****5678)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.addresses.model import Address, masked_phone
from pledge.orders.tables import order_addresses


def shipping_fee(fees: Iterable[int]) -> int:
    """An order ships as one parcel and pays one fee: the highest among its products (a Pledge
    default: the platform texts leave shipping templates to the merchant)."""
    return max(fees, default=0)


def cart_shipping(rows: list[dict]) -> list[tuple[str, int]]:
    """The shipping lines a cart will pay, one per order it splits into (by shop and source):
    (shop name, fee) for each order that charges one. Rows: orders.queries.cart_view with
    `source` set."""
    fees: dict[tuple[int, object], tuple[str, int]] = {}
    for row in rows:
        key = (row["shop_id"], row.get("source"))
        name, fee = fees.get(key, (row["shop_name"], 0))
        fees[key] = (name, max(fee, row["shipping_fee_fen"]))
    return [(name, fee) for name, fee in fees.values() if fee > 0]


def snapshot_address(conn: Connection, order_shops: Iterable[tuple[int, int]], address: Address) -> None:
    """The address copied onto each order of `order_shops`, (order id, the order's shop id) pairs."""
    conn.execute(
        order_addresses.insert(),
        [dict(asdict(address), order_id=order_id, shop_id=shop_id) for order_id, shop_id in order_shops],
    )


def ship_to(conn: Connection, order_ids: list[int], *, full_phone: bool) -> dict[int, dict]:
    """Each order's address by order id, with `phone` in full only when `full_phone` (the
    buyer looking at their own order); `phone_masked` always."""
    if not order_ids:
        return {}
    found = {}
    for row in conn.execute(select(order_addresses).where(order_addresses.c.order_id.in_(order_ids))):
        data = dict(row._mapping)
        order_id = data.pop("order_id")
        data["phone_masked"] = masked_phone(data["phone"])
        if not full_phone:
            data["phone"] = data["phone_masked"]
        data["one_line"] = Address(**{k: row._mapping[k] for k in Address.__dataclass_fields__}).one_line()
        found[order_id] = data
    return found
