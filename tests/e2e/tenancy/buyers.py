"""Tenancy cases of a buyer's own things: addresses and the order actions (cancel, ask to
cancel, remind the shop, confirm receipt). The caller (merchant A's owner) acts on their own
address and their own purchases; shop B's side owns others, which must stay NotFound."""

from __future__ import annotations

from sqlalchemy import select

from pledge.addresses import services as addresses
from pledge.addresses.model import Address
from pledge.aftersales.tables import cases
from pledge.orders.model import OrderStatus
from pledge.orders.tables import orders
from tests.e2e.tenancy import Case, Ids

HOME = Address("李娜", "13812345678", "云南省", "昆明市", "五华区", "翠湖南路 12 号")
ADDRESS_JSON = {
    "recipient": "李娜",
    "phone": "13812345678",
    "province": "云南省",
    "city": "昆明市",
    "district": "盘龙区",
    "detail": "北京路 100 号",
}


def _form(ids: Ids, csrf: str) -> dict:
    return {"data": {"csrf_token": csrf}}


def _address_form(ids: Ids, csrf: str) -> dict:
    return {"data": {"csrf_token": csrf, **ADDRESS_JSON}}


# Keys of their own in ids.extra: other domains' modules store ids there too.
KEPT = (("address_id", "buyer_kept_address_id"),)  # never deleted: reads made once use it later
DISPOSABLE = (("address_id", "buyer_address_id"),)
PENDING = (("order_id", "buyer_pending_order_id"),)
UNSHIPPED = (("order_id", "buyer_unshipped_order_id"),)
SHIPPED = (("order_id", "buyer_shipped_order_id"),)
ROUTES: dict[tuple[str, str], Case] = {
    ("PUT", "/api/v1/addresses/{address_id}"): Case(
        "denied", lambda ids, csrf: {"json": ADDRESS_JSON}, params=KEPT
    ),
    ("DELETE", "/api/v1/addresses/{address_id}"): Case("denied", ok=204, params=DISPOSABLE),
    ("POST", "/api/v1/orders/{order_id}/cancel"): Case("denied", params=PENDING),
    ("POST", "/api/v1/orders/{order_id}/cancellation"): Case("denied", ok=201, params=UNSHIPPED),
    ("POST", "/api/v1/orders/{order_id}/remind"): Case("denied", params=UNSHIPPED),
    ("POST", "/api/v1/orders/{order_id}/confirm-receipt"): Case("denied", params=SHIPPED),
    ("GET", "/account/addresses/{address_id}/edit"): Case("denied", params=KEPT),
    ("POST", "/account/addresses/{address_id}/edit"): Case("denied", _address_form, ok=303, params=KEPT),
    ("POST", "/account/addresses/{address_id}/delete"): Case("denied", _form, ok=303, params=DISPOSABLE),
    ("POST", "/account/addresses/{address_id}/default"): Case("denied", _form, ok=303, params=KEPT),
    ("POST", "/orders/{order_id}/cancel"): Case("denied", _form, ok=303, params=PENDING),
    ("POST", "/orders/{order_id}/cancellation"): Case("denied", _form, ok=303, params=UNSHIPPED),
    ("POST", "/orders/{order_id}/remind"): Case("denied", _form, ok=303, params=UNSHIPPED),
    ("POST", "/orders/{order_id}/confirm-receipt"): Case("denied", _form, ok=303, params=SHIPPED),
}


def _untouched(world, key: str, owner_id: int, status: OrderStatus) -> int | None:
    """The owner's order kept under `key` if no earlier control acted on it."""
    order_id = world.__dict__.setdefault("_buyer_orders", {}).get((key, owner_id))
    if order_id is None:
        return None
    with world.app.uow.read() as c:
        row = c.execute(select(orders.c.status, orders.c.ship_reminders).where(orders.c.id == order_id)).one()
        has_case = c.execute(select(cases.c.id).where(cases.c.order_id == order_id)).first()
    return order_id if row.status == status and not row.ship_reminders and not has_case else None


def _own_order(world, owner, ids: Ids, key: str, status: OrderStatus) -> int:
    order_id = _untouched(world, key, owner.user_id, status)
    if order_id is None:
        order_id = world.paid_order(owner, ids.sku_id)
        if status == OrderStatus.SHIPPED:
            world.ship(owner, order_id)
        world.__dict__["_buyer_orders"][(key, owner.user_id)] = order_id
    return order_id


def prepare(world, owner, buyer, ids: Ids) -> None:
    app = world.app
    with app.uow.begin() as c:
        book = sorted(a["id"] for a in addresses.address_book(c, owner.user_id))
        while len(book) < 2:
            book.append(addresses.add_address(c, owner.user_id, HOME, at=world.now))
        pending = c.execute(select(orders.c.id).where(orders.c.checkout_id == ids.checkout_id)).scalar_one()
    ids.extra["buyer_kept_address_id"], ids.extra["buyer_address_id"] = (
        book[0],
        book[-1],
    )  # the newest may be deleted
    ids.extra["buyer_pending_order_id"] = pending
    ids.extra["buyer_unshipped_order_id"] = _own_order(world, owner, ids, "unshipped", OrderStatus.PAID)
    ids.extra["buyer_shipped_order_id"] = _own_order(world, owner, ids, "shipped", OrderStatus.SHIPPED)
