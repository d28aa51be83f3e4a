"""Who is in an audience, as SQL: each rule is a SELECT of user ids from the shop's own data, the
audience is their UNION (which also removes duplicates), and its size is a COUNT over that union:
the members are never loaded into Python to be counted.

- viewed / clicked: behaviour events (`reach_events`, kind view / click) of signed-in users on the
  shop's products in the last N days;
- carted: cart events of the same kind, and cart lines added in the last N days;
- ordered: orders of the shop paid in the last N days;
- followers: the shop's followers; wishers: the authors of wishes in the shop's wish pool (of one
  demand, or of every demand)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, union
from sqlalchemy.engine import Connection

from pledge.audiences.model import Rule, RuleKind
from pledge.catalog.tables import products, skus
from pledge.followers.tables import shop_followers
from pledge.kernel.db import AnySelect
from pledge.orders.tables import cart_lines, orders
from pledge.reach.recording import EventKind, Subject
from pledge.reach.tables import reach_events
from pledge.wishes.tables import wishes

EVENT_OF = {
    RuleKind.VIEWED: EventKind.VIEW,
    RuleKind.CLICKED: EventKind.CLICK,
    RuleKind.CARTED: EventKind.CART,
}


def _events(shop_id: int, kind: EventKind, since: datetime) -> AnySelect:
    e = reach_events.c
    return (
        select(e.user_id.label("user_id"))
        .join(products, products.c.id == e.subject_id)
        .where(
            e.subject == Subject.PRODUCT.value,
            e.kind == kind.value,
            e.at >= since,
            e.user_id.is_not(None),
            products.c.shop_id == shop_id,
        )
    )


def _rule_selects(shop_id: int, rule: Rule, at: datetime) -> list[AnySelect]:
    since = at - timedelta(days=rule.days or 0)
    if rule.kind in EVENT_OF:
        selects = [_events(shop_id, EVENT_OF[rule.kind], since)]
        if rule.kind == RuleKind.CARTED:
            c = cart_lines.c
            selects.append(
                select(c.buyer_id.label("user_id"))
                .join(skus, skus.c.id == c.sku_id)
                .where(skus.c.shop_id == shop_id, c.added_at >= since)
            )
        return selects
    if rule.kind == RuleKind.ORDERED:
        o = orders.c
        return [select(o.buyer_id.label("user_id")).where(o.shop_id == shop_id, o.paid_at >= since)]
    if rule.kind == RuleKind.FOLLOWERS:
        f = shop_followers.c
        return [select(f.user_id.label("user_id")).where(f.shop_id == shop_id)]
    w = wishes.c
    query = select(w.author_id.label("user_id")).where(w.shop_id == shop_id)
    if rule.demand_id is not None:
        query = query.where(w.demand_id == rule.demand_id)
    return [query]


def members_query(shop_id: int, rules: Sequence[Rule], at: datetime) -> AnySelect:
    """SELECT user_id of every buyer in the union of the rules (each once)."""
    selects = [s for rule in rules for s in _rule_selects(shop_id, rule, at)]
    return select(union(*selects).subquery().c.user_id)


def size(conn: Connection, shop_id: int, rules: Sequence[Rule], at: datetime) -> int:
    if not rules:
        return 0
    members = union(*[s for rule in rules for s in _rule_selects(shop_id, rule, at)]).subquery()
    return conn.execute(select(func.count()).select_from(members)).scalar_one()


def members(conn: Connection, shop_id: int, rules: Sequence[Rule], at: datetime) -> list[int]:
    """The members' user ids, ascending (a send needs them one by one)."""
    query = members_query(shop_id, rules, at)
    return sorted(conn.execute(query).scalars())
