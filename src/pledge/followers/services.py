"""Following a shop: follow, unfollow, and who follows it (those told when it goes live).
Following twice is following once; the count is read, never stored, so it cannot drift."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor
from pledge.catalog.tables import shops
from pledge.followers.tables import shop_followers
from pledge.kernel.db import dialect_insert
from pledge.kernel.errors import NotFound


@dataclass(frozen=True)
class Following:
    shop_id: int
    following: bool
    followers: int


def _check_shop(conn: Connection, shop_id: int) -> None:
    if conn.execute(select(shops.c.id).where(shops.c.id == shop_id)).first() is None:
        raise NotFound(f"no shop {shop_id}")


def follow(conn: Connection, actor: Actor, *, shop_id: int, at: datetime) -> Following:
    _check_shop(conn, shop_id)
    conn.execute(
        dialect_insert(conn)(shop_followers)
        .values(shop_id=shop_id, user_id=actor.user_id, created_at=at)
        .on_conflict_do_nothing(index_elements=["shop_id", "user_id"])
    )
    return following(conn, actor.user_id, shop_id)


def unfollow(conn: Connection, actor: Actor, *, shop_id: int) -> Following:
    _check_shop(conn, shop_id)
    f = shop_followers.c
    conn.execute(shop_followers.delete().where(f.shop_id == shop_id, f.user_id == actor.user_id))
    return following(conn, actor.user_id, shop_id)


def following(conn: Connection, user_id: int | None, shop_id: int) -> Following:
    f = shop_followers.c
    count = conn.execute(
        select(func.count()).select_from(shop_followers).where(f.shop_id == shop_id)
    ).scalar_one()
    mine = user_id is not None and (
        conn.execute(select(f.id).where(f.shop_id == shop_id, f.user_id == user_id)).first() is not None
    )
    return Following(shop_id, mine, count)


def follower_ids(conn: Connection, shop_id: int) -> list[int]:
    f = shop_followers.c
    return list(conn.execute(select(f.user_id).where(f.shop_id == shop_id).order_by(f.user_id)).scalars())
