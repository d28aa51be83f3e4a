"""What a product carries, period by period: the 坏了包退 badge (douyin:aJn4bujNmDDo) and the
shop's shipping insurance (运费险, douyin:aJpAMtJPdWH7). An order is judged by what its products
carried when it was paid ("订单成交时"), so switching a service on or off opens or closes a
period instead of overwriting a flag."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from pledge.accounts.services import Actor, Permission, require_shop
from pledge.aftersales import policy
from pledge.aftersales.tables import product_services
from pledge.catalog.tables import categories, products
from pledge.kernel.db import dialect_insert
from pledge.kernel.errors import InvalidInput, NotFound
from pledge.rulebooks.loader import Rulebook

DAMAGE_BADGE = "damage_badge"
SHIPPING_INSURANCE = "shipping_insurance"


def product_categories(conn: Connection, product_ids: set[int]) -> dict[int, tuple[str, ...]]:
    """Each product's category and its first-level category, most specific first."""
    parent = aliased(categories)
    rows = conn.execute(
        select(products.c.id, categories.c.name, parent.c.name.label("parent_name"))
        .join(categories, categories.c.id == products.c.category_id)
        .outerjoin(parent, parent.c.id == categories.c.parent_id)
        .where(products.c.id.in_(product_ids))
    )
    return {r.id: tuple(n for n in (r.name, r.parent_name) if n) for r in rows}


def _in_force(at: datetime):
    ps = product_services.c
    return and_(ps.starts_at <= at, or_(ps.ends_at.is_(None), ps.ends_at > at))


def services_at(conn: Connection, product_ids: set[int], at: datetime) -> dict[int, dict[str, str]]:
    """{product id: {service: tier}} of the services each product carried at `at` (the badge's
    tier is "")."""
    found: dict[int, dict[str, str]] = {}
    if not product_ids:
        return found
    ps = product_services.c
    for row in conn.execute(
        select(ps.product_id, ps.service, ps.tier).where(ps.product_id.in_(product_ids), _in_force(at))
    ):
        found.setdefault(row.product_id, {})[row.service] = row.tier
    return found


def _product_of(conn: Connection, actor: Actor, product_id: int):
    row = conn.execute(select(products.c.id, products.c.shop_id).where(products.c.id == product_id)).first()
    if row is None:
        raise NotFound(f"no product {product_id}")
    require_shop(actor, row.shop_id, permission=Permission.PLEDGES)
    return row


def _switch(conn: Connection, product, service: str, tier: str | None, at: datetime) -> None:
    """Close the open period (if any) and, with a tier, open a new one; a concurrent switch
    that opened its period first wins (ON CONFLICT on the one-open-period index)."""
    ps = product_services.c
    current = conn.execute(
        select(ps.tier).where(ps.product_id == product.id, ps.service == service, ps.ends_at.is_(None))
    ).first()
    if current is not None and tier is not None and current.tier == tier:
        return  # already so: keep the period that started earlier
    conn.execute(
        product_services.update()
        .where(ps.product_id == product.id, ps.service == service, ps.ends_at.is_(None))
        .values(ends_at=at)
    )
    if tier is None:
        return
    insert = dialect_insert(conn)
    conn.execute(
        insert(product_services)
        .values(product_id=product.id, shop_id=product.shop_id, service=service, tier=tier, starts_at=at)
        .on_conflict_do_nothing(index_elements=["product_id", "service"], index_where=ps.ends_at.is_(None))
    )


def set_shipping_insurance(
    conn: Connection, actor: Actor, product_id: int, *, tier: str | None, book: Rulebook, at: datetime
) -> None:
    """The shop buys (tier small | upgraded | large) or stops shipping insurance for a product.
    douyin:aJpAMtJPdWH7 has the shop opt in for all its eligible goods at once; Pledge lets it
    choose per product (a shop may opt in every product)."""
    product = _product_of(conn, actor, product_id)
    if tier is not None:
        offered = [c.get("tier") for c in book.in_force("shipping_insurance", at)]
        if tier not in offered:
            choices = ", ".join(offered) or "none in this rulebook"
            raise InvalidInput(f"unknown shipping insurance {tier!r}; one of {choices}")
    _switch(conn, product, SHIPPING_INSURANCE, tier, at)


def set_damage_badge(
    conn: Connection, actor: Actor, product_id: int, *, on: bool, book: Rulebook, at: datetime
) -> None:
    """The 坏了包退 badge on a product of the guarantee's categories, while the guarantee takes
    new orders (2024-12-04 to 2026-07-05); afterwards badges can only be taken off."""
    product = _product_of(conn, actor, product_id)
    if on:
        names = product_categories(conn, {product.id}).get(product.id, ())
        clause = next(iter(book.in_force("damage_service", at)), None)
        if clause is None or clause.get("withdrawn"):
            raise InvalidInput(
                "the 坏了包退 guarantee takes no new orders now, so no product can carry its badge"
            )
        if not policy.category_groups(book, names, at) & set(clause.get("groups", [])):
            raise InvalidInput(
                f"{'/'.join(names)} goods are outside the categories of the 坏了包退 guarantee ({clause.id})"
            )
    _switch(conn, product, DAMAGE_BADGE, "" if on else None, at)
