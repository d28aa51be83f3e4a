"""Read side of chat: one conversation with its messages (or only those after a message id, for
polling), the caller's conversations, and the merchant inbox with unanswered ones first."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from pledge.accounts.services import Actor, require_shop
from pledge.accounts.tables import users
from pledge.catalog.tables import shops
from pledge.chat.services import conversation_for
from pledge.chat.tables import conversations, messages
from pledge.kernel.errors import InvalidInput
from pledge.kernel.screening import Outcome

_buyer = aliased(users, name="buyer")
PREVIEW = 80


def _summaries():
    c = conversations.c
    last = (
        select(messages.c.body)
        .where(messages.c.conversation_id == c.id, messages.c.moderation == Outcome.ALLOW.value)
        .order_by(messages.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(
            c.id,
            c.shop_id,
            shops.c.name.label("shop_name"),
            shops.c.timezone,
            c.buyer_id,
            _buyer.c.display_name.label("buyer_name"),
            c.order_id,
            c.status,
            c.created_at,
            c.started_at,
            c.last_message_at,
            c.awaiting_reply_since,
            c.stars,
            c.rated_at,
            c.closed_at,
            last.label("last_body"),
        )
        .join(shops, shops.c.id == c.shop_id)
        .join(_buyer, _buyer.c.id == c.buyer_id)
    )


def _rows(conn: Connection, query) -> list[dict]:
    rows = [dict(r._mapping) for r in conn.execute(query)]
    for row in rows:
        body = row.pop("last_body") or ""
        row["last_preview"] = body if len(body) <= PREVIEW else body[:PREVIEW] + "…"
    return rows


def conversation_view(
    conn: Connection, actor: Actor, conversation_id: int, *, after: int | None = None
) -> dict:
    """The conversation with its messages; with `after`, only messages with a larger id. A
    message the content checks hold for a reviewer is shown to its author only (`held`)."""
    _row, role = conversation_for(conn, actor, conversation_id)
    if after is not None and after < 0:
        raise InvalidInput("after is a message id (0 or more)")
    view = _rows(conn, _summaries().where(conversations.c.id == conversation_id))[0]
    m = messages.c
    query = (
        select(
            m.id,
            m.sender,
            m.body,
            m.at,
            users.c.display_name.label("author_name"),
            (m.moderation != Outcome.ALLOW.value).label("held"),
        )
        .join(users, users.c.id == m.author_id)
        .where(
            m.conversation_id == conversation_id,
            or_(m.moderation == Outcome.ALLOW.value, m.author_id == actor.user_id),
        )
    )
    if after is not None:
        query = query.where(m.id > after)
    view["messages"] = [dict(r._mapping) for r in conn.execute(query.order_by(m.id))]
    view["role"] = role
    view["last_message_id"] = view["messages"][-1]["id"] if view["messages"] else after or 0
    return view


def _inbox_order():
    c = conversations.c
    # unanswered first, the longest waiting at the top; then the most recent
    return (
        c.awaiting_reply_since.is_(None),
        c.awaiting_reply_since,
        c.last_message_at.is_(None),
        c.last_message_at.desc(),
        c.id.desc(),
    )


def my_conversations(conn: Connection, actor: Actor, limit: int = 200) -> dict[str, list[dict]]:
    c = conversations.c
    as_buyer = _rows(
        conn,
        _summaries()
        .where(c.buyer_id == actor.user_id)
        .order_by(c.last_message_at.is_(None), c.last_message_at.desc(), c.id.desc())
        .limit(limit),
    )
    as_shop = (
        _rows(
            conn,
            _summaries().where(c.shop_id.in_(sorted(actor.shops))).order_by(*_inbox_order()).limit(limit),
        )
        if actor.shops
        else []
    )
    return {"as_buyer": as_buyer, "as_shop": as_shop}


def shop_inbox(conn: Connection, actor: Actor, shop_id: int, *, limit: int = 200) -> list[dict]:
    require_shop(actor, shop_id, read_only=True)
    return _rows(
        conn, _summaries().where(conversations.c.shop_id == shop_id).order_by(*_inbox_order()).limit(limit)
    )
