"""The wisher offer: when a demand comes true the merchant may give its wishers a wisher price
and/or first access (bounds: rulebook clause `wisher_offer_bounds`, a Pledge default).

- **Wisher price** (心愿价): one merchant-funded shop coupon per wisher, issued like the live
  room's viewer coupons (live/coupons.py): funded_by = "merchant", so nothing moves in the ledger
  at issue; when a wisher spends it the order's paid amount is lower, the shop's proceeds receive
  only what was paid (the shop pays the discount) and the commission base leaves it out:
  "商家券金额不计入结算基数中" (douyin:aJmYzDVDDjey 2.2). Its source `wish-price:<demand>:<buyer>` is
  UNIQUE in the ledger, so each wisher gets exactly one however often the issue is retried.
- **First access** (心愿用户优先购): until `first_access_until` only the demand's wishers may buy
  the product; `FirstAccess` is the purchase guard (catalog.guards.PurchaseGuard) checkout runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from pledge.catalog.guards import Purchase
from pledge.catalog.tables import skus
from pledge.kernel.errors import Conflict, InvalidInput
from pledge.kernel.money import format_yuan
from pledge.ledger import services as ledger
from pledge.rulebooks.loader import Rulebook
from pledge.wishes.policy import WisherOffer, check_offer, offer_bounds
from pledge.wishes.tables import wish_offers, wishes

WISHER_PRICE = "wish-price:"


def wisher_price_source(demand_id: int, buyer_id: int) -> str:
    return f"{WISHER_PRICE}{demand_id}:{buyer_id}"


def is_wisher_price(source: str | None) -> bool:
    """Is this coupon (by its source) a wisher price? The cart names it so."""
    return bool(source) and str(source).startswith(WISHER_PRICE)


@dataclass(frozen=True)
class Came:
    """A demand that has just come true: what the offer is for and whom."""

    demand_id: int
    shop_id: int
    product_id: int
    sku_id: int | None
    title: str
    wishers: list[int]


def _cheapest(conn: Connection, product_id: int, sku_id: int | None) -> int:
    query = select(func.min(skus.c.price_fen)).where(skus.c.product_id == product_id)
    if sku_id is not None:
        query = query.where(skus.c.id == sku_id)
    return conn.execute(query).scalar_one()


def make_offer(conn: Connection, came: Came, offer: WisherOffer, *, book: Rulebook, at: datetime) -> None:
    """Record the offer and issue each wisher's coupon (one INSERT); refused offers raise, so the
    caller's transaction (closing the demand) rolls back with nothing written."""
    check_offer(offer_bounds(book, at), offer, cheapest_fen=_cheapest(conn, came.product_id, came.sku_id))
    if offer.first_access_hours is not None and came.sku_id is not None:
        raise InvalidInput(
            "first access keeps a whole product for its wishers: not for a new SKU of a product on sale"
        )
    expires = None if offer.valid_days is None else at + timedelta(days=offer.valid_days)
    first = None if offer.first_access_hours is None else at + timedelta(hours=offer.first_access_hours)
    conn.execute(
        wish_offers.insert().values(
            demand_id=came.demand_id,
            shop_id=came.shop_id,
            product_id=came.product_id,
            price_off_fen=offer.price_off_fen,
            coupon_expires_at=expires,
            first_access_until=first,
            created_at=at,
        )
    )
    if offer.price_off_fen is not None and expires is not None:
        grants = [_grant(came, buyer, offer.price_off_fen, expires) for buyer in came.wishers]
        ledger.issue_coupons(conn, grants, at=at)


def _grant(came: Came, buyer_id: int, off_fen: int, expires_at: datetime) -> ledger.CouponGrant:
    off = format_yuan(off_fen)
    return ledger.CouponGrant(
        buyer_id,
        off_fen,
        wisher_price_source(came.demand_id, buyer_id),
        f"Wisher price: ¥{off} off {came.title}, at this shop",
        f"心愿价：{came.title}减¥{off}，限本店使用",
        funded_by="merchant",
        shop_id=came.shop_id,
        expires_at=expires_at,
    )


def _kept(conn: Connection, product_ids: set[int], at: datetime) -> list[tuple[int, int]]:
    """(product, demand) pairs still under first access at `at`."""
    o = wish_offers.c
    rows = conn.execute(
        select(o.product_id, o.demand_id).where(o.product_id.in_(product_ids), o.first_access_until > at)
    )
    return [(r.product_id, r.demand_id) for r in rows]


def is_wisher(conn: Connection, demand_id: int, user_id: int) -> bool:
    w = wishes.c
    return (
        conn.execute(select(w.id).where(w.demand_id == demand_id, w.author_id == user_id).limit(1)).first()
        is not None
    )


@dataclass(frozen=True)
class FirstAccess:
    """The purchase guard of first access: a product kept for its wishers is refused to anyone
    else until the first access ends (wired by bootstrap into App.sale_guards). A value with no
    state: every instance probes alike (catalog.guards.Probed)."""

    def __call__(self, conn: Connection, shop_products: Mapping[int, set[int]], *, at: datetime) -> None:
        """Shops and products alone decide nothing here: who buys does."""

    def may_refuse(
        self, shop_id: ColumnElement[int], product_id: ColumnElement[int], at: ColumnElement[datetime]
    ) -> ColumnElement[bool]:
        """The probe (catalog.guards.Probed): the product is kept for its wishers at `at`."""
        o = wish_offers.c
        return select(o.demand_id).where(o.product_id == product_id, o.first_access_until > at).exists()

    def check_purchase(self, conn: Connection, purchase: Purchase, *, at: datetime) -> None:
        products = {line.product_id for order in purchase.orders for line in order.lines}
        for product_id, demand_id in _kept(conn, products, at):
            if not is_wisher(conn, demand_id, purchase.buyer_id):
                raise Conflict(f"product {product_id} is kept for the people who wished for it for now")

    def record_purchase(self, conn: Connection, purchase: Purchase, *, at: datetime) -> None:
        """Nothing to write."""
