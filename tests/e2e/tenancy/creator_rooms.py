"""Tenancy cases of creators' own live rooms (达人直播间): only the creator whose room it is opens
its console, starts or ends it and pins or unpins its cards; another's room id is 404 and
touches nothing (the side's owner is also a creator here, selling its own shop's product)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from pledge.catalog.tables import skus
from pledge.creators import rooms
from pledge.creators import services as creators
from pledge.creators.tables import creators as creator_rows
from tests.e2e.tenancy import Case, Ids

IDLE = (("room_id", "idle_creator_room_id"),)
LIVE = (("room_id", "creator_room_id"),)  # live.py keeps the shop's rooms under room_id
HLS = "/media/live/sunflower/index.m3u8"


def _form(csrf: str, **fields: str) -> dict:
    return {"data": {"csrf_token": csrf, **fields}}


def _pin_body(ids: Ids, csrf: str) -> dict:
    return _form(csrf, sku_id=str(ids.extra["room_sku_id"]), price_yuan="9.90")


def _unpin_body(ids: Ids, csrf: str) -> dict:
    return _form(csrf, sku_id=str(ids.extra["room_sku_id"]))


ROUTES: dict[tuple[str, str], Case] = {
    ("GET", "/creator/rooms/{room_id}"): Case("denied", params=LIVE),
    ("POST", "/creator/rooms/{room_id}/start"): Case(
        "denied", lambda ids, csrf: _form(csrf, playback_url=HLS), ok=303, params=IDLE
    ),
    ("POST", "/creator/rooms/{room_id}/end"): Case(
        "denied", lambda ids, csrf: _form(csrf), ok=303, params=LIVE
    ),
    ("POST", "/creator/rooms/{room_id}/cards"): Case("denied", _pin_body, ok=303, params=LIVE),
    ("POST", "/creator/rooms/{room_id}/cards/remove"): Case("denied", _unpin_body, ok=303, params=LIVE),
}


def _creator(world, owner) -> None:
    with world.app.uow.begin() as c:
        found = c.execute(select(creator_rows.c.id).where(creator_rows.c.user_id == owner.user_id)).scalar()
        if found is None:
            new = creators.NewCreator(f"creator_{owner.user_id}", "店主达人", 5_000)
            creators.register_creator(c, owner, new, at=world.now)


def _room_sku(world, owner, ids: Ids) -> int:
    """A product of the side's shop the owner (as a creator) may sell, in their showcase."""
    if "room_sku_id" in ids.extra:
        return ids.extra["room_sku_id"]
    sku = world.product(owner, ids.shop_id, title="直播间向日葵", category=ids.category_id)
    with world.app.uow.begin() as c:
        product_id = c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()
        creators.offer_rate(
            c, owner, creators.NewRate(product_id, 1500, world.now - timedelta(days=1)), at=world.now
        )
        creators.add_to_showcase(c, owner, world.app.rulebook, product_id=product_id, at=world.now)
    return sku


def prepare(world, owner, buyer, ids: Ids) -> None:
    """A live room of the owner's with the product pinned, and an idle room to start."""
    app = world.app
    _creator(world, owner)
    ids.extra["room_sku_id"] = _room_sku(world, owner, ids)
    with app.uow.begin() as c:
        ids.extra["idle_creator_room_id"] = rooms.open_room(
            c, owner, app.rulebook, title="待开播", at=world.now
        )
        room_id = rooms.open_room(c, owner, app.rulebook, title="达人直播间", at=world.now)
        rooms.go_live(c, owner, room_id=room_id, playback_url=HLS, at=world.now)
        rooms.pin(
            c,
            owner,
            app.rulebook,
            room_id=room_id,
            sku_id=ids.extra["room_sku_id"],
            price_fen=990,
            at=world.now,
        )
    ids.extra["creator_room_id"] = room_id
