"""Builders for test data: a shop with its owner, buyers, products, paid orders."""

from __future__ import annotations

import itertools
from datetime import date

from sqlalchemy import select

from pledge.accounts import services as accounts
from pledge.accounts.birthdates import set_birth_date
from pledge.catalog import services as catalog
from pledge.catalog.tables import skus
from pledge.fulfilment.services import apply_tracking_events, ship_order
from pledge.orders import services as orders
from pledge.payments.adapters import CallbackPayload
from pledge.payments.services import handle_callback
from pledge.promises.model import Promise

_seq = itertools.count(1)


class World:
    def __init__(self, app) -> None:
        self.app = app
        self._category = None

    @property
    def now(self):
        return self.app.clock.now()

    def category(self) -> int:
        if self._category is None:
            with self.app.uow.begin() as c:
                top = catalog.create_category(c, name=f"鲜花园艺{next(_seq)}", name_en="Flowers")
                self._category = catalog.create_category(
                    c, name="鲜切花", name_en="Cut flowers", parent_id=top
                )
        return self._category

    def named_category(self, top: str, name: str) -> int:
        """A sub-category `name` under a first-level category `top` (e.g. 水果蔬菜 / 柑橘), made once."""
        made = self.__dict__.setdefault("_named", {})
        if (top, name) not in made:
            with self.app.uow.begin() as c:
                parent = catalog.create_category(c, name=top, name_en=top)
                made[(top, name)] = catalog.create_category(c, name=name, name_en=name, parent_id=parent)
        return made[(top, name)]

    def user(
        self, name: str = "买家", platform_role: str | None = None, *, born: date | None = None
    ) -> accounts.Actor:
        n = next(_seq)
        with self.app.uow.begin() as c:
            uid = accounts.create_user(
                c,
                email=f"user{n}@example.cn",
                password="password123",
                display_name=f"{name}{n}",
                at=self.now,
                platform_role=platform_role,
            )
            if born is not None:
                set_birth_date(c, uid, born, at=self.now)
            return accounts.load_actor(c, uid)

    def set_born(self, user: accounts.Actor, born: date) -> None:
        """The buyer's birth date (a blind box needs one: pledge.minors)."""
        with self.app.uow.begin() as c:
            set_birth_date(c, user.user_id, born, at=self.now)

    def shop(self, name: str = "小阿阮鲜花", timezone: str = "Asia/Shanghai") -> tuple[int, accounts.Actor]:
        """A shop and its owner (as an Actor that knows its membership)."""
        n = next(_seq)
        with self.app.uow.begin() as c:
            shop_id = catalog.create_shop(
                c, name=f"{name}{n}", slug=f"shop-{n}", at=self.now, timezone=timezone, city="昆明"
            )
            uid = accounts.create_user(
                c, email=f"owner{n}@example.cn", password="password123", display_name=f"店主{n}", at=self.now
            )
            accounts.add_shop_member(c, shop_id=shop_id, user_id=uid, role="owner")
            return shop_id, accounts.load_actor(c, uid)

    def product(
        self,
        owner: accounts.Actor,
        shop_id: int,
        *,
        promise: Promise | str = "48h",
        price_fen: int = 1990,
        stock: int = 100,
        title: str = "A级向日葵 12枝",
        category: int | None = None,
        **flags,
    ) -> int:
        """Returns the SKU id of a one-SKU product (in the default flowers category unless given)."""
        if isinstance(promise, str):
            promise = Promise.parse(promise)
        category = category or self.category()
        with self.app.uow.begin() as c:
            pid = catalog.create_product(
                c,
                owner,
                catalog.NewProduct(
                    shop_id, category, title, promise, [catalog.NewSku("默认", price_fen, stock)], **flags
                ),
                at=self.now,
                guards=self.app.listing_guards,
            )
            return c.execute(select(skus.c.id).where(skus.c.product_id == pid)).scalar()

    def place(
        self, buyer: accounts.Actor, *lines: tuple[int, int], coupon_id: int | None = None
    ) -> orders.PlacedCheckout:
        with self.app.uow.begin() as c:
            return orders.place_order(
                c,
                buyer,
                [orders.LineRequest(s, q) for s, q in lines],
                at=self.now,
                pay_window=self.app.pay_window,
                guards=self.app.sale_guards,
                coupon_id=coupon_id,
            )

    def pay(self, placed: orders.PlacedCheckout):
        with self.app.uow.begin() as c:
            return handle_callback(
                c,
                CallbackPayload(placed.payment_ref, placed.total_fen, "captured"),
                book=self.app.rulebook,
                at=self.now,
            )

    def paid_order(self, buyer: accounts.Actor, sku_id: int, quantity: int = 1) -> int:
        placed = self.place(buyer, (sku_id, quantity))
        self.pay(placed)
        return placed.order_ids[0]

    def ship(
        self, owner: accounts.Actor, order_id: int, carrier: str = "sf", tracking_no: str | None = None
    ) -> int:
        """Without a tracking number, the order's own: a waybill is held by one parcel at a time."""
        tracking_no = f"{carrier.upper()}{order_id:010d}" if tracking_no is None else tracking_no
        with self.app.uow.begin() as c:
            return ship_order(
                c, owner, order_id=order_id, carrier=carrier, tracking_no=tracking_no, at=self.now
            )

    def carrier_tick(self) -> int:
        with self.app.uow.begin() as c:
            return apply_tracking_events(c, now=self.now)


def run_concurrently(calls, timeout: float = 120) -> list:
    """Start every call at the same moment (a barrier) on its own thread; returns each call's
    result, or the exception it raised, in order."""
    import threading

    barrier = threading.Barrier(len(calls))
    out: list = [None] * len(calls)

    def work(i: int) -> None:
        barrier.wait()
        try:
            out[i] = calls[i]()
        except Exception as exc:
            out[i] = exc

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return out
