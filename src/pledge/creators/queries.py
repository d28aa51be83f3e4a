"""The read side of creators: a creator's profile with categories and showcase."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.creators.services import showcase
from pledge.creators.tables import creator_categories, creators
from pledge.kernel.errors import NotFound


def creator_profile(conn: Connection, creator_id: int) -> dict[str, Any]:
    row = conn.execute(select(creators).where(creators.c.id == creator_id)).first()
    if row is None:
        raise NotFound(f"no creator {creator_id}")
    cc = creator_categories.c
    categories = conn.execute(
        select(cc.category_id).where(cc.creator_id == creator_id).order_by(cc.category_id)
    )
    return {
        "id": row.id,
        "handle": row.handle,
        "display_name": row.display_name,
        "follower_count": row.follower_count,
        "status": row.status,
        "categories": list(categories.scalars()),
        "showcase": showcase(conn, creator_id),
    }
