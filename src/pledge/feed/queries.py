"""What operators and merchants see of the ranking: the weight clauses in force, the traffic
support programmes, and for a shop its quality factors as the last training weighed them and
where its items stand in people's feeds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform, require_shop
from pledge.catalog.tables import products
from pledge.feed import support
from pledge.reach import quality
from pledge.reach.recording import Subject
from pledge.reach.tables import reach_candidates, reach_popular, reach_shop_quality, reach_support_programs
from pledge.rulebooks.loader import Rulebook

VIEWER_ROLES = ("operator", "reviewer", "finance")


def weights(book: Rulebook, at: datetime) -> dict:
    """The clauses that rank the feed, for the operator page (numbers and citations)."""
    return {
        "weights": quality.weights(book, at),
        "factors": quality.factors_clause(book, at),
        "bounds": book.one("reach_support_bounds", at),
    }


def operator_view(conn: Connection, actor: Actor, book: Rulebook, at: datetime) -> dict:
    require_platform(actor, *VIEWER_ROLES)
    return weights(book, at) | {"programs": support.programs(conn)}


def _product_standing(conn: Connection, shop_id: int) -> list[dict]:
    c = reach_candidates.c
    standing = (
        select(c.subject_id, func.count().label("users"), func.min(c.rank).label("best"))
        .where(c.subject == Subject.PRODUCT.value)
        .group_by(c.subject_id)
        .subquery()
    )
    popular = select(reach_popular.c.subject_id, reach_popular.c.rank).where(
        reach_popular.c.subject == Subject.PRODUCT.value
    )
    in_popular = {row.subject_id: row.rank for row in conn.execute(popular)}
    query = (
        select(products.c.id, products.c.title, standing.c.users, standing.c.best)
        .outerjoin(standing, standing.c.subject_id == products.c.id)
        .where(products.c.shop_id == shop_id)
        .order_by(products.c.id)
    )
    return [
        {"id": r.id, "title": r.title, "users": r.users or 0, "best": r.best, "popular": in_popular.get(r.id)}
        for r in conn.execute(query)
    ]


def shop_view(conn: Connection, actor: Actor, shop_id: int, book: Rulebook, at: datetime) -> dict:
    """A merchant's "why my items rank where they do": the factors, their weights, the boost."""
    require_shop(actor, shop_id, read_only=True)
    row = conn.execute(select(reach_shop_quality).where(reach_shop_quality.c.shop_id == shop_id)).first()
    program = None
    if row is not None and row.support_program_id is not None:
        t = reach_support_programs.c
        program = conn.execute(
            select(t.name, t.name_en, t.version).where(t.id == row.support_program_id)
        ).first()
    return weights(book, at) | {
        "quality": row,
        "program": program,
        "products": _product_standing(conn, shop_id),
    }
