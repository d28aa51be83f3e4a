"""Live-room flash deals (直播间秒杀): a SKU at a deal price, a limited number of units, a limit
per buyer, a time window. The deal's units are carved out of the SKU's sellable stock when it is
created and spread over buckets; a purchase takes its units from one bucket with a conditional
update, on PostgreSQL choosing a bucket nobody holds (FOR UPDATE SKIP LOCKED), so hundreds of
buyers do not queue on one hot row. Units never go negative (CHECK and conditional updates) and
a buyer is refused only when no bucket has units left, so demand above supply sells every unit.
Each purchase is a normal order (payment, ship promise, late-ship pledge, after-sales apply).
See docs/adr/0008-flash-sale-stock.md."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from types import SimpleNamespace

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_shop
from pledge.attribution.model import Channel
from pledge.catalog.guards import SaleGuard, check_sale, still_to_run
from pledge.catalog.services import promise_of
from pledge.catalog.tables import content_promises, products, skus
from pledge.flash.tables import flash_allowances, flash_buckets, flash_deals, flash_purchases
from pledge.kernel.db import dialect_insert, inserted_id
from pledge.kernel.errors import Conflict, InvalidInput, NotFound, OutOfStock
from pledge.kernel.limits import MAX_PRICE_FEN
from pledge.orders.model import OrderStatus
from pledge.orders.services import (
    OrderDraft,
    OrderLineDraft,
    PlacedCheckout,
    checkout_address,
    create_orders,
)
from pledge.orders.shipping import snapshot_address
from pledge.orders.skus import load_skus
from pledge.orders.tables import orders
from pledge.promises.model import Promise

BUCKETS = 16  # enough that 200 concurrent buyers rarely meet on one row (ADR 0008)
MAX_UNITS = 100_000

_room = content_promises.c
# A purchase's deal with its live room's promise, one read built once (issue 19: a flash
# purchase read the room in a statement of its own, and built both per request).
_DEAL_WITH_ROOM = (
    select(
        flash_deals,
        _room.kind.label("room_kind"),
        _room.promise_kind.label("room_promise_kind"),
        _room.promise_hours.label("room_promise_hours"),
        _room.presale_date.label("room_presale_date"),
    )
    .select_from(flash_deals.outerjoin(content_promises, _room.id == flash_deals.c.content_id))
    .where(flash_deals.c.id == bindparam("deal_id"))
)


@dataclass(frozen=True)
class NewDeal:
    shop_id: int
    sku_id: int
    price_fen: int
    quantity: int
    per_buyer_limit: int
    starts_at: datetime
    ends_at: datetime
    title: str = ""
    content_id: int | None = None


def create_deal(conn: Connection, actor: Actor, deal: NewDeal, *, at: datetime) -> int:
    require_shop(actor, deal.shop_id)
    sku = conn.execute(
        select(skus.c.id, skus.c.shop_id, skus.c.name, skus.c.stock, products.c.title)
        .join(products, products.c.id == skus.c.product_id)
        .where(skus.c.id == deal.sku_id)
    ).first()
    if sku is None or sku.shop_id != deal.shop_id:
        raise NotFound(f"no SKU {deal.sku_id}")
    _check_deal(conn, deal, at=at)
    if (
        conn.execute(
            skus.update()
            .where(skus.c.id == deal.sku_id, skus.c.stock >= deal.quantity)
            .values(stock=skus.c.stock - deal.quantity)
        ).rowcount
        != 1
    ):
        raise OutOfStock(
            f"only {sku.stock} units of {sku.title} ({sku.name}) are for sale; a deal of {deal.quantity} "
            "would oversell",
            sku_id=deal.sku_id,
        )
    deal_id = inserted_id(
        conn,
        flash_deals.insert().values(
            shop_id=deal.shop_id,
            sku_id=deal.sku_id,
            content_id=deal.content_id,
            title=(deal.title or sku.title).strip()[:200],
            price_fen=deal.price_fen,
            quantity=deal.quantity,
            per_buyer_limit=deal.per_buyer_limit,
            starts_at=deal.starts_at,
            ends_at=deal.ends_at,
            created_at=at,
        ),
    )
    n = min(BUCKETS, deal.quantity)
    conn.execute(
        flash_buckets.insert(),
        [
            {
                "deal_id": deal_id,
                "shop_id": deal.shop_id,
                "bucket": b,
                "remaining": deal.quantity // n + (1 if b < deal.quantity % n else 0),
            }
            for b in range(n)
        ],
    )
    return deal_id


def _check_deal(conn: Connection, deal: NewDeal, *, at: datetime) -> None:
    """Bounds, a window that has not ended, and a live room of the deal's own shop."""
    for name, value, top in (
        ("price_fen", deal.price_fen, MAX_PRICE_FEN),
        ("quantity", deal.quantity, MAX_UNITS),
        ("per_buyer_limit", deal.per_buyer_limit, 99),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= top:
            raise InvalidInput(f"{name} must be a whole number from 1 to {top}, got {value!r}")
    if deal.ends_at <= deal.starts_at:
        raise InvalidInput("a deal ends after it starts")
    if deal.ends_at <= at:
        raise InvalidInput("the deal's window is already over")
    if deal.content_id is not None:
        room = conn.execute(
            select(content_promises.c.shop_id).where(content_promises.c.id == deal.content_id)
        ).first()
        if room is None or room.shop_id != deal.shop_id:
            raise NotFound(f"no live room {deal.content_id}")


def remaining(conn: Connection, deal_id: int) -> int:
    fb = flash_buckets.c
    return int(
        conn.execute(
            select(func.coalesce(func.sum(fb.remaining), 0)).where(fb.deal_id == deal_id)
        ).scalar_one()
    )


def _take(conn: Connection, deal_id: int, quantity: int, buckets: int) -> bool:
    """Take `quantity` units from the deal's buckets; False if there are not that many left."""
    take = {"take_deal": deal_id, "take_units": quantity}
    spread = {"spread_start": random.randrange(buckets), "bucket_count": buckets}
    if conn.dialect.name == "postgresql":
        taken = _take_from_one_bucket_pg(conn, take, spread)
    else:  # SQLite: the writer holds the database's only lock, so nobody holds a bucket: step 1
        # alone (SQLAlchemy leaves FOR UPDATE out on SQLite), one statement even near the sell-out
        taken = conn.execute(_TAKE_FREE_BUCKET, {**take, **spread}).first() is not None
    if taken or quantity == 1:
        return taken
    return _take_across_buckets(conn, deal_id, quantity)


_fb = flash_buckets.c


def _bucket_take(*, skip_locked: bool):
    """UPDATE one bucket of the deal holding at least the units, chosen by a locking subquery,
    RETURNING it. skip_locked: the first bucket after a random start that nobody holds; else the
    lowest bucket with units, waited for. Built once (issue 19); the parameters are named unlike
    any column, since an UPDATE's parameter named after a column would set it."""
    with_units = (_fb.deal_id == bindparam("take_deal"), _fb.remaining >= bindparam("take_units"))
    spread = (_fb.bucket + bindparam("spread_start")) % bindparam("bucket_count")
    chosen = (
        select(_fb.id)
        .where(*with_units)
        .order_by(spread if skip_locked else _fb.bucket)
        .limit(1)
        .with_for_update(skip_locked=skip_locked)
    )
    return (
        flash_buckets.update()
        .where(_fb.id == chosen.scalar_subquery())
        .values(remaining=_fb.remaining - bindparam("take_units"))
        .returning(_fb.id)
    )


_TAKE_FREE_BUCKET = _bucket_take(skip_locked=True)
_TAKE_HELD_BUCKET = _bucket_take(skip_locked=False)


def _take_from_one_bucket_pg(conn: Connection, take: dict[str, int], spread: dict[str, int]) -> bool:
    # 1. A bucket with units that no one else holds: no waiting at all. In a savepoint: a row
    # that changed under the scan stays locked though it did not qualify, and rolling the
    # savepoint back releases it before this buyer waits for anything (steps 2 and 3).
    try:
        with conn.begin_nested():
            if conn.execute(_TAKE_FREE_BUCKET, {**take, **spread}).first() is None:
                raise _NoFreeBucket
        return True
    except _NoFreeBucket:
        pass
    # 2. (one unit) Every bucket with units is held: wait for one, re-checked after the wait.
    # Every waiter, here and in step 3, locks in bucket order and never goes back to a lower
    # bucket, so that two of them cannot wait on each other (no deadlock).
    return take["take_units"] == 1 and conn.execute(_TAKE_HELD_BUCKET, take).first() is not None


def _take_across_buckets(conn: Connection, deal_id: int, quantity: int) -> bool:
    """3. Several units and no free bucket holds them: lock every bucket in bucket order (nothing
    is held yet) and take across buckets."""
    fb = flash_buckets.c
    rows = conn.execute(
        select(fb.id, fb.remaining).where(fb.deal_id == deal_id).order_by(fb.bucket).with_for_update()
    ).all()
    if sum(r.remaining for r in rows) < quantity:
        return False
    left = quantity
    for row in rows:
        units = min(left, row.remaining)
        if units:
            conn.execute(flash_buckets.update().where(fb.id == row.id).values(remaining=fb.remaining - units))
            left -= units
    return True


class _NoFreeBucket(Exception):
    pass


def buy(
    conn: Connection,
    actor: Actor,
    deal_id: int,
    *,
    quantity: int = 1,
    at: datetime,
    pay_window: timedelta,
    guards: Sequence[SaleGuard],
    address_id: int | None = None,
) -> PlacedCheckout:
    """One buyer's purchase: an order at the deal price awaiting payment, shipping to the chosen
    address of the buyer's book (else their default one) like any checkout, or a clear refusal
    (not started, over, sold out, over the per-buyer limit, not their address) that changes
    nothing."""
    deal = conn.execute(_DEAL_WITH_ROOM, {"deal_id": deal_id}).first()
    if deal is None:
        raise NotFound(f"no flash deal {deal_id}")
    if at < deal.starts_at:
        raise Conflict(f"the flash deal starts at {deal.starts_at.isoformat()}")
    if at >= deal.ends_at or deal.closed_at is not None:
        raise Conflict("the flash deal is over")
    if (
        not isinstance(quantity, int)
        or isinstance(quantity, bool)
        or not 1 <= quantity <= deal.per_buyer_limit
    ):
        raise InvalidInput(f"you may buy 1 to {deal.per_buyer_limit} of this deal, not {quantity!r}")
    ship_to = checkout_address(conn, actor, address_id)
    _claim_allowance(conn, deal, actor.user_id, quantity)
    buckets = min(BUCKETS, deal.quantity)
    # The order's rows first and the units last, so a bucket is held for the commit alone.
    placed = _open_order(conn, actor, deal, quantity, at=at, pay_window=pay_window, guards=guards)
    if ship_to is not None:
        snapshot_address(conn, [(placed.order_ids[0], deal.shop_id)], ship_to)
    conn.execute(
        flash_purchases.insert(),
        {
            "deal_id": deal_id,
            "shop_id": deal.shop_id,  # the deal row read above: no statement added to the purchase
            "buyer_id": actor.user_id,
            "quantity": quantity,
            "order_id": placed.order_ids[0],
            "at": at,
        },
    )
    if not _take(conn, deal_id, quantity, buckets):
        raise OutOfStock(
            "sold out" if quantity == 1 else f"fewer than {quantity} units of the deal are left",
            sku_id=deal.sku_id,
        )
    return placed


def _claim_allowance(conn: Connection, deal, buyer_id: int, quantity: int) -> None:
    """The per-buyer limit: the buyer's own row, created at `quantity` or raised by it in one
    upsert whose update applies only within the limit; no row back means refused."""
    claim = {"deal_id": deal.id, "shop_id": deal.shop_id, "buyer_id": buyer_id, "units": quantity}
    if conn.execute(_allowance_claim(dialect_insert(conn)), {**claim, "limit": deal.per_buyer_limit}).first():
        return
    fa = flash_allowances.c
    held = conn.execute(select(fa.units).where(fa.deal_id == deal.id, fa.buyer_id == buyer_id)).scalar()
    raise Conflict(
        f"the limit is {deal.per_buyer_limit} per buyer and you already bought {held}",
        limit=deal.per_buyer_limit,
    )


@cache
def _allowance_claim(dialect_insert_of):
    """INSERT … ON CONFLICT (deal, buyer) DO UPDATE units = units + new WHERE within the limit
    RETURNING units, built once per database's INSERT construct (kernel.db.dialect_insert)."""
    fa = flash_allowances.c
    insert = dialect_insert_of(flash_allowances)
    return insert.on_conflict_do_update(
        index_elements=[fa.deal_id, fa.buyer_id],
        set_={"units": fa.units + insert.excluded.units},
        where=fa.units + insert.excluded.units <= bindparam("limit"),
    ).returning(fa.units)


def _open_order(
    conn: Connection,
    actor: Actor,
    deal,
    quantity: int,
    *,
    at: datetime,
    pay_window: timedelta,
    guards: Sequence[SaleGuard],
) -> PlacedCheckout:
    row = load_skus(conn, [deal.sku_id], guards, at=at)[deal.sku_id]  # checkout's read, probes included
    to_run = still_to_run(guards, [row])  # the probes said "maybe": a sanctioned shop sells no deal
    check_sale(to_run, conn, {deal.shop_id: {row.product_id}}, at=at)
    candidates = [("product", promise_of(row))]
    if deal.content_id is not None:
        candidates.append((f"{deal.room_kind}:{deal.content_id}", _room_promise(deal)))
    line = OrderLineDraft(
        sku_id=deal.sku_id,
        product_id=row.product_id,
        title=f"{row.title} · {row.name}",
        quantity=quantity,
        unit_price_fen=deal.price_fen,
        blind_box=row.blind_box,
    )
    draft = OrderDraft(
        deal.shop_id, [line], candidates, channel=Channel.LIVE_ROOM, placed_detail={"flash_deal": deal.id}
    )
    return create_orders(conn, actor.user_id, [draft], at=at, pay_window=pay_window, guards=to_run)


def _room_promise(deal) -> Promise:
    """The live room's promise, read with the deal (_DEAL_WITH_ROOM)."""
    return promise_of(
        SimpleNamespace(
            promise_kind=deal.room_promise_kind,
            promise_hours=deal.room_promise_hours,
            presale_date=deal.room_presale_date,
        )
    )


def return_unpaid(conn: Connection, *, now: datetime, limit: int = 500) -> int:
    """Units of deal orders cancelled as unpaid went back to the SKU (cancel_unpaid); while the
    deal runs they go back to the deal instead, once per purchase."""
    due = conn.execute(
        select(
            flash_purchases.c.id,
            flash_purchases.c.deal_id,
            flash_purchases.c.quantity,
            flash_purchases.c.buyer_id,
            flash_deals.c.sku_id,
            flash_deals.c.ends_at,
            flash_deals.c.closed_at,
        )
        .join(flash_deals, flash_deals.c.id == flash_purchases.c.deal_id)
        .join(orders, orders.c.id == flash_purchases.c.order_id)
        .where(orders.c.status == OrderStatus.CANCELLED.value, flash_purchases.c.returned_at.is_(None))
        .order_by(flash_purchases.c.id)
        .limit(limit)
    ).all()
    returned = 0
    for p in due:
        if (
            conn.execute(
                flash_purchases.update()
                .where(flash_purchases.c.id == p.id, flash_purchases.c.returned_at.is_(None))
                .values(returned_at=now)
            ).rowcount
            != 1
        ):
            continue
        conn.execute(
            flash_allowances.update()
            .where(flash_allowances.c.deal_id == p.deal_id, flash_allowances.c.buyer_id == p.buyer_id)
            .values(units=flash_allowances.c.units - p.quantity)
        )
        if p.closed_at is not None or p.ends_at <= now:
            continue  # the deal is over: the units stay with the SKU
        if (
            conn.execute(
                skus.update()
                .where(skus.c.id == p.sku_id, skus.c.stock >= p.quantity)
                .values(stock=skus.c.stock - p.quantity)
            ).rowcount
            == 1
        ):
            conn.execute(
                flash_buckets.update()
                .where(flash_buckets.c.deal_id == p.deal_id, flash_buckets.c.bucket == 0)
                .values(remaining=flash_buckets.c.remaining + p.quantity)
            )
            returned += 1
    return returned


def close_ended(conn: Connection, *, now: datetime, limit: int = 100) -> int:
    """Deals past their window give their unsold units back to the SKU, once."""
    due = conn.execute(
        select(flash_deals.c.id, flash_deals.c.sku_id)
        .where(flash_deals.c.ends_at <= now, flash_deals.c.closed_at.is_(None))
        .order_by(flash_deals.c.id)
        .limit(limit)
    ).all()
    for deal in due:
        if (
            conn.execute(
                flash_deals.update()
                .where(flash_deals.c.id == deal.id, flash_deals.c.closed_at.is_(None))
                .values(closed_at=now)
            ).rowcount
            != 1
        ):
            continue
        rows = conn.execute(
            select(flash_buckets.c.id, flash_buckets.c.remaining)
            .where(flash_buckets.c.deal_id == deal.id)
            .with_for_update()
        ).all()
        unsold = sum(r.remaining for r in rows)
        conn.execute(flash_buckets.update().where(flash_buckets.c.deal_id == deal.id).values(remaining=0))
        conn.execute(skus.update().where(skus.c.id == deal.sku_id).values(stock=skus.c.stock + unsold))
    return len(due)


def deal_view(conn: Connection, deal_id: int) -> dict:
    deal = conn.execute(
        select(
            flash_deals,
            skus.c.name.label("sku_name"),
            products.c.title.label("product_title"),
            products.c.id.label("product_id"),
        )
        .join(skus, skus.c.id == flash_deals.c.sku_id)
        .join(products, products.c.id == skus.c.product_id)
        .where(flash_deals.c.id == deal_id)
    ).first()
    if deal is None:
        raise NotFound(f"no flash deal {deal_id}")
    sold = conn.execute(
        select(func.coalesce(func.sum(flash_purchases.c.quantity), 0))
        .join(orders, orders.c.id == flash_purchases.c.order_id)
        .where(flash_purchases.c.deal_id == deal_id, orders.c.status != OrderStatus.CANCELLED.value)
    ).scalar_one()
    return dict(deal._mapping, remaining=remaining(conn, deal_id), sold=sold)


def shop_deals(conn: Connection, actor: Actor, shop_id: int) -> list[dict]:
    require_shop(actor, shop_id, read_only=True)
    ids = conn.execute(
        select(flash_deals.c.id).where(flash_deals.c.shop_id == shop_id).order_by(flash_deals.c.id.desc())
    ).scalars()
    return [deal_view(conn, i) for i in ids]
