"""Cart and checkout. A checkout splits into one order per shop and source (the live room,
video or page each line was bought on, decided by the server: orders.sources); stock is taken at checkout
with conditional updates in SKU-id order, so the last unit can never be sold twice
(saleor#543, medusa#16569) and two lines on one SKU are summed first (medusa#16502)."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor
from pledge.addresses.model import Address
from pledge.addresses.services import address_of, default_address_id, owned_address
from pledge.attribution.model import PRODUCT_CARD, Bound, Channel, Dispatcher, Source, SourceResolver
from pledge.catalog.guards import (
    Purchase,
    PurchaseLine,
    PurchaseOrder,
    SaleGuard,
    check_purchase,
    check_sale,
    record_purchase,
    still_to_run,
)
from pledge.catalog.services import promise_of
from pledge.catalog.tables import skus
from pledge.integrations import outbox
from pledge.kernel import jsonutil
from pledge.kernel.bulk import insert_rows
from pledge.kernel.db import AnyRow, inserted_id
from pledge.kernel.errors import Conflict, InvalidInput, NotFound, OutOfStock
from pledge.kernel.limits import MAX_AMOUNT_FEN, MAX_QUANTITY
from pledge.kernel.money import format_yuan
from pledge.ledger import services as ledger
from pledge.ledger.model import CouponStatus
from pledge.orders.model import LIFECYCLE as ORDER_LIFECYCLE
from pledge.orders.model import OrderStatus, PaymentStatus
from pledge.orders.shipping import shipping_fee, snapshot_address
from pledge.orders.skus import SkuRow, load_skus, take_stock
from pledge.orders.sources import bind_sources, bound_content, cart_source
from pledge.orders.tables import cart_lines, checkouts, order_events, order_lines, orders, payments
from pledge.promises.model import Promise
from pledge.promises.policy import undominated

CHANNELS = tuple(c.value for c in Channel)
NO_CONTENT = Dispatcher({})  # binds the product card, search and showcase; refuses rooms and videos


@dataclass(frozen=True)
class LineRequest:
    sku_id: int
    quantity: int
    source: Source = PRODUCT_CARD  # where it was bought: verified by the caller, bound at checkout


@dataclass(frozen=True)
class PlacedCheckout:
    checkout_id: int
    order_ids: list[int]
    total_fen: int
    payment_ref: str
    product_ids: tuple[int, ...] = ()  # what was ordered (the reach layer records it)
    sourced_order_ids: tuple[int, ...] = ()  # bought through a source (a live room, a video, …)


# The order timeline's kinds that webhook endpoints may subscribe to (integrations.events).
ORDER_WEBHOOKS = {
    "paid": "order.paid",
    "cancelled": "order.cancelled",
    "shipped": "order.shipped",
    "delivered": "order.delivered",
}


def record_events(conn: Connection, events: list[dict]) -> None:
    """Timeline entries: {'order_id', 'at', 'kind', 'detail'}, and 'shop_id' (the order's) when
    the caller has it at hand; the others' shops are read in one query. Those integrations hear of
    (ORDER_WEBHOOKS) go to the webhook outbox in the same transaction."""
    published = [e for e in events if e["kind"] in ORDER_WEBHOOKS]
    unknown = {e["order_id"] for e in events if "shop_id" not in e} | {e["order_id"] for e in published}
    shop_of = (
        dict(conn.execute(select(orders.c.id, orders.c.shop_id).where(orders.c.id.in_(unknown))).all())
        if unknown
        else {}
    )
    rows = [
        {
            "order_id": e["order_id"],
            "shop_id": e["shop_id"] if "shop_id" in e else shop_of[e["order_id"]],
            "at": e["at"],
            "kind": e["kind"],
            "detail": jsonutil.dumps(e.get("detail", {})),
        }
        for e in events
    ]
    insert_rows(conn, order_events, rows)
    for e in published:
        payload = {"order_id": e["order_id"], "at": e["at"], "detail": e.get("detail", {})}
        outbox.publish(
            conn, shop_of[e["order_id"]], ORDER_WEBHOOKS[e["kind"]], e["order_id"], payload, at=e["at"]
        )


def transition(conn: Connection, order_id: int, current: str, target: OrderStatus, **values) -> None:
    """Conditional update: succeeds only if nobody changed the status in between."""
    ORDER_LIFECYCLE.move(conn, orders, order_id, current, target, **values)


def _validate_lines(lines: list[LineRequest]) -> dict[int, LineRequest]:
    if not lines:
        raise InvalidInput("the order has no lines")
    merged: dict[int, LineRequest] = {}
    for line in lines:
        if not isinstance(line.quantity, int) or line.quantity <= 0:
            raise InvalidInput(
                f"quantity must be a positive whole number, got {line.quantity!r} for SKU {line.sku_id}"
            )
        seen = merged.get(line.sku_id)
        quantity = line.quantity + (seen.quantity if seen else 0)
        if quantity > MAX_QUANTITY:
            raise InvalidInput(f"at most {MAX_QUANTITY} units of one SKU per order")
        if seen is not None and seen.source != line.source:
            raise InvalidInput(f"SKU {line.sku_id} is bought from one place per checkout, not two")
        merged[line.sku_id] = LineRequest(line.sku_id, quantity, line.source)
    return merged


def _candidates(row: SkuRow, content: AnyRow | None) -> list[tuple[str, Promise]]:
    """Every promise that applies to a line: the product page's and the live room's or video's."""
    found = [("product", promise_of(row))]
    if content is not None:
        if content.shop_id != row.shop_id:
            raise InvalidInput(f"live room or video {content.id} does not sell SKU {row.id}")
        found.append((f"{content.kind}:{content.id}", promise_of(content)))
    return found


def encode_promises(candidates: list[tuple[str, Promise]]) -> str:
    """The promises that may bind, as compact [source, code] pairs (payments decodes them)."""
    return jsonutil.dumps([[source, promise.code] for source, promise in undominated(candidates)])


@dataclass(frozen=True)
class OrderLineDraft:
    sku_id: int
    product_id: int
    title: str
    quantity: int
    unit_price_fen: int
    blind_box: bool = False

    @property
    def line_total_fen(self) -> int:
        return self.unit_price_fen * self.quantity


@dataclass
class OrderDraft:
    """One shop's order of a checkout, before it is written (see create_orders)."""

    shop_id: int
    lines: list[OrderLineDraft]
    promises: list[tuple[str, Promise]]
    discount_fen: int = 0
    shipping_fen: int = 0  # 运费, on top of the goods; a coupon never discounts it
    coupon_id: int | None = None
    channel: Channel = Channel.PRODUCT_CARD
    source_ref: str = ""  # what the source bound (attribution.Bound.ref)
    creator_id: int | None = None  # the creator the source attributes the order to (Bound.creator_id)
    placed_detail: dict[str, object] = field(default_factory=dict)  # more for the "placed" event

    @property
    def items_fen(self) -> int:
        return sum(line.line_total_fen for line in self.lines)

    @property
    def paid_fen(self) -> int:
        """实付金额: goods after the coupon, plus shipping (douyin:aJmYzDVDDjey counts the fee on
        "消费者实付金额（含运费）", so shipping is part of what was paid)."""
        return self.items_fen - self.discount_fen + self.shipping_fen


def create_orders(
    conn: Connection,
    buyer_id: int,
    drafts: list[OrderDraft],
    *,
    at: datetime,
    pay_window: timedelta,
    guards: Sequence[SaleGuard],
) -> PlacedCheckout:
    """The one writer of new orders (cart checkout and flash deals alike): a checkout, its
    orders awaiting payment with their lines and "placed" events, and one sandbox payment for the
    total. Stock, coupons and shop guards are the caller's: they differ between checkouts; the
    guards that look at the buyer (minors, blind boxes) run here, before and after the writes."""
    check_purchase(guards, conn, _purchase(buyer_id, drafts), at=at)
    total = sum(d.paid_fen for d in drafts)
    checkout_id = inserted_id(
        conn, checkouts.insert(), {"buyer_id": buyer_id, "total_fen": total, "created_at": at}
    )
    order_ids = _insert_orders(conn, checkout_id, buyer_id, drafts, at=at, pay_window=pay_window)
    conn.execute(
        order_lines.insert(),
        [
            dict(asdict(line), order_id=order_id, shop_id=d.shop_id, line_total_fen=line.line_total_fen)
            for order_id, d in zip(order_ids, drafts, strict=True)
            for line in d.lines
        ],
    )
    record_events(conn, _placed_events(order_ids, drafts, at))
    record_purchase(guards, conn, _purchase(buyer_id, drafts, order_ids), at=at)
    ref = "sbx_" + secrets.token_hex(12)
    conn.execute(
        payments.insert(),
        {
            "checkout_id": checkout_id,
            "buyer_id": buyer_id,
            "amount_fen": total,
            "provider": "sandbox",
            "provider_ref": ref,
            "status": PaymentStatus.PENDING.value,
            "created_at": at,
        },
    )
    bought = tuple(dict.fromkeys(line.product_id for d in drafts for line in d.lines))
    sourced = tuple(order_id for order_id, d in zip(order_ids, drafts, strict=True) if d.source_ref)
    return PlacedCheckout(checkout_id, order_ids, total, ref, bought, sourced)


def _placed_events(order_ids: list[int], drafts: list[OrderDraft], at: datetime) -> list[dict]:
    """Each new order's "placed" timeline entry, with its shop."""
    return [
        {
            "order_id": order_id,
            "shop_id": d.shop_id,
            "at": at,
            "kind": "placed",
            "detail": {
                "items_fen": d.items_fen,
                "discount_fen": d.discount_fen,
                "shipping_fen": d.shipping_fen,
                **d.placed_detail,
            },
        }
        for order_id, d in zip(order_ids, drafts, strict=True)
    ]


def _purchase(buyer_id: int, drafts: list[OrderDraft], order_ids: Sequence[int | None] = ()) -> Purchase:
    ids = list(order_ids) or [None] * len(drafts)
    return Purchase(
        buyer_id,
        tuple(
            PurchaseOrder(
                order_id,
                d.shop_id,
                d.paid_fen,
                tuple(PurchaseLine(x.product_id, x.quantity, x.blind_box) for x in d.lines),
            )
            for order_id, d in zip(ids, drafts, strict=True)
        ),
    )


def _insert_orders(
    conn: Connection,
    checkout_id: int,
    buyer_id: int,
    drafts: list[OrderDraft],
    *,
    at: datetime,
    pay_window: timedelta,
) -> list[int]:
    """The checkout's orders in one INSERT; their ids in the drafts' order."""
    rows = conn.execute(
        orders.insert().returning(orders.c.id, sort_by_parameter_order=True),
        [
            {
                "checkout_id": checkout_id,
                "buyer_id": buyer_id,
                "shop_id": d.shop_id,
                "status": OrderStatus.PENDING_PAYMENT.value,
                "items_fen": d.items_fen,
                "discount_fen": d.discount_fen,
                "shipping_fen": d.shipping_fen,
                "paid_fen": d.paid_fen,
                "coupon_id": d.coupon_id,
                "promise_kind": "pending",
                "promise_source": "",
                "promise_candidates": encode_promises(d.promises),
                "created_at": at,
                "pay_by": at + pay_window,
                "channel": d.channel.value,
                "source_ref": d.source_ref,
                "creator_id": d.creator_id,
            }
            for d in drafts
        ],
    ).all()
    return [r.id for r in rows]


def _available_coupon(conn: Connection, actor: Actor, coupon_id: int | None, at: datetime) -> AnyRow | None:
    if coupon_id is None:
        return None
    coupon = ledger.coupon_of(conn, actor.user_id, coupon_id)
    if coupon.status != CouponStatus.AVAILABLE:
        raise Conflict(f"coupon {coupon_id} has already been used")
    if coupon.expires_at is not None and at >= coupon.expires_at:
        raise Conflict(f"coupon {coupon_id} has expired")
    return coupon


def _coupon_draft(coupon: AnyRow, drafts: list[OrderDraft]) -> OrderDraft:
    """The order a coupon takes off: the largest it applies to (a shop's coupon at that shop
    only, a threshold coupon on an order reaching its minimum spend)."""
    fits = [
        d
        for d in drafts
        if (coupon.shop_id is None or d.shop_id == coupon.shop_id) and d.items_fen >= coupon.min_spend_fen
    ]
    if not fits:
        raise InvalidInput(
            f"coupon {coupon.id} needs an order of at least ¥{format_yuan(coupon.min_spend_fen)}"
            + (f" at shop {coupon.shop_id}" if coupon.shop_id is not None else "")
        )
    return max(fits, key=lambda d: d.items_fen)


def _check_lines(wanted: dict[int, LineRequest], found: dict[int, SkuRow]) -> None:
    for sku_id, line in wanted.items():
        row = found[sku_id]
        if not row.active:
            raise Conflict(f"{row.title} is no longer on sale")
        if line.quantity > row.stock:
            raise OutOfStock(
                f"only {row.stock} left of {row.title} ({row.name}); you asked for {line.quantity}",
                sku_id=sku_id,
            )


def _draft(
    shop_id: int, lines: list[LineRequest], found: dict[int, SkuRow], bound: Bound, content: AnyRow | None
) -> OrderDraft:
    """One shop's lines from one source: at the source's price where it sets one (the room's
    card price), under the product's and the source's promises."""
    draft = OrderDraft(
        shop_id,
        [
            OrderLineDraft(
                sku_id=line.sku_id,
                product_id=found[line.sku_id].product_id,
                title=f"{found[line.sku_id].title} · {found[line.sku_id].name}",
                quantity=line.quantity,
                unit_price_fen=bound.prices.get(line.sku_id, found[line.sku_id].price_fen),
                blind_box=found[line.sku_id].blind_box,
            )
            for line in lines
        ],
        [c for line in lines for c in _candidates(found[line.sku_id], content)],
        channel=bound.channel,
        source_ref=bound.ref,
        creator_id=bound.creator_id,
        shipping_fen=shipping_fee(found[line.sku_id].shipping_fee_fen for line in lines),
    )
    if draft.items_fen > MAX_AMOUNT_FEN:  # every sum over orders stays far inside BIGINT (kernel/limits.py)
        raise InvalidInput(f"one order may come to at most {format_yuan(MAX_AMOUNT_FEN)} yuan; split it")
    return draft


def _drafts(
    conn: Connection, wanted: dict[int, LineRequest], found: dict[int, SkuRow], bindings: dict[Source, Bound]
) -> list[OrderDraft]:
    groups: dict[tuple[int, Channel, int], list[LineRequest]] = defaultdict(list)
    for sku_id in sorted(wanted):
        line = wanted[sku_id]
        groups[(found[sku_id].shop_id, line.source.channel, line.source.id)].append(line)
    content = bound_content(conn, bindings.values())
    drafts = []
    for (shop_id, channel, source_id), lines in sorted(groups.items()):
        bound = bindings[Source(channel, source_id)]
        drafts.append(_draft(shop_id, lines, found, bound, content.get(bound.content_id or 0)))
    return drafts


def checkout_address(conn: Connection, actor: Actor, address_id: int | None) -> Address | None:
    """The chosen address of the buyer's book, else their default one (None: they have none)."""
    chosen = address_id if address_id is not None else default_address_id(conn, actor.user_id)
    return None if chosen is None else address_of(owned_address(conn, actor.user_id, chosen))


def place_order(
    conn: Connection,
    actor: Actor,
    lines: list[LineRequest],
    *,
    at: datetime,
    pay_window: timedelta,
    guards: Sequence[SaleGuard],
    coupon_id: int | None = None,
    sources: SourceResolver = NO_CONTENT,
    address_id: int | None = None,
) -> PlacedCheckout:
    """Take stock, split by shop and source, apply a coupon to the largest order, open one
    payment. `guards` may refuse the sale (the caller wires them: sanctions, a deposit short for
    48 h); `sources` says what each line's source binds (bootstrap wires rooms and videos)."""
    wanted = _validate_lines(lines)
    ship_to = checkout_address(conn, actor, address_id)
    found = load_skus(conn, sorted(wanted), guards, at=at)
    to_run = still_to_run(guards, list(found.values()))  # the probes read with the SKUs said "maybe"
    _check_lines(wanted, found)
    bindings = bind_sources(conn, sources, ((k, v.source) for k, v in wanted.items()), at=at)
    coupon = _available_coupon(conn, actor, coupon_id, at)
    products_by_shop: dict[int, set[int]] = defaultdict(set)
    for row in found.values():
        products_by_shop[row.shop_id].add(row.product_id)
    check_sale(to_run, conn, products_by_shop, at=at)
    take_stock(conn, {k: v.quantity for k, v in wanted.items()}, found)
    drafts = _drafts(conn, wanted, found, bindings)
    discounted = _coupon_draft(coupon, drafts) if coupon else None
    if coupon is not None and discounted is not None:
        discounted.discount_fen = min(coupon.amount_fen, discounted.items_fen - 1)
        discounted.coupon_id = coupon.id
    placed = create_orders(conn, actor.user_id, drafts, at=at, pay_window=pay_window, guards=to_run)
    if coupon is not None and discounted is not None:
        order_id = placed.order_ids[drafts.index(discounted)]
        ledger.redeem_coupon(conn, coupon.id, order_id=order_id, at=at)
    if ship_to is not None:
        snapshot_address(conn, zip(placed.order_ids, (d.shop_id for d in drafts), strict=True), ship_to)
    return placed


def cart_lines_for(
    conn: Connection, buyer_id: int, *, secrets: Sequence[str], now: datetime
) -> list[LineRequest]:
    """The cart, each line with the source its token still vouches for (orders.sources)."""
    return [
        LineRequest(r.sku_id, r.quantity, cart_source(secrets, r.source_token, now=now))
        for r in conn.execute(
            select(cart_lines).where(cart_lines.c.buyer_id == buyer_id).order_by(cart_lines.c.id)
        )
    ]


def add_to_cart(
    conn: Connection, actor: Actor, line: LineRequest, *, at: datetime, source_token: str | None = None
) -> int:
    """Put a line in the cart; `source_token` is the page's signed token, verified by the caller
    (its source is `line.source`) and kept so checkout can verify it again. The SKU's product."""
    _validate_lines([line])
    row = load_skus(conn, [line.sku_id])[line.sku_id]
    existing = conn.execute(
        select(cart_lines.c.quantity).where(
            cart_lines.c.buyer_id == actor.user_id, cart_lines.c.sku_id == line.sku_id
        )
    ).scalar()
    quantity = line.quantity + (existing or 0)
    if quantity > row.stock:
        raise OutOfStock(f"only {row.stock} left of {row.title} ({row.name})", sku_id=line.sku_id)
    if existing is None:
        conn.execute(
            cart_lines.insert().values(
                buyer_id=actor.user_id,
                sku_id=line.sku_id,
                quantity=quantity,
                source_token=source_token,
                added_at=at,
            )
        )
    else:
        conn.execute(
            cart_lines.update()
            .where(cart_lines.c.buyer_id == actor.user_id, cart_lines.c.sku_id == line.sku_id)
            .values(quantity=quantity, source_token=source_token)
        )
    return int(row.product_id)


def remove_from_cart(conn: Connection, actor: Actor, sku_id: int) -> None:
    conn.execute(
        cart_lines.delete().where(cart_lines.c.buyer_id == actor.user_id, cart_lines.c.sku_id == sku_id)
    )


def checkout_cart(
    conn: Connection,
    actor: Actor,
    *,
    at: datetime,
    pay_window: timedelta,
    guards: Sequence[SaleGuard],
    coupon_id: int | None = None,
    sources: SourceResolver = NO_CONTENT,
    secrets: Sequence[str] = (),
    address_id: int | None = None,
) -> PlacedCheckout:
    placed = place_order(
        conn,
        actor,
        cart_lines_for(conn, actor.user_id, secrets=secrets, now=at),
        at=at,
        pay_window=pay_window,
        guards=guards,
        coupon_id=coupon_id,
        sources=sources,
        address_id=address_id,
    )
    conn.execute(cart_lines.delete().where(cart_lines.c.buyer_id == actor.user_id))
    return placed


def release_unpaid(conn: Connection, order: AnyRow, *, now: datetime, reason: str) -> None:
    """Cancel one order awaiting payment (its status is checked by the conditional update):
    its stock and coupon come back."""
    transition(conn, order.id, OrderStatus.PENDING_PAYMENT.value, OrderStatus.CANCELLED, cancelled_at=now)
    for line in conn.execute(
        select(order_lines.c.sku_id, order_lines.c.quantity).where(order_lines.c.order_id == order.id)
    ):
        conn.execute(skus.update().where(skus.c.id == line.sku_id).values(stock=skus.c.stock + line.quantity))
    if order.coupon_id is not None:
        ledger.release_coupon(conn, order.coupon_id)
    record_events(
        conn, [{"order_id": order.id, "at": now, "kind": "cancelled", "detail": {"reason": reason}}]
    )


def cancel_unpaid(conn: Connection, *, now: datetime, limit: int = 500) -> int:
    """Orders not paid by their pay-by time are cancelled; stock and coupons come back."""
    due = conn.execute(
        select(orders.c.id, orders.c.coupon_id)
        .where(orders.c.status == OrderStatus.PENDING_PAYMENT.value, orders.c.pay_by < now)
        .order_by(orders.c.id)
        .limit(limit)
    ).all()
    for order in due:
        release_unpaid(conn, order, now=now, reason="unpaid")
    return len(due)


def get_order_for(conn: Connection, actor: Actor, order_id: int):
    """The order row if the actor is its buyer, a member of its shop, or platform staff."""
    row = conn.execute(select(orders).where(orders.c.id == order_id)).first()
    if row is None:
        raise NotFound(f"no order {order_id}")
    if row.buyer_id != actor.user_id and row.shop_id not in actor.shops and actor.platform_role is None:
        raise NotFound(f"no order {order_id}")  # do not reveal that another shop's order exists
    return row
