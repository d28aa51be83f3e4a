"""Creator accounts and the affiliate marketplace (精选联盟), each use case in the caller's
transaction: a user becomes a creator; the platform sets a creator's grade for a period and their
standing (limit, restore, remove); a merchant offers a commission rate for a product (for every
creator or one chosen creator, effective-dated, never overlapping); a creator adds a product to
their showcase (橱窗) only where a rate lets them sell it (`affiliate.rate-required`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform, require_shop
from pledge.catalog.tables import categories, products
from pledge.creators.model import LIFECYCLE, CreatorStatus
from pledge.creators.policy import (
    AffiliateQuote,
    BaseParts,
    check_rate,
    clause_of,
    grade_clause,
    grade_period,
    quote_affiliate,
)
from pledge.creators.tables import (
    affiliate_rates,
    creator_categories,
    creator_grades,
    creators,
    showcase_items,
)
from pledge.kernel.db import dialect_insert, inserted_id
from pledge.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from pledge.rulebooks.loader import Rulebook

HANDLE = re.compile(r"[a-z0-9_]{3,30}")
MAX_FOLLOWERS = 2_000_000_000  # fits the INTEGER column; more than anyone has


@dataclass(frozen=True)
class NewCreator:
    handle: str
    display_name: str
    follower_count: int
    category_ids: tuple[int, ...] = ()


def _check_new_creator(conn: Connection, new: NewCreator) -> None:
    if not HANDLE.fullmatch(new.handle):
        raise InvalidInput("a handle is 3 to 30 lower-case letters, digits or underscores")
    if not 1 <= len(new.display_name.strip()) <= 60:
        raise InvalidInput("a display name has 1 to 60 characters")
    if type(new.follower_count) is not int or not 0 <= new.follower_count <= MAX_FOLLOWERS:
        raise InvalidInput(f"a follower count is a whole number from 0 to {MAX_FOLLOWERS}")
    wanted = set(new.category_ids)
    found = set(conn.execute(select(categories.c.id).where(categories.c.id.in_(wanted))).scalars())
    if wanted - found:
        raise NotFound(f"no category {min(wanted - found)}")


def register_creator(conn: Connection, actor: Actor, new: NewCreator, *, at: datetime) -> int:
    """The caller becomes a creator (one account per user, handles unique)."""
    _check_new_creator(conn, new)
    c = creators.c
    taken = conn.execute(
        select(c.user_id, c.handle).where(or_(c.user_id == actor.user_id, c.handle == new.handle))
    ).first()
    if taken is not None:
        mine = taken.user_id == actor.user_id
        raise Conflict("you already have a creator account" if mine else f"the handle {new.handle} is taken")
    creator_id = inserted_id(
        conn,
        creators.insert().values(
            user_id=actor.user_id,
            handle=new.handle,
            display_name=new.display_name.strip(),
            follower_count=new.follower_count,
            status=CreatorStatus.ACTIVE.value,
            created_at=at,
        ),
    )
    for category_id in sorted(set(new.category_ids)):
        conn.execute(creator_categories.insert().values(creator_id=creator_id, category_id=category_id))
    return creator_id


def _creator(conn: Connection, creator_id: int):
    row = conn.execute(select(creators).where(creators.c.id == creator_id)).first()
    if row is None:
        raise NotFound(f"no creator {creator_id}")
    return row


def creator_of(conn: Connection, actor: Actor):
    """The caller's creator account, or Forbidden."""
    row = conn.execute(select(creators).where(creators.c.user_id == actor.user_id)).first()
    if row is None:
        raise Forbidden("you have no creator account")
    return row


def set_creator_status(conn: Connection, actor: Actor, *, creator_id: int, status: str) -> None:
    """The platform limits, restores or removes a creator. Removal takes every product out of
    the creator's showcase. Trust & safety (operator or reviewer) decides it."""
    require_platform(actor, "operator", "reviewer")
    row = _creator(conn, creator_id)
    LIFECYCLE.move(conn, creators, creator_id, row.status, status)
    if status == CreatorStatus.REMOVED:
        conn.execute(showcase_items.delete().where(showcase_items.c.creator_id == creator_id))


def set_grade(
    conn: Connection,
    actor: Actor,
    book: Rulebook,
    *,
    creator_id: int,
    period_start: date,
    grade: str,
    at: datetime,
) -> None:
    """The platform publishes a creator's grade for the period starting `period_start` (the 9th:
    `affiliate.grade-period`); publishing again for the same period replaces it."""
    require_platform(actor, "operator")
    _creator(conn, creator_id)
    noon = datetime.combine(period_start, time(12), ZoneInfo(book.timezone))
    if grade_period(book, noon).first_day != period_start:
        first = clause_of(book, "affiliate_grade_period", noon).get("first_day")
        raise InvalidInput(f"a grade period starts on day {first} of a month, not on {period_start}")
    letter = str(grade_clause(book, grade, noon).get("grade"))
    conn.execute(
        dialect_insert(conn)(creator_grades)
        .values(creator_id=creator_id, period_start=period_start, grade=letter, set_at=at)
        .on_conflict_do_update(
            index_elements=["creator_id", "period_start"], set_={"grade": letter, "set_at": at}
        )
    )


def grade_of(conn: Connection, book: Rulebook, creator_id: int, paid_at: datetime) -> str | None:
    """The grade an order paid at `paid_at` pays its service fee by, if one was published."""
    start = grade_period(book, paid_at).first_day
    g = creator_grades.c
    return conn.execute(select(g.grade).where(g.creator_id == creator_id, g.period_start == start)).scalar()


@dataclass(frozen=True)
class NewRate:
    product_id: int
    rate_bp: int
    starts_at: datetime
    ends_at: datetime | None = None
    creator_id: int | None = None  # None: every creator (全部达人); else one chosen creator (指定达人)


def _overlapping(rows: Iterable, new: NewRate):
    for row in rows:
        ends_after_start = row.ends_at is None or row.ends_at > new.starts_at
        starts_before_end = new.ends_at is None or row.starts_at < new.ends_at
        if ends_after_start and starts_before_end:
            return row
    return None


def offer_rate(conn: Connection, actor: Actor, new: NewRate, *, at: datetime) -> int:
    """A merchant offers a commission rate for a product. Periods of the same product and
    audience must not overlap: checked under the product's row lock, so two offers racing for
    the same product are serialised."""
    check_rate(new.rate_bp)
    if new.ends_at is not None and new.ends_at <= new.starts_at:
        raise InvalidInput("a rate period ends after it starts")
    product = conn.execute(
        select(products.c.shop_id).where(products.c.id == new.product_id).with_for_update()
    ).first()
    if product is None:
        raise NotFound(f"no product {new.product_id}")
    require_shop(actor, product.shop_id)
    if new.creator_id is not None:
        _creator(conn, new.creator_id)
    r = affiliate_rates.c
    audience = r.creator_id.is_(None) if new.creator_id is None else r.creator_id == new.creator_id
    clash = _overlapping(
        conn.execute(select(affiliate_rates).where(r.product_id == new.product_id, audience)), new
    )
    if clash is not None:
        raise Conflict(
            f"the rate period overlaps rate {clash.id} of product {new.product_id} "
            f"(from {clash.starts_at.isoformat()}); end that one first"
        )
    return inserted_id(
        conn,
        affiliate_rates.insert().values(
            shop_id=product.shop_id,
            product_id=new.product_id,
            creator_id=new.creator_id,
            rate_bp=new.rate_bp,
            starts_at=new.starts_at,
            ends_at=new.ends_at,
            created_by=actor.user_id,
            created_at=at,
        ),
    )


@dataclass(frozen=True)
class RateInForce:
    id: int
    rate_bp: int
    exclusive: bool


def rate_for(conn: Connection, *, product_id: int, creator_id: int, at: datetime) -> RateInForce | None:
    """The rate a creator sells a product at, at `at`: the chosen-creator rate before the rate for
    all creators (`affiliate.rate-priority`); None when the merchant set neither."""
    r = affiliate_rates.c
    in_force = and_(r.product_id == product_id, r.starts_at <= at, or_(r.ends_at.is_(None), r.ends_at > at))
    rows = conn.execute(
        select(r.id, r.rate_bp, r.creator_id).where(
            in_force, or_(r.creator_id.is_(None), r.creator_id == creator_id)
        )
    ).all()
    ranked = sorted(rows, key=lambda row: row.creator_id is None)
    return RateInForce(ranked[0].id, ranked[0].rate_bp, ranked[0].creator_id is not None) if ranked else None


def add_to_showcase(
    conn: Connection, actor: Actor, book: Rulebook, *, product_id: int, at: datetime
) -> RateInForce:
    """An active, qualified creator adds a product a merchant lets them sell; adding it twice
    is adding it once."""
    creator = creator_of(conn, actor)
    if creator.status != CreatorStatus.ACTIVE:
        raise Conflict(f"a {creator.status} creator cannot add products to a showcase")
    least = int(clause_of(book, "creator_qualification", at).get("min_followers"))
    if creator.follower_count < least:
        raise Forbidden(f"a showcase needs at least {least} followers; you have {creator.follower_count}")
    exists = conn.execute(select(products.c.active).where(products.c.id == product_id)).first()
    if exists is None:
        raise NotFound(f"no product {product_id}")
    clause_of(book, "affiliate_rate_required", at)
    rate = rate_for(conn, product_id=product_id, creator_id=creator.id, at=at)
    if rate is None or not exists.active:
        raise Conflict(
            f"product {product_id} is not in the affiliate marketplace for you: "
            "its merchant has set no commission rate you may sell at"
        )
    conn.execute(
        dialect_insert(conn)(showcase_items)
        .values(creator_id=creator.id, product_id=product_id, added_at=at)
        .on_conflict_do_nothing(index_elements=["creator_id", "product_id"])
    )
    return rate


def remove_from_showcase(conn: Connection, actor: Actor, *, product_id: int) -> None:
    creator = creator_of(conn, actor)
    s = showcase_items.c
    conn.execute(showcase_items.delete().where(s.creator_id == creator.id, s.product_id == product_id))


def showcase(conn: Connection, creator_id: int) -> list[int]:
    s = showcase_items.c
    return list(conn.execute(select(s.product_id).where(s.creator_id == creator_id).order_by(s.id)).scalars())


def line_commission(
    conn: Connection, book: Rulebook, *, creator_id: int, product_id: int, parts: BaseParts, paid_at: datetime
) -> AffiliateQuote:
    """The commission of an order line a creator sold: the rate in force at payment (chosen-creator
    rate first) and the creator's grade published for the period of the payment. A line without a
    rate or a grade is an error naming what is missing, never a guessed amount."""
    rate = rate_for(conn, product_id=product_id, creator_id=creator_id, at=paid_at)
    if rate is None:
        raise Conflict(f"product {product_id} had no commission rate for creator {creator_id} at {paid_at}")
    grade = grade_of(conn, book, creator_id, paid_at)
    if grade is None:
        first = grade_period(book, paid_at).first_day
        raise Conflict(f"creator {creator_id} has no grade published for the period from {first}")
    return quote_affiliate(book, parts, rate_bp=rate.rate_bp, grade=grade, paid_at=paid_at)
