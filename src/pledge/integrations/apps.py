"""Apps (开放平台应用): a shop's owner registers an app (an ERP, a service provider's tool), grants it
scopes, and gets a key for it, shown once and kept only as a SHA-256. The key acts for that one
shop and only within its scopes: the web layer maps every API operation an app may call to the
scope it needs (pledge.web.app_scopes) and refuses every other operation with 403. Keys are
rotated (the old ones stop at once) and revoked with the app."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, ShopRole, require_shop, token_digest
from pledge.integrations.tables import app_keys, apps
from pledge.kernel.db import inserted_id
from pledge.kernel.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from pledge.kernel.text import clean_text

KEY_PREFIX = "pla_"
NAME_MAX = 60
SCOPES = frozenset(
    {
        "orders:read",  # the shop's orders, one order, its logistics
        "orders:ship",  # ship an order, print its carrier slip
        "stock:read",  # the shop's stock
        "stock:write",  # set a SKU's stock
        "cases:read",  # after-sales cases
        "cases:decide",  # review a case, confirm a return received
        "settlement:read",  # balance and statement
        "webhooks:read",  # the shop's webhook endpoints and their delivery log
        "webhooks:write",  # register, disable, delete endpoints, rotate secrets, replay deliveries
    }
)


@dataclass(frozen=True)
class AppCaller:
    """Who an app key acts as: the shop's member the app stands for, and what it may do."""

    actor: Actor
    app_id: int
    shop_id: int
    scopes: frozenset[str]


@dataclass(frozen=True)
class IssuedKey:
    app_id: int
    key: str  # shown once


def scopes_text(requested: object) -> str:
    if not isinstance(requested, (list, tuple, set, frozenset)) or not requested:
        raise InvalidInput("scopes: name at least one scope")
    unknown = sorted({str(s) for s in requested} - SCOPES)
    if unknown:
        raise InvalidInput(f"scopes: unknown {', '.join(unknown)}; known: {', '.join(sorted(SCOPES))}")
    return " ".join(sorted({str(s) for s in requested}))


def require_owner(actor: Actor, shop_id: int) -> None:
    if require_shop(actor, shop_id) != ShopRole.OWNER:
        raise Forbidden("only the shop's owner grants apps access")


def _issue_key(conn: Connection, app_id: int, shop_id: int, at: datetime) -> IssuedKey:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    conn.execute(
        app_keys.insert().values(
            key_hash=token_digest(key), app_id=app_id, shop_id=shop_id, last4=key[-4:], created_at=at
        )
    )
    return IssuedKey(app_id, key)


def register_app(
    conn: Connection,
    actor: Actor,
    *,
    shop_id: int,
    name: object,
    scopes: object,
    at: datetime,
    listing_id: int | None = None,
) -> IssuedKey:
    """The owner registers an app for the shop with the scopes granted (or installs a listed
    app: pledge.integrations.listings); its first key."""
    require_owner(actor, shop_id)
    granted = scopes_text(scopes)
    title = clean_text(name, field="the app's name", max_length=NAME_MAX)
    app_id = inserted_id(
        conn,
        apps.insert().values(
            shop_id=shop_id,
            name=title,
            scopes=granted,
            granted_by=actor.user_id,
            created_at=at,
            listing_id=listing_id,
        ),
    )
    return _issue_key(conn, app_id, shop_id, at)


def _live_app(conn: Connection, actor: Actor, app_id: int):
    """The app, locked, if the actor owns its shop and it is not revoked; NotFound otherwise
    (another shop's app is not told apart from none)."""
    row = conn.execute(select(apps).where(apps.c.id == app_id).with_for_update()).first()
    if row is None or row.revoked_at is not None or row.shop_id not in actor.shops:
        raise NotFound(f"no app {app_id}")
    require_owner(actor, row.shop_id)
    return row


def _revoke_keys(conn: Connection, app_id: int, at: datetime) -> None:
    conn.execute(
        update(app_keys)
        .where(app_keys.c.app_id == app_id, app_keys.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )


def rotate_key(conn: Connection, actor: Actor, app_id: int, *, at: datetime) -> IssuedKey:
    """A new key; every earlier key of the app stops working at once."""
    app = _live_app(conn, actor, app_id)
    _revoke_keys(conn, app_id, at)
    return _issue_key(conn, app_id, app.shop_id, at)


def set_scopes(conn: Connection, actor: Actor, app_id: int, scopes: object) -> str:
    _live_app(conn, actor, app_id)
    granted = scopes_text(scopes)
    conn.execute(update(apps).where(apps.c.id == app_id).values(scopes=granted))
    return granted


def revoke_app(conn: Connection, actor: Actor, app_id: int, *, at: datetime) -> None:
    """The app and its keys stop at once."""
    _live_app(conn, actor, app_id)
    _revoke_keys(conn, app_id, at)
    conn.execute(update(apps).where(apps.c.id == app_id).values(revoked_at=at))


def shop_apps(conn: Connection, actor: Actor, shop_id: int) -> list[dict]:
    require_owner(actor, shop_id)
    a, k = apps.c, app_keys.c
    rows = conn.execute(
        select(a.id, a.name, a.scopes, a.created_at, a.revoked_at, k.last4)
        .outerjoin(app_keys, (k.app_id == a.id) & k.revoked_at.is_(None))
        .where(a.shop_id == shop_id)
        .order_by(a.id)
    )
    return [{**r._mapping, "scopes": r.scopes.split()} for r in rows]


def caller_for_key(conn: Connection, key: str) -> AppCaller:
    """Who a key acts as. The app stands for its shop with the role its scopes need (finance for
    settlement:read, else staff) and acts in the name of the owner who granted it."""
    a, k = apps.c, app_keys.c
    row = conn.execute(
        select(a.id, a.shop_id, a.name, a.scopes, a.granted_by)
        .join(app_keys, k.app_id == a.id)
        .where(k.key_hash == token_digest(key), k.revoked_at.is_(None), a.revoked_at.is_(None))
    ).first()
    if row is None:
        raise Unauthorized("unknown or revoked app key")
    scopes = frozenset(row.scopes.split())
    role = ShopRole.FINANCE if "settlement:read" in scopes else ShopRole.STAFF
    actor = Actor(row.granted_by, f"app:{row.name}", None, {row.shop_id: role.value})
    return AppCaller(actor, row.id, row.shop_id, scopes)
