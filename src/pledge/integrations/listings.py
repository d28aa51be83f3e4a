"""Platform-listed apps (应用市场): the platform's operator lists a service provider's app with the
scopes it asks for; any shop's owner installs it for the shop, granting some or all of those
scopes, and gets the installation's own key (shown once, kept as a SHA-256). An installation is an
app of the shop (pledge.integrations.apps) that remembers its listing: its key is rotated, its
scopes narrowed and the installation revoked (uninstalled) per shop, exactly as a shop's own app.
A shop installs a listed app once at a time; after uninstalling it may install it again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform
from pledge.integrations import apps as shop_apps
from pledge.integrations.tables import app_keys, app_listings, apps
from pledge.kernel.db import inserted_id
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.kernel.text import clean_text

DESCRIPTION_MAX = 400


def list_app(
    conn: Connection, actor: Actor, *, name: object, description: object, scopes: object, at: datetime
) -> int:
    """The operator lists an app with the scopes it asks shops for."""
    require_platform(actor, "operator")
    values = {
        "name": clean_text(name, field="the app's name", max_length=shop_apps.NAME_MAX),
        "description": clean_text(description, field="the description", max_length=DESCRIPTION_MAX),
        "scopes": shop_apps.scopes_text(scopes),
    }
    return inserted_id(conn, app_listings.insert().values(**values, listed_by=actor.user_id, created_at=at))


def listings(conn: Connection) -> list[dict]:
    """Every listed app, newest first."""
    a = app_listings.c
    rows = conn.execute(
        select(a.id, a.name, a.description, a.scopes, a.created_at)
        .where(a.withdrawn_at.is_(None))
        .order_by(a.id.desc())
    )
    return [{**r._mapping, "scopes": r.scopes.split()} for r in rows]


def _live_installation(conn: Connection, shop_id: int, listing_id: int) -> int | None:
    return conn.execute(
        select(apps.c.id).where(
            apps.c.shop_id == shop_id, apps.c.listing_id == listing_id, apps.c.revoked_at.is_(None)
        )
    ).scalar()


def install(
    conn: Connection, actor: Actor, *, shop_id: int, listing_id: int, scopes: object, at: datetime
) -> shop_apps.IssuedKey:
    """The shop's owner installs a listed app, granting a subset of the scopes it asks for."""
    shop_apps.require_owner(actor, shop_id)
    listing = conn.execute(  # locked: two installs of one app in one shop run one after the other
        select(app_listings)
        .where(app_listings.c.id == listing_id, app_listings.c.withdrawn_at.is_(None))
        .with_for_update()
    ).first()
    if listing is None:
        raise NotFound(f"no listed app {listing_id}")
    granted = shop_apps.scopes_text(scopes)
    beyond = sorted(set(granted.split()) - set(listing.scopes.split()))
    if beyond:
        raise InvalidInput(f"scopes: {listing.name} does not ask for {', '.join(beyond)}")
    if _live_installation(conn, shop_id, listing_id) is not None:
        raise Conflict(f"{listing.name} is installed in this shop already; uninstall it first")
    return shop_apps.register_app(
        conn, actor, shop_id=shop_id, name=listing.name, scopes=granted.split(), at=at, listing_id=listing_id
    )


def market(conn: Connection, actor: Actor, shop_id: int) -> list[dict]:
    """Every listed app, with the shop's installation of it (its id, granted scopes, key end)."""
    shop_apps.require_owner(actor, shop_id)
    a, k = apps.c, app_keys.c
    installed = {
        r.listing_id: r
        for r in conn.execute(
            select(a.id, a.listing_id, a.scopes, k.last4)
            .outerjoin(app_keys, (k.app_id == a.id) & k.revoked_at.is_(None))
            .where(a.shop_id == shop_id, a.listing_id.is_not(None), a.revoked_at.is_(None))
        )
    }
    market_rows = []
    for listing in listings(conn):
        mine = installed.get(listing["id"])
        market_rows.append(
            {
                **listing,
                "app_id": mine.id if mine else None,
                "granted": mine.scopes.split() if mine else [],
                "last4": mine.last4 if mine else None,
            }
        )
    return market_rows
