"""Merchants' sample plans and the money of paid samples (douyin:aJmYG5vi4n1f §1.2, §2.1, §2.6):

- review-free samples (免审样品): a creator with at least the plan's followers is approved at once;
- paid samples (买样返款): the creator pays the plan's price up front; the platform holds it until
  the promotion duty is decided (creators.sample_duties):

    sample-payment:{sample_id}  external:sample-payers -> platform:sample-payments   (bought)
    sample-refund:{sample_id}   platform:sample-payments -> external:sample-payers   (met, returned,
                                                                                      cancelled, expired)
    sample-kept:{sample_id}     platform:sample-payments -> settlement:{shop}:available (duty broken)

Each key is its cause, so a price is refunded or kept at most once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_shop
from pledge.catalog.tables import products
from pledge.creators.model import SampleKind
from pledge.creators.tables import sample_plans
from pledge.kernel.db import dialect_insert
from pledge.kernel.errors import InvalidInput, NotFound
from pledge.kernel.limits import MAX_AMOUNT_FEN
from pledge.ledger import services as ledger
from pledge.settlement.accounts import available

SAMPLE_PAYERS = "external:sample-payers"
SAMPLE_PAYMENTS = "platform:sample-payments"
MAX_TARGET_ORDERS = 100
MAX_FOLLOWERS = 1_000_000_000


@dataclass(frozen=True)
class SamplePlan:
    mode: SampleKind
    price_fen: int | None = None  # paid
    target_orders: int | None = None  # paid: X
    min_followers: int | None = None  # review-free


def _checked(plan: SamplePlan) -> SamplePlan:
    if plan.mode == SampleKind.PAID:
        if type(plan.price_fen) is not int or not 0 < plan.price_fen <= MAX_AMOUNT_FEN:
            raise InvalidInput(f"a paid sample's price is a positive amount of at most {MAX_AMOUNT_FEN} fen")
        if type(plan.target_orders) is not int or not 1 <= plan.target_orders <= MAX_TARGET_ORDERS:
            raise InvalidInput(f"a paid sample's refund takes 1 to {MAX_TARGET_ORDERS} settled orders")
        return SamplePlan(plan.mode, plan.price_fen, plan.target_orders)
    if plan.mode == SampleKind.REVIEW_FREE:
        if type(plan.min_followers) is not int or not 0 <= plan.min_followers <= MAX_FOLLOWERS:
            raise InvalidInput("a review-free plan needs the followers a creator must have, 0 or more")
        return SamplePlan(plan.mode, min_followers=plan.min_followers)
    raise InvalidInput(f"a sample plan is paid or review_free, not {plan.mode!r}")


def set_sample_plan(
    conn: Connection, actor: Actor, *, product_id: int, plan: SamplePlan, at: datetime
) -> None:
    """A member of the product's shop sets (or replaces) its sample plan."""
    plan = _checked(plan)
    shop_id = conn.execute(select(products.c.shop_id).where(products.c.id == product_id)).scalar()
    if shop_id is None:
        raise NotFound(f"no product {product_id}")
    require_shop(actor, shop_id)
    values = {
        "mode": plan.mode.value,
        "price_fen": plan.price_fen,
        "target_orders": plan.target_orders,
        "min_followers": plan.min_followers,
        "updated_by": actor.user_id,
        "updated_at": at,
    }
    insert = dialect_insert(conn)(sample_plans).values(product_id=product_id, shop_id=shop_id, **values)
    conn.execute(insert.on_conflict_do_update(index_elements=["product_id"], set_=values))


def remove_sample_plan(conn: Connection, actor: Actor, *, product_id: int) -> None:
    row = plan_row(conn, product_id)
    if row is None:
        raise NotFound(f"product {product_id} has no sample plan")
    require_shop(actor, row.shop_id)
    conn.execute(sample_plans.delete().where(sample_plans.c.product_id == product_id))


def shop_plans(conn: Connection, shop_id: int) -> list[dict]:
    """The shop's sample plans with their products' titles (the caller checked the shop)."""
    k = sample_plans.c
    rows = conn.execute(
        select(sample_plans, products.c.title)
        .join(products, products.c.id == k.product_id)
        .where(k.shop_id == shop_id)
        .order_by(k.product_id)
    )
    return [dict(r._mapping, mode=SampleKind(r.mode)) for r in rows]


def paid_plans(conn: Connection, product_ids: list[int]) -> dict[int, int]:
    """The paid sample price of each of these products that has a paid plan."""
    k = sample_plans.c
    rows = conn.execute(
        select(k.product_id, k.price_fen).where(
            k.product_id.in_(product_ids), k.mode == SampleKind.PAID.value
        )
    )
    return {r.product_id: r.price_fen for r in rows}


def plan_row(conn: Connection, product_id: int):
    return conn.execute(select(sample_plans).where(sample_plans.c.product_id == product_id)).first()


def take_payment(conn: Connection, *, sample_id: int, creator_id: int, price_fen: int, at: datetime) -> None:
    ledger.record(
        conn,
        key=f"sample-payment:{sample_id}",
        kind="sample_payment",
        memo=f"creator {creator_id} bought sample {sample_id}",
        postings=[ledger.Posting(SAMPLE_PAYERS, SAMPLE_PAYMENTS, price_fen)],
        at=at,
    )


def refund_payment(conn: Connection, *, sample_id: int, price_fen: int, why: str, at: datetime) -> None:
    """Give a paid sample's price back (the caller's conditional write claimed the cause)."""
    ledger.record(
        conn,
        key=f"sample-refund:{sample_id}",
        kind="sample_refund",
        memo=f"sample {sample_id} refunded: {why}",
        postings=[ledger.Posting(SAMPLE_PAYMENTS, SAMPLE_PAYERS, price_fen)],
        at=at,
    )


def keep_payment(conn: Connection, *, sample_id: int, shop_id: int, price_fen: int, at: datetime) -> None:
    """The duty was broken: the shop keeps the sample's price (the sale of the sample)."""
    ledger.record(
        conn,
        key=f"sample-kept:{sample_id}",
        kind="sample_sale",
        memo=f"sample {sample_id}'s promotion duty broken: the shop keeps its price",
        postings=[ledger.Posting(SAMPLE_PAYMENTS, available(shop_id), price_fen)],
        at=at,
    )
